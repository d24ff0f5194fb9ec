"""The console's shared parsed-contact cache needs no invalidation because stored contacts never change:
keyed by (ID, content hash), a new contact is read at once and a row is parsed only once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.records import Contact
from fieldapp.server import migrate
from fieldapp.server.console import unitdata
from fieldapp.server.console.unitdata import ParsedContacts
from fieldapp.server.db import Database
from fieldapp.server.models import ContactRow
from tests.server.helpers import final_contact


def _store(db: Database, contact: Contact) -> tuple[str, str, str]:
    with db.write() as w:
        w.session.add(
            ContactRow(
                id=contact.id,
                worker_id="w-ana",
                context_id=contact.context_id,
                month="2026-11",
                content_hash=content_hash(contact),
                record=canonical_json(contact).decode(),
                device_id="d",
                received_at=datetime.now(UTC),
            )
        )
    return contact.id, "w-ana", content_hash(contact)


def test_new_contacts_are_read_and_each_row_is_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(str(tmp_path / "s.db"))
    migrate.upgrade(db)
    cache = ParsedContacts(limit=2)
    first = _store(db, final_contact())
    parses: list[str] = []
    real = Contact.model_validate_json
    monkeypatch.setattr(
        unitdata.Contact, "model_validate_json", lambda text: parses.append(text) or real(text)
    )
    with db.read() as session:
        assert set(cache.get_many(session, [first])) == {first[0]}
        assert set(cache.get_many(session, [first])) == {first[0]}
    assert len(parses) == 1  # the second read came from the cache
    second, third = _store(db, final_contact()), _store(db, final_contact())
    with db.read() as session:
        found = cache.get_many(session, [first, second, third])
    assert set(found) == {first[0], second[0], third[0]} and found[second[0]].id == second[0]
    assert len(cache._items) == 2  # bounded: the least recently used went out
    db.dispose()
