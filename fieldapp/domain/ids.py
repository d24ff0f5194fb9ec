"""Client-made record IDs: UUIDv7, so IDs sort by creation time and never need the server to be born."""

from __future__ import annotations

import uuid6


def new_id() -> str:
    return str(uuid6.uuid7())
