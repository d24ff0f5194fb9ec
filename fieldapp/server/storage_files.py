"""The server's SQLite files are for the server's own account only: every narrative is in them in plain
text, so another user of the machine must not be able to read them. A new database gets a 0700 folder
(when this makes it) and 0600 files (SQLite gives its -wal and -shm files the database file's mode); an
existing one that others can read or write stops the server with the command that fixes it. PostgreSQL
keeps its files itself.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

_SIDE_FILES = ("-wal", "-shm", "-journal", "-writer.lock")


class UnsafeDatabaseFile(Exception):
    """A database file (or its folder's new files) others can read; the message names the fix."""


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def prepare(url: str) -> None:
    """Create a missing SQLite database as an empty 0600 file in a 0700 folder, then `check` it."""
    path = sqlite_file(url)
    if path is None or os.name == "nt":  # Windows: the user profile's ACLs protect the data folder
        return
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        with contextlib.suppress(OSError):
            path.parent.chmod(0o700)  # mkdir's mode passes through the umask
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    check(path)


def check(path: Path) -> None:
    """Refuse a database file, or a file SQLite keeps beside it, that others can read or write."""
    for candidate in (path, *(Path(str(path) + suffix) for suffix in _SIDE_FILES)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            raise UnsafeDatabaseFile(
                f"The server database file {candidate} can be read or written by other users of this computer "
                f"(mode {mode:04o}), and it holds every narrative in plain text. Make it private to the "
                f"server's account and start again:\n    chmod 600 {path}*\n    chmod 700 {path.parent}\n"
                "(Keep the disk encrypted too; see the README's security section.)"
            )
