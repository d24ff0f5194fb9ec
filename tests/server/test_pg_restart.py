"""The server's PostgreSQL connections survive a database restart without a failed request.

The pools no longer ping before each checkout (a round trip per request); a pooled connection the database
closed is recognised by its socket at checkout and replaced, and a write transaction whose first statement
still meets a dead connection is begun again on a new one. Either way no request may fail and the audit
chain stays intact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, select, text

from fieldapp.domain.codetables import load_codetables, resources_dir
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Caseload
from fieldapp.server import auth, migrate
from fieldapp.server import db as db_module
from fieldapp.server.caseload import get_staff, load_caseload
from fieldapp.server.db import Database, verify_audit_chain
from fieldapp.server.feed import pull
from fieldapp.server.models import ContactRow
from fieldapp.server.push import Pusher
from fieldapp.sync.protocol import Outcome, PushRequest
from tests.server.helpers import final_contact
from tests.support.fixtures import running_cluster
from tests.support.pg import PostgresCluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A cluster of its own: the test restarts it, which the session's shared cluster must not see."""
    with running_cluster() as own:
        yield own


def _fill_pools(db: Database) -> None:
    """Several connections in each pool, as a server that has been busy holds them."""
    held = [db.read_engine.connect() for _ in range(4)]
    for conn in held:
        conn.execute(text("SELECT 1"))
        conn.close()
    with db.write() as w:
        w.session.execute(text("SELECT 1"))


def _push_one(db: Database, token: str) -> Outcome:
    caller = auth.authenticate(db, token)
    assert caller is not None
    contact = final_contact(id=new_id())
    reply = Pusher(db, load_codetables(), caller).push(PushRequest(contacts=(contact,)))
    return reply.results[0].outcome


@pytest.mark.parametrize("socket_check", [True, False], ids=["closed-socket-at-checkout", "first-statement"])
def test_requests_after_a_database_restart_all_succeed(cluster: PostgresCluster, socket_check: bool) -> None:
    db = Database(cluster.new_database("restart"))
    try:
        migrate.upgrade(db)
        load_caseload(db, Caseload.model_validate_json((resources_dir() / "demo_caseload.json").read_text()))
        token = auth.enroll(db, auth.issue_code(db, "w-ana"), "laptop")[0]
        assert _push_one(db, token) is Outcome.ACCEPTED
        if not socket_check:
            # Without the checkout check, a dead pooled connection is met by the write's first statement.
            event.remove(db.write_engine, "checkout", db_module._refuse_closed_connection)
        _fill_pools(db)

        cluster.restart()

        # Reads (the token check, the push's questions, a pull) and writes, each on a pooled connection
        # the restart closed, succeed at the first attempt.
        assert _push_one(db, token) is Outcome.ACCEPTED
        assert pull(db, db.server_id(), "w-ana", None).caseload is not None
        assert get_staff(db, "w-ana") is not None
        assert _push_one(db, token) is Outcome.ACCEPTED
        with db.read() as session:
            assert len(session.execute(select(ContactRow.id)).all()) == 3
        assert verify_audit_chain(db)[0]
    finally:
        db.dispose()
