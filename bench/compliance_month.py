"""Benchmark: the monthly compliance report of a large caseload, and one contact's counts-toward verdicts.

    python bench/compliance_month.py [--cases 50]

A supervisor's report covers a whole unit's caseloads with 12 months of contacts (CMP-RESIDENCE looks back
a year), so it must stay interactive (well under a second per worker); the wizard's review page asks for
one contact's verdicts, which must stay near the rules engine's own cost (< 1 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fieldapp.domain.agency_time import Month
from fieldapp.domain.codetables import load_codetables, resources_dir
from fieldapp.domain.compliance import evaluate_month, supervisor_alerts, unit_report, worker_due_list
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Case, Caseload, Contact
from fieldapp.domain.rules import RuleContext, counts_toward

TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=TZ)
NARRATIVE = (
    "Before: reviewed the case plan.\nDuring: met at the home at 10:00; the child showed me her room.\n"
    "After: next visit set for next month."
)
KINDS = {
    "CHILD_CASE": dict(
        purposes=("DELIVERED_SERVICES",),
        participant_ids=("p-nova",),
        party_type="STAFF_CHILD",
        location="CHILD_RESIDENCE",
        services=("SW_PLAN_CONTACT",),
        sop_components=("VOICE_OF_CHILD",),
    ),
    "PARENT_CASE": dict(
        purposes=("CLIENT_EVALUATION",),
        participant_ids=("p-avery",),
        party_type="STAFF_PARENT",
        location="PARENT_RESIDENCE",
        services=("SW_PLAN_CONTACT",),
        sop_components=("SOLUTION_FOCUSED",),
    ),
    "SCP_CASE": dict(
        purposes=("CONSULT_SCP",),
        participant_ids=("p-morgan",),
        party_type="STAFF_SCP",
        location="CHILD_RESIDENCE",
        services=("SW_PLAN_CONTACT",),
        sop_components=("THREE_QUESTIONS",),
    ),
}


def build(cases: int) -> tuple[Caseload, list[Contact]]:
    demo = Caseload.model_validate_json((resources_dir() / "demo_caseload.json").read_text(encoding="utf-8"))
    template = next(c for c in demo.cases if c.id == "C-2001")
    many: list[Case] = [template.model_copy(update={"id": f"C-{9000 + i}"}) for i in range(cases)]
    caseload = demo.model_copy(update={"cases": (*demo.cases, *many)})
    contacts = []
    for case in many:
        for month in range(12):
            first = date(2025, 12, 1) + timedelta(days=31 * month)
            for n, (kind, fields) in enumerate(KINDS.items()):
                day = first + timedelta(days=3 + 5 * n)
                if day >= NOW.date():
                    continue
                start = datetime(day.year, day.month, day.day, 10, tzinfo=TZ)
                contacts.append(
                    Contact.model_validate(
                        dict(
                            id=new_id(),
                            kind=kind,
                            context_id=case.id,
                            staff_person_id="w-ana",
                            started_at=start,
                            ended_at=start + timedelta(hours=1),
                            method="IN_PERSON",
                            status="COMPLETED",
                            narrative=NARRATIVE,
                            on_behalf_of_child_ids=("p-nova", "p-kit"),
                            first_saved_at=start + timedelta(hours=1),
                            finalized_at=start + timedelta(hours=2),
                            **fields,
                        )
                    )
                )
    return caseload, contacts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tables = load_codetables()
    caseload, contacts = build(args.cases)
    print(f"caseload: {len(caseload.cases)} cases, {len(contacts)} final contacts over 12 months")

    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        report = evaluate_month(caseload, contacts, Month(2026, 11), tables=tables, now=NOW)
        worker_due_list(report, "w-ana")
        supervisor_alerts([report])
        unit_report([report], [caseload], caseload.worker.unit)
        times.append(time.perf_counter() - t0)
    print(
        f"month report + alerts + unit report: first run {times[0] * 1000:.0f} ms, "
        f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"({len(report.measures)} results)"
    )

    sample = contacts[-200:]
    per = []
    for contact in sample * 5:
        matter = caseload.matter(contact.context_id)
        assert matter is not None
        ctx = RuleContext(caseload, matter, tables, NOW)
        t0 = time.perf_counter()
        counts_toward(contact, ctx)
        per.append(time.perf_counter() - t0)
    per.sort()
    print(
        f"counts_toward one contact: median {statistics.median(per) * 1e3:.3f} ms, "
        f"p99 {per[int(len(per) * 0.99)] * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    main()
