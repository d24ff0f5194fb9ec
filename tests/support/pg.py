"""A private PostgreSQL cluster for tests and benchmarks, from Debian's packages, on 127.0.0.1.

    with PostgresCluster.start() as pg:
        url = pg.new_database()        # postgresql://postgres:...@127.0.0.1:PORT/test_1

The cluster lives in a temporary directory (owned by the `postgres` user when we run as root, since
PostgreSQL refuses to run as root), listens on a free loopback port only, uses a random password, and is
stopped and deleted at the end. Missing binaries are an error, not a skip: CI installs them
(`dev/run-tests` installs Debian's `postgresql`), so a missing server must fail loudly.
"""

from __future__ import annotations

import glob
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType


class PostgresMissing(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if not candidates:
        found = shutil.which("initdb")
        if found:
            return Path(found).parent
        raise PostgresMissing(
            "PostgreSQL server binaries not found (looked for /usr/lib/postgresql/*/bin/initdb and initdb on "
            "PATH). Install Debian's `postgresql` package (dev/run-tests does) to run the PostgreSQL suite."
        )
    return Path(candidates[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PostgresCluster:
    def __init__(self, bindir: Path, root: Path, port: int, password: str, as_postgres: bool) -> None:
        self.bindir, self.root, self.port, self.password = bindir, root, port, password
        self.as_postgres = as_postgres
        self._counter = itertools.count(1)
        self.running = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    @classmethod
    def start(cls, *, fast: bool = True) -> PostgresCluster:
        """Init and start a cluster. `fast` turns off fsync (tests); benchmarks keep durable commits."""
        bindir = find_bindir()
        as_postgres = os.geteuid() == 0
        root = Path(tempfile.mkdtemp(prefix="fieldapp-pg-"))
        password = secrets.token_hex(16)
        cluster = cls(bindir, root, free_port(), password, as_postgres)
        pwfile = root / "pw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if as_postgres:
            shutil.chown(root, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        try:
            cluster._run(
                str(bindir / "initdb"),
                "-D",
                str(cluster.data),
                "-U",
                "postgres",
                "-A",
                "scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--no-locale",
            )
            pwfile.unlink()
            options = [
                "-c listen_addresses=127.0.0.1",
                f"-p {cluster.port}",
                f"-k {root}",
                "-c max_connections=300",
                "-c shared_buffers=128MB",
            ]
            if fast:
                options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
            cluster._run(
                str(bindir / "pg_ctl"),
                "-D",
                str(cluster.data),
                "-l",
                str(root / "postgres.log"),
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
            )
            cluster.running = True
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "test") -> str:
        """Create an empty database and return its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self) -> None:
        """Restart the postmaster as an agency's database restarts: every connection is closed by the
        server. pg_ctl keeps the start options; the log file is given again, or the new postmaster would
        hold pg_ctl's captured output open."""
        log = str(self.root / "postgres.log")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", log, "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        if self.running:
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
            finally:
                self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
