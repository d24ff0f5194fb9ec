"""Bring a profile's schema to this app's version on open, or refuse a profile from a newer app.

Opening is on the worker's way to the caseload, so the common case, a profile already at
HEAD, costs one SELECT and never imports Alembic. tests/store/test_migrations.py checks that KNOWN_REVISIONS
matches the migration scripts.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from fieldapp.domain.errors import ProfileDamaged, ProfileError, ProfileTooNew

KNOWN_REVISIONS = ("0001", "0002", "0003", "0004")
"""The schema revisions this app knows, oldest first; the last is the one it writes."""
HEAD = KNOWN_REVISIONS[-1]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def current_revision(conn: Connection) -> str | None:
    has_table = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if has_table is None:
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def alembic_config(conn: Connection) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Run the migrations on an open, keyed connection (outside any transaction; env.py makes its own).

    Upgrading to "head" must end at this version's HEAD: Alembic's head is whatever scripts it finds, so an
    installation missing the newest script would otherwise stamp an older schema as current, silently."""
    from alembic import command

    command.upgrade(alembic_config(conn), revision)  # type: ignore[arg-type]
    reached = current_revision(conn)
    if revision == "head" and reached != HEAD:
        raise ProfileError(
            f"This fieldapp installation is incomplete: its database migrations end at schema {reached}, but "
            f"this version needs {HEAD}. Reinstall fieldapp; the profile was not brought up to date.",
            None,
        )


def ensure_current(conn: Connection, directory: Path | None = None) -> bool:
    """Upgrade in place if older; raise ProfileTooNew if newer. Returns True if a migration ran."""
    revision = current_revision(conn)
    if revision == HEAD:
        return False
    if revision is None:
        # An existing profile always has a schema version; an empty database here means the file was
        # replaced or truncated. Never build a fresh empty profile in its place.
        raise ProfileDamaged(
            "The profile database is empty or damaged: it holds no fieldapp schema. It was not changed; "
            "restore it from a backup or sync.",
            directory,
        )
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise ProfileTooNew(
            f"This profile was saved by a newer version of fieldapp (schema {revision}; this version knows "
            f"up to {HEAD}). Install the current version to open it; the profile was not changed.",
            directory,
        )
    upgrade(conn)
    if conn.in_transaction():
        conn.commit()
    return True


def script_heads() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def script_revisions() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    revisions = [r.revision for r in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()]
    return tuple(reversed(revisions))
