"""Where a worker's profile lives: the platform's per-user data directory unless `--profile DIR` says otherwise."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "fieldapp"
DB_FILE = "fieldapp.db"
SETTINGS_FILE = "profile.json"


def default_profile_dir() -> Path:
    """e.g. ~/.local/share/fieldapp/profile on Linux, %LOCALAPPDATA%\\fieldapp\\profile on Windows."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "profile"


def resolve_profile_dir(directory: str | Path | None) -> Path:
    return Path(directory).expanduser().resolve() if directory else default_profile_dir()
