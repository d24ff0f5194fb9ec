"""A real `fieldapp-server` process on 127.0.0.1, for tests of the server and of the sync client.

    with ServerProcess.start(tmp_path, demo=True) as server:
        token = server.enroll("w-ana")                   # admin issues a code, the "laptop" spends it
        client = server.client(token)                    # httpx.Client with base_url and the bearer token
        server.restart()                                 # same port, same database (e.g. mid-batch)

The process is `python -m fieldapp.server.cli serve` run from the repository root, so the code under test
is the worktree's. `database` is a SQLite path by default, or any URL (see tests/support/pg.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from fieldapp.domain.records import StaffRole, Worker
from fieldapp.server.auth import issue_code, revoke
from fieldapp.server.caseload import add_staff
from fieldapp.server.db import Database

REPO_ROOT = Path(__file__).resolve().parents[2]


def server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "fieldapp.server.cli", *args]


def admin(database: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run an admin sub-command (`issue-code`, `add-staff`, `load-caseload`, `revoke`...) on `database`."""
    result = subprocess.run(
        server_command(*args),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(database),
    )
    if check and result.returncode != 0:
        raise AssertionError(f"fieldapp-server {args[0]} failed ({result.returncode}):\n{result.stderr}")
    return result


def _env(database: str) -> dict[str, str]:
    """The database URL goes by environment, not argv: a PostgreSQL password never shows in `ps`."""
    env = dict(os.environ)
    env["FIELDAPP_SERVER_DATABASE"] = database
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ServerProcess:
    """One server process; `close()` (or leaving the `with`) terminates it and waits.

    Admin helpers (`issue_code`, `add_staff`, `revoke_device`) work on the database in this process, which
    is what the CLI does too, without a subprocess per call; `admin(...)` runs the real CLI.
    """

    def __init__(
        self, workdir: Path, database: str, extra_args: Sequence[str] = (), demo: bool = False
    ) -> None:
        self.workdir = workdir
        self.database = database
        self.extra_args = list(extra_args)
        self.demo = demo
        self.port = 0
        self.scheme = "http"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "server.log"
        self._db: Database | None = None

    # ------------------------------------------------------------------ life

    @classmethod
    def start(
        cls,
        workdir: Path,
        *,
        database: str | None = None,
        demo: bool = True,
        extra_args: Sequence[str] = (),
    ) -> ServerProcess:
        workdir.mkdir(parents=True, exist_ok=True)
        server = cls(workdir, database or str(workdir / "server.db"), extra_args, demo)
        server._launch()
        return server

    def _launch(self, timeout: float = 60.0) -> None:
        port_file = self.workdir / "port"
        port_file.unlink(missing_ok=True)
        args = ["serve", "--port", str(self.port), "--port-file", str(port_file)]
        if self.demo:
            args.append("--demo")
        args += self.extra_args
        if "--tls-cert" in self.extra_args:
            self.scheme = "https"
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            server_command(*args),
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(self.database),
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            if port_file.exists():
                self.port = int(port_file.read_text())
                if self._healthy():
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not come up within {timeout}s:\n{self.log()}")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=2, verify=False).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, kill: bool = False) -> None:
        """Terminate (SIGTERM, or SIGKILL with `kill=True` to simulate a crash) and wait."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None

    def close(self) -> None:
        """Stop the server and release this process's connections to its database."""
        self.stop()
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def restart(self, kill: bool = False) -> None:
        """Stop and start again on the same port and database (what a laptop sees as a server restart)."""
        self.stop(kill=kill)
        self._launch()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # ------------------------------------------------------------------ use

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return admin(self.database, *args, check=check)

    def database_handle(self) -> Database:
        """The server's database opened in this process (admin work without a subprocess per call)."""
        if self._db is None:
            self._db = Database(self.database)
        return self._db

    def issue_code(self, worker_id: str) -> str:
        return issue_code(self.database_handle(), worker_id)

    def revoke_device(self, device_id: str) -> None:
        assert revoke(self.database_handle(), device_id=device_id) == 1

    def enroll_device(self, worker_id: str, device_name: str = "test laptop") -> tuple[str, str]:
        """Enroll a device for `worker_id` through the HTTP API; returns (bearer token, device id)."""
        code = self.issue_code(worker_id)
        response = httpx.post(
            f"{self.url}/v1/enroll", json={"code": code, "device_name": device_name}, timeout=30, verify=False
        )
        response.raise_for_status()
        body = response.json()
        return str(body["token"]), str(body["device_id"])

    def enroll(self, worker_id: str, device_name: str = "test laptop") -> str:
        """Enroll a device for `worker_id` through the HTTP API; returns its bearer token."""
        return self.enroll_device(worker_id, device_name)[0]

    def add_staff(
        self, worker_id: str, *, role: str = "worker", unit: str = "Unit 9 (test)", **kw: str
    ) -> None:
        worker = Worker(
            id=worker_id,
            role=StaffRole(role),
            unit=unit,
            full_name=kw.get("name", f"Test {worker_id}"),
            title=kw.get("title", "Tester"),
            supervisor_id=kw.get("supervisor"),
        )
        add_staff(self.database_handle(), worker)

    def client(self, token: str | None = None, timeout: float = 30.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout, verify=False)


__all__ = ["REPO_ROOT", "ServerProcess", "admin", "server_command"]
