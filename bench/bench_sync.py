"""Sync client bench: push 1,000 final contacts and pull a 200-case caseload over loopback.

    .venv/bin/python bench/bench_sync.py              # SQLite server
    .venv/bin/python bench/bench_sync.py --postgres   # private PostgreSQL cluster (Debian's packages)

Targets (issue 5): the whole sync (push 1,000 + pull 200 cases) in <= 2 s, and <= 3x a raw HTTP POST of the
same bytes in the same run. "Raw" sends the very request bodies the client would send (serialized before the
clock starts) to the same endpoints with a bare httpx client, GETs the same pull pages without parsing
them, and ends as the client's sync does by anchoring a chain as long as the fresh profile's (2 entries per
contact and 2 more) on a device that has anchored nothing yet (the memory outbox has no chain to anchor), so the ratio is what the client's own work costs (building batches, parsing and checking every result,
marking the outbox, applying pull pages), with the server's work equal on both sides. Each repeat pushes fresh
contacts (new IDs) for both, alternating which goes first, after one unmeasured round of each has warmed
the server; the ratio is reported per repeat and as the median.

The client runs twice per repeat: over an in-memory outbox (the protocol alone) and over the real encrypted
store (SQLCipher outbox reads and marks included); "of which in the store" is the time spent inside the
store's methods during that round (outbox reads, marking synced with the audit entries, the pull page).
"""

from __future__ import annotations

import argparse
import atexit
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from fieldapp.app.contacts import SqlContactService  # noqa: E402
from fieldapp.domain.records import Caseload, Contact, ContactKind  # noqa: E402
from fieldapp.server.caseload import load_caseload  # noqa: E402
from fieldapp.store.profile import open_profile  # noqa: E402
from fieldapp.sync.client import SyncClient  # noqa: E402
from fieldapp.sync.protocol import (  # noqa: E402
    MAX_CHAIN_ENTRIES,
    ChainAnchorRequest,
    ChainEntry,
    Outcome,
    PullResponse,
    PushRequest,
    PushResponse,
)
from tests.factories import NOW, demo_caseload, valid_contact  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402
from tests.support.memory_outbox import MemoryOutbox  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

KINDS = (ContactKind.CHILD_CASE, ContactKind.PARENT_CASE, ContactKind.SCP_CASE, ContactKind.CHILD_REFERRAL)


def big_caseload(cases: int) -> Caseload:
    """The demo caseload grown to `cases` cases (copies of C-2001 under new IDs and family names)."""
    demo = demo_caseload()
    template = demo.matter("C-2001")
    assert template is not None
    extra = tuple(
        template.model_copy(update={"id": f"C-B{i:04d}", "name": f"Bench family {i}"})
        for i in range(cases - len(demo.cases))
    )
    return demo.model_copy(update={"cases": (*demo.cases, *extra)})


def final_contacts(n: int) -> list[Contact]:
    finalized = NOW.replace(hour=12)
    return [valid_contact(KINDS[i % len(KINDS)], finalized_at=finalized) for i in range(n)]


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def push_bodies(contacts: list[Contact], batch: int) -> list[bytes]:
    return [
        PushRequest(contacts=tuple(contacts[i : i + batch])).model_dump_json().encode()
        for i in range(0, len(contacts), batch)
    ]


def anchor_bodies(entries: int) -> list[bytes]:
    """The audit-anchor requests a laptop's first sync sends for a chain of `entries` entries (random hashes:
    the server's work does not depend on them), prebuilt like the push bodies."""
    chain = [ChainEntry(seq=n, entry_hash=secrets.token_hex(32)) for n in range(1, entries + 1)]
    return [
        ChainAnchorRequest(entries=tuple(chain[k : k + MAX_CHAIN_ENTRIES])).model_dump_json().encode()
        for k in range(0, entries, MAX_CHAIN_ENTRIES)
    ]


def raw_round(
    url: str, token: str, worker: str, contacts: list[Contact], batch: int, anchor_entries: int = 0
) -> tuple[float, float, list[bytes], list[bytes]]:
    """(push seconds, pull and anchor seconds, request bodies, pull pages) of the bare-httpx round. With
    `anchor_entries` the round also sends what the client's sync ends with (`token` must be a device that
    has anchored nothing yet): the GET of the anchored head and the chain's entries."""
    bodies = push_bodies(contacts, batch)
    anchors = anchor_bodies(anchor_entries) if anchor_entries else []
    replies: list[bytes] = []
    pages: list[bytes] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:

        def send() -> None:
            for body in bodies:
                replies.append(http.post(f"/v1/workers/{worker}/push", content=body).content)

        def fetch() -> None:
            cursor: str | None = None
            while True:
                params = {} if cursor is None else {"cursor": cursor}
                page = http.get(f"/v1/workers/{worker}/pull", params=params).content
                pages.append(page)
                # reading the two fields the loop needs, without building the caseload
                parsed = PullResponse.model_validate_json(page) if b'"has_more":true' in page else None
                if parsed is None:
                    return
                cursor = parsed.cursor

        def fetch_and_anchor() -> None:
            fetch()
            if anchors:
                http.get(f"/v1/workers/{worker}/audit-anchor").raise_for_status()
                for body in anchors:
                    http.post(f"/v1/workers/{worker}/audit-anchor", content=body).raise_for_status()

        push_seconds, _ = timed(send)
        pull_seconds, _ = timed(fetch_and_anchor)
    outcomes = [r.outcome for body in replies for r in PushResponse.model_validate_json(body).results]
    assert outcomes == [Outcome.ACCEPTED] * len(contacts), set(outcomes)
    return push_seconds, pull_seconds, bodies, pages


class Sink:
    """A do-nothing HTTP server in this process: the cost of moving the same bytes over loopback alone."""

    def __init__(self) -> None:
        self.pages: list[bytes] = [b"{}"]
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                return None

            def _reply(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                self._reply(b'{"results":[]}')

            def do_GET(self) -> None:
                self._reply(sink.pages[0])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def round(self, bodies: list[bytes], pages: list[bytes]) -> float:
        with httpx.Client(base_url=self.url, timeout=60) as http:

            def run() -> None:
                for body in bodies:
                    http.post("/push", content=body, headers={"Content-Type": "application/json"})
                for page in pages:
                    self.pages[0] = page
                    http.get("/pull")

            seconds, _ = timed(run)
        return seconds


class TimedStore:
    """Passes every call to the store, adding up the time spent in it: the store's share of a client round
    (outbox reads, marking synced with its audit entries, applying the pull page, stamping last sync)."""

    def __init__(self, store: object) -> None:
        self._store = store
        self.seconds = 0.0

    def __getattr__(self, name: str) -> object:
        method = getattr(self._store, name)

        def timed_call(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed_call


def client_round(url: str, token: str, worker: str, outbox: object, batch: int) -> tuple[float, int]:
    with SyncClient(url, token, worker, outbox, batch_size=batch, timeout=60) as client:  # type: ignore[arg-type]
        seconds, report = timed(client.sync)
    assert report.ok and report.accepted > 0, report  # type: ignore[attr-defined]
    return seconds, report.accepted  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="server on a private PostgreSQL cluster")
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100, help="client batch size (default 100)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-sync-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)  # a keyring file and a plain server database
    cluster = None
    if args.postgres:
        from tests.support.pg import PostgresCluster

        cluster = PostgresCluster.start(fast=False)
        database = cluster.new_database("bench_sync")
    else:
        database = str(work / "server.db")
    server = ServerProcess.start(work / "server", database=database, demo=True)
    sink = Sink()
    try:
        caseload = big_caseload(args.cases)
        load_caseload(server.database_handle(), caseload)
        token = server.enroll("w-ana")
        url = server.url
        rows: dict[str, list[float]] = {
            "bytes only (loopback sink)": [],
            "raw POST/GET to the server": [],
            "  of which push": [],
            "  of which pull and anchor": [],
            "client (memory outbox)": [],
            "client (encrypted store)": [],
            "  of which in the store": [],
        }
        # Warm the server before either side is timed (its first requests build caches, open connections
        # and compile statements), so no side pays for it: one raw round and one client round, not counted.
        raw_round(url, token, "w-ana", final_contacts(args.contacts), args.batch)
        client_round(url, token, "w-ana", MemoryOutbox(final_contacts(args.contacts)), args.batch)
        per_repeat: list[tuple[float, float]] = []
        for repeat in range(args.repeats):
            raw_contacts = final_contacts(args.contacts)
            outbox = MemoryOutbox(final_contacts(args.contacts))
            # the encrypted store: a fresh profile with the contacts final-saved (setup, not timed)
            clock = lambda: NOW.replace(hour=12)  # noqa: E731
            profile = open_profile(
                work / f"laptop-{repeat}",
                create_with_caseload=demo_caseload(),
                clock=clock,
                keyring_backend=MemoryKeyring(),  # type: ignore[arg-type]
            )
            service = SqlContactService(profile, clock=clock)
            for contact in final_contacts(args.contacts):
                service.finalize(contact)
            store = TimedStore(profile.sync_store())
            order = ["raw", "memory", "store"] if repeat % 2 == 0 else ["store", "memory", "raw"]
            for which in order:
                if which == "raw":
                    # the same requests as the client's sync over the encrypted store, anchoring included
                    # (a new device each round, as the client's laptop is; enrolling is not timed)
                    device = server.enroll("w-ana", device_name=f"raw {repeat}")
                    pushed, pulled, bodies, pages = raw_round(
                        url, device, "w-ana", raw_contacts, args.batch, 2 * args.contacts + 2
                    )
                    rows["raw POST/GET to the server"].append(pushed + pulled)
                    rows["  of which push"].append(pushed)
                    rows["  of which pull and anchor"].append(pulled)
                    rows["bytes only (loopback sink)"].append(sink.round(bodies, pages))
                    if repeat == 0:
                        first = PullResponse.model_validate_json(pages[0])
                        assert first.caseload is not None and len(first.caseload.cases) == args.cases
                        print(
                            f"push: {sum(map(len, bodies)):,} bytes in {len(bodies)} requests; pull: "
                            f"{sum(map(len, pages)):,} bytes in {len(pages)} page(s), {args.cases} cases",
                            flush=True,
                        )
                elif which == "memory":
                    seconds, accepted = client_round(url, token, "w-ana", outbox, args.batch)
                    assert accepted == args.contacts
                    rows["client (memory outbox)"].append(seconds)
                else:
                    # A fresh profile is a new audit chain: a laptop in that state is enrolled again (a new
                    # device), which is what anchoring asks of it (README, "Anchoring the chain").
                    laptop = server.enroll("w-ana", device_name=f"laptop {repeat}")
                    seconds, accepted = client_round(url, laptop, "w-ana", store, args.batch)
                    assert accepted == args.contacts
                    rows["client (encrypted store)"].append(seconds)
                    rows["  of which in the store"].append(store.seconds)
            profile.close()
            raw_now = rows["raw POST/GET to the server"][-1]
            ratios = (
                rows["client (memory outbox)"][-1] / raw_now,
                rows["client (encrypted store)"][-1] / raw_now,
            )
            per_repeat.append(ratios)
            print(
                f"repeat {repeat + 1} ({order[0]} first): "
                + ", ".join(f"{k.strip()} {v[-1]:.3f}s" for k, v in rows.items())
                + f"; vs raw: memory outbox {ratios[0]:.2f}x, encrypted store {ratios[1]:.2f}x",
                flush=True,
            )
    finally:
        server.close()
        sink.server.shutdown()
        if cluster is not None:
            cluster.stop()

    raw = statistics.median(rows["raw POST/GET to the server"])
    sink_seconds = statistics.median(rows["bytes only (loopback sink)"])
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print()
    print(
        f"### Sync client bench ({backend} server; {args.contacts} contacts pushed in batches of {args.batch}, "
        f"{args.cases}-case caseload pulled)"
    )
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, Python {platform.python_version()}, "
        f"median of {args.repeats}"
    )
    print()
    print("| what | seconds (median) | vs raw to server | vs bytes only |")
    print("|---|---|---|---|")
    for name, values in rows.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.3f} | {median / raw:.2f}× | {median / sink_seconds:.1f}× |")
    print()
    print(
        "encrypted store vs raw, per repeat: "
        + ", ".join(f"{store:.2f}×" for _memory, store in per_repeat)
        + " (target ≤ 3×; whole sync ≤ 2 s)"
    )
    store_seconds = statistics.median(rows["client (encrypted store)"])
    store_ratio = statistics.median(store for _memory, store in per_repeat)
    missed = store_ratio > 3 or store_seconds > 2
    if missed:
        print(f"MISSED: {store_seconds:.2f} s, {store_ratio:.2f}× raw")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
