"""Connections to the server's database (SQLite file or PostgreSQL), and the one way to write to it.

Every write goes through `Database.write()`, which serialises writers: on SQLite by `BEGIN IMMEDIATE`, on
PostgreSQL by locking the audit chain head row. Serial writers give three things at once: the audit chain
never forks, a push retry racing its original sees the stored row (no duplicate), and feed sequence
numbers become visible in commit order, so a pull cursor can never skip a change committed late.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select as io_select
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's own busy handler is the only queue between processes
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import (
    Connection,
    Table,
    TypeDecorator,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from fieldapp.server.models import AuditEntry, Meta

CHAIN_HEAD = "audit_head"
GENESIS = "0" * 64

# Statements every write transaction runs, built once: executed on the session's Connection (Core), they
# skip the ORM's per-statement compile state and unit of work.
_META = cast(Table, Meta.__table__)
_AUDIT = cast(Table, AuditEntry.__table__)
_HEAD_FOR_UPDATE = select(_META.c.value).where(_META.c.key == CHAIN_HEAD).with_for_update()
_ADD_HEAD = insert(_META).values(key=CHAIN_HEAD, value=bindparam("value"))
_MOVE_HEAD = update(_META).where(_META.c.key == CHAIN_HEAD).values(value=bindparam("value"))


def insert_many(conn: Connection, table: Table, rows: list[dict[str, object]]) -> None:
    """Insert `rows` (dicts with the same keys) in one statement whose text does not depend on their number.

    SQLite: an executemany (one prepared statement, the rows bound in C). PostgreSQL: psycopg's
    executemany sends each row as its own statement in pipeline mode, and a multi-row VALUES list is a new
    query text for every batch size that psycopg re-parses each time (Python per row either way);
    `INSERT ... SELECT * FROM unnest(<one array per column>)` is one short statement
    with one parameter per column, whatever the batch size.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        conn.execute(insert(table), rows)
        return
    names = tuple(rows[0])
    sql = _unnest_insert(table, names, conn.dialect)
    params: dict[str, list[object]] = {}
    for i, name in enumerate(names):
        values = [row[name] for row in rows]
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):  # e.g. UtcDateTime refuses naive datetimes
            values = [column_type.process_bind_param(v, conn.dialect) for v in values]
        params[f"c{i}"] = values
    conn.exec_driver_sql(sql, params)


class Query:
    """A Core SELECT of a hot path, run on the connection's DBAPI cursor as SQL text compiled once per
    dialect: rows come back as plain tuples.

    SQLAlchemy's execution of even a cached Core statement costs several times a psycopg execute of the
    same prepared text in Python (execution context, parameter processing, result metadata), and a burst
    runs several such reads per laptop. Only for statements whose parameters and columns
    need no type processing (strings, integers, NULL tests). A list parameter (`bindparam(...,
    expanding=True)`, `IN`) is one array parameter on PostgreSQL (`= ANY(%(name)s)`, one query text for
    every list length, so psycopg prepares it once) and a JSON array read with `json_each` on SQLite (JSON1:
    built into SQLite since 3.38, and into the usual builds before).
    A disconnect seen here invalidates the pooled connection as SQLAlchemy's own execution would.
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, frozenset[str], dict[str, Any]]] = {}

    def _sql(self, dialect: Dialect) -> tuple[str, frozenset[str], dict[str, Any]]:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            target = sqlite_dialect(paramstyle="named") if dialect.name == "sqlite" else dialect
            done = cast(SQLCompiler, self.statement.compile(dialect=target))
            sql = done.string
            lists = frozenset(name for name, bind in done.binds.items() if bind.expanding)
            for name in lists:
                marker = f"IN (__[POSTCOMPILE_{name}])"
                if sql.count(marker) < 1 or f"NOT {marker}" in sql:
                    raise ValueError(f"list parameter {name!r}: only `IN` is supported")
                # The names are the statement's own bind names, never from a request.
                if dialect.name == "sqlite":
                    sql = sql.replace(marker, f"IN (SELECT value FROM json_each(:{name}))")  # noqa: S608
                else:
                    element = done.binds[name].type.compile(dialect)
                    sql = sql.replace(marker, f"= ANY(%({name})s::{element}[])")
            # Values the statement carries itself (a literal compared with: `role == "manager"`).
            fixed = {
                name: bind.effective_value for bind, name in done.bind_names.items() if not bind.required
            }
            compiled = (sql, lists, fixed)
            self._compiled[dialect.name] = compiled
        return compiled

    def rows(self, conn: Connection, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        sql, lists, fixed = self._sql(conn.dialect)
        values = {**fixed, **params} if params else dict(fixed)
        if lists and conn.dialect.name == "sqlite":
            for name in lists:
                values[name] = json.dumps(list(values[name]))
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql, values)
            return cast(list[tuple[Any, ...]], cursor.fetchall())
        except conn.dialect.loaded_dbapi.Error as exc:
            if conn.dialect.is_disconnect(exc, dbapi_connection, cursor):
                conn.invalidate(exc)
            raise
        finally:
            cursor.close()

    def first(self, conn: Connection, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        found = self.rows(conn, params)
        return found[0] if found else None


_UNNEST_SQL: dict[tuple[str, tuple[str, ...]], str] = {}


def _unnest_insert(table: Table, names: tuple[str, ...], dialect: Dialect) -> str:
    key = (table.name, names)
    sql = _UNNEST_SQL.get(key)
    if sql is None:
        casts = []
        for i, name in enumerate(names):
            column_type = table.c[name].type
            if isinstance(column_type, TypeDecorator):
                column_type = column_type.impl_instance
            casts.append(f"%(c{i})b::{column_type.compile(dialect)}[]")  # binary: no text escaping
        aliases = ", ".join(f"c{i}" for i in range(len(names)))
        # Names and types come from the table definition, never from a request. ORDER BY the array
        # position: rows (and so an autoincrement key such as the audit chain's seq) go in list order.
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {aliases} "  # noqa: S608
            f"FROM unnest({', '.join(casts)}) WITH ORDINALITY AS u({aliases}, n) ORDER BY n"
        )
        _UNNEST_SQL[key] = sql
    return sql


def normalise_url(url: str) -> str:
    """Accept a plain `postgresql://` URL and a bare file path; use psycopg 3 for PostgreSQL."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False}, pool_size=20)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event choose the BEGIN
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


# TCP keepalives on every PostgreSQL connection: a database host that vanished without closing the socket
# (power cut, a firewall dropping the flow) turns an idle pooled connection into a socket error within
# about a minute, which the checkout check below sees without a round trip.
_PG_CONNECT_ARGS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


_PG_READ_POOL = 10


def _postgresql_engines(url: str) -> tuple[Engine, Engine]:
    """(reader, writer) engines for PostgreSQL.

    Readers run in autocommit: PostgreSQL's default READ COMMITTED gives every statement its own snapshot
    even inside a transaction, so a read-only BEGIN ... COMMIT bought no consistency, only two round trips
    per checkout (a push asked for them twice, a pull twice). Writers keep real transactions, and at most
    one per process is open at a time (`Database._write_lock`), so their pool is small.

    No `pool_pre_ping` (a round trip per checkout, five per simulated worker in the burst bench): a pooled
    connection the server closed (a restart sends a FATAL message and closes the socket) or whose peer
    vanished (keepalives) has its socket readable or in error while it sits idle, which one non-blocking
    poll at checkout sees; such a connection is replaced before use, as the ping did. `pool_recycle`
    bounds a connection's age for anything else, and a write transaction whose first statement still
    meets a dead connection is retried once on a new one (`Database._write_transaction`).
    """
    reader = create_engine(
        url,
        pool_size=_PG_READ_POOL,
        max_overflow=20,
        pool_recycle=3600,
        isolation_level="AUTOCOMMIT",
        connect_args=_PG_CONNECT_ARGS,
    )
    writer = create_engine(url, pool_size=2, max_overflow=4, pool_recycle=3600, connect_args=_PG_CONNECT_ARGS)
    for engine in (reader, writer):
        event.listen(engine, "checkout", _refuse_closed_connection)
    return reader, writer


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout: an idle connection has nothing to read. If its socket is readable, in error or hung up,
    the server closed it (restart, terminated backend) or the peer is gone: DisconnectionError makes the
    pool open a new connection in its place. (A harmless message waiting, e.g. a parameter change after a
    configuration reload, only costs a reconnect.)"""
    if dbapi_connection.closed:
        raise DisconnectionError("connection closed")
    poller = io_select.poll()
    poller.register(dbapi_connection.fileno(), io_select.POLLIN | io_select.POLLERR | io_select.POLLHUP)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection while it was idle in the pool")


T = TypeVar("T")


@dataclass(slots=True)
class _Job:
    """One thread's share of a grouped write (see `Database.write_grouped`)."""

    work: Callable[[Writer], Any]
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class Database:
    """The server's database: a reader for queries and a serialised writer for changes."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.read_engine = _sqlite_engine(self.url, "BEGIN")
            self.write_engine = _sqlite_engine(self.url, "BEGIN IMMEDIATE")
        else:
            self.read_engine, self.write_engine = _postgresql_engines(self.url)
        self._write_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Job] = []
        self._lock_path = self._lock_file()
        self._lock_fd: int | None = None

    def _lock_file(self) -> str | None:
        """SQLite, several server processes: a lock file beside the database that writers take before
        BEGIN IMMEDIATE. SQLite's busy handler makes a waiting process poll with growing sleeps (1 ms up to
        100 ms), so with two uvicorn workers each writer found the other holding the lock and slept long
        after it was free; a blocking `flock` wakes the next writer the moment the lock is released.
        The database's own locking stays in force underneath (a writer without the file still waits)."""
        database = make_url(self.url).database if self.is_sqlite else None
        if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
            return None
        return database + "-writer.lock"

    def warm(self, readers: int) -> None:
        """Open the connections a busy process will use now, not in its first burst (PostgreSQL: a new
        connection is a backend process, a SCRAM exchange and cold catalog caches, tens of milliseconds of
        CPU on both sides). The pools keep them; SQLite's connections are cheap and need no warming."""
        if self.is_sqlite:
            return
        held = [self.read_engine.connect() for _ in range(max(0, min(readers, _PG_READ_POOL)))]
        held.append(self.write_engine.connect())
        for conn in held:
            conn.close()

    def dispose(self) -> None:
        with self._write_lock:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A read transaction on a bare Connection, for the prepared Core statements of hot paths."""
        with self.read_engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Writer]:
        # Writers queue here, in this process, before they queue in the database: SQLite's busy handler
        # polls with sleeps, so dozens of threads contending for BEGIN IMMEDIATE waste most of their time.
        with self._write_lock, self._locked_transaction() as writer:
            yield writer

    def write_grouped(self, work: Callable[[Writer], T]) -> T:
        """`work(writer)` in a write transaction that it may share with the work other threads of this
        process queued meanwhile (group commit); returns its result or raises its exception.

        Under a burst, writers of two processes take turns at one lock, and every turn pays for the lock,
        BEGIN, the chain head, COMMIT and a GIL hand-off per statement: a thread that wins the lock runs
        every queued work in its one transaction, one after the other, each seeing what the previous ones
        wrote (a retry racing its original still meets the stored row) and each chaining its audit entries
        after theirs. If the shared transaction fails, nothing of it is kept and each work is run again in
        a transaction of its own, so one failing batch never fails another.
        """
        job = _Job(work)
        with self._queue_lock:
            self._queue.append(job)
        while not job.done:
            with self._write_lock:
                if job.done:  # a thread that held the lock before us ran it
                    break
                with self._queue_lock:
                    jobs, self._queue = self._queue, []
                self._run_group(jobs)
        if job.error is not None:
            raise job.error
        return cast(T, job.result)

    def _run_group(self, jobs: list[_Job]) -> None:
        """Holding the in-process writer lock: run `jobs` in one transaction, or one by one if it fails."""
        try:
            with self._locked_transaction() as writer:
                results = [job.work(writer) for job in jobs]
            for job, result in zip(jobs, results, strict=True):
                job.result = result
        except Exception as exc:
            if len(jobs) == 1:
                jobs[0].error = exc
            else:
                for job in jobs:
                    try:
                        with self._locked_transaction() as writer:
                            job.result = job.work(writer)
                    except Exception as alone:
                        job.error = alone
        finally:
            for job in jobs:
                job.done = True

    @contextmanager
    def _locked_transaction(self) -> Iterator[Writer]:
        """The write transaction, holding the lock file between processes (SQLite; see _lock_file)."""
        if self._lock_path is None:
            with self._write_transaction() as writer:
                yield writer
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            with self._write_transaction() as writer:
                yield writer
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @contextmanager
    def _write_transaction(self) -> Iterator[Writer]:
        """One transaction holding the writer lock; committed when the block ends without an exception.

        The chain head row is created by `migrate.upgrade` before the server serves, so concurrent
        writers always find it and queue on its lock.
        """
        session, head = self._begin_write()
        with session:  # closing rolls back whatever was not committed
            conn = session.connection()
            if head is None:
                conn.execute(_ADD_HEAD, {"value": GENESIS})
                head = GENESIS
            writer = Writer(session, conn, head)
            yield writer
            writer.flush_audit()
            session.commit()

    def _begin_write(self) -> tuple[Session, str | None]:
        """A session in a new write transaction holding the chain head lock, and the head.

        If that first statement meets a dead connection (its loss not visible at checkout), nothing has
        been done yet: the transaction is begun once more, on a new connection."""
        for attempt in (1, 2):
            session = Session(self.write_engine, expire_on_commit=False)
            try:
                session.begin()
                head = session.connection().execute(_HEAD_FOR_UPDATE).scalar_one_or_none()
            except DBAPIError as exc:
                session.close()
                if attempt == 2 or not exc.connection_invalidated:
                    raise
                continue
            except BaseException:
                session.close()
                raise
            return session, head
        raise AssertionError("unreachable")

    def server_id(self) -> str:
        with self.read() as session:
            return session.execute(select(Meta.value).where(Meta.key == "server_id")).scalar_one()


class Writer:
    """A write transaction: the session (and its Connection, for Core statements on hot paths) plus the
    audit chain it appends to.

    Audit entries are chained in memory and inserted in one statement when the transaction's block ends
    (still inside the transaction): a batch of 20 contacts costs one audit INSERT, not 20.
    """

    def __init__(self, session: Session, conn: Connection, head: str) -> None:
        self.session = session
        self.conn = conn
        self._last = head
        self._pending: list[dict[str, object]] = []

    def audit(
        self, *, actor_id: str, action: str, record_kind: str, record_id: str, content_hash: str
    ) -> None:
        """Append one audit entry chained to the previous one (same transaction as the change it records)."""
        at = datetime.now(UTC)
        entry_hash = chain_hash(self._last, at, actor_id, action, record_kind, record_id, content_hash)
        self._pending.append(
            dict(
                at=at,
                actor_id=actor_id,
                action=action,
                record_kind=record_kind,
                record_id=record_id,
                content_hash=content_hash,
                prev_hash=self._last,
                entry_hash=entry_hash,
            )
        )
        self._last = entry_hash

    def flush_audit(self) -> None:
        if not self._pending:
            return
        # ORM objects added by the caller go first (they may be what the entries record).
        self.session.flush()
        # Core insert on the table: the ORM's bulk path spends per-row bookkeeping we do not use.
        insert_many(self.conn, _AUDIT, self._pending)
        self.conn.execute(_MOVE_HEAD, {"value": self._last})
        self._pending = []


# A character `json.dumps` (ensure_ascii) would escape: a quote, a backslash, anything outside printable ASCII.
_ESCAPED = re.compile(r'["\\]|[^\x20-\x7e]')


def chain_hash(
    prev: str, at: datetime, actor_id: str, action: str, record_kind: str, record_id: str, content_hash: str
) -> str:
    """SHA-256 of the entry as the compact JSON array `json.dumps(..., separators=(",", ":"))` writes.

    Every accepted contact chains one entry, so the usual case (IDs, hashes, a timestamp: printable ASCII
    with no quote or backslash, which JSON writes as is) joins the strings directly, byte for byte what
    json.dumps gives (tests/server/test_audit_hash.py); anything else goes through json.dumps."""
    parts = [prev, at.astimezone(UTC).isoformat(), actor_id, action, record_kind, record_id, content_hash]
    plain = _ESCAPED.search("".join(parts)) is None  # the separators' own quotes are not in the parts
    body = '["' + '","'.join(parts) + '"]' if plain else json.dumps(parts, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def verify_audit_chain(db: Database) -> tuple[bool, int]:
    """Recompute the chain: (intact, number of entries). A changed or removed entry breaks it."""
    prev = GENESIS
    count = 0
    with db.read() as session:
        for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
            expected = chain_hash(
                prev,
                entry.at,
                entry.actor_id,
                entry.action,
                entry.record_kind,
                entry.record_id,
                entry.content_hash,
            )
            if entry.prev_hash != prev or entry.entry_hash != expected:
                return False, count
            prev = entry.entry_hash
            count += 1
        head = session.execute(select(Meta.value).where(Meta.key == CHAIN_HEAD)).scalar_one_or_none()
    return (head or GENESIS) == prev, count
