"""Nothing readable at rest: known narrative and names are nowhere on disk or in the logs, and the file is
standard SQLCipher 4 that an independent implementation opens with the key while plain SQLite cannot."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from pathlib import Path

import apsw
import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.store.keys import KEYRING_SERVICE, current_backend
from fieldapp.store.profile import open_profile
from tests.factories import demo_caseload, valid_contact
from tests.support.clock import Clock

SECRET_NARRATIVE = "Quillon Marrowdeep told me the bruise came from the stair rail at 14 Larkspur Court."
KNOWN = [
    b"Quillon Marrowdeep",
    b"Larkspur Court",
    b"Brightwater",
    b"Ana Brightfield",
    b"top bunk",
    b"Fictional Lane",
]


def _hits(paths: list[Path], extra: list[str]) -> list[str]:
    found = []
    for path in paths:
        data = path.read_bytes()
        found += [f"{path.name}: {needle.decode()}" for needle in KNOWN if needle in data]
    for i, text in enumerate(extra):
        found += [f"text {i}: {needle.decode()}" for needle in KNOWN if needle.decode() in text]
    return found


def test_no_plaintext_in_db_wal_temp_or_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    for var in ("TMPDIR", "SQLITE_TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(var, str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    caplog.set_level(logging.DEBUG)
    directory = tmp_path / "profile"
    clock = Clock()
    profile = open_profile(directory, create_with_caseload=demo_caseload(), clock=clock)
    service = SqlContactService(profile, clock=clock)
    contacts = [valid_contact(narrative=SECRET_NARRATIVE + f" Visit {n}.") for n in range(30)]
    for contact in contacts:
        service.interim_save(contact)
    for contact in contacts[:20]:
        service.finalize(contact)
    service.acting_as("s-lee").amend(contacts[0].id, "Quillon Marrowdeep is the uncle.", "relation omitted")
    assert service.get(contacts[0].id).contact.narrative.startswith("Quillon Marrowdeep")  # it is stored...

    while_open = sorted(p for p in directory.iterdir() if p.is_file())
    assert any(p.name.endswith("-wal") for p in while_open)  # the WAL is searched too
    assert _hits(while_open, []) == []
    profile.close()
    files = sorted(p for p in directory.iterdir() if p.is_file()) + sorted(
        p for p in temp.rglob("*") if p.is_file()
    )
    assert _hits(files, [caplog.text]) == []


def test_independent_sqlcipher4_reader_opens_it_with_the_key_and_plain_sqlite_cannot(tmp_path: Path) -> None:
    directory = tmp_path / "profile"
    clock = Clock()
    profile = open_profile(directory, create_with_caseload=demo_caseload(), clock=clock)
    contact = valid_contact(narrative=SECRET_NARRATIVE)
    SqlContactService(profile, clock=clock).finalize(contact)
    key = current_backend().get_password(KEYRING_SERVICE, profile.profile_id)
    profile.close()

    reader = apsw.Connection(str(directory / "fieldapp.db"), flags=apsw.SQLITE_OPEN_READONLY)
    reader.pragma("cipher", "sqlcipher")
    reader.pragma("legacy", 4)  # SQLCipher 4 defaults
    reader.execute(f"PRAGMA key = \"x'{key}'\"")
    rows = list(reader.execute("SELECT id, state, json_extract(body, '$.narrative') FROM contacts"))
    assert rows == [(contact.id, "final", SECRET_NARRATIVE)]
    reader.close()

    wrong = apsw.Connection(str(directory / "fieldapp.db"), flags=apsw.SQLITE_OPEN_READONLY)
    wrong.pragma("cipher", "sqlcipher")
    wrong.pragma("legacy", 4)
    wrong.execute("PRAGMA key = \"x'" + "00" * 32 + "'\"")
    with pytest.raises(apsw.NotADBError):
        list(wrong.execute("SELECT count(*) FROM contacts"))
    wrong.close()

    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(directory / "fieldapp.db").execute("SELECT count(*) FROM contacts").fetchall()
