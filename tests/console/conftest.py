"""Console fixtures: a real server process with the demo organisation, console passwords for the demo
supervisor and manager and for a supervisor of another unit, and contacts pushed by the demo workers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fieldapp.domain.records import Contact
from fieldapp.server.console.accounts import set_password
from tests.console.support import PASSWORD, ConsoleUser
from tests.support.server import ServerProcess


@dataclass
class ConsoleOrg:
    server: ServerProcess
    tokens: dict[str, str]

    def user(self, staff_id: str | None = None) -> ConsoleUser:
        user = ConsoleUser(self.server.url)
        if staff_id is not None:
            user.sign_in(staff_id, PASSWORD)
        return user


def start_console_org(
    workdir: Path, database: str | None = None, extra: list[str] | None = None
) -> ConsoleOrg:
    server = ServerProcess.start(
        workdir, database=database, demo=True, extra_args=["--auth-failure-limit", "100000", *(extra or [])]
    )
    server.add_staff("m-other", role="manager", unit="Bureau 9 (test)", name="Otto Other", title="Manager")
    server.add_staff(
        "s-other",
        role="supervisor",
        unit="Unit 9 (test)",
        name="Olive Other",
        title="Supervisor",
        supervisor="m-other",
    )
    server.add_staff("w-other", role="worker", unit="Unit 9 (test)", supervisor="s-other")
    db = server.database_handle()
    for staff_id in ("s-lee", "m-kim", "s-other", "m-other"):
        set_password(db, staff_id, PASSWORD)
    tokens = {who: server.enroll(who) for who in ("w-ana", "w-ben", "s-lee", "w-other")}
    return ConsoleOrg(server, tokens)


@pytest.fixture(scope="module")
def console_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleOrg]:
    org = start_console_org(tmp_path_factory.mktemp("console"))
    try:
        yield org
    finally:
        org.server.close()


def push_contacts(org: ConsoleOrg, worker_id: str, *contacts: Contact) -> None:
    from tests.server.helpers import push_ok

    with org.server.client(org.tokens[worker_id]) as client:
        results = push_ok(client, worker_id, *contacts).results
    assert all(r.status in (200, 201) for r in results), results
