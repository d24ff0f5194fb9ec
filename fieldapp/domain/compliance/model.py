"""The result types of the compliance measures: plain, frozen data the server and the GUI render as they are.

Every result carries the ID of the measure or rule it reports (RULES.md sections 5 and 6), so a worker, a
supervisor and a test point at the same thing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from fieldapp.domain.agency_time import Month
from fieldapp.domain.caseplans import PlanCoverage

MEASURE_IDS: tuple[str, ...] = (
    "CMP-REF-CHILD",
    "CMP-REF-PERP",
    "CMP-CHILD-MONTH",
    "CMP-RESIDENCE",
    "CMP-PARENT-MONTH",
    "CMP-SCP-MONTH",
    "CMP-SCP-6MONTH",
    "CMP-TIMELY",
    "CMP-MVR",
    "CMP-PLACEMENT-5",
    "CMP-ASSIGN-10",
    "CMP-CLOSE-30",
)
"""Catalog order: the order reports list the measures in."""

MEASURE_LABELS: dict[str, str] = {
    "CMP-REF-CHILD": "Children named in allegations seen in person",
    "CMP-REF-PERP": "Alleged perpetrators (CACI) contacted",
    "CMP-CHILD-MONTH": "Face-to-face child contacts (monthly)",
    "CMP-RESIDENCE": "Child visits mostly in the child's residence",
    "CMP-PARENT-MONTH": "Face-to-face parent contacts (monthly)",
    "CMP-SCP-MONTH": "Substitute care provider contacts (monthly)",
    "CMP-SCP-6MONTH": "Substitute care provider in-person visits (every 6 months or per plan)",
    "CMP-TIMELY": "Timely entry (final-saved by the month's last day)",
    "CMP-MVR": "Minimum visitation requirement",
    "CMP-PLACEMENT-5": "Child seen within 5 days of placement",
    "CMP-ASSIGN-10": "Family seen within 10 working days of assignment",
    "CMP-CLOSE-30": "Family seen within 30 days before closing",
}


class MeasureStatus(StrEnum):
    MET = "met"
    DUE = "due"  # not met yet, and there is still time
    MISSED = "missed"  # the time ran out without it being met
    EXEMPT = "exempt"  # CLS-SCHEDULE: a waiver, runaway status or ICPC placement changes the requirement
    NOT_APPLICABLE = "not_applicable"  # nothing to judge yet (e.g. no counted visits for CMP-RESIDENCE)


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """One measure for one person (or one case) over one period.

    `worker_id` is the referral's or case's primary worker (whom the reports attribute it to), except for
    CMP-TIMELY, which belongs to the staff person who made the contact. `detail` is the sentence shown;
    when the measure is not met it says what is still needed. `reason_rule_id` names the rule that changed
    or explains the outcome (CLS-SCHEDULE for an exemption, CLS-CASEPLAN when no approved plan covers the
    month).
    """

    measure_id: str
    matter_id: str
    worker_id: str
    person_id: str | None
    person_name: str
    period_start: date
    period_end: date
    status: MeasureStatus
    detail: str
    due_by: date | None = None
    contact_ids: tuple[str, ...] = ()
    reason_rule_id: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    window: str = "month"
    """'month', 'last_12_months' (CMP-RESIDENCE), 'period' (CMP-MVR, CMP-SCP-6MONTH), 'deadline'
    (CMP-PLACEMENT-5, CMP-ASSIGN-10, CMP-CLOSE-30), 'referral' (CMP-REF-CHILD, CMP-REF-PERP), 'contact' (CMP-TIMELY)."""

    @property
    def counts_as_required(self) -> bool:
        """Whether the measure is part of the requirement (exempt and not-applicable results are not)."""
        return self.status in (MeasureStatus.MET, MeasureStatus.DUE, MeasureStatus.MISSED)


@dataclass(frozen=True, slots=True)
class ContactActivity:
    """One final contact made in the report's month, as the supervisor reports count it (SUP-REPORTS)."""

    contact_id: str
    matter_id: str
    context: str  # "referral" | "case"
    kind: str
    staff_person_id: str
    day: date
    completed: bool
    in_person: bool


@dataclass(frozen=True, slots=True)
class MonthReport:
    """Every measure of one caseload for one calendar month, judged as of `as_of` (an agency day)."""

    month: Month
    as_of: date
    measures: tuple[MeasureResult, ...]
    plan_coverage: tuple[PlanCoverage, ...] = ()
    activity: tuple[ContactActivity, ...] = field(default=())

    def for_measure(self, measure_id: str) -> tuple[MeasureResult, ...]:
        return tuple(m for m in self.measures if m.measure_id == measure_id)

    def for_person(self, person_id: str) -> tuple[MeasureResult, ...]:
        return tuple(m for m in self.measures if m.person_id == person_id)

    def for_worker(self, worker_id: str) -> tuple[MeasureResult, ...]:
        return tuple(m for m in self.measures if m.worker_id == worker_id)

    def result(self, measure_id: str, person_id: str | None, matter_id: str | None = None) -> MeasureResult:
        """The one result of a measure for a person; raises KeyError naming what is missing."""
        found = [
            m
            for m in self.measures
            if m.measure_id == measure_id
            and m.person_id == person_id
            and (matter_id is None or m.matter_id == matter_id)
        ]
        if len(found) != 1:
            raise KeyError(f"{len(found)} results for {measure_id} / {person_id} / {matter_id}")
        return found[0]


_DERIVED = ("required", "percent", "covered", "fully_uncovered", "people_needing_a_visit")


def to_json(value: object) -> object:
    """Plain JSON data (dicts, lists, strings, numbers) of any compliance result, for the server's API and
    for export: dates as ISO strings, a Month as 'YYYY-MM', statuses as their value, and the derived
    figures a reader needs (a tally's `required` and `percent`) alongside the stored fields."""
    if isinstance(value, Month):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in _DERIVED:
            if isinstance(getattr(type(value), name, None), property):
                out[name] = to_json(getattr(value, name))
        return out
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value
