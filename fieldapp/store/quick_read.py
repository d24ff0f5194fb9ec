"""The first paint's read: the caseload, today's drafts, recent contacts of one matter and the outbox count,
straight from the SQLCipher file into plain tuples, without SQLAlchemy, pydantic or Alembic.

Why it exists: those libraries cost most of a cold start (docs/PERFORMANCE.md, "GUI"), and a worker opening
the laptop wants to see the caseload first. The normal opening (fieldapp.store.profile) still runs right
after, and everything the worker can *change* waits for it.

What keeps it honest and safe:
- Read-only: the file is opened with `mode=ro`, inside one read transaction; nothing is ever written, so a
  wrong key or a damaged file cannot be made worse, and no temporary file is made (`temp_store = MEMORY`).
- The key comes only from the OS keyring, through the same code as the normal opening (fieldapp.store.keys),
  and is proven against profile.json's key check before the file is touched. Passphrase-keyed profiles are
  never read here: their passphrase is asked by the normal opening.
- It shows only what the normal opening would show, so it refuses (returns a `QuickSkip` with the reason,
  and the app takes the normal path) whenever that could differ: a schema other than this app's HEAD (a
  migration is due), a draft from an ended business day (closing the day finalizes or freezes it, NAR-SAMEDAY),
  a profile still being created, no unlock passphrase yet (the lock could not hide the data), any key or
  file problem (the normal opening says what is wrong, in the same words as always).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from fieldapp.app.first_paint import QuickContact, QuickMatter, QuickPerson, QuickRead
from fieldapp.app.first_paint_view import QuickSkip
from fieldapp.store import keys
from fieldapp.store.location import DB_FILE, SETTINGS_FILE, resolve_profile_dir
from fieldapp.store.revisions import HEAD

_CREATING_MARKER = ".creating"  # fieldapp.store.profile.CREATING_MARKER (a test checks they agree)
RECENT_LIMIT = 50  # as SqlContactService.recent_contacts


class QuickSession:
    """The first paint's read, still inside its read-only snapshot: `read` now, `recent(matter_id)` once the
    GUI knows which referral or case to select (QSettings need Qt, which is imported after this opens), then
    `close()`. Used on one thread."""

    def __init__(self, conn: Any, read: QuickRead) -> None:
        self._conn: Any = conn
        self.read = read

    def recent(self, matter_id: str | None) -> tuple[str | None, tuple[QuickContact, ...]]:
        """(the matter whose recent contacts these are, them): `matter_id` if it is in the caseload, else
        the first referral or case, as the full window selects."""
        ids = [m.id for m in (*self.read.referrals, *self.read.cases)]
        if matter_id not in ids:
            matter_id = ids[0] if ids else None
        if matter_id is None or self._conn is None:
            return matter_id, ()
        try:
            rows = self._conn.execute(_RECENT_OF_MATTER, (matter_id, RECENT_LIMIT)).fetchall()
            return matter_id, tuple(_contact(self._conn, r) for r in rows)
        except (sqlcipher.Error, ValueError, KeyError, TypeError):
            return matter_id, ()  # the full window reads them in a moment

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.execute("COMMIT")
            finally:
                conn.close()


def open_first_paint(
    directory: Path | str | None, *, today: date, backend: Any = None
) -> QuickSession | QuickSkip:
    """Open the profile read-only and read what the main window shows first, or say why not. `today` is
    the agency's business day. The caller must `close()` the session."""
    path = resolve_profile_dir(directory)
    settings_path, db_path = path / SETTINGS_FILE, path / DB_FILE
    if (path / _CREATING_MARKER).exists() or not settings_path.exists() or not db_path.exists():
        return QuickSkip("no finished profile here")
    try:
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
        profile_id, salt, check = settings["profile_id"], settings["check_salt"], settings["key_check"]
        source = settings["key_source"]
    except (OSError, ValueError, KeyError, TypeError):
        return QuickSkip("profile settings unreadable")
    if source != "keyring":
        return QuickSkip("passphrase-keyed profile")
    key = _keyring_key(backend, str(profile_id), str(salt), str(check))
    if isinstance(key, QuickSkip):
        return key
    try:
        return _open(path, db_path, key, today)
    except (sqlcipher.Error, ValueError, KeyError, TypeError) as error:
        return QuickSkip(f"the profile could not be read quickly ({type(error).__name__})")


def read_first_paint(
    directory: Path | str | None,
    *,
    today: date,
    recent_matter_id: str | None = None,
    backend: Any = None,
) -> QuickRead | QuickSkip:
    """`open_first_paint`, the recent contacts of `recent_matter_id`, closed: all in one call."""
    session = open_first_paint(directory, today=today, backend=backend)
    if isinstance(session, QuickSkip):
        return session
    try:
        matter_id, recent = session.recent(recent_matter_id)
        return replace(session.read, recent_matter_id=matter_id, recent=recent)
    finally:
        session.close()


def _keyring_key(backend: Any, profile_id: str, salt: str, check: str) -> keys.KeySpec | QuickSkip:
    try:
        backend = backend if backend is not None else keys.current_backend()
        if not keys.is_secure_backend(backend):
            return QuickSkip("no secure keyring")
        key = keys.load_key(backend, profile_id)
        unlock_hash = backend.get_password(keys.UNLOCK_KEYRING_SERVICE, profile_id)
    except Exception as error:  # keyring backends raise their own types; the normal opening reports them
        return QuickSkip(f"keyring not readable ({type(error).__name__})")
    if key is None or not key.matches(salt, check):
        return QuickSkip("the keyring holds no key that opens this profile")
    if not unlock_hash:
        return QuickSkip("no unlock passphrase yet")
    return key


def _open(directory: Path, db_path: Path, key: keys.KeySpec, today: date) -> QuickSession | QuickSkip:
    conn = sqlcipher.connect(f"{db_path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        # The same keying and settings as fieldapp.store.engine, key first: nothing reads the file before it.
        conn.execute(key.pragma())
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")  # one snapshot for every read, the recent contacts included
        read = _read_snapshot(conn, directory, today)
    except BaseException:
        conn.close()
        raise
    if isinstance(read, QuickSkip):
        conn.close()
        return read
    return QuickSession(conn, read)


def _read_snapshot(conn: Any, directory: Path, today: date) -> QuickRead | QuickSkip:
    version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if version is None or version[0] != HEAD:
        return QuickSkip("the profile's schema must be brought up to date first")
    day = today.isoformat()
    ended = conn.execute(
        "SELECT 1 FROM contacts WHERE state = 'draft' AND frozen_reason IS NULL AND business_day < ? LIMIT 1",
        (day,),
    ).fetchone()
    if ended is not None:
        return QuickSkip("a draft from an ended business day must be closed first (NAR-SAMEDAY)")
    row = conn.execute("SELECT body FROM caseload").fetchone()
    if row is None:
        return QuickSkip("the profile holds no caseload")
    caseload = json.loads(row[0])
    referrals = tuple(_matter(m, "referral") for m in caseload.get("referrals", ()))
    cases = tuple(_matter(m, "case") for m in caseload.get("cases", ()))
    drafts = tuple(_contact(conn, r) for r in conn.execute(_DRAFTS_OF_DAY, (day,)).fetchall())
    pending = conn.execute(
        "SELECT count(*) FROM outbox WHERE synced_at IS NULL AND refused_at IS NULL"
    ).fetchone()[0]
    last_sync = conn.execute("SELECT value FROM sync_state WHERE key = 'last_sync_at'").fetchone()
    return QuickRead(
        directory=directory,
        worker_name=str(caseload["worker"]["full_name"]),
        referrals=referrals,
        cases=cases,
        drafts=drafts,
        recent_matter_id=None,
        recent=(),
        pending=int(pending),
        last_sync_at=str(last_sync[0]) if last_sync else None,
    )


# The same rows, in the same order, as fieldapp.store.contacts.drafts(on_day=) and .recent().
_DRAFTS_OF_DAY = (
    "SELECT id, state, body, frozen_reason, flagged_for_supervisor, sync_refusal FROM contacts "
    "WHERE state = 'draft' AND frozen_reason IS NULL AND business_day = ? ORDER BY first_saved_at, id"
)
_RECENT_OF_MATTER = (
    "SELECT id, state, body, frozen_reason, flagged_for_supervisor, sync_refusal FROM contacts "
    "WHERE context_id = ? ORDER BY first_saved_at DESC, id DESC LIMIT ?"
)


def _contact(conn: Any, row: Any) -> QuickContact:
    contact_id, state, body, frozen_reason, flagged, refusal = row
    data = json.loads(body)
    amended = (
        conn.execute("SELECT 1 FROM amendments WHERE contact_id = ? LIMIT 1", (contact_id,)).fetchone()
        is not None
    )
    return QuickContact(
        id=contact_id,
        kind=str(data["kind"]),
        context_id=str(data["context_id"]),
        state=str(state),
        participant_ids=tuple(data.get("participant_ids") or ()),
        started_at=data.get("started_at"),
        first_saved_at=data.get("first_saved_at"),
        method=data.get("method"),
        status=data.get("status"),
        frozen=bool(frozen_reason),
        flagged_for_supervisor=bool(flagged),
        refused=_has_findings(refusal),
        amended=amended,
    )


def _has_findings(refusal: str | None) -> bool:
    """As fieldapp.store.contacts.refusal_findings: a refusal counts when it names findings."""
    return bool(refusal) and bool(json.loads(refusal or "{}").get("findings"))


def _matter(data: dict[str, Any], context: str) -> QuickMatter:
    ends = [data.get("closed_on")]
    if context == "case":
        ends.append(data.get("jurisdiction_terminated_on"))
    known = [date.fromisoformat(d) for d in ends if d]
    return QuickMatter(
        id=str(data["id"]),
        context=context,
        name=str(data["name"]),
        program=str(data.get("program", "ER/Investigations")),  # Referral.program's default
        ends_on=min(known) if known else None,
        people=tuple(
            QuickPerson(
                id=str(p["id"]),
                full_name=str(p["full_name"]),
                roles=tuple(str(r) for r in p.get("roles", ())),
                collateral_type=p.get("collateral_type"),
            )
            for p in data.get("people", ())
        ),
    )
