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
from fieldapp.domain.records import Approval, Case, Caseload, Contact

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
    """One hearing of a court-involved case, held or next: every entry made final before it must be
    approved by the day before (an approval on the court date itself is too late)."""

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
    held: bool = False
    """The hearing has taken place (its day has come): the result is final."""
    entry_ids: tuple[str, ...] = ()
    """Every entry that had to be approved before it."""

    def days_until(self, today: date) -> int:
        """Days left to approve the entries, counted from `today` (0: the last day is today)."""
        return (self.due_by - today).days


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
    """SUP-REVIEW for `month` (per worker) and for the hearings of every court-involved case from the
    month's first day on: held ones with whether their entries were approved in time, and the next one."""
    return approval_coverages(caseload, contacts, approvals, [month], tables=tables, now=now)[0]


def approval_coverages(
    caseload: Caseload,
    contacts: Iterable[Contact],
    approvals: Iterable[Approval],
    months: Iterable[Month],
    *,
    tables: CodeTables,
    now: datetime,
) -> list[ReviewReport]:
    """`approval_coverage` for several months (the dashboard's month and the one before): the contacts'
    agency days and the approvals are worked out once, not once per month."""
    sheet = _Sheet.of(caseload, contacts, approvals, tables, now)
    return [_review(caseload, sheet, month) for month in months]


@dataclass(frozen=True, slots=True)
class _Sheet:
    """A caseload's final contacts with the agency days a review asks about, and who approved what."""

    today: date
    approved_on: dict[str, date]
    approved_by: dict[str, Approval]
    in_caseload: list[tuple[date, Contact]]
    """(agency day of its start, contact) for the final contacts of the caseload's referrals and cases."""
    by_case: dict[str, list[tuple[date, Contact]]]
    """context ID -> (agency day it was made final, contact), in the order given."""

    @classmethod
    def of(
        cls,
        caseload: Caseload,
        contacts: Iterable[Contact],
        approvals: Iterable[Approval],
        tables: CodeTables,
        now: datetime,
    ) -> _Sheet:
        tz = tables.agency.time_zone
        today = business_day(now, tz)
        approvals = list(approvals)
        matter_ids = {r.id for r in caseload.referrals} | {c.id for c in caseload.cases}
        in_caseload: list[tuple[date, Contact]] = []
        by_case: dict[str, list[tuple[date, Contact]]] = {}
        for contact in final_by(contacts, now):
            assert contact.started_at is not None and contact.finalized_at is not None
            if contact.context_id in matter_ids:
                in_caseload.append((business_day(contact.started_at, tz), contact))
            by_case.setdefault(contact.context_id, []).append(
                (business_day(contact.finalized_at, tz), contact)
            )
        return cls(
            today,
            {k: v for k, v in approval_days(approvals, tables).items() if v <= today},
            first_approvals(approvals),
            in_caseload,
            by_case,
        )


def _review(caseload: Caseload, sheet: _Sheet, month: Month) -> ReviewReport:
    today, approved_on = sheet.today, sheet.approved_on
    due_by = month.plus(1).last
    first, last = month.first, month.last
    by_worker: dict[str, list[Contact]] = {}
    for day, contact in sheet.in_caseload:
        if first <= day <= last:
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
            approver_id = sheet.approved_by[cid].approved_by
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
    is_past = last < today
    for case in caseload.cases:
        if not case.court_involved:
            continue
        entries = sheet.by_case.get(case.id, [])
        for court in court_dates(case):
            if court < first or (is_past and court > today):
                continue  # an earlier month's hearing, or (for a past month) one not held yet
            courts.append(_court_review(case, court, entries, approved_on, today))
    courts.sort(key=lambda c: (c.court_date, c.case_id))
    return ReviewReport(RULE_ID, month, today, tuple(monthly), tuple(courts))


def final_by(contacts: Iterable[Contact], now: datetime) -> list[Contact]:
    """The contacts made final by `now` that have a start, in their given order.

    Compares times since the epoch: parsed times carry distinct time-zone objects, and comparing such
    datetimes asks both for their UTC offset every time."""
    now_ts = now.timestamp()
    return [
        c
        for c in contacts
        if c.finalized_at is not None and c.finalized_at.timestamp() <= now_ts and c.started_at
    ]


def court_dates(case: Case) -> list[date]:
    """Every hearing of the case, held or scheduled (its next court date among them), oldest first."""
    days = {h.held_on for h in case.court_hearings}
    if case.next_court_date is not None:
        days.add(case.next_court_date)
    return sorted(days)


def _court_review(
    case: Case,
    court: date,
    entries: list[tuple[date, Contact]],
    approved_on: dict[str, date],
    today: date,
) -> CourtReview:
    """The entries made final before the hearing day (`entries`: the case's final contacts with the agency
    day each was made final), and whether each was approved the day before at the latest. A hearing held
    stays judged as it was: approving an entry afterwards does not mend it."""
    last_ok = court - timedelta(days=1)
    before = [c for final_day, c in entries if final_day < court]
    missing_ids = tuple(c.id for c in before if c.id not in approved_on)
    late_ids = tuple(c.id for c in before if c.id in approved_on and approved_on[c.id] > last_ok)
    outstanding = len(missing_ids) + len(late_ids)
    held = court <= today
    what = f"{case.name} ({case.id})"
    if not outstanding:
        status = MeasureStatus.MET
        detail = (
            f"All {len(before)} entries of {what} were approved before the hearing on {_fmt(court)}."
            if held
            else f"All {len(before)} entries of {what} are approved before the court date {_fmt(court)}."
        )
    elif today <= last_ok:
        status = MeasureStatus.DUE
        left = (last_ok - today).days
        when = "today" if left == 0 else ("by tomorrow" if left == 1 else f"within {left} days")
        detail = (
            f"{outstanding} of {len(before)} entries of {what} are not approved before the court date "
            f"{_fmt(court)}; approve them by {_fmt(last_ok)} ({when})."
        )
    else:
        status = MeasureStatus.MISSED
        parts = []
        if late_ids:
            parts.append(f"{len(late_ids)} approved only on or after that day")
        if missing_ids:
            parts.append(f"{len(missing_ids)} still not approved")
        detail = (
            f"{outstanding} of {len(before)} entries of {what} were not approved before the court date "
            f"{_fmt(court)} (they had to be by {_fmt(last_ok)}): {' and '.join(parts)}."
        )
    return CourtReview(
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
        held=held,
        entry_ids=tuple(c.id for c in before),
    )
