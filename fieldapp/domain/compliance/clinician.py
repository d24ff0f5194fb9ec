"""SUP-CLINICIAN: when policy (003) says the worker should talk with a parent's clinician, remind them.

Reminders come from the case record, not from free text: a parent in court-ordered therapy
(`court_ordered_therapy`) and
  - the six-month status review hearing is 30 days away (progress report on the parent's therapy);
  - the case plan was changed to end reunification (`ends_reunification` on an approved plan);
  - the case is to be dismissed / closed (`planned_closure_on` of a court-involved case), 30 days before.
A reminder is done once a Completed contact with one of the case's clinicians (a collateral of type
clinician as participant) falls between the day the reminder starts and its event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fieldapp.domain.agency_time import business_day
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.compliance.model import MeasureStatus
from fieldapp.domain.compliance.review import final_by
from fieldapp.domain.records import (
    Case,
    Caseload,
    CollateralType,
    Contact,
    Person,
    PersonRole,
    people_with_role,
)

RULE_ID = "SUP-CLINICIAN"
LEAD_DAYS = 30
"""Thirty days before the six-month status review hearing (003, III.D)."""


def _fmt(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True, slots=True)
class ClinicianReminder:
    """Talk with `clinician_names` about `parent_name` from `remind_from` (before `event_on` if it has one)."""

    rule_id: str
    case_id: str
    worker_id: str
    parent_id: str
    parent_name: str
    clinician_ids: tuple[str, ...]
    clinician_names: tuple[str, ...]
    trigger: str  # "six_month_review" | "reunification_ended" | "dismissal"
    remind_from: date
    event_on: date | None
    status: MeasureStatus  # DUE (active), MET (a clinician contact was made), MISSED (event passed)
    message: str
    contact_ids: tuple[str, ...] = ()


def _clinicians(case: Case) -> list[Person]:
    return [
        p
        for p in people_with_role(case, PersonRole.COLLATERAL)
        if p.collateral_type is CollateralType.CLINICIAN
    ]


def clinician_reminders(
    caseload: Caseload,
    contacts: Iterable[Contact],
    *,
    tables: CodeTables,
    now: datetime,
    horizon_days: int = 0,
) -> list[ClinicianReminder]:
    """Reminders that are active as of `now` (or start within `horizon_days`), and ones met or missed
    whose event is still within the last 30 days (so the supervisor sees them)."""
    tz = tables.agency.time_zone
    today = business_day(now, tz)
    by_case: dict[str, list[Contact]] = {}
    for contact in final_by(contacts, now):
        by_case.setdefault(contact.context_id, []).append(contact)
    out: list[ClinicianReminder] = []
    for case in caseload.cases:
        if case.ends_on is not None and case.ends_on < today - timedelta(days=LEAD_DAYS):
            continue
        parents = [p for p in people_with_role(case, PersonRole.PARENT) if p.court_ordered_therapy]
        if not parents:
            continue
        clinicians = _clinicians(case)
        triggers: list[tuple[str, date, date | None, str]] = []
        if case.six_month_review_on is not None:
            hearing = case.six_month_review_on
            triggers.append(
                (
                    "six_month_review",
                    hearing - timedelta(days=LEAD_DAYS),
                    hearing,
                    f"the six-month status review hearing on {_fmt(hearing)} is near: ask for a progress "
                    "report on the parent's therapy",
                )
            )
        for plan in case.case_plans:
            if plan.ends_reunification and plan.approved_on is not None:
                triggers.append(
                    (
                        "reunification_ended",
                        plan.approved_on,
                        None,
                        f"the case plan approved on {_fmt(plan.approved_on)} ends family reunification",
                    )
                )
        if case.court_involved and case.planned_closure_on is not None:
            closing = case.planned_closure_on
            triggers.append(
                (
                    "dismissal",
                    closing - timedelta(days=LEAD_DAYS),
                    closing,
                    f"court dependency is to be dismissed on {_fmt(closing)}",
                )
            )
        for trigger, start, event, why in triggers:
            if start > today + timedelta(days=horizon_days):
                continue
            window_end = event or today
            if event is None and start < today - timedelta(days=LEAD_DAYS * 3):
                continue  # an old plan change: long since handled or reported
            if event is not None and event < today - timedelta(days=LEAD_DAYS):
                continue
            clin_ids = {p.id for p in clinicians}
            for parent in parents:
                done = [
                    c
                    for c in by_case.get(case.id, ())
                    if c.status == "COMPLETED"
                    and clin_ids & set(c.participant_ids)
                    and c.started_at is not None
                    and start <= business_day(c.started_at, tz) <= window_end
                ]
                names = tuple(p.full_name for p in clinicians)
                who = " or ".join(names) if names else "the parent's clinician (none is recorded in the case)"
                if done:
                    status = MeasureStatus.MET
                    message = f"Talked with {who} about {parent.full_name}: {why}."
                elif event is not None and event < today:
                    status = MeasureStatus.MISSED
                    message = f"No contact with {who} about {parent.full_name} before {_fmt(event)}: {why}."
                else:
                    status = MeasureStatus.DUE
                    message = f"Contact {who} about {parent.full_name}: {why}."
                out.append(
                    ClinicianReminder(
                        rule_id=RULE_ID,
                        case_id=case.id,
                        worker_id=case.primary_worker_id,
                        parent_id=parent.id,
                        parent_name=parent.full_name,
                        clinician_ids=tuple(p.id for p in clinicians),
                        clinician_names=names,
                        trigger=trigger,
                        remind_from=start,
                        event_on=event,
                        status=status,
                        message=message,
                        contact_ids=tuple(c.id for c in done),
                    )
                )
    out.sort(key=lambda r: (r.remind_from, r.case_id, r.parent_name))
    return out
