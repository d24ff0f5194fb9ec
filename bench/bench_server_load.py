"""Load on one office server: N simulated workers push C final contacts each, all at once, then pull.

    python bench/bench_server_load.py                      # 500 workers x 20 contacts, SQLite and PostgreSQL
    python bench/bench_server_load.py --backend sqlite --batch 5 --server-workers 1

With `--arrival-seconds S` the workers instead arrive at random moments over S seconds (people coming back
to the office), which measures latency at a sustained load rather than the queue of a single burst.

Everything runs on this machine over loopback: a real `fieldapp-server serve` process (uvicorn, the given
number of worker processes) and an asyncio client with one connection per simulated worker, all started
behind one barrier. Reports p50/p95/max latency of each push and pull request and checks the ledger, as
tests/sync/test_ledger.py does: a share of the laptops (`--retry-share`, default 0.2) loses the reply to
one of its pushes (it hangs up after sending) and sends the same batch again on a new connection, and at
the end every contact sent is stored with the content sent, the server's audit log records storing it
exactly once (a retry stored twice would show there), and every laptop's last reply for each contact
said it is held (accepted or duplicate, with the content hash sent).

Besides latencies it reports the CPU the server processes and the load generator used, and the machine's
load average: on a shared machine the CPU per contact is the figure that does not depend on the neighbours.

Setup (staff, caseloads, enrolled devices) is done directly on the database before the server starts, so
only the sync traffic is timed. PostgreSQL runs in a private cluster with durable commits (fsync on).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bench import rawhttp
from fieldapp.domain.canonical import content_hash
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Caseload, ContactKind, StaffRole, Worker
from fieldapp.server import auth, migrate
from fieldapp.server.caseload import load_caseload
from fieldapp.server.db import Database
from fieldapp.server.models import AuditEntry, ContactRow
from fieldapp.sync.protocol import Outcome, PullResponse, PushRequest, PushResponse
from tests.factories import NOW, demo_caseload, valid_contact
from tests.support.pg import PostgresCluster
from tests.support.server import ServerProcess


def setup_org(database: str, workers: int) -> dict[str, str]:
    """Create `workers` workers, each with one case of their own (a copy of the demo's C-2001), and enroll
    one device each. Returns worker id -> bearer token."""
    db = Database(database)
    migrate.upgrade(db)
    template = next(c for c in demo_caseload().cases if c.id == "C-2001")
    tokens: dict[str, str] = {}
    for i in range(workers):
        worker = Worker(
            id=f"w-load-{i}",
            full_name=f"Load Worker {i}",
            title="Social Worker II",
            role=StaffRole.WORKER,
            unit=f"Load unit {i // 10}",
        )
        case = template.model_copy(update={"id": f"C-load-{i}", "primary_worker_id": worker.id})
        load_caseload(db, Caseload(worker=worker, cases=(case,)))
        tokens[worker.id] = auth.enroll(db, auth.issue_code(db, worker.id), "bench")[0]
    db.dispose()
    return tokens


def contacts_for(worker_id: str, case_id: str, count: int) -> list:  # type: ignore[type-arg]
    return [
        valid_contact(
            ContactKind.CHILD_CASE,
            id=new_id(),
            context_id=case_id,
            staff_person_id=worker_id,
            finalized_at=NOW.replace(hour=12),
        )
        for _ in range(count)
    ]


async def simulate(
    url: str,
    tokens: dict[str, str],
    per_worker: int,
    batch: int,
    timeout: float,
    arrival: float = 0.0,
    retry_share: float = 0.0,
) -> tuple[list[float], list[float], dict[str, tuple[str, str]], dict[str, str], set[str], float]:
    """All workers push their contacts (in batches) then pull once; returns push and pull latencies,
    {contact id: (last outcome, its content hash)}, {contact id: content hash sent}, the workers that lost
    a reply and retried, wall time.

    Every request's bytes are built before the barrier: the body is what `fieldapp.sync.client` sends
    (`PushRequest(...).model_dump_json()`), with the headers httpx would send for it and the worker's real
    bearer token. Replies are kept as bytes and parsed after the clock stops (the ledger check), so the
    generator's CPU during the run is the sockets and little else."""
    host, port = url.removeprefix("http://").split(":")
    requests: dict[str, tuple[list[bytes], bytes]] = {}
    sent_hashes: dict[str, str] = {}
    for i, worker_id in enumerate(tokens):
        contacts = contacts_for(worker_id, f"C-load-{i}", per_worker)
        sent_hashes.update({c.id: content_hash(c) for c in contacts})
        common = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "Connection": "keep-alive",
            "User-Agent": f"python-httpx/{httpx.__version__}",
            "Authorization": f"Bearer {tokens[worker_id]}",
        }
        pushes = [
            rawhttp.request_bytes(
                "POST",
                f"{host}:{port}",
                f"/v1/workers/{worker_id}/push",
                {**common, "Content-Type": "application/json"},
                PushRequest(contacts=tuple(contacts[k : k + batch])).model_dump_json().encode("utf-8"),
            )
            for k in range(0, per_worker, batch)
        ]
        pull = rawhttp.request_bytes("GET", f"{host}:{port}", f"/v1/workers/{worker_id}/pull", common)
        requests[worker_id] = (pushes, pull)
    push_lat: list[float] = []
    pull_lat: list[float] = []
    push_replies: list[rawhttp.Reply] = []
    pull_replies: list[rawhttp.Reply] = []
    rng = random.Random(1)  # the same arrival pattern and the same lost replies every run
    offsets = {w: rng.uniform(0, arrival) for w in tokens}
    retrying = {w for w in tokens if rng.random() < retry_share}
    dropped_push = {w: rng.randrange(len(requests[w][0])) for w in retrying}
    drop_after = {w: rng.uniform(0.0, 0.2) for w in retrying}
    start = asyncio.Event()
    clock = time.perf_counter

    async def one_worker(worker_id: str) -> None:
        pushes, pull = requests[worker_id]
        connection = rawhttp.Connection(host, int(port))  # connects on the first request, inside the clock
        await start.wait()
        if arrival:
            await asyncio.sleep(offsets[worker_id])
        try:
            for n, request in enumerate(pushes):
                if dropped_push.get(worker_id) == n:
                    # The reply to this push is lost; the laptop sends the same batch again, as the sync
                    # client's retry does (its latency is not counted: the exchange had no reply).
                    await rawhttp.Connection(host, int(port)).send_and_drop(request, drop_after[worker_id])
                t0 = clock()
                reply = await asyncio.wait_for(connection.exchange(request), timeout)
                push_lat.append(clock() - t0)
                push_replies.append(reply)
            t0 = clock()
            reply = await asyncio.wait_for(connection.exchange(pull), timeout)
            pull_lat.append(clock() - t0)
            pull_replies.append(reply)
        finally:
            await connection.close()

    tasks = [asyncio.create_task(one_worker(w)) for w in tokens]
    await asyncio.sleep(0.5)  # every task is waiting at the barrier
    t0 = clock()
    start.set()
    await asyncio.gather(*tasks)
    wall = clock() - t0
    # The ledger's side of the replies, after the clock: every push reply's per-item outcomes.
    outcomes: dict[str, tuple[str, str]] = {}
    for reply in push_replies:
        if reply.status != 200:
            raise RuntimeError(f"push answered {reply.status}: {reply.body[:300]!r}")
        for item in PushResponse.model_validate_json(reply.body).results:
            outcomes[item.id] = (item.outcome, item.content_hash)
    for reply in pull_replies:
        if reply.status != 200:
            raise RuntimeError(f"pull answered {reply.status}: {reply.body[:300]!r}")
        assert PullResponse.model_validate_json(reply.body).caseload is not None
    return push_lat, pull_lat, outcomes, sent_hashes, retrying, wall


def process_cpu_seconds(pid: int, system_only: bool = False) -> float:
    """CPU time (user + system, or system only) of a process and its live children, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
        if int(entry.name) == pid or ppid == pid:
            total += (stime if system_only else utime + stime) / tick
    return total


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(backend: str, args: argparse.Namespace) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-server-{backend}-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)  # the server database, in plain text
    cluster = PostgresCluster.start(fast=False) if backend == "postgresql" else None
    try:
        database = cluster.new_database("bench") if cluster else str(workdir / "server.db")
        t0 = time.perf_counter()
        tokens = setup_org(database, args.workers_sim)
        setup_s = time.perf_counter() - t0
        extra = ["--workers", str(args.server_workers), "--auth-failure-limit", "1000000"]
        if args.threads:
            extra += ["--threads", str(args.threads)]
        extra += ["--http", args.http, "--loop", args.loop]
        with ServerProcess.start(workdir, database=database, demo=False, extra_args=extra) as server:
            assert server.proc is not None
            server_cpu0 = process_cpu_seconds(server.proc.pid)
            # PostgreSQL's own CPU (the postmaster and its backends) runs on the same two cores.
            pg_pid = int((cluster.data / "postmaster.pid").read_text().split()[0]) if cluster else 0
            pg_cpu0 = process_cpu_seconds(pg_pid) if pg_pid else 0.0
            server_sys0 = process_cpu_seconds(server.proc.pid, system_only=True)
            client_cpu0 = time.process_time()
            push_lat, pull_lat, outcomes, sent_hashes, retrying, wall = asyncio.run(
                simulate(
                    server.url,
                    tokens,
                    args.contacts,
                    args.batch,
                    args.timeout,
                    args.arrival_seconds,
                    args.retry_share,
                )
            )
            client_cpu = time.process_time() - client_cpu0
            server_cpu = process_cpu_seconds(server.proc.pid) - server_cpu0
            server_sys = process_cpu_seconds(server.proc.pid, system_only=True) - server_sys0
            pg_cpu = process_cpu_seconds(pg_pid) - pg_cpu0 if pg_pid else 0.0
        db = Database(database)
        with db.read() as session:
            stored = {
                str(row.id): str(row.content_hash)
                for row in session.execute(
                    select(ContactRow.id, ContactRow.content_hash).where(
                        ContactRow.worker_id.like("w-load-%")
                    )
                )
            }
            # Storing a contact appends one "accept" entry to the server's audit chain, in the same
            # transaction: a retry that stored a contact twice would leave two.
            stored_twice = session.execute(
                select(func.count()).select_from(
                    select(AuditEntry.record_id)
                    .where(AuditEntry.action == "accept", AuditEntry.record_kind == "contact")
                    .group_by(AuditEntry.record_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            ).scalar_one()
        db.dispose()
        sent = args.workers_sim * args.contacts
        told_held = {
            cid
            for cid, (outcome, digest) in outcomes.items()
            if outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE) and digest == sent_hashes.get(cid)
        }
        acked = told_held
        return {
            "backend": backend,
            "simulated_workers": args.workers_sim,
            "contacts_per_worker": args.contacts,
            "batch": args.batch,
            "server_processes": args.server_workers,
            "arrival_s": args.arrival_seconds,
            "threads": args.threads or "server default (8)",
            "http": args.http,
            "loop": args.loop,
            "retry_share": args.retry_share,
            "push_requests": len(push_lat),
            "push_p50_s": round(statistics.median(push_lat), 3),
            "push_p95_s": round(pct(push_lat, 95), 3),
            "push_max_s": round(max(push_lat), 3),
            "pull_p50_s": round(statistics.median(pull_lat), 3),
            "pull_p95_s": round(pct(pull_lat, 95), 3),
            "wall_s": round(wall, 2),
            "contacts_per_s": round(sent / wall, 1),
            "server_cpu_s": round(server_cpu, 1),
            "server_cpu_ms_per_contact": round(server_cpu / sent * 1000, 2),
            "server_cpu_system_s": round(server_sys, 1),
            "database_cpu_s": round(pg_cpu, 1),
            "system_cpu_ms_per_contact": round((server_cpu + pg_cpu + client_cpu) / sent * 1000, 2),
            "client_cpu_s": round(client_cpu, 1),
            "load_avg_1m": round(os.getloadavg()[0], 1),
            "sent": sent,
            "laptops_that_lost_a_reply": len(retrying),
            "told_duplicate": sum(1 for o, _ in outcomes.values() if o == Outcome.DUPLICATE),
            "acknowledged": len(acked),
            "lost": len(set(sent_hashes) - set(stored)),
            "stored_with_other_content": sum(1 for c, h in stored.items() if sent_hashes.get(c) != h),
            "duplicated": stored_twice,
            "not_told_held": len(set(sent_hashes) - told_held),
            "setup_s": round(setup_s, 1),
        }
    finally:
        if cluster:
            cluster.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers-sim", type=int, default=500, help="simulated workers (laptops)")
    parser.add_argument("--contacts", type=int, default=20, help="final contacts per worker")
    parser.add_argument("--batch", type=int, default=20, help="contacts per push request")
    parser.add_argument("--server-workers", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument(
        "--arrival-seconds",
        type=float,
        default=0.0,
        help="0 = all workers at once (default); S = each worker starts at a random moment in [0, S]",
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="request threads per server process (0: the server's default)"
    )
    parser.add_argument(
        "--http", default="auto", choices=["auto", "h11", "httptools"], help="server's parser"
    )
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"], help="server's loop")
    parser.add_argument("--timeout", type=float, default=300.0, help="per-request timeout (bounded)")
    parser.add_argument(
        "--retry-share",
        type=float,
        default=0.2,
        help="share of laptops that lose the reply to one push and send the same batch again",
    )
    args = parser.parse_args()
    print(
        f"# {platform.node()} {platform.machine()} cpus={os.cpu_count()} python {platform.python_version()}"
    )
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    failed = False
    for backend in backends:
        result = run(backend, args)
        print(json.dumps(result), flush=True)
        failed |= bool(
            result["lost"]
            or result["duplicated"]
            or result["stored_with_other_content"]
            or result["not_told_held"]
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
