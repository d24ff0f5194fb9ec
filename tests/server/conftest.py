"""Server-suite fixtures: one real server process per test module and backend, with enrolled devices.

Every test module that uses `org` runs once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.fixtures import BACKENDS, database_for
from tests.support.server import ServerProcess


@dataclass
class Org:
    """The demo organisation on a running server, plus a supervisor of another unit, with tokens."""

    server: ServerProcess
    backend: str
    tokens: dict[str, str]

    def client(self, who: str | None) -> httpx.Client:
        return self.server.client(self.tokens[who] if who else None)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def org(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Org]:
    workdir: Path = tmp_path_factory.mktemp(f"server-{backend}")
    database = database_for(backend, workdir / "db", request)
    # A generous failure limit: the authorization matrix fails on purpose many times from 127.0.0.1.
    server = ServerProcess.start(
        workdir, database=database, demo=True, extra_args=["--auth-failure-limit", "100000"]
    )
    try:
        server.add_staff(
            "s-other", role="supervisor", unit="Unit 9 (test)", name="Olive Other", title="Supervisor"
        )
        server.add_staff("w-other", role="worker", unit="Unit 9 (test)", supervisor="s-other")
        tokens = {
            who: server.enroll(who) for who in ("w-ana", "w-ben", "s-lee", "m-kim", "s-other", "w-other")
        }
        tokens["revoked"], stolen = server.enroll_device("w-ana", device_name="stolen laptop")
        server.revoke_device(stolen)
        yield Org(server, backend, tokens)
    finally:
        server.close()
