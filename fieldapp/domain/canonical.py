"""One canonical byte form of a record, so that the store's audit chain, the outbox and the server agree
on whether two copies of a contact are the same content."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel

# What `json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` builds on every call
# (it makes a new encoder whenever an option differs from the defaults), built once: the same bytes.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(record: BaseModel) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same record always gives the same bytes."""
    return _ENCODER.encode(record.model_dump(mode="json")).encode("utf-8")


def content_hash(record: BaseModel) -> str:
    return hashlib.sha256(canonical_json(record)).hexdigest()
