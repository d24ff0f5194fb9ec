"""The admin commands of `fieldapp-server`, run as real processes on SQLite and PostgreSQL: staff,
one-time enrollment codes, revocation, idempotent caseload loading, the audit chain, hashed secrets."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from fieldapp.domain.codetables import resources_dir
from fieldapp.server import auth
from fieldapp.server.db import Database
from tests.support.server import ServerProcess, admin


def test_add_staff_and_list(server_database: str) -> None:
    out = admin(
        server_database,
        "add-staff",
        "s-new",
        "--role",
        "supervisor",
        "--name",
        "Nia New",
        "--title",
        "Supervising Social Worker",
        "--unit",
        "Unit 3",
    ).stdout
    assert "supervisor s-new (Nia New, Supervising Social Worker, Unit 3) saved" in out
    again = admin(
        server_database,
        "add-staff",
        "s-new",
        "--role",
        "supervisor",
        "--name",
        "Nia New",
        "--title",
        "Supervising Social Worker",
        "--unit",
        "Unit 3",
    ).stdout
    assert "unchanged" in again
    listing = admin(server_database, "list-staff").stdout
    assert "s-new\tsupervisor\tUnit 3\tNia New\tSupervising Social Worker" in listing


def test_add_staff_with_an_empty_name_names_the_field(server_database: str) -> None:
    result = admin(
        server_database, "add-staff", "w-x", "--name", "", "--title", "SW", "--unit", "U", check=False
    )
    assert result.returncode == 2
    assert "full_name" in result.stderr


def test_enrollment_code_works_once_and_is_stored_only_as_a_hash(server_database: str) -> None:
    admin(server_database, "load-demo")
    code = admin(server_database, "issue-code", "w-ana").stdout.strip()
    assert len(code) == 19 and code.count("-") == 3
    db = Database(server_database)
    try:
        token, _device, worker = auth.enroll(db, code.lower().replace("-", ""), "laptop")  # typed sloppily
        assert worker.id == "w-ana"
        with pytest.raises(auth.EnrollmentError):
            auth.enroll(db, code, "second laptop")
        assert auth.authenticate(db, token) is not None
        with db.read() as session:
            rows = [
                tuple(row)
                for table in ("devices", "enrollment_codes")
                for row in session.execute(text(f"SELECT * FROM {table}")).all()
            ]
    finally:
        db.dispose()
    stored = repr(rows)
    assert code not in stored and code.replace("-", "") not in stored and token not in stored
    if not server_database.startswith("postgresql"):
        files = [Path(server_database), Path(server_database + "-wal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert code.replace("-", "").encode() not in raw and token.encode() not in raw


def test_expired_code_and_unknown_worker(server_database: str) -> None:
    admin(server_database, "load-demo")
    code = admin(server_database, "issue-code", "w-ana", "--valid-hours", "0").stdout.strip()
    db = Database(server_database)
    try:
        with pytest.raises(auth.EnrollmentError):
            auth.enroll(db, code, "late laptop")
    finally:
        db.dispose()
    missing = admin(server_database, "issue-code", "w-nobody", check=False)
    assert missing.returncode == 1 and "no staff member with id 'w-nobody'" in missing.stderr


def test_revoke_stops_a_token_on_the_running_server(server_database: str, tmp_path: Path) -> None:
    with ServerProcess.start(tmp_path, database=server_database) as server:
        token, device = server.enroll_device("w-ana")
        with server.client(token) as c:
            assert c.get("/v1/me").status_code == 200
        out = server.admin("revoke", "--device", device).stdout
        assert "1 device token(s) revoked" in out
        with server.client(token) as c:
            assert c.get("/v1/me").status_code == 401
        listing = server.admin("list-devices", "w-ana").stdout
        assert device in listing and "revoked" in listing
        assert server.admin("revoke", "--device", device, check=False).returncode == 1  # already revoked


def test_load_caseload_is_idempotent_and_reports_changes(server_database: str, tmp_path: Path) -> None:
    path = resources_dir() / "demo_caseload.json"
    first = admin(server_database, "load-caseload", str(path)).stdout
    assert "caseload of w-ana: 7 referrals/cases changed, 0 unchanged" in first
    second = admin(server_database, "load-caseload", str(path)).stdout
    assert (
        "0 referrals/cases changed, 7 unchanged, 0 staff changed; workers told on next pull: none" in second
    )
    data = json.loads(path.read_text())
    data["cases"][0]["closed_on"] = "2026-11-30"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    third = admin(server_database, "load-caseload", str(changed)).stdout
    assert "1 referrals/cases changed, 6 unchanged" in third and "w-ana" in third


def test_load_caseload_rejects_a_bad_document_naming_the_field(server_database: str, tmp_path: Path) -> None:
    data = json.loads((resources_dir() / "demo_caseload.json").read_text())
    del data["cases"][0]["primary_worker_id"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = admin(server_database, "load-caseload", str(bad), check=False)
    assert result.returncode == 2
    assert "cases.0.primary_worker_id: Field required" in result.stderr
    missing = admin(server_database, "load-caseload", str(tmp_path / "nope.json"), check=False)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_verify_audit_detects_a_changed_entry(tmp_path: Path) -> None:
    database = str(tmp_path / "server.db")
    admin(database, "load-demo")
    assert "audit chain intact" in admin(database, "verify-audit").stdout
    with sqlite3.connect(database) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("UPDATE audit SET record_id = 'R-9999' WHERE seq = 3")
        # Someone with the file drops the trigger first: the chain still gives them away.
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET record_id = 'R-9999' WHERE seq = 3")
    result = admin(database, "verify-audit", check=False)
    assert result.returncode == 1 and "BROKEN" in result.stdout
