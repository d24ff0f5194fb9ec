"""SUP-REVIEW: which final contacts a supervisor has approved, monthly and before a court date.

The supervisor approves each worker's contact sheet at least monthly (a month's final contacts, by the end
of the following month), and every entry of a court-involved case before its next court date (an approval
on the court date itself is too late).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fieldapp.domain.agency_time import Month, business_day
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.compliance.model import MeasureStatus
from fieldapp.domain.records import Approval, Caseload, Contact

RULE_ID = "SUP-REVIEW"


def _fmt(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True, slots=True)
class ApprovalNote:
    """Who approved a contact and on which agency day: what the worker sees next to the contact."""

    contact_id: str
    approved_by_id: str
    approved_by_name: str
    approved_on: date

    @property
    def sentence(self) -> str:
        return f"Approved by {self.approved_by_name} on {_fmt(self.approved_on)}."


@dataclass(frozen=True, slots=True)
class MonthlyReview:
    """One worker's contact sheet for one month: approved or not, and by when it must be."""

    rule_id: str
    worker_id: str
    worker_name: str
    month: Month
    final_contact_ids: tuple[str, ...]
    approved_contact_ids: tuple[str, ...]
    unapproved_contact_ids: tuple[str, ...]
    due_by: date
    status: MeasureStatus
    detail: str
    approvals: tuple[ApprovalNote, ...] = ()


@dataclass(frozen=True, slots=True)
class CourtReview:
    """A court-involved case: every final entry before the next court date must be approved before it."""

    rule_id: str
    case_id: str
    case_name: str
    worker_id: str
    court_date: date
    due_by: date
    unapproved_contact_ids: tuple[str, ...]
    approved_late_contact_ids: tuple[str, ...]
    status: MeasureStatus
    detail: str


@dataclass(frozen=True, slots=True)
class ReviewReport:
    rule_id: str
    month: Month
    as_of: date
    monthly: tuple[MonthlyReview, ...]
    court_reviews: tuple[CourtReview, ...]


def first_approvals(approvals: Iterable[Approval]) -> dict[str, Approval]:
    """contact id -> the approval that first covered it."""
    out: dict[str, Approval] = {}
    for approval in sorted(approvals, key=lambda a: (a.approved_at, a.id)):
        for contact_id in approval.contact_ids:
            out.setdefault(contact_id, approval)
    return out


def approval_days(approvals: Iterable[Approval], tables: CodeTables) -> dict[str, date]:
    """contact id -> the agency day it was first approved."""
    tz = tables.agency.time_zone
    return {cid: business_day(a.approved_at, tz) for cid, a in first_approvals(approvals).items()}


def approval_coverage(
    caseload: Caseload,
    contacts: Iterable[Contact],
    approvals: Iterable[Approval],
    month: Month,
    *,
    tables: CodeTables,
    now: datetime,
) -> ReviewReport:
    """SUP-REVIEW for `month` (per worker) and for every court-involved case's next court date."""
    tz = tables.agency.time_zone
    today = business_day(now, tz)
    approvals = list(approvals)
    approved_on = {k: v for k, v in approval_days(approvals, tables).items() if v <= today}
    approved_by = first_approvals(approvals)
    final = [c for c in contacts if c.finalized_at is not None and c.finalized_at <= now and c.started_at]
    due_by = month.plus(1).last

    by_worker: dict[str, list[Contact]] = {}
    for contact in final:
        assert contact.started_at is not None
        if month.contains(business_day(contact.started_at, tz)) and caseload.matter(contact.context_id):
            by_worker.setdefault(contact.staff_person_id or "", []).append(contact)
    monthly = []
    for worker_id, theirs in sorted(by_worker.items()):
        staff = caseload.staff_member(worker_id)
        name = staff.full_name if staff else worker_id
        ids = tuple(c.id for c in sorted(theirs, key=lambda c: (c.started_at, c.id)))
        done = tuple(i for i in ids if i in approved_on)
        missing = tuple(i for i in ids if i not in approved_on)
        if not missing:
            status = MeasureStatus.MET
            detail = f"All {len(ids)} final contacts of {name} in {month.label} are approved."
        else:
            status = MeasureStatus.DUE if today <= due_by else MeasureStatus.MISSED
            detail = (
                f"{len(missing)} of {len(ids)} final contacts of {name} in {month.label} await the "
                f"supervisor's approval (due by {_fmt(due_by)})."
            )
        notes = []
        for cid in done:
            approver_id = approved_by[cid].approved_by
            approver = caseload.staff_member(approver_id)
            notes.append(
                ApprovalNote(
                    cid, approver_id, approver.full_name if approver else approver_id, approved_on[cid]
                )
            )
        monthly.append(
            MonthlyReview(
                RULE_ID, worker_id, name, month, ids, done, missing, due_by, status, detail, tuple(notes)
            )
        )

    courts = []
    for case in caseload.cases:
        if not case.court_involved or case.next_court_date is None:
            continue
        court = case.next_court_date
        last_ok = court - timedelta(days=1)
        entries = [
            c
            for c in final
            if c.context_id == case.id
            and c.finalized_at is not None
            and business_day(c.finalized_at, tz) < court
        ]
        missing_ids = tuple(c.id for c in entries if c.id not in approved_on)
        late_ids = tuple(c.id for c in entries if c.id in approved_on and approved_on[c.id] > last_ok)
        outstanding = missing_ids + late_ids
        if not outstanding:
            status = MeasureStatus.MET
            detail = (
                f"All {len(entries)} entries of {case.name} ({case.id}) are approved before the court date "
                f"{_fmt(court)}."
            )
        else:
            status = MeasureStatus.DUE if today <= last_ok else MeasureStatus.MISSED
            detail = (
                f"{len(outstanding)} of {len(entries)} entries of {case.name} ({case.id}) are not approved "
                f"before the court date {_fmt(court)}; approve them by {_fmt(last_ok)}."
            )
        courts.append(
            CourtReview(
                RULE_ID,
                case.id,
                case.name,
                case.primary_worker_id,
                court,
                last_ok,
                missing_ids,
                late_ids,
                status,
                detail,
            )
        )
    return ReviewReport(RULE_ID, month, today, tuple(monthly), tuple(courts))
