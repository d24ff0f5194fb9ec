"""Who is asking: enrollment codes, device tokens, revocation and the failed-authentication limiter.

Codes and tokens are random secrets shown once; the database keeps only their SHA-256 (a token has 256
bits of entropy, so a fast hash is enough; a code is short-lived, single-use and rate-limited). Nothing
here ever logs a secret.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, bindparam, select, update

from fieldapp.domain.ids import new_id
from fieldapp.domain.records import StaffRole, Worker
from fieldapp.server.caseload import parse_worker
from fieldapp.server.db import Database, Query
from fieldapp.server.models import Device, EnrollmentCode, Staff

_DEVICES = cast(Table, Device.__table__)
_STAFF = cast(Table, Staff.__table__)
# Every request of every device runs this: compiled once, run on the driver's cursor (see db.Query).
_CALLER = Query(
    select(_DEVICES.c.id, _DEVICES.c.revoked_at, _STAFF.c.record)
    .join(_STAFF, _STAFF.c.id == _DEVICES.c.worker_id)
    .where(_DEVICES.c.token_hash == bindparam("token_hash"))
)

TOKEN_PREFIX = "fat_"  # noqa: S105 - not a secret: a prefix that makes leaked tokens easy to scan for
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    """People type codes in any case, with or without the dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated device and the staff member it belongs to."""

    device_id: str
    worker: Worker

    @property
    def role(self) -> StaffRole:
        return self.worker.role


class EnrollmentError(Exception):
    """The code is unknown, used or expired (deliberately not saying which)."""


def issue_code(db: Database, worker_id: str, valid_for: timedelta = timedelta(days=3)) -> str:
    """A one-time enrollment code for `worker_id`; only its hash is kept."""
    now = datetime.now(UTC)
    code = new_code()
    with db.write() as w:
        if w.session.get(Staff, worker_id) is None:
            raise LookupError(f"no staff member with id {worker_id!r}")
        w.session.add(
            EnrollmentCode(
                id=new_id(),
                code_hash=secret_hash(normalise_code(code)),
                worker_id=worker_id,
                created_at=now,
                expires_at=now + valid_for,
            )
        )
        w.audit(
            actor_id="admin", action="issue_code", record_kind="staff", record_id=worker_id, content_hash=""
        )
    return code


def enroll(db: Database, code: str, device_name: str) -> tuple[str, str, Worker]:
    """Spend a code: (token, device id, worker). The code can never be used again."""
    now = datetime.now(UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device_id = new_id()
    with db.write() as w:
        row = w.session.execute(
            select(EnrollmentCode).where(EnrollmentCode.code_hash == secret_hash(normalise_code(code)))
        ).scalar_one_or_none()
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise EnrollmentError
        staff = w.session.get(Staff, row.worker_id)
        if staff is None:
            raise EnrollmentError
        row.used_at = now
        w.session.add(
            Device(
                id=device_id,
                token_hash=secret_hash(token),
                worker_id=row.worker_id,
                name=device_name[:200],
                created_at=now,
            )
        )
        w.audit(
            actor_id=row.worker_id,
            action="enroll",
            record_kind="device",
            record_id=device_id,
            content_hash="",
        )
        worker = Worker.model_validate_json(staff.record)
    return token, device_id, worker


def authenticate(db: Database, token: str) -> Caller | None:
    """The caller a bearer token belongs to, or None if it is unknown or revoked."""
    # Looked up in the database on every request, never cached: a revocation (an admin command, possibly
    # in another process) takes effect on the very next request.
    with db.read_connection() as conn:
        return authenticate_in(conn, token)


def authenticate_in(conn: Connection, token: str) -> Caller | None:
    """`authenticate` on a read connection the request goes on using (a push asks its questions on the
    same checkout, and on SQLite in the same read transaction, as the token check)."""
    found = _CALLER.first(conn, {"token_hash": secret_hash(token)})
    if found is None:
        return None
    device_id, revoked_at, record = found
    if revoked_at is not None:
        return None
    return Caller(device_id=device_id, worker=parse_worker(record))


def revoke(db: Database, *, device_id: str | None = None, worker_id: str | None = None) -> int:
    """Revoke one device, or every device of a worker; returns how many tokens stopped working."""
    if (device_id is None) == (worker_id is None):
        raise ValueError("give exactly one of device_id and worker_id")
    now = datetime.now(UTC)
    with db.write() as w:
        where = Device.id == device_id if device_id is not None else Device.worker_id == worker_id
        result = w.session.execute(
            update(Device).where(where, Device.revoked_at.is_(None)).values(revoked_at=now)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            w.audit(
                actor_id="admin",
                action="revoke",
                record_kind="device",
                record_id=device_id or f"worker:{worker_id}",
                content_hash="",
            )
    return count


def list_devices(db: Database, worker_id: str | None = None) -> list[Device]:
    with db.read() as session:
        query = select(Device).order_by(Device.created_at)
        if worker_id is not None:
            query = query.where(Device.worker_id == worker_id)
        return list(session.execute(query).scalars())


class FailureLimiter:
    """Sliding-window count of failed authentications per client address.

    Once an address has failed `limit` times within `window` seconds, every authentication attempt from it
    is answered 429 before the token is even looked at, so a guesser learns nothing until the window has
    passed; well-behaved clients from other addresses are unaffected.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None if it is not limited."""
        now = time.monotonic()
        with self._lock:
            q = self._prune(key, now)
            if len(q) < self.limit:
                if not q:
                    self._failures.pop(key, None)
                return None
            return max(1, int(q[0] + self.window - now) + 1)

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            q = self._prune(key, now)
            q.append(now)
            while len(q) > self.limit:  # bounded memory per address
                q.popleft()
