"""The audit chain's hash is the SHA-256 of the compact JSON array of the entry's fields: the direct join
that `chain_hash` uses for plain fields must give exactly the bytes json.dumps gives, and every other field
must still go through json.dumps (a stored chain verifies only if both agree)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from fieldapp.domain.canonical import canonical_json
from fieldapp.server.db import chain_hash
from tests.factories import demo_caseload


def _reference(prev: str, at: datetime, *fields: str) -> str:
    body = json.dumps([prev, at.astimezone(UTC).isoformat(), *fields], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


@pytest.mark.parametrize(
    "record_id",
    [
        "C-2001",
        "01JD4X7ZKQ",
        'quote"inside',
        "back\\slash",
        "tab\there",
        "new\nline",
        "del\x7f",
        "Zoë",
        "雪",
        "emoji 😀",
        "",
        " ~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
    ],
)
def test_chain_hash_is_the_json_arrays_hash(record_id: str) -> None:
    at = datetime(2026, 11, 23, 14, 5, 6, 789012, tzinfo=timezone(timedelta(hours=-5)))
    fields = ("w-1", "accept", "contact", record_id, "ab" * 32)
    assert chain_hash("0" * 64, at, *fields) == _reference("0" * 64, at, *fields)
    assert chain_hash("0" * 64, at, "actor", record_id, "contact", "id", "") == _reference(
        "0" * 64, at, "actor", record_id, "contact", "id", ""
    )


def test_canonical_json_is_sorted_compact_utf8() -> None:
    for record in (*demo_caseload().cases, demo_caseload().worker):
        expected = json.dumps(
            record.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")
        assert canonical_json(record) == expected
