"""The server's storage on SQLite and PostgreSQL: Alembic migrations build exactly the models' schema;
each accepted contact is stored once, in one transaction with its audit entry; concurrent retries of the
same batch never store a contact twice; the audit chain stays intact."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from fieldapp.domain.codetables import load_codetables, resources_dir
from fieldapp.domain.records import Caseload, Worker
from fieldapp.server import migrate
from fieldapp.server.auth import Caller
from fieldapp.server.caseload import load_caseload
from fieldapp.server.db import Database, Writer, verify_audit_chain
from fieldapp.server.models import AuditEntry, Base, ContactRow
from fieldapp.server.push import Pusher
from fieldapp.sync.protocol import Outcome, PushRequest
from tests.server.helpers import final_contact


@pytest.fixture
def db(server_database: str) -> Iterator[Database]:
    database = Database(server_database)
    migrate.upgrade(database)
    caseload = Caseload.model_validate_json((resources_dir() / "demo_caseload.json").read_text())
    load_caseload(database, caseload)
    yield database
    database.dispose()


def _ana(db: Database) -> Caller:
    from fieldapp.server.caseload import get_staff

    worker = get_staff(db, "w-ana")
    assert isinstance(worker, Worker)
    return Caller(device_id="dev-test", worker=worker)


def test_migrations_match_the_models_and_rerun_as_a_no_op(db: Database) -> None:
    with db.write_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    migrate.upgrade(db)  # already at head: nothing to do, nothing breaks


def test_accepted_contact_and_its_audit_entry_are_one_transaction(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pusher = Pusher(db, load_codetables(), _ana(db))
    contact = final_contact()

    def broken_audit(self: Writer, **kwargs: str) -> None:
        raise RuntimeError("disk full while writing the audit entry")

    monkeypatch.setattr(Writer, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        pusher.push(PushRequest(contacts=(contact,)))
    monkeypatch.undo()
    with db.read() as session:
        assert session.get(ContactRow, contact.id) is None  # no contact without its audit entry
    result = pusher.push(PushRequest(contacts=(contact,)))
    assert result.results[0].outcome is Outcome.ACCEPTED
    with db.read() as session:
        entries = (
            session.execute(select(AuditEntry).where(AuditEntry.record_id == contact.id)).scalars().all()
        )
    assert [(e.action, e.content_hash) for e in entries] == [("accept", result.results[0].content_hash)]
    assert verify_audit_chain(db)[0]


def test_nar_immutable_stored_records_refuse_update_and_delete_in_the_database(db: Database) -> None:
    """NAR-IMMUTABLE on the server: whatever the path (a bug, a console), the database refuses to change
    or remove a stored contact, amendment, approval or audit entry."""
    from fieldapp.server.caseload import get_staff
    from fieldapp.server.supervision import amend, approve
    from fieldapp.sync.protocol import AmendmentRequest, ApprovalRequest

    tables = load_codetables()
    contact = final_contact()
    Pusher(db, tables, _ana(db)).push(PushRequest(contacts=(contact,)))
    lee_worker = get_staff(db, "s-lee")
    assert lee_worker is not None
    lee = Caller(device_id="dev-lee", worker=lee_worker)
    amend(db, lee, contact.id, AmendmentRequest(new_information="x", reason="y"), tables.agency.time_zone)
    approve(db, lee, "w-ana", ApprovalRequest(month="2026-11"))
    statements = [
        f"UPDATE contacts SET record = '{{}}' WHERE id = '{contact.id}'",
        f"DELETE FROM contacts WHERE id = '{contact.id}'",
        "UPDATE audit SET actor_id = 'someone else'",
        "DELETE FROM audit",
        f"UPDATE amendments SET record = '{{}}' WHERE contact_id = '{contact.id}'",
        f"DELETE FROM amendments WHERE contact_id = '{contact.id}'",
        "UPDATE approvals SET approved_by = 'm-kim'",
        "DELETE FROM approval_items",
    ]
    for statement in statements:
        with pytest.raises(DBAPIError, match="immutable"), db.write() as w:
            w.session.execute(text(statement))
    with db.read() as session:
        assert session.get(ContactRow, contact.id) is not None


def test_concurrent_retries_of_one_batch_store_each_contact_once(db: Database) -> None:
    """A duplicated request racing its original (what a proxy that duplicates requests does), through
    three separate connection pools as three server processes would have (the database's own lock, not
    only the in-process one, keeps them apart)."""
    others = [Database(db.url) for _ in range(2)]
    pushers = [Pusher(d, load_codetables(), _ana(d)) for d in (db, *others)]
    batch = PushRequest(contacts=tuple(final_contact() for _ in range(10)))
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            responses = list(pool.map(lambda i: pushers[i % 3].push(batch), range(6)))
    finally:
        for d in others:
            d.dispose()
    for i in range(10):
        outcomes = sorted(r.results[i].outcome for r in responses)
        assert outcomes.count(Outcome.ACCEPTED) == 1 and outcomes.count(Outcome.DUPLICATE) == 5
    with db.read() as session:
        ids = [c.id for c in batch.contacts]
        assert (
            session.execute(
                select(func.count()).select_from(ContactRow).where(ContactRow.id.in_(ids))
            ).scalar()
            == 10
        )
        accepted = session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.record_id.in_(ids), AuditEntry.action == "accept")
        ).scalar()
    assert accepted == 10
    assert verify_audit_chain(db)[0]


def test_sqlite_default_database_file_is_created_where_asked(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "nested.db"))
    migrate.upgrade(db)
    db.dispose()
    assert (tmp_path / "nested.db").exists()


def test_mixed_batch_stores_each_accepted_contact_once_with_its_canonical_bytes_and_audit_entry_nar_required(
    db: Database,
) -> None:
    """The batched write path: in one push of accepted, refused (NAR-REQUIRED), repeated-in-batch and
    already-stored contacts, each accepted contact is one row holding its canonical JSON (whose SHA-256 is
    the hash the client was told), with exactly one "accept" audit entry, and the chain verifies."""
    from fieldapp.domain.canonical import canonical_json, content_hash
    from fieldapp.domain.ids import new_id

    pusher = Pusher(db, load_codetables(), _ana(db))
    stored_before = final_contact(id=new_id())
    assert pusher.push(PushRequest(contacts=(stored_before,))).results[0].outcome is Outcome.ACCEPTED
    fresh = [final_contact(id=new_id()) for _ in range(5)]
    refused = final_contact(id=new_id(), narrative="")
    batch = (fresh[0], refused, stored_before, *fresh[1:], fresh[0])
    result = pusher.push(PushRequest(contacts=batch))
    assert [r.outcome for r in result.results] == [
        Outcome.ACCEPTED,
        Outcome.REFUSED,
        Outcome.DUPLICATE,
        *[Outcome.ACCEPTED] * 4,
        Outcome.DUPLICATE,
    ]
    assert any(f.rule_id == "NAR-REQUIRED" for f in result.results[1].findings)
    with db.read() as session:
        rows = {
            row.id: row
            for row in session.execute(
                select(ContactRow).where(ContactRow.id.in_([c.id for c in batch]))
            ).scalars()
        }
        accepts = session.execute(
            select(AuditEntry.record_id, AuditEntry.content_hash).where(AuditEntry.action == "accept")
        ).all()
    assert set(rows) == {c.id for c in (stored_before, *fresh)}
    for contact in (stored_before, *fresh):
        assert rows[contact.id].record.encode() == canonical_json(contact)
        assert rows[contact.id].content_hash == content_hash(contact)
    assert sorted(accepts) == sorted((c.id, content_hash(c)) for c in (stored_before, *fresh))
    assert verify_audit_chain(db)[0]
