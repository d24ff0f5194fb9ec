"""The hash-chained audit trail and `fieldapp audit verify` (exit 0 ok / 1 broken / 2 cannot open)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.store import audit
from fieldapp.store.profile import Profile, open_profile
from tests.factories import valid_contact

REPO = Path(__file__).resolve().parents[2]


def _verify_cli(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldapp.commands.audit", "verify", "--profile", str(directory)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _some_history(service: SqlContactService) -> None:
    for n in range(3):
        contact = valid_contact(narrative=f"Visit number {n}: the child showed me her room.")
        service.interim_save(contact)
        service.finalize(contact)


def _drop_guards(profile: Profile) -> None:
    """What someone holding the key could do: remove the triggers. The chain must still catch the edit."""
    with profile.write() as conn:
        for name in (
            "audit_log_append_only_update",
            "audit_log_append_only_delete",
            "contacts_final_content_immutable",
        ):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")


def test_every_change_appends_a_chained_entry(service: SqlContactService, profile: Profile) -> None:
    _some_history(service)
    with profile.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT seq, action, prev_hash, entry_hash FROM audit_log ORDER BY seq"
        ).all()
    assert [r.action for r in rows] == ["caseload_created"] + ["contact_started", "contact_finalized"] * 3
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(rows))
    assert profile.verify_audit().ok


def test_verify_cli_ok_exit_0(service: SqlContactService, profile: Profile) -> None:
    _some_history(service)
    profile.close()
    result = _verify_cli(profile.directory)
    assert result.returncode == 0, result.stderr
    assert "intact: 7 entries" in result.stdout


def test_verify_cli_names_the_first_edited_entry_exit_1(service: SqlContactService, profile: Profile) -> None:
    _some_history(service)
    _drop_guards(profile)
    with profile.write() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET actor = 's-lee' WHERE seq = 4")
        conn.exec_driver_sql("UPDATE audit_log SET actor = 's-lee' WHERE seq = 6")
    report = profile.verify_audit()
    assert not report.ok and report.first_broken_seq == 4
    profile.close()
    result = _verify_cli(profile.directory)
    assert result.returncode == 1
    assert "BROKEN at entry #4" in result.stdout


def test_verify_catches_a_removed_entry(service: SqlContactService, profile: Profile) -> None:
    _some_history(service)
    _drop_guards(profile)
    with profile.write() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = 3")
    report = profile.verify_audit()
    assert not report.ok and report.first_broken_seq == 4


def test_verify_catches_a_rechained_forgery_through_the_contact_content(
    service: SqlContactService, profile: Profile
) -> None:
    """Someone edits a final contact (triggers dropped): the chain's content hash no longer matches it."""
    _some_history(service)
    _drop_guards(profile)
    with profile.write() as conn:
        conn.exec_driver_sql("UPDATE contacts SET body = replace(body, 'Visit number 1', 'Visit number 9')")
    report = profile.verify_audit()
    assert not report.ok and "does not match its last audit entry" in report.problem


def test_verify_cli_cannot_open_exit_2(tmp_path: Path) -> None:
    result = _verify_cli(tmp_path / "nowhere")
    assert result.returncode == 2
    assert "Cannot open the profile" in result.stderr


def test_verify_cli_missing_key_exit_2(profile: Profile) -> None:
    from fieldapp.store.keys import KEYRING_SERVICE, current_backend

    profile.close()
    current_backend().delete_password(KEYRING_SERVICE, profile.profile_id)
    result = _verify_cli(profile.directory)
    assert result.returncode == 2 and "not in the system keyring" in result.stderr


@pytest.mark.parametrize("verb", ["verify"])
def test_audit_register_exposes_the_verify_subcommand(verb: str, profile: Profile) -> None:
    import argparse

    from fieldapp.commands import audit as audit_command

    parser = argparse.ArgumentParser()
    audit_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["audit", verb, "--profile", str(profile.directory)])
    profile.close()
    assert args.handler(args) == 0
    assert open_profile(profile.directory).verify_audit().ok


def test_verify_catches_removed_tail_entries_through_the_contacts(
    service: SqlContactService, profile: Profile
) -> None:
    """Cutting the newest entries keeps the chain itself consistent; the contacts' hashes give it away."""
    _some_history(service)
    _drop_guards(profile)
    with profile.write() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    report = profile.verify_audit()
    assert not report.ok and "does not match its last audit entry" in report.problem


def _drop_all_triggers(profile: Profile) -> None:
    with profile.write() as conn:
        names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
        for name in names:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")


def test_verify_catches_a_deleted_final_contact(service: SqlContactService, profile: Profile) -> None:
    """Every contact the audit trail finalized must still be there, with that content."""
    _some_history(service)
    _drop_all_triggers(profile)
    with profile.write() as conn:
        victim = conn.exec_driver_sql("SELECT id FROM contacts ORDER BY id LIMIT 1").scalar()
        conn.exec_driver_sql(f"DELETE FROM contacts WHERE id = '{victim}'")
        conn.exec_driver_sql(f"DELETE FROM outbox WHERE record_id = '{victim}'")
    report = profile.verify_audit()
    assert (
        not report.ok and f"a final contact the audit trail records, {victim}, is missing" in report.problem
    )


def test_verify_catches_a_deleted_amendment(service: SqlContactService, profile: Profile) -> None:
    contact = valid_contact()
    service.interim_save(contact)
    service.finalize(contact)
    amendment = service.acting_as("s-lee").amend(contact.id, "Kit was there too.", "participant missing")
    _drop_all_triggers(profile)
    with profile.write() as conn:
        conn.exec_driver_sql("DELETE FROM amendments")
    report = profile.verify_audit()
    assert not report.ok and f"the amendment {amendment.id} is missing" in report.problem


@pytest.mark.parametrize("change", ["drop", "weaken", "add"])
def test_verify_requires_the_immutability_triggers_as_shipped(
    service: SqlContactService, profile: Profile, change: str
) -> None:
    """Dropped, weakened or extra triggers are reported even when no record was touched (yet)."""
    _some_history(service)
    with profile.write() as conn:
        if change in ("drop", "weaken"):
            conn.exec_driver_sql("DROP TRIGGER contacts_final_not_deleted")
        if change == "weaken":
            conn.exec_driver_sql(
                "CREATE TRIGGER contacts_final_not_deleted BEFORE DELETE ON contacts WHEN 0 "
                "BEGIN SELECT RAISE(ABORT, 'NAR-IMMUTABLE: a final or frozen contact cannot be deleted'); END"
            )
        if change == "add":
            conn.exec_driver_sql("CREATE TRIGGER sneaky AFTER INSERT ON contacts BEGIN SELECT 1; END")
    report = profile.verify_audit()
    expected = {"drop": "is missing", "weaken": "is not as shipped", "add": "does not ship"}[change]
    assert not report.ok and expected in report.problem, report


def test_the_shipped_trigger_fingerprints_match_a_new_profile(profile: Profile) -> None:
    with profile.read() as conn:
        assert audit.trigger_problem(conn) is None
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    assert names == set(audit.SHIPPED_TRIGGERS)
