"""SUP-REPORTS: per worker and per unit, for a chosen month, the figures supervisors and managers use.

Face-to-face child and parent contacts, timely entry, referral contacts and referral collateral contacts
(the SafeMeasures reports of 002), and a tally of every measure of section 5. Measures of a referral or
case belong to its primary worker; contact figures belong to the staff person who made the contact.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance.model import (
    MEASURE_IDS,
    MEASURE_LABELS,
    ContactActivity,
    MeasureResult,
    MeasureStatus,
    MonthReport,
)
from fieldapp.domain.records import Caseload, ContactKind, StaffRole, Worker

RULE_ID = "SUP-REPORTS"


@dataclass(frozen=True, slots=True)
class Tally:
    """How many results of one measure were met, out of those required (exempt ones are counted apart)."""

    measure_id: str
    label: str
    met: int = 0
    due: int = 0
    missed: int = 0
    exempt: int = 0

    @property
    def required(self) -> int:
        return self.met + self.due + self.missed

    @property
    def percent(self) -> float | None:
        """Share met, 0-100; None when nothing was required."""
        return None if self.required == 0 else round(100.0 * self.met / self.required, 1)

    def __add__(self, other: Tally) -> Tally:
        assert other.measure_id == self.measure_id
        return Tally(
            self.measure_id,
            self.label,
            self.met + other.met,
            self.due + other.due,
            self.missed + other.missed,
            self.exempt + other.exempt,
        )


@dataclass(frozen=True, slots=True)
class ContactFigures:
    """Counts of final, Completed contacts made in the month (clean of block findings)."""

    face_to_face_child_contacts: int = 0
    face_to_face_parent_contacts: int = 0
    referral_contacts: int = 0
    referral_collateral_contacts: int = 0

    def __add__(self, other: ContactFigures) -> ContactFigures:
        return ContactFigures(
            self.face_to_face_child_contacts + other.face_to_face_child_contacts,
            self.face_to_face_parent_contacts + other.face_to_face_parent_contacts,
            self.referral_contacts + other.referral_contacts,
            self.referral_collateral_contacts + other.referral_collateral_contacts,
        )


@dataclass(frozen=True, slots=True)
class WorkerReport:
    rule_id: str
    worker_id: str
    worker_name: str
    unit: str
    month: Month
    contacts: ContactFigures
    measures: tuple[Tally, ...]  # one per measure, catalog order
    residence_12_months: Tally  # CMP-RESIDENCE over the last 12 months (the month's share is in measures)

    def tally(self, measure_id: str) -> Tally:
        return next(t for t in self.measures if t.measure_id == measure_id)

    @property
    def face_to_face_child(self) -> Tally:
        return self.tally("CMP-CHILD-MONTH")

    @property
    def face_to_face_parent(self) -> Tally:
        return self.tally("CMP-PARENT-MONTH")

    @property
    def timely_entry(self) -> Tally:
        return self.tally("CMP-TIMELY")


@dataclass(frozen=True, slots=True)
class UnitReport:
    rule_id: str
    unit: str
    month: Month
    workers: tuple[WorkerReport, ...]
    contacts: ContactFigures
    measures: tuple[Tally, ...]
    residence_12_months: Tally

    def tally(self, measure_id: str) -> Tally:
        return next(t for t in self.measures if t.measure_id == measure_id)


def _tallies(results: Iterable[MeasureResult]) -> tuple[Tally, ...]:
    """One tally per measure; CMP-RESIDENCE counts the month's share (its 12-month share is apart)."""
    counts = {m: {s: 0 for s in MeasureStatus} for m in MEASURE_IDS}
    for r in results:
        if r.window != "last_12_months":
            counts[r.measure_id][r.status] += 1
    return tuple(
        Tally(
            m,
            MEASURE_LABELS[m],
            counts[m][MeasureStatus.MET],
            counts[m][MeasureStatus.DUE],
            counts[m][MeasureStatus.MISSED],
            counts[m][MeasureStatus.EXEMPT],
        )
        for m in MEASURE_IDS
    )


def _residence_12(results: Iterable[MeasureResult]) -> Tally:
    tally = Tally("CMP-RESIDENCE", MEASURE_LABELS["CMP-RESIDENCE"] + " (last 12 months)")
    for r in results:
        if r.measure_id == "CMP-RESIDENCE" and r.window == "last_12_months":
            tally = tally + Tally(
                "CMP-RESIDENCE",
                tally.label,
                int(r.status is MeasureStatus.MET),
                int(r.status is MeasureStatus.DUE),
                int(r.status is MeasureStatus.MISSED),
                int(r.status is MeasureStatus.EXEMPT),
            )
    return tally


def activity_figures(a: ContactActivity) -> tuple[str, ...]:
    """The ContactFigures fields one contact counts in: what a report's figure drills down to."""
    if not a.completed:
        return ()
    out: list[str] = []
    if a.in_person and a.kind in (ContactKind.CHILD_CASE, ContactKind.CHILD_REFERRAL):
        out.append("face_to_face_child_contacts")
    if a.in_person and a.kind in (ContactKind.PARENT_CASE, ContactKind.PARENT_REFERRAL):
        out.append("face_to_face_parent_contacts")
    if a.context == "referral":
        out.append(
            "referral_collateral_contacts" if a.kind == ContactKind.COLLATERAL else "referral_contacts"
        )
    return tuple(out)


def _figures(activity: Iterable[ContactActivity]) -> ContactFigures:
    counts = dict.fromkeys(dataclasses.fields(ContactFigures), 0)
    named = {f.name: f for f in counts}
    for a in activity:
        for name in activity_figures(a):
            counts[named[name]] += 1
    return ContactFigures(**{f.name: n for f, n in counts.items()})


def _unique(results: Iterable[MeasureResult]) -> list[MeasureResult]:
    """One result per (measure, matter, person, period) even when reports of several caseloads overlap."""
    seen: dict[tuple[object, ...], MeasureResult] = {}
    for r in results:
        key: tuple[object, ...] = (r.measure_id, r.matter_id, r.person_id, r.period_start, r.period_end)
        if r.measure_id == "CMP-TIMELY":
            key = (*key, r.contact_ids)
        seen.setdefault(key, r)
    return list(seen.values())


def tallied_results(reports: Iterable[MonthReport], worker_ids: Iterable[str]) -> list[MeasureResult]:
    """The results the tallies of `worker_ids` count (one per measure, matter, person and period): what a
    report's measure figures drill down to."""
    ids = set(worker_ids)
    return _unique(m for r in reports for m in r.measures if m.worker_id in ids)


def worker_report(report: MonthReport | Iterable[MonthReport], worker: Worker) -> WorkerReport:
    """One worker's figures for the report's month (several reports: e.g. one per caseload, same month)."""
    reports = [report] if isinstance(report, MonthReport) else list(report)
    if not reports or len({r.month for r in reports}) != 1:
        raise ValueError("worker_report needs one or more reports of the same month")
    results = _unique(m for r in reports for m in r.for_worker(worker.id))
    activity = {a.contact_id: a for r in reports for a in r.activity if a.staff_person_id == worker.id}
    return WorkerReport(
        RULE_ID,
        worker.id,
        worker.full_name,
        worker.unit,
        reports[0].month,
        _figures(activity.values()),
        _tallies(results),
        _residence_12(results),
    )


def staff_of(caseloads: Iterable[Caseload]) -> dict[str, Worker]:
    """Every staff member the caseloads know, by id."""
    out: dict[str, Worker] = {}
    for caseload in caseloads:
        for w in (caseload.worker, *caseload.staff):
            out.setdefault(w.id, w)
    return out


def unit_report(reports: Iterable[MonthReport], caseloads: Iterable[Caseload], unit: str) -> UnitReport:
    """Every worker of `unit` (role worker) and the unit's totals for one month."""
    reports = list(reports)
    workers = sorted(
        (w for w in staff_of(caseloads).values() if w.unit == unit and w.role is StaffRole.WORKER),
        key=lambda w: w.full_name,
    )
    rows = tuple(worker_report(reports, w) for w in workers)
    if not reports:
        raise ValueError("unit_report needs at least one month report")
    contacts = ContactFigures()
    for row in rows:
        contacts = contacts + row.contacts
    ids = {w.id for w in workers}
    results = _unique(m for r in reports for m in r.measures if m.worker_id in ids)
    return UnitReport(
        RULE_ID, unit, reports[0].month, rows, contacts, _tallies(results), _residence_12(results)
    )
