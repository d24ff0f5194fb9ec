"""Builders for compliance tests: contacts on a chosen agency day, final-saved that same day, and
hand-edited copies of the demo caseload."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance import MonthReport, evaluate_month
from fieldapp.domain.records import Case, Caseload, Contact, ContactKind
from tests.factories import NOW, TZ, demo_caseload, tables, valid_contact

NOVEMBER = Month(2026, 11)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def visit(kind: ContactKind, day: date, *, final: bool = True, **changes: object) -> Contact:
    """A valid contact of `kind` made at 10:00 on `day` (agency time), final-saved at 12:00 that day."""
    start = at(day)
    fields: dict[str, object] = dict(
        started_at=start,
        ended_at=start + timedelta(hours=1),
        first_saved_at=start + timedelta(hours=1, minutes=30),
        finalized_at=start + timedelta(hours=2) if final else None,
    )
    fields.update(changes)
    return valid_contact(kind, **fields)


def with_case(case_id: str, caseload: Caseload | None = None, **update: object) -> Caseload:
    """The demo caseload with one case changed (records are frozen: a changed copy)."""
    caseload = caseload or demo_caseload()
    cases = tuple(c.model_copy(update=update) if c.id == case_id else c for c in caseload.cases)
    assert any(c.id == case_id for c in cases), case_id
    return caseload.model_copy(update={"cases": cases})


def case(caseload: Caseload, case_id: str) -> Case:
    found = caseload.matter(case_id)
    assert isinstance(found, Case)
    return found


def report(
    contacts: Iterable[Contact],
    month: Month = NOVEMBER,
    now: datetime = NOW,
    caseload: Caseload | None = None,
) -> MonthReport:
    return evaluate_month(caseload or demo_caseload(), list(contacts), month, tables=tables(), now=now)
