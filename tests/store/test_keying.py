"""The SQLCipher keying traps (issue 3), each with a test that fails if the trap is sprung."""

from __future__ import annotations

import logging
import os
import sqlite3
import types
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import create_engine

from fieldapp.store import engine as engine_module
from fieldapp.store.keys import KEYRING_SERVICE, KeySpec, current_backend, new_raw_key
from fieldapp.store.profile import Profile, open_profile
from tests.factories import demo_caseload


def test_listener_is_on_the_engine_instance_not_the_engine_class(tmp_path: Path) -> None:
    """A keyed engine must not key (or configure) any other engine in the process."""
    keyed = engine_module.make_engine(tmp_path / "keyed.db", new_raw_key())
    with keyed.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
        conn.commit()
    other_path = tmp_path / "other.db"
    other = create_engine(f"sqlite+pysqlite:///{other_path}", module=sqlcipher)
    with other.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE plain (x)")
        conn.commit()
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() != engine_module.BUSY_TIMEOUT_MS
    other.dispose()
    keyed.dispose()
    # The other engine wrote an ordinary SQLite file: no listener of ours ran on its connection.
    assert other_path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert (tmp_path / "keyed.db").read_bytes()[:16] != b"SQLite format 3\x00"


def test_pragma_key_is_the_first_statement_on_every_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing (not even SQLAlchemy's dialect initialisation) touches the file before the key is set."""
    first_statements: list[str] = []

    def traced_connect(*args: object, **kwargs: object) -> object:
        conn = sqlcipher.connect(*args, **kwargs)  # type: ignore[arg-type]
        seen: list[str] = []

        def trace(statement: str) -> None:
            if not seen:
                first_statements.append(statement.split("=")[0].strip())  # never keep the key itself
            seen.append("x")

        conn.set_trace_callback(trace)
        return conn

    traced = types.SimpleNamespace(
        **{k: getattr(sqlcipher, k) for k in dir(sqlcipher) if not k.startswith("__")}
    )
    traced.connect = traced_connect
    monkeypatch.setattr(engine_module, "sqlcipher", traced)
    profile = open_profile(tmp_path / "p", create_with_caseload=demo_caseload())
    profile.close()
    profile = open_profile(tmp_path / "p")
    with profile.read() as c1, profile.engine.connect() as c2:  # two pooled connections
        c1.exec_driver_sql("SELECT 1")
        c2.exec_driver_sql("SELECT 1")
    profile.close()
    assert len(first_statements) >= 3
    assert set(first_statements) == {"PRAGMA key"}


def _open_sqlite_temp_files() -> list[str]:
    """SQLite temp files this process holds open (named etilqs_*, unlinked at once, so look at the fds).

    SQLite picks its temp directory once per process, so the test cannot redirect it; it looks for the
    files wherever they are."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if "etilqs_" in target:
            found.append(target)
    return found


def _big_sort_open_files(raw: object, temp_store: str) -> list[str]:
    cursor = raw.cursor()  # type: ignore[attr-defined]
    cursor.execute(f"PRAGMA temp_store = {temp_store}")
    cursor.execute("PRAGMA cache_size = 10")
    cursor.execute("CREATE TEMP TABLE big (k TEXT)")
    cursor.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "INSERT INTO big SELECT hex(randomblob(40)) || 'secret narrative' FROM n"
    )
    cursor.execute("SELECT k FROM big ORDER BY k DESC")
    cursor.fetchone()  # the sort is done and its temporary storage is still held
    held = _open_sqlite_temp_files()
    cursor.close()
    raw.execute("DROP TABLE big")  # type: ignore[attr-defined]
    return held


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see unlinked temp files")
def test_temp_storage_stays_in_memory(
    profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """temp_store = MEMORY on every connection: a large sort never spills rows into the temp directory.

    The control (the same sort with temp_store = FILE) shows the check would see a spill."""
    with profile.write() as conn:
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2
        raw = conn.connection.driver_connection
        assert _big_sort_open_files(raw, "MEMORY") == []
    control = profile.engine.raw_connection()
    try:
        assert _big_sort_open_files(control.driver_connection, "FILE") != []
    finally:
        control.invalidate()  # never return a FILE-temp connection to the pool


def test_key_and_url_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Neither the key, the passphrase nor a URL holding them appears in logs, reprs or messages."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy.pool").setLevel(logging.DEBUG)
    try:
        profile = open_profile(tmp_path / "p", create_with_caseload=demo_caseload())
        key = current_backend().get_password(KEYRING_SERVICE, profile.profile_id)
        assert key and len(key) == 64
        with profile.write() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM contacts")
        profile.close()
        profile = open_profile(tmp_path / "p")
        texts = [caplog.text, str(profile.engine.url), repr(profile.engine), repr(profile)]
        profile.close()
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
        logging.getLogger("sqlalchemy.pool").setLevel(logging.WARNING)
    assert "sqlalchemy.engine" in caplog.text  # statement logging really was on
    for text in texts:
        assert key not in text
        assert key.upper() not in text
    spec = KeySpec("passphrase", "correct horse battery")
    assert "correct horse" not in repr(spec) and "correct horse" not in str(spec)


def test_plain_sqlite_cannot_read_a_profile(profile: Profile) -> None:
    profile.close()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(profile.db_path).execute("SELECT * FROM sqlite_master").fetchall()


def test_passphrase_never_logged_or_in_messages(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import keyring.backends.null

    from fieldapp.app.profile import ProfileError

    secret = "Correct-Horse-Battery-Staple-7"
    caplog.set_level(logging.DEBUG)
    null = keyring.backends.null.Keyring()
    profile = open_profile(
        tmp_path / "p",
        create_with_caseload=demo_caseload(),
        keyring_backend=null,
        passphrase_provider=lambda _p: secret,
    )
    texts = [repr(profile), str(profile.engine.url)]
    profile.close()
    with pytest.raises(ProfileError) as wrong:
        open_profile(tmp_path / "p", passphrase_provider=lambda _p: secret + "x")
    texts += [caplog.text, str(wrong.value), repr(wrong.value)]
    assert all(secret not in text for text in texts)
    assert secret.encode() not in (tmp_path / "p" / "profile.json").read_bytes()
