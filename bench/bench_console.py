"""Benchmark: the console's unit dashboard and monthly report, server time, for a unit of 15 workers with
40 children each and 12 months of contacts (issue 12's target: p95 <= 500 ms on SQLite and PostgreSQL).

    python bench/bench_console.py                       # SQLite and PostgreSQL, 15 workers, 20 runs each
    python bench/bench_console.py --backend sqlite --workers 15 --runs 20

The unit is written straight into a server database (staff, caseloads loaded as the state feed does, and
final contacts as pushes store them: 20 cases of two children each per worker, a child, a parent and a
substitute care provider contact per case and month). The console app runs in this process behind
Starlette's test client, signed in as the unit's supervisor; each page is requested whole (routing, the
session check, reading the unit, the compliance evaluation, the template), so the time is what the
server spends on it, without the network.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compliance_month import NARRATIVE, SHAPES, percentile  # this folder: the domain bench's contacts
from fastapi.testclient import TestClient

from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Caseload, Contact, StaffRole, Worker
from fieldapp.server import migrate
from fieldapp.server.asgi import build_app, tune_collector
from fieldapp.server.caseload import add_staff, load_caseload
from fieldapp.server.console.accounts import start_session
from fieldapp.server.db import Database, insert_many
from fieldapp.server.models import ContactRow
from tests.factories import demo_caseload
from tests.support.pg import PostgresCluster

TZ = ZoneInfo("America/Los_Angeles")
UNIT = "Unit 1 (bench)"
SUPERVISOR = Worker(
    id="s-bench",
    full_name="Sam Bench",
    title="Supervising Social Worker",
    role=StaffRole.SUPERVISOR,
    unit=UNIT,
)
PARTICIPANT = {"CHILD_CASE": "p-nova", "PARENT_CASE": "p-avery", "SCP_CASE": "p-morgan"}
"""Who each kind of contact is with, in the demo's C-2001 that every case of the unit copies."""


def build_unit(database: str, workers: int, cases_each: int, today: date) -> int:
    """Staff, caseloads and 12 months of final contacts of the unit; returns how many contacts."""
    db = Database(database)
    migrate.upgrade(db)
    add_staff(db, SUPERVISOR)
    total = 0
    first_month = date(today.year - 1, today.month, 1)
    for caseload in unit_caseloads(workers, cases_each, SUPERVISOR):
        worker, cases = caseload.worker, caseload.cases
        load_caseload(db, caseload)
        rows: list[dict[str, object]] = []
        for case in cases:
            for month in range(13):
                first = date(
                    first_month.year + (first_month.month - 1 + month) // 12,
                    (first_month.month - 1 + month) % 12 + 1,
                    1,
                )
                for n, (kind, fields) in enumerate(SHAPES.items()):
                    day = first + timedelta(days=3 + 5 * n)
                    if day >= today:
                        continue
                    start = datetime(day.year, day.month, day.day, 10, tzinfo=TZ)
                    contact = Contact.model_validate(
                        dict(
                            id=new_id(),
                            kind=kind,
                            context_id=case.id,
                            staff_person_id=worker.id,
                            started_at=start,
                            ended_at=start + timedelta(hours=1),
                            method="IN_PERSON",
                            status="COMPLETED",
                            narrative=NARRATIVE,
                            participant_ids=(PARTICIPANT[kind],),
                            on_behalf_of_child_ids=("p-nova", "p-kit"),
                            first_saved_at=start + timedelta(hours=1),
                            finalized_at=start + timedelta(hours=2),
                            **fields,
                        )
                    )
                    rows.append(
                        dict(
                            id=contact.id,
                            worker_id=worker.id,
                            context_id=case.id,
                            month=f"{day.year:04d}-{day.month:02d}",
                            content_hash=content_hash(contact),
                            record=canonical_json(contact).decode(),
                            device_id="bench",
                            received_at=datetime.now(UTC),
                        )
                    )
        with db.write() as writer:
            insert_many(writer.conn, ContactRow.__table__, rows)  # type: ignore[arg-type]
        total += len(rows)
    db.dispose()
    return total


def unit_caseloads(workers: int, cases_each: int, supervisor: Worker, court_shift: int = 0) -> list[Caseload]:
    """Each worker's caseload: copies of the demo's C-2001, its court date moved by `court_shift` days."""
    template = next(c for c in demo_caseload().cases if c.id == "C-2001")
    assert template.next_court_date is not None
    court = template.next_court_date + timedelta(days=court_shift)
    out = []
    for w in range(workers):
        worker = Worker(
            id=f"w-{w:02d}",
            full_name=f"Worker {w:02d}",
            title="Social Worker II",
            unit=UNIT,
            supervisor_id="s-bench",
        )
        cases = tuple(
            template.model_copy(
                update={"id": f"C-{w:02d}-{i:02d}", "primary_worker_id": worker.id, "next_court_date": court}
            )
            for i in range(cases_each)
        )
        out.append(Caseload(worker=worker, staff=(supervisor,), cases=cases))
    return out


def measure(database: str, runs: int, workers: int, cases_each: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds per request of each page. Printed besides: the first page after start (the
    console then parses every contact and judges what the pages need, which later pages reuse) and a
    dashboard right after every worker's caseload changed (every contact judged again). The CPU time of
    this process (the app and the test client, which is idle while it waits) is the figure a busy shared
    machine does not inflate."""
    tune_collector()  # as `fieldapp-server serve` does in the process that serves
    app = build_app(database, 1000, 60.0)
    db = Database(database)
    token, _csrf = start_session(db, SUPERVISOR)
    unit = "/console/units/Unit%201%20%28bench%29"
    last = (datetime.now(TZ).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    pages = {"dashboard": unit, "report": f"{unit}/report?month={last}"}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}
    cold: dict[str, tuple[float, float]] = {}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.cookies.set("fieldapp_console", token, path="/console")
        for name, path in pages.items():  # warm: imports, template compilation, connection pools
            t0, c0 = time.perf_counter(), time.process_time()
            first = client.get(path)
            cold[name] = (time.perf_counter() - t0, time.process_time() - c0)
            assert first.status_code == 200, first.text[:500]
        for _ in range(runs):
            for name, path in pages.items():
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.get(path)
                times[name].append((time.perf_counter() - t0, time.process_time() - c0))
                assert response.status_code == 200
        for caseload in unit_caseloads(workers, cases_each, SUPERVISOR, court_shift=1):
            load_caseload(db, caseload)  # as the state system's feed does
        c0 = time.process_time()
        assert client.get(pages["dashboard"]).status_code == 200
        rejudged = time.process_time() - c0
    db.dispose()
    wall, cpu = cold["dashboard"]
    print(
        f"  first page after start (the dashboard: templates compiled, every contact read, parsed and "
        f"judged): wall {wall * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms"
    )
    print(f"  dashboard right after every caseload changed (all judged again): CPU {rejudged * 1000:.0f} ms")
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=15)
    parser.add_argument("--cases", type=int, default=20, help="cases per worker (two children each)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    today = datetime.now(TZ).date()
    print(
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, {date.today()}"
    )
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            cluster = None
            if backend == "sqlite":
                database = str(Path(folder) / "server.db")
            else:
                cluster = PostgresCluster.start()
                database = cluster.new_database("bench")
            try:
                t0 = time.perf_counter()
                contacts = build_unit(database, args.workers, args.cases, today)
                print(
                    f"[{backend}] unit of {args.workers} workers x {args.cases * 2} children, {contacts} contacts "
                    f"over 12 months (built in {time.perf_counter() - t0:.0f} s)"
                )
                for name, pairs in measure(database, args.runs, args.workers, args.cases).items():
                    wall = [w for w, _ in pairs]
                    cpu = [c for _, c in pairs]
                    print(
                        f"[{backend}] {name:9s} wall p50 {statistics.median(wall) * 1000:6.0f} ms  "
                        f"p95 {percentile(wall, 0.95) * 1000:6.0f} ms | CPU p50 {statistics.median(cpu) * 1000:6.0f} ms  "
                        f"p95 {percentile(cpu, 0.95) * 1000:6.0f} ms  ({len(pairs)} runs; load average "
                        f"{os.getloadavg()[0]:.1f})"
                    )
            finally:
                if cluster is not None:
                    cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
