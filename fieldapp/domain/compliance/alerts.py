"""SUP-ALERTS: what a worker still has to do this month, and what a supervisor must know is overdue.

Both lists are views of the month reports (and of the SUP-REVIEW results), never a second computation, so
the worker's "due" list and the supervisor's "overdue" list can never disagree with the reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance.model import MeasureResult, MeasureStatus, MonthReport
from fieldapp.domain.compliance.review import ReviewReport

RULE_ID = "SUP-ALERTS"


def _fmt(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass(frozen=True, slots=True)
class DueItem:
    """One thing the worker still has to do; `days_remaining` counts the days after today (0 = due today)."""

    rule_id: str
    measure_id: str
    matter_id: str
    person_id: str | None
    person_name: str
    due_by: date | None
    days_remaining: int | None
    message: str


@dataclass(frozen=True, slots=True)
class DueList:
    """The worker's list for the current month, soonest first."""

    rule_id: str
    worker_id: str
    as_of: date
    items: tuple[DueItem, ...]

    @property
    def people_needing_a_visit(self) -> tuple[str, ...]:
        monthly = ("CMP-CHILD-MONTH", "CMP-PARENT-MONTH", "CMP-SCP-MONTH")
        return tuple(dict.fromkeys(i.person_name for i in self.items if i.measure_id in monthly))


def _days_left(due_by: date | None, today: date) -> str:
    if due_by is None:
        return "no fixed date; as soon as possible"
    left = (due_by - today).days
    if left == 0:
        return f"due today ({_fmt(due_by)})"
    if left == 1:
        return f"1 day left (by {_fmt(due_by)})"
    return f"{left} days left (by {_fmt(due_by)})"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def worker_due_list(report: MonthReport, worker_id: str) -> DueList:
    """What `worker_id` still has to do in the report's month: every measure of theirs that is DUE, and
    the cases whose month no approved case plan fully covers (CLS-CASEPLAN).

    A past month has nothing still due: whatever it left open with a deadline ahead belongs to the
    current month's report, so a past month's list never shows a deadline in the future.
    """
    today = report.as_of
    if report.month < Month.of(today):
        return DueList(RULE_ID, worker_id, today, ())
    items = [
        DueItem(
            rule_id=RULE_ID,
            measure_id=m.measure_id,
            matter_id=m.matter_id,
            person_id=m.person_id,
            person_name=m.person_name,
            due_by=m.due_by,
            days_remaining=None if m.due_by is None else (m.due_by - today).days,
            message=f"{m.detail} {_upper_first(_days_left(m.due_by, today))}.",
        )
        for m in report.for_worker(worker_id)
        if m.status is MeasureStatus.DUE
    ]
    items.extend(
        DueItem(
            rule_id=RULE_ID,
            measure_id=cov.rule_id,
            matter_id=cov.case_id,
            person_id=None,
            person_name=f"{cov.case_name} family",
            due_by=None,
            days_remaining=None,
            message=f"{cov.case_name} ({cov.case_id}): "
            + " ".join(cov.problems)
            + " Contacts on those days do not count until a case plan is approved.",
        )
        for cov in report.plan_coverage
        if cov.worker_id == worker_id and not cov.covered
    )
    items.sort(key=lambda i: (i.due_by is None, i.due_by or date.max, i.measure_id, i.person_name))
    return DueList(RULE_ID, worker_id, today, tuple(items))


def alert_months(today: date) -> tuple[Month, Month]:
    """The months a supervisor's alerts cover by default: the previous one, whose misses are still
    overdue on the first days of a month, and the current one."""
    current = Month.of(today)
    return current.plus(-1), current


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """One missed requirement a supervisor is alerted to; `source_id` is the measure or SUP-REVIEW."""

    rule_id: str
    source_id: str
    worker_id: str
    matter_id: str
    person_name: str
    was_due: date | None
    days_overdue: int | None
    message: str


@dataclass(frozen=True, slots=True)
class CourtDateAlert:
    """SUP-REVIEW before a hearing: a court-involved case whose entries are not all approved while its court
    date is still ahead. `days_left` counts to `approve_by`, the day before the hearing (0 = today)."""

    rule_id: str
    worker_id: str
    case_id: str
    case_name: str
    court_date: date
    approve_by: date
    days_left: int
    unapproved_contact_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class SupervisorAlerts:
    """What a supervisor must act on: court dates ahead with entries to approve first (nearest first), then
    everything overdue (longest overdue first)."""

    rule_id: str
    as_of: date
    court_dates: tuple[CourtDateAlert, ...]
    items: tuple[OverdueItem, ...]

    def for_worker(self, worker_id: str) -> tuple[OverdueItem, ...]:
        return tuple(i for i in self.items if i.worker_id == worker_id)


def _overdue_measure(m: MeasureResult, today: date) -> OverdueItem:
    days = None if m.due_by is None else (today - m.due_by).days
    return OverdueItem(
        rule_id=RULE_ID,
        source_id=m.measure_id,
        worker_id=m.worker_id,
        matter_id=m.matter_id,
        person_name=m.person_name,
        was_due=m.due_by,
        days_overdue=days,
        message=f"Overdue ({m.measure_id}): {m.detail}",
    )


def _rolling(m: MeasureResult) -> tuple[str, str, str | None] | None:
    """A requirement whose window rolls with the month (CMP-SCP-6MONTH, CMP-RESIDENCE over 12 months):
    each month's result judges the same obligation again, so only the latest one is shown."""
    if m.measure_id == "CMP-SCP-6MONTH" or m.window == "last_12_months":
        return (m.measure_id, m.matter_id, m.person_id)
    return None


def supervisor_alerts(
    reports: Iterable[MonthReport],
    reviews: Sequence[ReviewReport] = (),
    worker_ids: Iterable[str] | None = None,
    court_within_days: int | None = None,
) -> SupervisorAlerts:
    """Everything missed in the given months, and court-involved cases whose entries must be approved
    before a court date still ahead (SUP-REVIEW), nearest first: the supervisor acts on those first.

    `worker_ids` limits the lists to a supervisor's unit; None keeps everyone. `court_within_days` keeps
    only court dates that near (the console's dashboard shows 14 days); None keeps every one ahead. Pass
    the reports and reviews of the previous month too (`alert_months`) so what it left overdue shows.
    """
    wanted = None if worker_ids is None else set(worker_ids)
    reports = list(reports)
    today = max((r.as_of for r in reports), default=date.min)
    items: list[OverdueItem] = []
    seen: set[tuple[str, str, str, date | None, date]] = set()
    latest = max((r.month for r in reports), default=None)
    rolling_now = {
        _rolling(m) for r in reports if r.month == latest for m in r.measures if _rolling(m) is not None
    }
    for report in reports:
        today = max(today, report.as_of)
        for m in report.measures:
            if m.status is not MeasureStatus.MISSED:
                continue
            if report.month != latest and _rolling(m) in rolling_now:
                continue  # the same look-back, judged again this month: its result is the one to show
            key = (m.measure_id, m.matter_id, m.person_name, m.due_by, m.period_start)
            if key in seen:  # a referral measure shows in every month the referral is open
                continue
            seen.add(key)
            items.append(_overdue_measure(m, report.as_of))
        for cov in report.plan_coverage:
            first = cov.uncovered_days[0] if cov.uncovered_days else None
            if (
                first is None
                or first > report.as_of
                or ("CLS-CASEPLAN", cov.case_id, "", None, first) in seen
            ):
                continue
            seen.add(("CLS-CASEPLAN", cov.case_id, "", None, first))
            items.append(
                OverdueItem(
                    rule_id=RULE_ID,
                    source_id=cov.rule_id,
                    worker_id=cov.worker_id,
                    matter_id=cov.case_id,
                    person_name=f"{cov.case_name} family",
                    was_due=first,
                    days_overdue=(report.as_of - first).days,
                    message=f"No approved case plan (CLS-CASEPLAN) for {cov.case_name} ({cov.case_id}): "
                    + " ".join(cov.problems),
                )
            )
    courts: dict[tuple[str, date], CourtDateAlert] = {}
    held: set[tuple[str, date]] = set()
    for review in reviews:
        for court in review.court_reviews:
            hearing = (court.case_id, court.court_date)
            if court.status is MeasureStatus.DUE and hearing not in courts:
                left = court.days_until(review.as_of)
                if court_within_days is None or (court.court_date - review.as_of).days <= court_within_days:
                    courts[hearing] = CourtDateAlert(
                        rule_id=court.rule_id,
                        worker_id=court.worker_id,
                        case_id=court.case_id,
                        case_name=court.case_name,
                        court_date=court.court_date,
                        approve_by=court.due_by,
                        days_left=left,
                        unapproved_contact_ids=court.unapproved_contact_ids,
                        message=f"Before court (SUP-REVIEW): {court.detail}",
                    )
            if court.status is MeasureStatus.MISSED and hearing not in held:
                held.add(hearing)
                items.append(
                    OverdueItem(
                        rule_id=RULE_ID,
                        source_id=court.rule_id,
                        worker_id=court.worker_id,
                        matter_id=court.case_id,
                        person_name=court.case_name,
                        was_due=court.due_by,
                        days_overdue=(review.as_of - court.due_by).days,
                        message=f"Overdue (SUP-REVIEW): {court.detail}",
                    )
                )
        for monthly in review.monthly:
            if monthly.status is MeasureStatus.MISSED:
                items.append(
                    OverdueItem(
                        rule_id=RULE_ID,
                        source_id=monthly.rule_id,
                        worker_id=monthly.worker_id,
                        matter_id="",
                        person_name=monthly.worker_name,
                        was_due=monthly.due_by,
                        days_overdue=(review.as_of - monthly.due_by).days,
                        message=f"Overdue (SUP-REVIEW): {monthly.detail}",
                    )
                )
    ahead = sorted(courts.values(), key=lambda c: (c.court_date, c.case_id))
    if wanted is not None:
        items = [i for i in items if i.worker_id in wanted]
        ahead = [c for c in ahead if c.worker_id in wanted]
    items.sort(key=lambda i: (-(i.days_overdue or 0), i.worker_id, i.source_id, i.person_name))
    return SupervisorAlerts(RULE_ID, today, court_dates=tuple(ahead), items=tuple(items))
