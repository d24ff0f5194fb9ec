"""What supervisors and managers do on the server: see a unit's contacts for a month, approve a worker's
contact sheet (SUP-REVIEW), and amend a contact (NAR-AMEND, append-only)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from fieldapp.domain.agency_time import Month
from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.compliance import evaluate_month, to_json
from fieldapp.domain.compliance import unit_report as compliance_unit_report
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import (
    Amendment,
    Approval,
    Case,
    Contact,
    StaffRole,
    VisitationRequirement,
    Worker,
)
from fieldapp.server.auth import Caller
from fieldapp.server.caseload import caseload_snapshot, put_feed
from fieldapp.server.db import Database
from fieldapp.server.models import AmendmentRow, ApprovalItem, ApprovalRow, ContactRow, MatterRow, Staff
from fieldapp.server.oversight import may_supervise, units_overseen
from fieldapp.server.push import store_amendment
from fieldapp.sync.protocol import (
    AmendmentRequest,
    ApprovalRequest,
    StoredContact,
    UnitContacts,
    UnitReportView,
)


class Refused(Exception):
    """The caller may not do this (403)."""


class NotFound(Exception):
    """No such worker or contact (404)."""


class Invalid(Exception):
    """The request names things that do not fit together (422); `field` says which part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Conflict(Exception):
    """A client ID reused for different content (409)."""


def _require_supervisor(caller: Caller) -> None:
    if caller.role not in (StaffRole.SUPERVISOR, StaffRole.MANAGER):
        raise Refused("only a supervisor or manager may do this")


def require_unit_reader(db: Database, caller: Caller, unit: str) -> None:
    """Only the unit's supervisor and the managers its supervisor reports to see a unit's records."""
    _require_supervisor(caller)
    if caller.role is StaffRole.SUPERVISOR:
        if caller.worker.unit != unit:
            raise Refused("a supervisor sees their own unit only")
        return
    with db.read() as session:  # a manager's units follow the reporting lines in the staff table
        if unit not in units_overseen(session, caller.worker):
            raise Refused("a manager sees the units whose supervisors report to them")


def unit_members(unit: str) -> Select[str]:
    """The staff IDs of a unit, as a subquery: a unit's rows are read in one statement, not two."""
    return select(Staff.id).where(Staff.unit == unit)


def unit_contacts(db: Database, caller: Caller, unit: str, month: str) -> UnitContacts:
    require_unit_reader(db, caller, unit)
    with db.read() as session:
        rows = list(
            session.execute(
                select(ContactRow)
                .where(ContactRow.worker_id.in_(unit_members(unit)), ContactRow.month == month)
                .order_by(ContactRow.worker_id, ContactRow.id)
            ).scalars()
        )
        ids = [r.id for r in rows]
        approvals: dict[str, list[str]] = {}
        for item in session.execute(select(ApprovalItem).where(ApprovalItem.contact_id.in_(ids))).scalars():
            approvals.setdefault(item.contact_id, []).append(item.approval_id)
        amendments: dict[str, list[Amendment]] = {}
        for a in session.execute(
            select(AmendmentRow).where(AmendmentRow.contact_id.in_(ids)).order_by(AmendmentRow.received_at)
        ).scalars():
            amendments.setdefault(a.contact_id, []).append(Amendment.model_validate_json(a.record))
    return UnitContacts(
        unit=unit,
        month=month,
        contacts=tuple(
            StoredContact(
                contact=Contact.model_validate_json(r.record),
                worker_id=r.worker_id,
                content_hash=r.content_hash,
                received_at=r.received_at,
                approval_ids=tuple(sorted(approvals.get(r.id, []))),
                amendments=tuple(amendments.get(r.id, [])),
            )
            for r in rows
        ),
    )


def unit_report(
    db: Database, caller: Caller, unit: str, month: str, tables: CodeTables, as_of: datetime | None
) -> UnitReportView:
    """SUP-REPORTS from the contacts the server holds: every worker of the unit, and the unit's totals."""
    require_unit_reader(db, caller, unit)
    now = as_of or datetime.now(tables.agency.time_zone)
    with db.read() as session:
        member_ids = list(
            session.execute(
                select(Staff.id)
                .where(Staff.unit == unit, Staff.role == str(StaffRole.WORKER))
                .order_by(Staff.id)
            ).scalars()
        )
    if not member_ids:
        raise NotFound(f"no workers in unit {unit!r}")
    reports = []
    caseloads = []
    for worker_id in member_ids:
        caseload = caseload_snapshot(db, worker_id)
        assert caseload is not None
        with db.read() as session:
            records = session.execute(
                select(ContactRow.record).where(ContactRow.worker_id == worker_id)
            ).scalars()
            contacts = [Contact.model_validate_json(r) for r in records]
        reports.append(evaluate_month(caseload, contacts, Month.parse(month), tables=tables, now=now))
        caseloads.append(caseload)
    data = to_json(compliance_unit_report(reports, caseloads, unit))
    assert isinstance(data, dict)
    return UnitReportView.model_validate({**data, "as_of": now})


def _worker(db: Database, worker_id: str) -> Worker:
    with db.read() as session:
        row = session.get(Staff, worker_id)
    if row is None:
        raise NotFound(f"no staff member {worker_id!r}")
    return Worker.model_validate_json(row.record)


def approve(db: Database, caller: Caller, worker_id: str, request: ApprovalRequest) -> tuple[Approval, bool]:
    """SUP-REVIEW: record who approved which of a worker's contacts and when; (approval, created now)."""
    _require_supervisor(caller)
    worker = _worker(db, worker_id)
    with db.read() as session:
        if not may_supervise(session, caller.worker, worker):
            raise Refused("the worker is not in your unit")
    if worker.id == caller.worker.id:
        raise Refused("nobody approves their own contact sheet")
    with db.write() as w:
        if request.id is not None:
            existing = w.session.get(ApprovalRow, request.id)
            if existing is not None:
                approval = Approval.model_validate_json(existing.record)
                if approval.worker_id != worker_id or approval.approved_by != caller.worker.id:
                    raise Conflict("an approval with this ID exists for another worker or supervisor")
                return approval, False
        month_ids = set(
            w.session.execute(
                select(ContactRow.id).where(
                    ContactRow.worker_id == worker_id, ContactRow.month == request.month
                )
            ).scalars()
        )
        if request.contact_ids is None:
            chosen = sorted(month_ids)
        else:
            stray = [c for c in request.contact_ids if c not in month_ids]
            if stray:
                raise Invalid(
                    "contact_ids",
                    f"not contacts of {worker_id} stored for {request.month}: {', '.join(stray[:10])}",
                )
            chosen = sorted(set(request.contact_ids))
        if not chosen:
            raise Invalid("month", f"{worker_id} has no contacts stored for {request.month} to approve")
        approval = Approval(
            id=request.id or new_id(),
            worker_id=worker_id,
            approved_by=caller.worker.id,
            approved_at=datetime.now(UTC),
            contact_ids=tuple(chosen),
            note=request.note,
        )
        w.session.add(
            ApprovalRow(
                id=approval.id,
                worker_id=worker_id,
                approved_by=caller.worker.id,
                month=request.month,
                record=canonical_json(approval).decode(),
                approved_at=approval.approved_at,
            )
        )
        for contact_id in chosen:
            w.session.add(ApprovalItem(approval_id=approval.id, contact_id=contact_id))
        w.audit(
            actor_id=caller.worker.id,
            action="approve",
            record_kind="approval",
            record_id=approval.id,
            content_hash=content_hash(approval),
        )
        put_feed(w, worker_id, "approval", approval.id)
    return approval, True


def amend(
    db: Database, caller: Caller, contact_id: str, request: AmendmentRequest, tz: ZoneInfo
) -> tuple[Amendment, bool]:
    """NAR-AMEND: a supervisor's or manager's addition; the contact itself is never changed."""
    _require_supervisor(caller)
    me = caller.worker
    with db.write() as w:
        contact = w.session.get(ContactRow, contact_id)
        if contact is None:
            raise NotFound(f"no contact {contact_id!r} on the server")
        owner = w.session.get(Staff, contact.worker_id)
        if owner is None or not may_supervise(w.session, me, Worker.model_validate_json(owner.record)):
            raise Refused("the contact is not in your unit")
        if request.id is not None:
            existing = w.session.get(AmendmentRow, request.id)
            if existing is not None:
                stored = Amendment.model_validate_json(existing.record)
                same = (stored.contact_id, stored.modifier_id, stored.new_information, stored.reason) == (
                    contact_id,
                    me.id,
                    request.new_information,
                    request.reason,
                )
                if not same:
                    raise Conflict("an amendment with this ID exists with different content")
                return stored, False
        amendment = Amendment(
            id=request.id or new_id(),
            contact_id=contact_id,
            new_information=request.new_information,
            reason=request.reason,
            modifier_id=me.id,
            modifier_full_name=me.full_name,
            modifier_title=me.title,
            modified_on=datetime.now(tz).date(),  # the agency's calendar day
        )
        store_amendment(w, amendment, content_hash(amendment), contact.worker_id)
    return amendment, True


def set_visitation_requirement(
    db: Database, caller: Caller, case_id: str, requirement: VisitationRequirement
) -> Case:
    """CMP-MVR: a supervisor (or manager) sets or changes a case's minimum visitation requirement. The case
    record changes (a new version, audited) and reaches its worker on their next pull, like any caseload
    change; the compliance measures use it from then on."""
    _require_supervisor(caller)
    if requirement.set_by != caller.worker.id:
        raise Invalid("set_by", "the requirement is recorded as set by the signed-in supervisor")
    with db.write() as w:
        row = w.session.get(MatterRow, case_id)
        if row is None or row.kind != "case":
            raise NotFound(f"no case {case_id!r} on the server")
        owner = w.session.get(Staff, row.assigned_worker_id)
        if owner is None or not may_supervise(
            w.session, caller.worker, Worker.model_validate_json(owner.record)
        ):
            raise Refused("the case is not in your unit")
        case = Case.model_validate_json(row.record).model_copy(update={"visitation_requirement": requirement})
        case = Case.model_validate(case.model_dump())  # validated as a whole, as a loaded case would be
        row.record = canonical_json(case).decode()
        row.content_hash = content_hash(case)
        row.updated_at = datetime.now(UTC)
        w.audit(
            actor_id=caller.worker.id,
            action="set_mvr",
            record_kind="case",
            record_id=case.id,
            content_hash=row.content_hash,
        )
        put_feed(w, row.assigned_worker_id, "caseload", case.id)
    return case
