"""What the console's pages read: a unit's workers with their caseloads, contacts and approvals, and the
domain's compliance results computed from them (the console shows what the domain computes, nothing of its
own). One read transaction per page, so a page never mixes two states of the database."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldapp.domain.agency_time import Month
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.compliance import (
    ClinicianReminder,
    JudgmentMemo,
    MonthReport,
    ReviewReport,
    approval_coverages,
    clinician_reminders,
    evaluate_month,
    evaluate_months,
)
from fieldapp.domain.records import Amendment, Approval, Caseload, Contact, Matter, StaffRole, Worker
from fieldapp.server.caseload import matters_of, parse_worker, snapshot_in
from fieldapp.server.db import Database
from fieldapp.server.models import AmendmentRow, ApprovalItem, ApprovalRow, ContactRow, MatterRow, Staff


@dataclass(frozen=True, slots=True)
class WorkerFile:
    """One worker of the unit: their caseload now, every contact they made, their approvals, and the
    judgments of their contacts kept from earlier pages."""

    worker: Worker
    caseload: Caseload
    contacts: tuple[Contact, ...]
    approvals: tuple[Approval, ...]
    memo: JudgmentMemo


@dataclass(slots=True)
class UnitData:
    unit: str
    files: list[WorkerFile]
    staff: dict[str, Worker] = field(default_factory=dict)

    @property
    def worker_ids(self) -> list[str]:
        return [f.worker.id for f in self.files]

    def file_of(self, worker_id: str) -> WorkerFile | None:
        return next((f for f in self.files if f.worker.id == worker_id), None)

    def matter(self, matter_id: str) -> Matter | None:
        for f in self.files:
            found = f.caseload.matter(matter_id)
            if found is not None:
                return found
        return None

    def name_of(self, staff_id: str) -> str:
        staff = self.staff.get(staff_id)
        return staff.full_name if staff else staff_id

    def reports(self, month: Month, tables: CodeTables, now: datetime) -> list[MonthReport]:
        """The month's report of each worker's caseload (CMP measures, activity)."""
        return [
            evaluate_month(f.caseload, f.contacts, month, tables=tables, now=now, memo=f.memo)
            for f in self.files
        ]

    def reports_of(
        self, months: Sequence[Month], tables: CodeTables, now: datetime
    ) -> dict[Month, list[MonthReport]]:
        """Several months' reports of each worker (the dashboard's month and the previous one's overdue
        items): `evaluate_months` judges each of a worker's contacts once for all the months."""
        out: dict[Month, list[MonthReport]] = {m: [] for m in months}
        for f in self.files:
            reports = evaluate_months(f.caseload, f.contacts, months, tables=tables, now=now, memo=f.memo)
            for month, report in zip(months, reports, strict=True):
                out[month].append(report)
        return out

    def reviews(self, month: Month, tables: CodeTables, now: datetime) -> list[ReviewReport]:
        """SUP-REVIEW of each worker's contact sheet for the month and their court-involved cases."""
        return self.reviews_of([month], tables, now)[month]

    def reviews_of(
        self, months: Sequence[Month], tables: CodeTables, now: datetime
    ) -> dict[Month, list[ReviewReport]]:
        """`reviews` for several months, each worker's contacts and approvals read once for all of them."""
        out: dict[Month, list[ReviewReport]] = {m: [] for m in months}
        for f in self.files:
            reviews = approval_coverages(f.caseload, f.contacts, f.approvals, months, tables=tables, now=now)
            for month, review in zip(months, reviews, strict=True):
                out[month].append(review)
        return out

    def clinician(self, tables: CodeTables, now: datetime) -> list[ClinicianReminder]:
        out: list[ClinicianReminder] = []
        for f in self.files:
            out.extend(clinician_reminders(f.caseload, f.contacts, tables=tables, now=now))
        return out


def unit_names(db: Database) -> list[str]:
    """Every unit that has workers (what a manager may choose from)."""
    with db.read() as session:
        return sorted(
            set(session.execute(select(Staff.unit).where(Staff.role == str(StaffRole.WORKER))).scalars())
        )


class ParsedContacts:
    """Parsed contacts shared by every request, keyed by (ID, content hash).

    A stored contact is never updated (NAR-IMMUTABLE: triggers refuse it), so a parsed copy can never go
    stale and needs no invalidation: a new contact is a new key. A unit's pages read every contact of its
    workers over a year (CMP-RESIDENCE looks back 12 months), ~11,000 for 15 workers, and parsing them took
    most of a page's own time; only the missing ones are now read and parsed. Bounded (least recently
    used first out), so memory stays flat.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._items: OrderedDict[tuple[str, str], Contact] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, session: Session, keys: list[tuple[str, str, str]]) -> dict[str, Contact]:
        """{contact ID: contact} for (ID, worker ID, content hash) rows: cached ones, the rest read now."""
        found: dict[str, Contact] = {}
        missing: list[str] = []
        with self._lock:
            for contact_id, _worker_id, digest in keys:
                hit = self._items.get((contact_id, digest))
                if hit is None:
                    missing.append(contact_id)
                else:
                    self._items.move_to_end((contact_id, digest))
                    found[contact_id] = hit
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = session.execute(
                select(ContactRow.id, ContactRow.content_hash, ContactRow.record).where(
                    ContactRow.id.in_(chunk)
                )
            ).all()
            parsed = [(cid, digest, Contact.model_validate_json(record)) for cid, digest, record in rows]
            with self._lock:
                for cid, digest, contact in parsed:
                    self._items[(cid, digest)] = contact
                    found[cid] = contact
                while len(self._items) > self.limit:
                    self._items.popitem(last=False)
        return found


class WorkerMemos:
    """A `JudgmentMemo` per worker, shared by every request (one entry per worker the console has shown).

    The memo itself forgets a worker's judgments when their caseload or the code tables change, and answers
    only for the very contact objects `ParsedContacts` hands out, so nothing here needs invalidating."""

    def __init__(self) -> None:
        self._memos: dict[str, JudgmentMemo] = {}
        self._lock = threading.Lock()

    def of(self, worker_id: str) -> JudgmentMemo:
        with self._lock:
            return self._memos.setdefault(worker_id, JudgmentMemo())


def load_unit(db: Database, unit: str, parsed: ParsedContacts, memos: WorkerMemos) -> UnitData:
    """The unit's workers (role worker), each with caseload, contacts and approvals, read together."""
    with db.read() as session:
        staff_rows = list(session.execute(select(Staff.id, Staff.role, Staff.unit, Staff.record)).all())
        staff = {sid: parse_worker(record) for sid, _role, _unit, record in staff_rows}
        member_ids = sorted(
            sid for sid, role, u, _rec in staff_rows if u == unit and role == str(StaffRole.WORKER)
        )
        contacts: dict[str, list[Contact]] = {m: [] for m in member_ids}
        approvals: dict[str, list[Approval]] = {m: [] for m in member_ids}
        if member_ids:
            keys = [
                (cid, wid, digest)
                for cid, wid, digest in session.execute(
                    select(ContactRow.id, ContactRow.worker_id, ContactRow.content_hash).where(
                        ContactRow.worker_id.in_(member_ids)
                    )
                ).all()
            ]
            by_id = parsed.get_many(session, keys)
            for cid, wid, _digest in keys:
                contacts[wid].append(by_id[cid])
            for worker_id, record in session.execute(
                select(ApprovalRow.worker_id, ApprovalRow.record).where(ApprovalRow.worker_id.in_(member_ids))
            ).all():
                approvals[worker_id].append(Approval.model_validate_json(record))
        files = []
        for worker_id in member_ids:
            caseload = snapshot_in(session, worker_id)
            if caseload is None:
                continue
            files.append(
                WorkerFile(
                    staff[worker_id],
                    caseload,
                    tuple(sorted(contacts[worker_id], key=start_order)),
                    tuple(approvals[worker_id]),
                    memos.of(worker_id),
                )
            )
    return UnitData(unit, sorted(files, key=lambda f: f.worker.full_name), staff)


@dataclass(frozen=True, slots=True)
class StoredContactView:
    """One stored contact with everything its page shows."""

    contact: Contact
    worker: Worker
    matter: Matter | None
    caseload: Caseload | None
    month: str
    approvals: tuple[Approval, ...]
    amendments: tuple[Amendment, ...]


def load_contact(db: Database, contact_id: str) -> StoredContactView | None:
    """A stored contact with its worker, matter (as the server holds it now), approvals and amendments."""
    with db.read() as session:
        row = session.get(ContactRow, contact_id)
        if row is None:
            return None
        staff_row = session.get(Staff, row.worker_id)
        if staff_row is None:
            return None
        contact = Contact.model_validate_json(row.record)
        matter_row = session.get(MatterRow, row.context_id)
        matter = None
        if matter_row is not None:
            referrals, cases = matters_of([(matter_row.kind, matter_row.record)])
            matter = (referrals or cases)[0]
        caseload = snapshot_in(session, row.worker_id)
        approval_records = session.execute(
            select(ApprovalRow.record).where(
                ApprovalRow.worker_id == row.worker_id, ApprovalRow.month == row.month
            )
        ).scalars()
        approvals = tuple(
            a
            for a in (Approval.model_validate_json(r) for r in approval_records)
            if contact_id in a.contact_ids
        )
        amendments = tuple(
            Amendment.model_validate_json(r)
            for r in session.execute(
                select(AmendmentRow.record)
                .where(AmendmentRow.contact_id == contact_id)
                .order_by(AmendmentRow.received_at, AmendmentRow.id)
            ).scalars()
        )
        month = row.month
    if caseload is not None and matter is not None and caseload.matter(matter.id) is None:
        # reassigned away since: judge the contact in the matter it was made in
        caseload = caseload.model_copy(
            update={"referrals": (*caseload.referrals, matter)}
            if matter.context == "referral"
            else {"cases": (*caseload.cases, matter)}
        )
    return StoredContactView(
        contact, parse_worker(staff_row.record), matter, caseload, month, approvals, amendments
    )


@dataclass(frozen=True, slots=True)
class MatterView:
    matter: Matter
    worker: Worker | None
    contacts: tuple[tuple[Contact, bool], ...]  # (contact, approved)


def load_matter(db: Database, matter_id: str) -> MatterView | None:
    """A referral or case as the server holds it now, with its assigned worker and its stored contacts."""
    with db.read() as session:
        row = session.get(MatterRow, matter_id)
        if row is None:
            return None
        referrals, cases = matters_of([(row.kind, row.record)])
        matter: Matter = (referrals or cases)[0]
        staff_row = session.get(Staff, row.assigned_worker_id)
        contact_rows = list(
            session.execute(
                select(ContactRow.id, ContactRow.record).where(ContactRow.context_id == matter_id)
            ).all()
        )
        ids = [cid for cid, _ in contact_rows]
        approved: set[str] = set()
        if ids:
            approved = set(
                session.execute(
                    select(ApprovalItem.contact_id).where(ApprovalItem.contact_id.in_(ids))
                ).scalars()
            )
    contacts = sorted(
        ((Contact.model_validate_json(rec), cid in approved) for cid, rec in contact_rows),
        key=lambda pair: (pair[0].started_at is None, pair[0].started_at, pair[0].id),
        reverse=True,
    )
    return MatterView(matter, parse_worker(staff_row.record) if staff_row else None, tuple(contacts))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def start_order(contact: Contact) -> tuple[bool, timedelta, str]:
    """Sort key: oldest start first, undated last, then by ID. The start is taken as the time since the
    epoch: two parsed contacts' start times carry distinct time-zone objects, so comparing the datetimes
    themselves asks both for their UTC offset on every comparison, the subtraction once per contact (a
    unit's page sorts every contact of its workers)."""
    started = contact.started_at
    return (started is None, started - _EPOCH if started is not None else timedelta(0), contact.id)


def sorted_by_start(contacts: Sequence[Contact]) -> list[Contact]:
    return sorted(contacts, key=start_order)


def load_unit_staff(db: Database) -> dict[str, Worker]:
    """Every staff member by ID (names of approvers, modifiers and staff persons on a contact)."""
    with db.read() as session:
        return {sid: parse_worker(rec) for sid, rec in session.execute(select(Staff.id, Staff.record)).all()}
