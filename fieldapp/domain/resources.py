"""Where the app's data files live (resources/, and ui/ beside it).

Kept apart from fieldapp.domain.codetables so the unlock screen finds its form without loading the
records; the full, checked code tables are fieldapp.domain.codetables.load_codetables().
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """Where resources/ lives: an override, the frozen app's bundle, or beside the package in a checkout."""
    override = os.environ.get("FIELDAPP_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def default_codetables_path() -> Path:
    return Path(os.environ.get("FIELDAPP_CODETABLES") or resources_dir() / "codetables.toml")
