"""Opening (or creating) a worker's encrypted profile: find the key, key the engine, check, migrate.

A profile is a directory holding `fieldapp.db` (SQLCipher 4) and `profile.json` (no secrets: the profile's
ID, where its key is kept, and a verifier that tells a wrong key from a damaged file). Every failure raises
a fieldapp.domain.errors ProfileError with a message for a person, and leaves the database file byte-for-byte as it
was: nothing is written until the key has been proven right.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keyring.backend
from sqlalchemy import Connection, Engine, exc, insert, select, update

from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.errors import (
    MissingKey,
    NeedsPassphrase,
    PassphrasePrompt,
    PassphraseProvider,
    ProfileDamaged,
    ProfileError,
    ProfileNotFound,
    WrongKey,
)
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Caseload
from fieldapp.store import audit, keys, migrate
from fieldapp.store.engine import make_engine, read_transaction, write_transaction
from fieldapp.store.location import DB_FILE, SETTINGS_FILE, resolve_profile_dir
from fieldapp.store.schema import caseload as caseload_table
from fieldapp.store.schema import sync_state

if TYPE_CHECKING:
    from fieldapp.store.sync_store import SyncStore

log = logging.getLogger(__name__)

SETTINGS_FORMAT = 1
CREATING_MARKER = ".creating"
_NO_KEYRING = (
    f"There is no secure keyring on this computer ({keys.SECURE_KEYRINGS}), so the profile is protected by a "
    "passphrase instead."
)
"""Words for the worker: the keyring backend's class name is for the log, never the dialog."""


@dataclass(frozen=True, slots=True)
class ProfileSettings:
    profile_id: str
    key_source: keys.KeySource
    check_salt: str
    key_check: str
    created_at: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": SETTINGS_FORMAT,
                "profile_id": self.profile_id,
                "key_source": self.key_source,
                "check_salt": self.check_salt,
                "key_check": self.key_check,
                "created_at": self.created_at,
            },
            indent=2,
        )

    @classmethod
    def read(cls, path: Path) -> ProfileSettings:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != SETTINGS_FORMAT or data["key_source"] not in ("keyring", "passphrase"):
                raise ValueError("unknown format")
            return cls(
                profile_id=str(data["profile_id"]),
                key_source=data["key_source"],
                check_salt=str(data["check_salt"]),
                key_check=str(data["key_check"]),
                created_at=str(data.get("created_at", "")),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ProfileDamaged(
                f"The profile settings file {path} is unreadable or damaged ({type(error).__name__}). "
                "The database was not changed; restore profile.json from a backup.",
                path.parent,
            ) from None


class Profile:
    """One open profile: the keyed engine plus the few things every layer above needs."""

    def __init__(self, directory: Path, settings: ProfileSettings, engine: Engine) -> None:
        self.directory = directory
        self.settings = settings
        self.engine = engine

    @property
    def db_path(self) -> Path:
        return self.directory / DB_FILE

    @property
    def profile_id(self) -> str:
        return self.settings.profile_id

    @property
    def key_source(self) -> keys.KeySource:
        return self.settings.key_source

    def __repr__(self) -> str:
        return f"Profile({str(self.directory)!r}, key_source={self.key_source!r})"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with write_transaction(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with read_transaction(self.engine) as conn:
            yield conn

    def caseload(self) -> Caseload:
        with self.read() as conn:
            row = conn.execute(select(caseload_table.c.body)).first()
        if row is None:
            raise ProfileDamaged("The profile holds no caseload.", self.directory)
        return Caseload.model_validate_json(row.body)

    def caseload_version(self) -> str:
        """Changes whenever the caseload is replaced: lets callers cache the parsed caseload safely."""
        with self.read() as conn:
            row = conn.execute(
                select(sync_state.c.value).where(sync_state.c.key == "caseload_version")
            ).first()
        return "" if row is None else str(row.value)

    def replace_caseload(self, conn: Connection, caseload: Caseload, at: datetime, actor: str) -> None:
        """Store a caseload in the caller's transaction (with its audit entry)."""
        body = canonical_json(caseload).decode("utf-8")
        exists = conn.execute(select(caseload_table.c.id)).first() is not None
        if exists:
            conn.execute(update(caseload_table).values(body=body, updated_at=at.isoformat()))
        else:
            conn.execute(insert(caseload_table).values(id=1, body=body, updated_at=at.isoformat()))
        conn.execute(
            insert(sync_state).values(key="caseload_version", value=new_id()).prefix_with("OR REPLACE")
        )
        audit.append(
            conn,
            at=at,
            actor=actor,
            action="caseload_replaced" if exists else "caseload_created",
            record_kind="caseload",
            record_id=caseload.worker.id,
            content_hash=content_hash(caseload),
        )

    def verify_audit(self) -> audit.AuditReport:
        with self.read() as conn:
            return audit.verify(conn)

    def sync_store(self) -> SyncStore:
        from fieldapp.store.sync_store import SyncStore

        return SyncStore(self)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Profile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _ask(provider: PassphraseProvider | None, prompt: PassphrasePrompt, directory: Path) -> keys.KeySpec:
    if provider is None:
        raise NeedsPassphrase(
            prompt.reason
            + (" Choose a profile passphrase." if prompt.new_profile else " Enter the profile passphrase."),
            directory,
            new_profile=prompt.new_profile,
        )
    answer = provider(prompt)
    if not answer:
        raise NeedsPassphrase(
            "No passphrase was given; the profile stays locked.", directory, new_profile=prompt.new_profile
        )
    return keys.passphrase_key(answer)


def _write_settings(path: Path, settings: ProfileSettings) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".profile-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(settings.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _engine_checked(db_path: Path, key: keys.KeySpec, directory: Path) -> Engine:
    """Key the engine and prove the key by reading the schema; on failure dispose and raise, writing nothing."""
    engine = make_engine(db_path, key)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except exc.DBAPIError as error:
        engine.dispose()
        raise ProfileDamaged(
            f"The profile database {db_path} cannot be read: it is damaged or not a fieldapp profile "
            f"({type(error.orig).__name__}). It was not changed; restore it from a backup or sync.",
            directory,
        ) from None
    return engine


def open_profile(
    directory: str | Path | None = None,
    *,
    passphrase_provider: PassphraseProvider | None = None,
    create_with_caseload: Caseload | None = None,
    keyring_backend: keyring.backend.KeyringBackend | None = None,
    clock: Any = None,
) -> Profile:
    """Open the profile in `directory` (default: the platform's user data dir), creating it if it does not
    exist and `create_with_caseload` is given.

    Raises ProfileNotFound, NeedsPassphrase (call again with a passphrase_provider), WrongKey, MissingKey,
    ProfileDamaged or ProfileTooNew; all are fieldapp.app.profile.ProfileError with a message for a person.
    """
    path = resolve_profile_dir(directory)
    backend = keyring_backend if keyring_backend is not None else keys.current_backend()
    db_path = path / DB_FILE
    settings_path = path / SETTINGS_FILE
    creating_marker = path / CREATING_MARKER
    if creating_marker.exists() and not settings_path.exists():
        # A creation was interrupted before it finished: the half-made database never held a record.
        for leftover in (db_path, path / (DB_FILE + "-wal"), path / (DB_FILE + "-shm"), creating_marker):
            leftover.unlink(missing_ok=True)
        log.warning("removed an interrupted profile creation in %s", path)
    if not db_path.exists() and not settings_path.exists():
        if create_with_caseload is None:
            raise ProfileNotFound(f"There is no fieldapp profile in {path}.", path)
        return _create(path, create_with_caseload, backend, passphrase_provider, clock)
    if not settings_path.exists():
        raise ProfileDamaged(
            f"The profile in {path} has a database but no profile.json, so its key cannot be found. "
            "Nothing was changed; restore profile.json from a backup.",
            path,
        )
    settings = ProfileSettings.read(settings_path)
    if not db_path.exists():
        raise ProfileDamaged(
            f"The profile database {db_path} is missing. No new profile was made in its place; restore it "
            "from a backup or remove the profile directory to enroll again.",
            path,
        )
    key = _find_key(path, settings, backend, passphrase_provider)
    engine = _engine_checked(db_path, key, path)
    profile = Profile(path, settings, engine)
    try:
        with engine.connect() as conn:
            migrate.ensure_current(conn, path)
    except ProfileError:
        profile.close()
        raise
    except exc.DBAPIError as error:
        profile.close()
        raise ProfileDamaged(
            f"The profile database {db_path} is damaged ({type(error.orig).__name__}); it could not be "
            "brought up to date. Restore it from a backup or sync.",
            path,
        ) from None
    log.info("opened profile %s (key from %s)", path, settings.key_source)
    return profile


def _find_key(
    path: Path,
    settings: ProfileSettings,
    backend: keyring.backend.KeyringBackend,
    provider: PassphraseProvider | None,
) -> keys.KeySpec:
    if settings.key_source == "passphrase":
        prompt = PassphrasePrompt(new_profile=False, reason="This profile is protected by a passphrase.")
        key = _ask(provider, prompt, path)
        if not key.matches(settings.check_salt, settings.key_check):
            raise WrongKey("The passphrase is not right for this profile. Nothing was changed.", path)
        return key
    if not keys.is_secure_backend(backend):
        raise MissingKey(
            "This profile's key is kept in the system keyring, but there is no secure keyring on this computer "
            f"now ({keys.SECURE_KEYRINGS}). Sign in to your desktop session (or unlock the keyring) and try "
            "again. No new key was made and the profile was not changed.",
            path,
        )
    try:
        found = keys.load_key(backend, settings.profile_id)
    except Exception as error:  # keyring backends raise their own types
        log.warning("reading the profile key from the keyring failed: %s", type(error).__name__)
        raise MissingKey(
            "The system keyring could not be read (it may be locked, or its service is not running). "
            "Unlock it or sign in again, then retry. The profile was not changed.",
            path,
        ) from None
    if found is None:
        raise MissingKey(
            f"The key for this profile ({settings.profile_id}) is not in the system keyring: it was removed or "
            "this is another user account. The profile was not changed and no new key was made.",
            path,
        )
    if not found.matches(settings.check_salt, settings.key_check):
        raise WrongKey("The key in the system keyring does not open this profile. Nothing was changed.", path)
    return found


def _create(
    path: Path,
    caseload: Caseload,
    backend: keyring.backend.KeyringBackend,
    provider: PassphraseProvider | None,
    clock: Any,
) -> Profile:
    now: datetime = clock() if clock is not None else datetime.now(tz=UTC)
    profile_id = new_id()
    if keys.is_secure_backend(backend):
        key = keys.new_raw_key()
        try:
            keys.store_key(backend, profile_id, key)
        except Exception as error:
            log.warning("storing the profile key in the keyring failed: %s", type(error).__name__)
            raise ProfileError(
                "The system keyring refused to store the new profile key (it may be locked or full). "
                "No profile was created.",
                path,
            ) from None
    else:
        reason = _NO_KEYRING
        key = _ask(provider, PassphrasePrompt(new_profile=True, reason=reason), path)
    salt = keys.new_salt()
    settings = ProfileSettings(profile_id, key.source, salt, key.check_value(salt), now.isoformat())
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # e.g. a filesystem without modes
        os.chmod(path, 0o700)
    (path / CREATING_MARKER).write_text("profile creation in progress\n", encoding="utf-8")
    engine = make_engine(path / DB_FILE, key)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA journal_mode = WAL")  # persistent; outside any transaction, as SQLite requires
        migrate.upgrade(conn)
        if conn.in_transaction():
            conn.commit()
    profile = Profile(path, settings, engine)
    with profile.write() as conn:
        profile.replace_caseload(conn, caseload, now, caseload.worker.id)
    _write_settings(path / SETTINGS_FILE, settings)
    (path / CREATING_MARKER).unlink()
    log.info("created profile %s (key in %s)", path, key.source)
    return profile
