"""The SQLAlchemy engine over one SQLCipher 4 file, keyed before anything reads it.

Traps this module avoids (each has a test in tests/store/test_keying.py):
- Listeners are registered on this engine *instance*, never on the Engine class: a class-level listener
  would key every engine in the process (and another module's listener would run on ours).
- The key listener is inserted first, so `PRAGMA key` is the very first statement on every new connection;
  nothing (not even SQLAlchemy's dialect initialisation) reads the file before it.
- `temp_store = MEMORY`: sorts and temporary tables never spill plaintext into the temp directory.
- The URL holds only the file path; the key is never in a URL, a log line or an exception message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine, create_engine, event

from fieldapp.store.keys import KeySpec

BUSY_TIMEOUT_MS = 10_000
# Negative: KiB. Decrypted pages stay cached, so an index walk does not decrypt the same pages on every save.
CACHE_KIB = -16_000


def plain_engine_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def make_engine(path: Path, key: KeySpec | None, *, synchronous: str = "FULL") -> Engine:
    """An engine whose every connection is keyed (when `key` is given) and configured before first use.

    `key=None` gives a plaintext SQLite engine with the same driver build and settings: used only by the
    benchmark, so that the comparison isolates the cost of encryption.
    """
    # LIFO: reuse the connection used last. SQLite drops a connection's whole page cache when another
    # connection wrote since its last transaction; with FIFO rotation every save re-read (and, encrypted,
    # re-decrypted) the B-tree pages it touches.
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}, "pool_use_lifo": True}
    engine = create_engine(plain_engine_url(path), module=sqlcipher, **kwargs)
    pragma = key.pragma() if key is not None else None

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if pragma is not None:
                cursor.execute(pragma)
            cursor.execute("PRAGMA temp_store = MEMORY")
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute(f"PRAGMA cache_size = {CACHE_KIB}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()
        # Let SQLAlchemy (not the driver's legacy heuristics) issue BEGIN, so reads share the snapshot.
        dbapi_connection.isolation_level = None

    def on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    event.listen(engine, "connect", on_connect, insert=True)
    event.listen(engine, "begin", on_begin)
    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """BEGIN IMMEDIATE: take the write lock up front so the audit chain's "previous entry" cannot race."""
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn
