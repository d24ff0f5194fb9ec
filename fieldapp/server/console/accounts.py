"""Console sign-in: staff passwords (Argon2id) and sessions kept in the server's database.

A password is hashed with argon2-cffi's Argon2id defaults (RFC 9106's second recommended profile); only the
hash is stored and nothing here logs a password. A session is a random 256-bit secret in an HttpOnly
cookie; the database keeps its SHA-256 (like device tokens) with the session's CSRF token and when it was
last used, so every server process sees the same sessions and signing out or setting a new password ends
them at once. A session unused for the idle timeout is deleted the next time it is presented.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete

from fieldapp.domain.records import StaffRole, Worker
from fieldapp.server.auth import secret_hash
from fieldapp.server.caseload import parse_worker
from fieldapp.server.db import Database
from fieldapp.server.models import ConsoleSession, Staff, StaffPassword

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # hashing a megabyte-long "password" is a cheap way to burn the server's CPU
MAX_SESSION = timedelta(hours=12)  # however active, a session ends after a working day
CONSOLE_ROLES = (StaffRole.SUPERVISOR, StaffRole.MANAGER)

_HASHER = PasswordHasher()
# Verified against when the staff ID is unknown or has no password, so that a wrong ID costs as long as a
# wrong password and the answer time tells nothing about which IDs exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class PasswordRefused(ValueError):
    """The password or the staff member cannot be used for the console; the message says why."""


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PasswordRefused(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise PasswordRefused(f"the password must have at most {MAX_PASSWORD} characters")


def set_password(db: Database, staff_id: str, password: str, actor: str = "admin") -> Worker:
    """Set (or replace) a supervisor's or manager's console password; ends their open sessions."""
    check_password_rules(password)
    hashed = _HASHER.hash(password)
    with db.write() as w:
        row = w.session.get(Staff, staff_id)
        if row is None:
            raise PasswordRefused(f"no staff member with id {staff_id!r}")
        staff = parse_worker(row.record)
        if staff.role not in CONSOLE_ROLES:
            raise PasswordRefused(
                f"{staff_id} is a {staff.role}: only supervisors and managers sign in to the console"
            )
        now = datetime.now(UTC)
        existing = w.session.get(StaffPassword, staff_id)
        if existing is None:
            w.session.add(StaffPassword(staff_id=staff_id, password_hash=hashed, set_at=now))
        else:
            existing.password_hash, existing.set_at = hashed, now
        w.session.execute(delete(ConsoleSession).where(ConsoleSession.staff_id == staff_id))
        w.audit(
            actor_id=actor, action="set_password", record_kind="staff", record_id=staff_id, content_hash=""
        )
    return staff


def has_password(db: Database, staff_id: str) -> bool:
    with db.read() as session:
        return session.get(StaffPassword, staff_id) is not None


def verify(db: Database, staff_id: str, password: str) -> Worker | None:
    """The staff member if `password` is theirs and they may use the console, else None (never says which
    part was wrong)."""
    with db.read() as session:
        stored = session.get(StaffPassword, staff_id[:64]) if staff_id else None
        staff_row = session.get(Staff, staff_id[:64]) if stored is not None else None
        stored_hash = stored.password_hash if stored is not None else None
        record = staff_row.record if staff_row is not None else None
    if len(password) > MAX_PASSWORD:
        return None
    try:
        _HASHER.verify(stored_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if stored_hash is None or record is None:
        return None
    staff = parse_worker(record)
    if staff.role not in CONSOLE_ROLES:
        return None
    if _HASHER.check_needs_rehash(stored_hash):
        # Parameters moved on since the password was set: store it under today's, it is known right now.
        with db.write() as w:
            row = w.session.get(StaffPassword, staff.id)
            if row is not None and row.password_hash == stored_hash:
                row.password_hash = _HASHER.hash(password)
    return staff


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The staff member behind a live session, and the session's CSRF token for its forms."""

    staff: Worker
    csrf_token: str


class SessionEnded(Exception):
    """The cookie named a session that timed out (the page says so); an unknown cookie is just None."""


def start_session(db: Database, staff: Worker) -> tuple[str, str]:
    """A new session for `staff`: (cookie secret, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with db.write() as w:
        w.session.add(
            ConsoleSession(
                token_hash=secret_hash(token),
                staff_id=staff.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
            )
        )
        w.audit(actor_id=staff.id, action="sign_in", record_kind="staff", record_id=staff.id, content_hash="")
    return token, csrf


def session_for(db: Database, token: str, idle: timedelta) -> SignedIn | None:
    """The live session of a cookie secret, touched as used now; None for an unknown secret; raises
    SessionEnded (and deletes the session) when it sat idle too long or outlived MAX_SESSION."""
    if not token or len(token) > 200:
        return None
    key = secret_hash(token)
    now = datetime.now(UTC)
    with db.read() as session:
        row = session.get(ConsoleSession, key)
        if row is None:
            return None
        staff_row = session.get(Staff, row.staff_id)
        last_seen, created, csrf = row.last_seen_at, row.created_at, row.csrf_token
        record = staff_row.record if staff_row is not None else None
    if now - last_seen > idle or now - created > MAX_SESSION or record is None:
        end_session(db, token)
        raise SessionEnded
    staff = parse_worker(record)
    if staff.role not in CONSOLE_ROLES:  # demoted since signing in
        end_session(db, token)
        return None
    # Touch at most every quarter of the timeout (and at least every minute): a page view is not a write.
    if now - last_seen > min(idle / 4, timedelta(minutes=1)):
        with db.write() as w:
            found = w.session.get(ConsoleSession, key)
            if found is not None:
                found.last_seen_at = now
    return SignedIn(staff, csrf)


def end_session(db: Database, token: str) -> None:
    with db.write() as w:
        w.session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == secret_hash(token)))


def ensure_demo_passwords(db: Database, staff_ids: tuple[str, ...]) -> dict[str, str]:
    """`serve --demo`: a random password for each demo supervisor/manager who has none yet (printed once by
    the caller); returns {staff id: password} of those set now."""
    made: dict[str, str] = {}
    for staff_id in staff_ids:
        if has_password(db, staff_id):
            continue
        password = "-".join(secrets.token_urlsafe(5) for _ in range(3))
        try:
            set_password(db, staff_id, password, actor="demo")
        except PasswordRefused:
            continue
        made[staff_id] = password
    return made
