"""Crash safety (NAR-SAMEDAY "nothing is lost to a crash", NAR-IMMUTABLE): a process saving drafts and
finalizing contacts is SIGKILLed at random moments, hundreds of times. After every kill the profile opens,
its audit chain verifies, no final contact is lost, and every draft holds its last interim save."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from fieldapp.domain.records import ContactState
from fieldapp.store.profile import open_profile
from tests.factories import demo_caseload

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 250


@dataclass
class Expected:
    done: int | None = None  # last version the worker saw committed
    inflight: int | None = None  # version being written when the kill came
    final: bool = False  # finalize returned
    final_inflight: bool = False


def _read_log(path: Path, expected: dict[str, Expected]) -> None:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue  # a line cut by the kill: its operation is "in flight" at most, already noted by I
        phase, op, cid, version = parts[0], parts[1], parts[2], int(parts[3])
        state = expected.setdefault(cid, Expected())
        if phase == "I":
            state.inflight = version
            state.final_inflight = op == "final"
        else:
            state.done, state.inflight = version, None
            state.final = state.final or op == "final"
            state.final_inflight = False


def _version(narrative: str) -> int:
    match = re.match(r"v(\d+):", narrative)
    assert match, narrative[:20]
    return int(match.group(1))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "profile"
    open_profile(directory, create_with_caseload=demo_caseload()).close()
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_worker"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert worker.stdin is not None and worker.stdout is not None
    rng = random.Random(20261123)
    expected: dict[str, Expected] = {}
    kills_mid_write = 0
    try:
        for round_no in range(ROUNDS):
            log = tmp_path / f"round-{round_no}.log"
            worker.stdin.write(f"go {directory} {log} {round_no}\n")
            worker.stdin.flush()
            pid = int(worker.stdout.readline())
            time.sleep(rng.uniform(0.04, 0.3))
            os.kill(pid, signal.SIGKILL)
            worker.stdin.write("wait\n")
            worker.stdin.flush()
            assert worker.stdout.readline().strip() == "dead"
            _read_log(log, expected)
            kills_mid_write += any(e.inflight is not None for e in expected.values())
            _check(directory, expected, round_no)
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)
    finals = sum(e.final for e in expected.values())
    print(f"{ROUNDS} kills, {kills_mid_write} mid-write, {finals} final contacts, {len(expected)} contacts")
    assert finals > 100 * ROUNDS // 250, "the worker finalized too few contacts for the test to mean anything"
    assert kills_mid_write > ROUNDS // 4, "too few kills landed in the middle of a save"


def _check(directory: Path, expected: dict[str, Expected], round_no: int) -> None:
    profile = open_profile(directory)
    try:
        report = profile.verify_audit()
        assert report.ok, f"round {round_no}: {report.describe()}"
        with profile.read() as conn:
            rows = {
                r.id: r
                for r in conn.exec_driver_sql(
                    "SELECT id, state, json_extract(body, '$.narrative') AS narrative FROM contacts"
                )
            }
            queued = {
                r[0] for r in conn.exec_driver_sql("SELECT record_id FROM outbox WHERE kind = 'contact'")
            }
        for cid, state in expected.items():
            row = rows.get(cid)
            if row is None:
                assert state.done is None, f"round {round_no}: saved contact {cid} lost"
                state.inflight = None
                continue
            version = _version(row.narrative)
            allowed = {state.done, state.inflight} - {None}
            assert version in allowed, f"round {round_no}: {cid} holds v{version}, expected one of {allowed}"
            if state.final:
                assert row.state == ContactState.FINAL, (
                    f"round {round_no}: final contact {cid} is {row.state}"
                )
            if row.state == ContactState.FINAL:
                assert state.final or state.final_inflight, f"round {round_no}: {cid} final without finalize"
                assert cid in queued, f"round {round_no}: final {cid} missing from the outbox"
            else:
                assert not state.final
            # Carry the profile's truth into the next round.
            state.done, state.inflight = version, None
            state.final = row.state == ContactState.FINAL
            state.final_inflight = False
    finally:
        profile.close()
