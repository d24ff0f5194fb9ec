"""What a case plan says about a day or a month: is an approved plan in force (CLS-CASEPLAN), and does the
plan's Schedule for Services change what is required of a person (CLS-SCHEDULE)?

Both the per-contact "counts toward" verdicts and the monthly compliance measures ask these questions;
they live here so that the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fieldapp.domain.agency_time import Month, add_months
from fieldapp.domain.records import Case, CasePlan, ScheduleException, ScheduleExceptionKind

PLAN_MAX_AGE_MONTHS = 6
"""A case plan must be approved at least once every 6 months, regardless of court hearing dates (000)."""


def _fmt(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def approved_plans(case: Case) -> tuple[CasePlan, ...]:
    """Plans that have been approved; a draft plan never puts a case in compliance."""
    return tuple(p for p in case.case_plans if p.approved_on is not None)


def plan_is_stale(plan: CasePlan, day: date) -> bool:
    """True when, on `day`, the plan's approval is more than six months old."""
    if plan.approved_on is None:
        return True
    if (day - plan.approved_on).days <= _SURELY_FRESH_DAYS:
        return False  # asked for every contact and every day of a month: skip the calendar when it is clear
    return day > add_months(plan.approved_on, PLAN_MAX_AGE_MONTHS)


_SURELY_FRESH_DAYS = 181
"""Six calendar months are never shorter than 181 days (31 Aug to 28 Feb)."""


def plan_in_force(case: Case, day: date) -> CasePlan | None:
    """The approved, not stale, plan covering `day` (the latest approved one if several overlap)."""
    best: CasePlan | None = None
    for plan in case.case_plans:  # the period first: most plans of a long case cover other days
        if (
            plan.approved_on is None
            or not plan.covers_from <= day <= plan.covers_to
            or plan_is_stale(plan, day)
        ):
            continue
        if best is None or (plan.approved_on, plan.covers_from) > (best.approved_on, best.covers_from):
            best = plan
    return best


def _problem_kind(case: Case, day: date) -> str | None:
    """'draft', 'stale' or 'gap' when no approved plan is in force on `day`; None when one is."""
    if plan_in_force(case, day) is not None:
        return None
    covering = [p for p in case.case_plans if p.covers_from <= day <= p.covers_to]
    if any(p.approved_on is not None for p in covering):
        return "stale"
    if covering:
        return "draft"
    return "gap"


def _problem_text(case: Case, kind: str, start: date, end: date) -> str:
    """The sentence for days without a plan in force; a draft or stale plan is named with its own period,
    which is what the worker must get approved, not only the days it leaves uncovered."""
    span = _fmt(start) if start == end else f"{_fmt(start)} to {_fmt(end)}"
    if kind == "stale":
        plan = max(
            (p for p in approved_plans(case) if p.covers_from <= start <= p.covers_to),
            key=lambda p: p.approved_on or date.min,
            default=None,
        )
        if plan is None or plan.approved_on is None:
            return f"The case plan for {span} needs a new approval."
        return (
            f"The case plan {plan.id} ({_fmt(plan.covers_from)} to {_fmt(plan.covers_to)}) was approved "
            f"more than {PLAN_MAX_AGE_MONTHS} months before {span} (approved {_fmt(plan.approved_on)}); it "
            "needs a new approval."
        )
    if kind == "draft":
        draft = next((p for p in case.case_plans if p.covers_from <= start <= p.covers_to), None)
        if draft is not None:
            return (
                f"The case plan {draft.id} ({_fmt(draft.covers_from)} to {_fmt(draft.covers_to)}) is not "
                "approved yet."
            )
        return f"The case plan for {span} is not approved yet."
    return f"No approved case plan covers {span}."


def plan_problem(case: Case, day: date) -> str | None:
    """Why no approved plan is in force on `day`, in a sentence for the worker; None when one is."""
    kind = _problem_kind(case, day)
    return None if kind is None else _problem_text(case, kind, day, day)


@dataclass(frozen=True, slots=True)
class PlanCoverage:
    """CLS-CASEPLAN for one case and month: the days (while the case is open) no approved plan covers."""

    rule_id: str
    case_id: str
    case_name: str
    worker_id: str
    month: Month
    open_days: int
    uncovered_days: tuple[date, ...]
    problems: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return not self.uncovered_days

    @property
    def fully_uncovered(self) -> bool:
        return self.open_days > 0 and len(self.uncovered_days) == self.open_days


def month_coverage(case: Case, month: Month) -> PlanCoverage:
    """Which days of `month` (while the case is open) lack an approved plan in force, as sentences."""
    first = max(month.first, case.start_date)
    last = min(month.last, case.ends_on or month.last)
    uncovered: list[date] = []
    runs: list[tuple[str, date, date]] = []
    day = first
    while day <= last:
        kind = _problem_kind(case, day)
        if kind is not None:
            uncovered.append(day)
            if runs and runs[-1][0] == kind and runs[-1][2] == day - timedelta(days=1):
                runs[-1] = (kind, runs[-1][1], day)
            else:
                runs.append((kind, day, day))
        day += timedelta(days=1)
    problems = tuple(_problem_text(case, kind, start, end) for kind, start, end in runs)
    open_days = max(0, (last - first).days + 1)
    return PlanCoverage(
        "CLS-CASEPLAN",
        case.id,
        case.name,
        case.primary_worker_id,
        month,
        open_days,
        tuple(uncovered),
        problems,
    )


def sw_plan_contact_missing(case: Case, person_id: str, day: date) -> str | None:
    """Why the plan in force on `day` cannot count a mandatory contact with `person_id`: agency reports
    match contacts against the SW Plan Contact set up in the case plan for the child, each parent and the
    SCP (000). None when it is set up (or no plan is in force: plan_problem says why)."""
    plan = plan_in_force(case, day)
    return None if plan is None else setup_missing(plan, person_id)


def setup_missing(plan: CasePlan, person_id: str) -> str | None:
    """`sw_plan_contact_missing` for the plan in force, when the caller has already looked it up."""
    if any(s.person_id == person_id for s in plan.sw_plan_contacts):
        return None
    return f"The approved case plan {plan.id} has no SW Plan Contact set up for this person."


# --------------------------------------------------------------------------- CLS-SCHEDULE


def _overlaps(exc: ScheduleException, start: date, end: date) -> bool:
    return exc.starts_on <= end and (exc.ends_on is None or exc.ends_on >= start)


def schedule_exceptions(case: Case, person_id: str, start: date, end: date) -> tuple[ScheduleException, ...]:
    """Exceptions in an approved plan's Schedule for Services for `person_id` active in [start, end]."""
    seen: dict[tuple[str, date], ScheduleException] = {}
    for plan in case.case_plans:
        if plan.approved_on is None:
            continue
        for exc in plan.schedule_exceptions:
            if exc.person_id == person_id and _overlaps(exc, start, end):
                seen.setdefault((exc.kind.value, exc.starts_on), exc)
    return tuple(sorted(seen.values(), key=lambda e: (e.starts_on, e.kind.value)))


_KIND_TEXT = {
    ScheduleExceptionKind.CONTACT_WAIVER: "contact waiver",
    ScheduleExceptionKind.RUNAWAY: "runaway status",
    ScheduleExceptionKind.ICPC: "ICPC placement out of state, visited by the receiving state,",
}


def describe_exception(exc: ScheduleException) -> str:
    """'runaway status since 20 Oct 2026' / 'contact waiver 20 Oct 2026 to 31 Dec 2026'."""
    text = _KIND_TEXT[exc.kind]
    if exc.ends_on is None:
        return f"{text} since {_fmt(exc.starts_on)}"
    text = text.rstrip(",")
    return f"{text} {_fmt(exc.starts_on)} to {_fmt(exc.ends_on)}"


def describe_exceptions(excs: tuple[ScheduleException, ...]) -> str:
    return "; ".join(describe_exception(e) for e in excs)


def icpc_only_scp(case: Case, scp_id: str) -> bool:
    """An SCP whose every placement in this case is through ICPC: the receiving state supervises it."""
    placements = [p for p in case.placements if p.scp_id == scp_id]
    return bool(placements) and all(p.icpc for p in placements)
