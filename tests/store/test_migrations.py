"""Alembic migrations run on open: an old profile upgrades in place; the known-revision list matches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.app.profile import ProfileError
from fieldapp.store import migrate
from fieldapp.store.profile import open_profile
from tests.factories import demo_caseload, valid_contact


def test_known_revisions_match_the_migration_scripts() -> None:
    assert migrate.script_revisions() == migrate.KNOWN_REVISIONS
    assert migrate.script_heads() == (migrate.HEAD,)


def test_old_profile_upgrades_in_place_and_keeps_its_records(tmp_path: Path) -> None:
    directory = tmp_path / "p"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    contact = valid_contact()
    SqlContactService(profile).interim_save(contact)
    from alembic import command

    with profile.engine.connect() as conn:
        command.downgrade(migrate.alembic_config(conn), "0001")  # type: ignore[arg-type]
        conn.commit()
    with profile.read() as conn:
        assert migrate.current_revision(conn) == "0001"
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").scalar() == 0
    profile.close()

    upgraded = open_profile(directory)
    with upgraded.read() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").scalar() == 10
        )
    assert SqlContactService(upgraded).get(contact.id).contact.narrative == contact.narrative
    assert upgraded.verify_audit().ok
    upgraded.close()


def test_opening_a_current_profile_does_not_import_alembic(tmp_path: Path) -> None:
    """The fast path (≤ 50 ms open) is one SELECT of the schema version."""
    import subprocess
    import sys

    open_profile(tmp_path / "p", create_with_caseload=demo_caseload()).close()
    code = (
        "import sys; from fieldapp.store.profile import open_profile; "
        f"p = open_profile({str(tmp_path / 'p')!r}); p.close(); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "False", out.stderr


def test_outbox_pending_rows_are_found_by_index_not_by_scanning(tmp_path: Path) -> None:
    """Sync batches and the status bar's pending count read only pending outbox rows; a synced history of
    months must not be scanned for them (migration 0003, also applied to an upgraded 0002 profile)."""
    from alembic import command

    directory = tmp_path / "p"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    with profile.engine.connect() as conn:
        command.downgrade(migrate.alembic_config(conn), "0002")  # type: ignore[arg-type]
        conn.commit()
    profile.close()

    upgraded = open_profile(directory)
    with upgraded.read() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM outbox WHERE synced_at IS NULL AND refused_at IS NULL"
            )
        )
        by_record = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT seq FROM outbox WHERE record_id = 'x'")
        )
    assert "ix_outbox_pending" in plan, plan
    assert "ix_outbox_record" in by_record, by_record
    upgraded.close()


def test_an_installation_missing_the_newest_migration_creates_no_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alembic's head is whatever scripts it finds; without the newest one it would stamp an older schema
    as current. The store says the installation is incomplete instead (the bundle test found this)."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (newest,) = (scripts / "versions").glob(f"{migrate.HEAD}_*.py")
    newest.unlink()
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    with pytest.raises(ProfileError, match=rf"installation is incomplete.*needs {migrate.HEAD}"):
        open_profile(tmp_path / "p", create_with_caseload=demo_caseload())
