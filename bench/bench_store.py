"""Benchmark the encrypted store with 100,000 contacts in a profile (figures for docs/PERFORMANCE.md).

    python bench/bench_store.py [--contacts 100000] [--samples 300] [--dir DIR]

Measures, in one run so the noisy machine affects both sides alike:
- opening the profile cold: each open in a new process, as `fieldapp run` opens it (fieldapp.store's
  open_profile: the key looked up through the keyring library's configured backend, key check, schema
  check) until the caseload is readable; the store's import is reported apart;
- interim save and final save latency (median, p99) through the real ContactService;
- the same saves on a plaintext SQLite copy of the same database (same settings, same service), in rounds
  that alternate which side goes first;
- file size per 1,000 contacts.

The keyring backend is the file-backed one of tests/support/test_keyring.py (selected the way an installed
keyring backend is, by PYTHON_KEYRING_BACKEND), so the run needs no desktop session.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.test_keyring.FileKeyring")

from sqlalchemy import insert, select  # noqa: E402

from fieldapp.app.contacts import SqlContactService  # noqa: E402
from fieldapp.domain.agency_time import business_day  # noqa: E402
from fieldapp.domain.ids import new_id  # noqa: E402
from fieldapp.store import audit  # noqa: E402
from fieldapp.store import contacts as repo  # noqa: E402
from fieldapp.store.engine import make_engine  # noqa: E402
from fieldapp.store.profile import Profile, open_profile  # noqa: E402
from fieldapp.store.schema import audit_log, contacts, outbox  # noqa: E402
from tests.factories import NOW, TZ, demo_caseload, valid_contact  # noqa: E402


def fill(profile: Profile, count: int) -> None:
    """Final contacts spread over the past year, with the rows the service writes for each (contact, outbox
    entry, chained audit entry), inserted in bulk so that filling 100,000 takes a minute, not an hour."""
    template = valid_contact()
    batch = 5_000
    made = 0
    while made < count:
        with profile.write() as conn:
            last = conn.execute(
                select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
            ).one()
            seq, prev = int(last.seq), str(last.entry_hash)
            contact_rows, outbox_rows, audit_rows = [], [], []
            for i in range(made, min(count, made + batch)):
                day = NOW - timedelta(days=1 + i % 365, minutes=i % 600)
                contact = template.model_copy(
                    update={
                        "id": new_id(),
                        "started_at": day - timedelta(hours=1),
                        "ended_at": day - timedelta(minutes=30),
                        "first_saved_at": day,
                        "finalized_at": day + timedelta(minutes=5),
                        "narrative": f"Contact {i}: " + template.narrative,
                    }
                )
                body, digest = repo.body_of(contact)
                at = day.isoformat()
                contact_rows.append(
                    dict(
                        id=contact.id,
                        kind=str(contact.kind),
                        context_id=contact.context_id,
                        state="final",
                        body=body,
                        content_hash=digest,
                        business_day=business_day(day, TZ).isoformat(),
                        first_saved_at=at,
                        finalized_at=(day + timedelta(minutes=5)).isoformat(),
                        previous_contact_id=None,
                        flagged_for_supervisor=0,
                        updated_at=at,
                    )
                )
                outbox_rows.append(
                    dict(kind="contact", record_id=contact.id, content_hash=digest, queued_at=at)
                )
                seq += 1
                entry = audit.entry_hash(
                    seq, at, "w-ana", "contact_finalized", "contact", contact.id, digest, prev
                )
                audit_rows.append(
                    dict(
                        seq=seq,
                        at=at,
                        actor="w-ana",
                        action="contact_finalized",
                        record_kind="contact",
                        record_id=contact.id,
                        content_hash=digest,
                        prev_hash=prev,
                        entry_hash=entry,
                    )
                )
                prev = entry
            conn.execute(insert(contacts), contact_rows)
            conn.execute(insert(outbox), outbox_rows)
            conn.execute(insert(audit_log), audit_rows)
        made = min(count, made + batch)
        print(f"  filled {made:,}", end="\r", flush=True)
    print()


OPEN_COLD = """
import sys, time
started = time.perf_counter()
from fieldapp.store.profile import open_profile
imported = time.perf_counter()
profile = open_profile(sys.argv[1])
profile.caseload()
opened = time.perf_counter()
profile.close()
print((imported - started) * 1000, (opened - imported) * 1000)
"""


def open_cold(directory: Path) -> tuple[float, float]:
    """(import ms, open ms) of one open in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", OPEN_COLD, str(directory)],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported, opened = done.stdout.split()
    return float(imported), float(opened)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def plaintext_copy(profile: Profile, target: Path) -> Profile:
    """The same database decrypted with sqlcipher_export, opened through the same engine factory unkeyed."""
    with profile.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
        raw.execute("SELECT sqlcipher_export('plaintext')")
        raw.execute("DETACH DATABASE plaintext")
    engine = make_engine(target, None)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA journal_mode = WAL")
    return Profile(target.parent, profile.settings, engine)


def save_latencies(service: SqlContactService, samples: int) -> tuple[list[float], list[float]]:
    interim: list[float] = []
    final: list[float] = []
    for n in range(samples):
        contact = valid_contact(narrative=f"Bench draft {n}: " + valid_contact().narrative)
        service.interim_save(contact)
        edited = contact.model_copy(update={"narrative": contact.narrative + " Added a sentence."})
        interim.append(timed(lambda c=edited: service.interim_save(c)))  # type: ignore[misc]
        final.append(timed(lambda c=edited: service.finalize(c)))  # type: ignore[misc]
    return interim, final


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    if args.dir is None:
        atexit.register(shutil.rmtree, work, ignore_errors=True)  # its test keyring holds the key
    os.environ.setdefault("FIELDAPP_TEST_KEYRING_FILE", str(work / "keyring.json"))
    directory = work / "profile"
    print(f"profile: {directory}")

    profile = open_profile(directory, create_with_caseload=demo_caseload(), clock=lambda: NOW)
    start = time.perf_counter()
    fill(profile, args.contacts)
    print(f"fill: {time.perf_counter() - start:.1f} s")
    with profile.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = (directory / "fieldapp.db").stat().st_size
    plain_dir = work / "plain"
    plain_dir.mkdir(exist_ok=True)
    plain = plaintext_copy(profile, plain_dir / "plain.db")
    plain_size = (plain_dir / "plain.db").stat().st_size
    profile.close()

    opens: list[float] = []
    imports: list[float] = []
    open_cold(directory)  # the first process reads the files into the OS cache; not counted
    for _ in range(15):
        imported, opened = open_cold(directory)
        imports.append(imported)
        opens.append(opened)

    enc_profile = open_profile(directory)
    enc = SqlContactService(enc_profile, clock=lambda: NOW)
    pla = SqlContactService(plain, clock=lambda: NOW)
    enc_interim: list[float] = []
    enc_final: list[float] = []
    pla_interim: list[float] = []
    pla_final: list[float] = []
    rounds = 10
    ratios: list[float] = []
    for round_ in range(rounds):  # interleaved, and which side goes first alternates
        sides = [(enc, enc_interim, enc_final), (pla, pla_interim, pla_final)]
        medians = {}
        for service, interim_list, final_list in sides if round_ % 2 == 0 else reversed(sides):
            i, f = save_latencies(service, args.samples // rounds)
            interim_list += i
            final_list += f
            medians[id(service)] = statistics.median(f)
        ratios.append(medians[id(enc)] / medians[id(pla)])
    enc_profile.close()
    plain.close()

    def line(name: str, values: list[float]) -> str:
        return f"| {name} | {statistics.median(values):.2f} ms | {pct(values, 0.99):.2f} ms |"

    ratio = statistics.median(enc_final) / statistics.median(pla_final)
    print()
    print(f"contacts in profile: {args.contacts:,}; samples: {len(enc_final)} per measure")
    print("| measure | median | p99 |")
    print("|---|---|---|")
    print(line("open profile cold, new process (keyring key, key check, schema check, caseload read)", opens))
    print(line("  importing the store in that process (not part of the open)", imports))
    print(line("interim save, encrypted", enc_interim))
    print(line("final save, encrypted", enc_final))
    print(line("interim save, plaintext SQLite", pla_interim))
    print(line("final save, plaintext SQLite", pla_final))
    print(f"final save encrypted / plaintext (median): {ratio:.2f}x")
    print("  per round: " + ", ".join(f"{r:.2f}x" for r in ratios))
    print(json.dumps({"open_median_ms": statistics.median(opens), "final_ratio": ratio}))
    print(
        f"file size: {size / 1e6:.1f} MB encrypted ({size / args.contacts * 1000 / 1e6:.2f} MB per 1,000 contacts); "
        f"plaintext {plain_size / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
