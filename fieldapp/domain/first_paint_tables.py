"""The few code-table facts the first paint's reader needs (the agency's time zone and the labels of kinds,
methods and statuses), read with tomllib alone: no pydantic, no records.

Read by the first paint's reader (fieldapp.commands.run.begin_first_paint, in the forked child where there
is one) from the same file as the full code tables (fieldapp.domain.codetables.load_codetables()).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from fieldapp.domain.resources import default_codetables_path


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
