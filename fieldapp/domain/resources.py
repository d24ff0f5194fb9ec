"""Where the app's data files live (resources/, and ui/ beside it), and the few code-table facts the first
paint needs, read with tomllib alone.

Kept apart from fieldapp.domain.codetables so the first paint of the main window (fieldapp.gui.first_paint)
can find its form and label a draft without importing pydantic and the records (see docs/PERFORMANCE.md,
"GUI"). The full, checked code tables are still fieldapp.domain.codetables.load_codetables().
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo


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


@dataclass(frozen=True, slots=True)
class FirstPaintTables:
    """The agency's time zone and the labels the first paint shows. Read from the same file as the full
    code tables; a file the full loader would reject makes `read_first_paint_tables` raise, and the app
    then takes the full path, which says what is wrong."""

    time_zone: ZoneInfo
    idle_lock_minutes: float
    kinds: dict[str, str]
    methods: dict[str, str]
    statuses: dict[str, str]


def read_first_paint_tables(path: Path | None = None) -> FirstPaintTables:
    data = tomllib.loads((path or default_codetables_path()).read_text(encoding="utf-8"))
    agency = data["agency"]

    def labels(table: str) -> dict[str, str]:
        return {str(e["code"]): str(e["label"]) for e in data.get(table, [])}

    return FirstPaintTables(
        time_zone=ZoneInfo(str(agency["time_zone"])),
        idle_lock_minutes=float(agency.get("idle_lock_minutes", 15)),
        kinds=labels("kinds"),
        methods=labels("methods"),
        statuses=labels("statuses"),
    )
