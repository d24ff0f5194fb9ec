"""The caseload snapshot (what a pull sends and what the push's rules judge against) lists the worker's
unit, the managers, the worker's supervisor and the primary workers of the worker's matters, wherever
those sit: the unit and the managers come with the snapshot's one statement, anyone else named is read
after it."""

from __future__ import annotations

from fieldapp.domain.codetables import load_codetables
from fieldapp.domain.records import Caseload, ContactKind, StaffRole, Worker
from fieldapp.server import auth, migrate
from fieldapp.server.caseload import add_staff, load_caseload, snapshot_in
from fieldapp.server.db import Database
from fieldapp.server.push import Pusher
from fieldapp.sync.protocol import Outcome, PushRequest
from tests.factories import NOW, demo_caseload, valid_contact


def _staff(id_: str, unit: str, role: StaffRole = StaffRole.WORKER, supervisor: str | None = None) -> Worker:
    return Worker(
        id=id_, full_name=f"Name {id_}", title="Title", role=role, unit=unit, supervisor_id=supervisor
    )


def test_snapshot_lists_supervisor_and_primary_workers_outside_the_unit(server_database: str) -> None:
    db = Database(server_database)
    migrate.upgrade(db)
    worker = _staff("w-me", "Unit A", supervisor="s-far")
    for other in (
        _staff("w-mate", "Unit A"),
        _staff("s-far", "Unit B", StaffRole.SUPERVISOR),
        _staff("w-primary", "Unit C"),
        _staff("w-stranger", "Unit C"),
        _staff("m-boss", "Unit D", StaffRole.MANAGER),
    ):
        add_staff(db, other)
    case = next(c for c in demo_caseload().cases if c.id == "C-2001")
    case = case.model_copy(update={"id": "C-snap", "primary_worker_id": "w-primary"})
    load_caseload(db, Caseload(worker=worker, cases=(case,)))

    with db.read_connection() as conn:
        snapshot = snapshot_in(conn, "w-me")
    assert snapshot is not None
    assert snapshot.worker == worker
    assert [c.id for c in snapshot.cases] == ["C-snap"]
    assert [s.id for s in snapshot.staff] == sorted(["w-mate", "s-far", "w-primary", "m-boss"])
    with db.read_connection() as conn:
        assert snapshot_in(conn, "w-nobody") is None

    # The push judges against the same caseload: a contact naming the out-of-unit primary worker's case
    # is accepted (its rules see the case and its people).
    token = auth.enroll(db, auth.issue_code(db, "w-me"), "test")[0]
    caller = auth.authenticate(db, token)
    assert caller is not None
    contact = valid_contact(
        ContactKind.CHILD_CASE, context_id="C-snap", staff_person_id="w-me", finalized_at=NOW.replace(hour=12)
    )
    reply = Pusher(db, load_codetables(), caller).push(PushRequest(contacts=(contact,)))
    assert [r.outcome for r in reply.results] == [Outcome.ACCEPTED], reply
    db.dispose()
