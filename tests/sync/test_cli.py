"""`fieldapp sync enroll|now|status` as a worker would type them, against a real server (SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fieldapp.app.contacts import SqlContactService
from fieldapp.store.profile import open_profile
from tests.factories import NOW, demo_caseload, valid_contact
from tests.support.server import REPO_ROOT, ServerProcess


def fieldapp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldapp", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
    )


def test_enroll_sync_now_and_status_from_the_command_line(tmp_path: Path) -> None:
    with ServerProcess.start(tmp_path / "server", demo=True) as server:
        profile_dir = tmp_path / "laptop"
        with open_profile(profile_dir, create_with_caseload=demo_caseload(), clock=lambda: NOW) as profile:
            contact = SqlContactService(profile, clock=lambda: NOW).finalize(valid_contact()).contact

        wrong = fieldapp("sync", "enroll", server.url, "--code", "NOT-A-CODE")
        assert wrong.returncode == 2 and "error (code)" in wrong.stderr

        not_yet = fieldapp("sync", "now", "--profile", str(profile_dir))
        assert not_yet.returncode == 2 and "not enrolled" in not_yet.stderr

        code = server.issue_code("w-ana")
        enrolled = fieldapp("sync", "enroll", server.url, "--code", code)
        assert enrolled.returncode == 0, enrolled.stderr
        assert "enrolled" in enrolled.stdout and "w-ana" in enrolled.stdout

        now = fieldapp("sync", "now", "--profile", str(profile_dir))
        assert now.returncode == 0, now.stderr
        assert "sent 1 (0 already on the server)" in now.stdout
        assert "[pushing]" in now.stderr and "[done]" in now.stderr

        status = fieldapp("sync", "status", "--profile", str(profile_dir))
        assert status.returncode == 0, status.stderr
        assert "Online · 0 waiting to send" in status.stdout and "last sync" in status.stdout

        # the token is in the (test) keyring only: never printed, never in the profile folder
        keyring_file = Path(os.environ["FIELDAPP_TEST_KEYRING_FILE"])
        secret = keyring_file.read_text()
        token = secret.split('\\"token\\": \\"')[1].split('\\"')[0]
        assert len(token) > 16
        for output in (enrolled, now, status):
            assert token not in output.stdout + output.stderr
        assert not [p for p in profile_dir.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]
        assert contact.id in {c for c in _server_contacts(server)}


def _server_contacts(server: ServerProcess) -> set[str]:
    from sqlalchemy import select

    from fieldapp.server.models import ContactRow

    with server.database_handle().read() as session:
        return set(session.execute(select(ContactRow.id)).scalars())
