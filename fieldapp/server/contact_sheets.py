"""Contact sheets from the agency's copy: the supervisor's monthly review PDF of a referral/case (SUP-REVIEW:
each entry with who approved it and when) and the release copy for people outside the agency (NAR-PRIVILEGE:
County Counsel entries withheld by the domain's filter, the reporting party never identified).

Who may ask: a review sheet, the worker's supervisor and managers (as for approvals); a release, managers
(the console) or an administrator at the server's own command line. Every release is appended to the
`releases` table with an entry in the tamper-evident audit chain, in the same transaction.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldapp.domain.agency_time import Month
from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.contact_sheet import Audience, ContactSheet, Period, SheetSource, build_sheet
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import (
    Amendment,
    Approval,
    Case,
    Contact,
    ContactState,
    Matter,
    Referral,
    StaffRole,
    Worker,
)
from fieldapp.server.auth import Caller
from fieldapp.server.caseload import parse_worker
from fieldapp.server.db import Database
from fieldapp.server.models import (
    AmendmentRow,
    ApprovalItem,
    ApprovalRow,
    ContactRow,
    MatterRow,
    ReleaseRow,
    Staff,
)
from fieldapp.server.oversight import may_supervise
from fieldapp.server.sheet_pdf import render_pdf
from fieldapp.server.supervision import Invalid, NotFound, Refused


@dataclass(frozen=True, slots=True)
class Releaser:
    """Who makes a release: a manager through the console, or an administrator at the server's terminal."""

    actor_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Release:
    """A release just made: the PDF to hand over and what the audit log recorded about it."""

    id: str
    pdf: bytes
    released: int
    withheld: int


class ReleaseRecord(BaseModel):
    """What the `releases` table keeps of a release: IDs and counts, never an entry's content."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    matter_id: str
    released_by: str
    released_by_name: str
    released_at: datetime
    period_from: date | None
    period_to: date | None
    released_contact_ids: tuple[str, ...]
    withheld_count: int


def manager_releaser(caller: Caller) -> Releaser:
    """A release from the console: managers only (a supervisor reviews, a manager lets records leave)."""
    if caller.role is not StaffRole.MANAGER:
        raise Refused("only a manager may release a case file's contacts")
    return Releaser(caller.worker.id, f"{caller.worker.full_name}, {caller.worker.title}")


def administrator() -> Releaser:
    """A release from `fieldapp-server release`: whoever holds the server's database, by OS account."""
    account = getpass.getuser()
    return Releaser(f"admin:{account}"[:64], f"Administrator ({account}) at the office server")


def contact_sheet_pdf(
    db: Database,
    caller: Caller,
    matter_id: str,
    month: str,
    tables: CodeTables,
    *,
    now: datetime | None = None,
) -> bytes:
    """SUP-REVIEW: the internal contact sheet of a referral/case for one month (YYYY-MM) as PDF bytes, each
    entry with its approvals (who, when) and amendments. Only the assigned worker's supervisor and managers.

    Raises Refused (403), NotFound (404) or Invalid (422, field "month")."""
    try:
        chosen = Month.parse(month)
    except ValueError as exc:
        raise Invalid("month", f"month must be YYYY-MM, e.g. 2026-11 (got {month!r})") from exc
    if caller.role not in (StaffRole.SUPERVISOR, StaffRole.MANAGER):
        raise Refused("only a supervisor or manager may do this")
    with db.read() as session:
        matter, assigned = _matter(session, matter_id)
        staff = _staff(session)
        worker = staff.get(assigned)
        if worker is None or not may_supervise(session, caller.worker, worker):
            raise Refused(f"{matter_id} is not assigned to a worker you supervise")
        sources = _sources(session, matter_id, month=str(chosen))
    sheet = build_sheet(
        matter,
        sources,
        tables,
        staff=staff,
        audience=Audience.INTERNAL,
        period=Period.month(chosen),
        prepared_at=now or datetime.now(UTC),
        prepared_by=f"{caller.worker.full_name}, {caller.worker.title}",
    )
    return render_pdf(sheet)


def release_case(
    db: Database,
    releaser: Releaser,
    matter_id: str,
    tables: CodeTables,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
) -> Release:
    """A copy of a referral's/case's contacts for someone outside the agency (dates inclusive, agency
    calendar), with County Counsel entries withheld (NAR-PRIVILEGE) and the reporting party never named;
    recorded in `releases` and the audit chain before the PDF is handed back."""
    if start is not None and end is not None and start > end:
        raise Invalid("from", f"the period starts ({start}) after it ends ({end})")
    moment = now or datetime.now(UTC)
    with db.read() as session:
        matter, _assigned = _matter(session, matter_id)
        staff = _staff(session)
        sources = _sources(session, matter_id, month=None)
    sheet = build_sheet(
        matter,
        sources,
        tables,
        staff=staff,
        audience=Audience.RELEASE,
        period=Period(start, end),
        prepared_at=moment,
        prepared_by=releaser.name,
    )
    pdf = render_pdf(sheet)
    release = _record_release(db, releaser, sheet, moment)
    return Release(release.id, pdf, len(sheet.entries), sheet.withheld_count)


def _record_release(db: Database, releaser: Releaser, sheet: ContactSheet, moment: datetime) -> ReleaseRecord:
    record = ReleaseRecord(
        id=new_id(),
        matter_id=sheet.matter_id,
        released_by=releaser.actor_id,
        released_by_name=releaser.name,
        released_at=moment,
        period_from=sheet.period.start,
        period_to=sheet.period.end,
        released_contact_ids=tuple(e.contact_id for e in sheet.entries),
        withheld_count=sheet.withheld_count,
    )
    with db.write() as w:
        w.session.add(
            ReleaseRow(
                id=record.id,
                matter_id=record.matter_id,
                released_by=record.released_by,
                released_count=len(record.released_contact_ids),
                withheld_count=record.withheld_count,
                record=canonical_json(record).decode(),
                released_at=moment,
            )
        )
        w.audit(
            actor_id=releaser.actor_id,
            action="release",
            record_kind="release",
            record_id=record.id,
            content_hash=content_hash(record),
        )
    return record


def releases_of(db: Database, matter_id: str) -> list[ReleaseRecord]:
    """Every release made of a referral/case, oldest first (for the console and the tests)."""
    with db.read() as session:
        rows = session.execute(
            select(ReleaseRow.record)
            .where(ReleaseRow.matter_id == matter_id)
            .order_by(ReleaseRow.released_at)
        ).scalars()
        return [ReleaseRecord.model_validate_json(r) for r in rows]


# --------------------------------------------------------------------------- reading


def _matter(session: Session, matter_id: str) -> tuple[Matter, str]:
    row = session.get(MatterRow, matter_id)
    if row is None:
        raise NotFound(f"no referral or case {matter_id!r} on the server")
    matter: Matter = (
        Referral.model_validate_json(row.record)
        if row.kind == "referral"
        else Case.model_validate_json(row.record)
    )
    return matter, row.assigned_worker_id


def _staff(session: Session) -> dict[str, Worker]:
    return {sid: parse_worker(rec) for sid, rec in session.execute(select(Staff.id, Staff.record))}


def _sources(session: Session, matter_id: str, *, month: str | None) -> list[SheetSource]:
    """The matter's contacts on the server with their approvals and amendments, in three statements."""
    query = select(ContactRow.id, ContactRow.record).where(ContactRow.context_id == matter_id)
    if month is not None:
        query = query.where(ContactRow.month == month)
    contacts = {cid: Contact.model_validate_json(rec) for cid, rec in session.execute(query)}
    approvals: dict[str, list[Approval]] = {}
    amendments: dict[str, list[Amendment]] = {}
    if contacts:
        ids = list(contacts)
        parsed: dict[str, Approval] = {}
        for contact_id, approval_id, record in session.execute(
            select(ApprovalItem.contact_id, ApprovalRow.id, ApprovalRow.record)
            .join(ApprovalRow, ApprovalRow.id == ApprovalItem.approval_id)
            .where(ApprovalItem.contact_id.in_(ids))
        ):
            approval = parsed.get(approval_id) or parsed.setdefault(
                approval_id, Approval.model_validate_json(record)
            )
            approvals.setdefault(contact_id, []).append(approval)
        for contact_id, record in session.execute(
            select(AmendmentRow.contact_id, AmendmentRow.record).where(AmendmentRow.contact_id.in_(ids))
        ):
            amendments.setdefault(contact_id, []).append(Amendment.model_validate_json(record))
    return [
        SheetSource(
            contact=contact,
            state=ContactState.APPROVED if approvals.get(cid) else ContactState.SYNCED,
            approvals=tuple(approvals.get(cid, ())),
            amendments=tuple(amendments.get(cid, ())),
        )
        for cid, contact in contacts.items()
    ]
