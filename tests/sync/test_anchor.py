"""The laptop's audit chain anchored on the office server at each sync: a key holder who rewrites the chain
from scratch or cuts its tail is caught by the server on the next sync and by `fieldapp audit verify`,
each naming the first entry that differs. Entries made after the last sync are what stays hidable."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.store import audit
from fieldapp.store.profile import Profile, open_profile
from fieldapp.sync import enrollment
from fieldapp.sync.client import SyncClient
from tests.factories import NOW, demo_caseload, valid_contact
from tests.support.server import REPO_ROOT, ServerProcess


@pytest.fixture
def server(server_database: str, tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess.start(tmp_path / "server", database=server_database, demo=True) as running:
        yield running


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Profile]:
    opened = open_profile(tmp_path / "laptop", create_with_caseload=demo_caseload(), clock=lambda: NOW)
    yield opened
    opened.close()


def _sync(server: ServerProcess, profile: Profile, enrolled: enrollment.Enrollment) -> str | None:
    with SyncClient(enrolled.server_url, enrolled.token, enrolled.worker_id, profile.sync_store()) as client:
        report = client.sync()
    return report.error


def _verify(profile: Profile) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldapp.commands.audit", "verify", "--profile", str(profile.directory)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _drop_triggers(profile: Profile) -> None:
    with profile.write() as conn:
        for name in (
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
        ):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")


def _restore_triggers(profile: Profile) -> None:
    """A careful key holder puts the shipped triggers back, so that the local checks see nothing."""
    import importlib.util

    versions = REPO_ROOT / "fieldapp" / "store" / "migrations" / "versions"
    with profile.write() as conn:
        for script in ("0002_immutability_triggers.py", "0005_refuse_replace.py"):
            spec = importlib.util.spec_from_file_location(script[:-3], versions / script)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            for statement in module.STATEMENTS:
                conn.exec_driver_sql(statement)


def _rechain(profile: Profile) -> None:
    """Recompute every entry's links and hash, as someone with the key and this source code could."""
    with profile.write() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM audit_log ORDER BY seq").mappings().all()
        prev = audit.GENESIS
        for row in rows:
            digest = audit.entry_hash(
                row["seq"],
                row["at"],
                row["actor"],
                row["action"],
                row["record_kind"],
                row["record_id"],
                row["content_hash"],
                prev,
            )
            conn.exec_driver_sql(
                "UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE seq = ?", (prev, digest, row["seq"])
            )
            prev = digest


def _history(profile: Profile, n: int) -> list[str]:
    service = SqlContactService(profile, clock=lambda: NOW)
    return [
        service.finalize(valid_contact(narrative=f"Visit {i}: the child showed me her room.")).contact.id
        for i in range(n)
    ]


def test_an_untouched_chain_is_anchored_at_each_sync_and_verify_agrees(
    server: ServerProcess, profile: Profile
) -> None:
    enrolled = enrollment.enroll(server.url, server.issue_code("w-ana"), device_name="laptop")
    _history(profile, 2)
    assert _sync(server, profile, enrolled) is None
    _history(profile, 1)
    assert _sync(server, profile, enrolled) is None
    _history(profile, 1)  # not synced yet
    result = _verify(profile)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "match the copy anchored on the office server" in result.stdout
    assert "not anchored yet" in result.stdout


def test_a_chain_recomputed_from_scratch_is_caught_by_the_server_and_by_verify(
    server: ServerProcess, profile: Profile
) -> None:
    enrolled = enrollment.enroll(server.url, server.issue_code("w-ana"), device_name="laptop")
    _history(profile, 3)
    assert _sync(server, profile, enrolled) is None
    _drop_triggers(profile)
    with profile.write() as conn:  # rewrite who wrote entry #2, then make the chain consistent again
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    _rechain(profile)
    _restore_triggers(profile)
    assert profile.verify_audit().ok  # the laptop alone cannot tell
    error = _sync(server, profile, enrolled)
    assert error is not None and "entry #2" in error and "no longer matches" in error, error
    result = _verify(profile)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN at entry #2" in result.stdout


def test_a_cut_tail_is_caught_by_the_server_and_by_verify(server: ServerProcess, profile: Profile) -> None:
    enrolled = enrollment.enroll(server.url, server.issue_code("w-ana"), device_name="laptop")
    ids = _history(profile, 3)
    assert _sync(server, profile, enrolled) is None
    with profile.read() as conn:
        first_of_victim = conn.exec_driver_sql(
            f"SELECT min(seq) FROM audit_log WHERE record_id = '{ids[-1]}'"
        ).scalar()
    _drop_triggers(profile)
    with profile.write() as conn:  # remove the last contact and every entry from its first one on
        conn.exec_driver_sql(f"DELETE FROM audit_log WHERE seq >= {first_of_victim}")
        conn.exec_driver_sql(f"DELETE FROM contacts WHERE id = '{ids[-1]}'")
        conn.exec_driver_sql(f"DELETE FROM outbox WHERE record_id = '{ids[-1]}'")
    _restore_triggers(profile)
    assert profile.verify_audit().ok
    error = _sync(server, profile, enrolled)
    assert error is not None and "were removed" in error, error
    result = _verify(profile)
    assert result.returncode == 1
    assert f"BROKEN at entry #{first_of_victim}" in result.stdout and "cut short" in result.stdout


def test_a_forged_entry_appended_to_the_chain_is_caught_locally(profile: Profile) -> None:
    """A correctly chained entry that 'finalizes' a contact that is not there."""
    _history(profile, 1)
    with profile.write() as conn:
        from datetime import UTC, datetime

        audit.append(
            conn,
            at=datetime.now(UTC),
            actor="w-ana",
            action="contact_finalized",
            record_kind="contact",
            record_id="forged-contact",
            content_hash="0" * 64,
        )
    report = profile.verify_audit()
    assert not report.ok and "forged-contact, is missing" in report.problem
