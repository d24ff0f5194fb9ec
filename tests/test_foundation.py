"""The foundation: demo caseload and code tables load, records reject bad input with a field name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fieldapp.domain.codetables import CodeTableError, load_codetables
from fieldapp.domain.records import Contact, ContactKind
from tests.factories import demo_caseload, valid_contact


def test_demo_caseload_loads_with_every_kind_of_matter() -> None:
    caseload = demo_caseload()
    assert caseload.worker.id == "w-ana"
    assert {r.id for r in caseload.referrals} >= {"R-1001", "R-1002"}
    assert any(c.court_involved for c in caseload.cases)
    assert any(c.ends_on is not None for c in caseload.cases)


def test_valid_contact_factory_builds_every_kind() -> None:
    for kind in ContactKind:
        assert valid_contact(kind).kind is kind


def test_contact_without_time_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        Contact.model_validate(
            {"id": "x", "kind": "CHILD_CASE", "context_id": "C-2001", "started_at": "2026-11-23T10:00:00"}
        )
    assert "started_at" in str(err.value)


def test_malformed_code_table_names_file_and_entry(tmp_path: Path) -> None:
    good = load_codetables().source.read_text(encoding="utf-8")
    bad = tmp_path / "codetables.toml"
    bad.write_text(
        good.replace('code = "TELEPHONE"\nlabel = "Telephone"', 'code = "TELEPHONE"\nlabel = ""'),
        encoding="utf-8",
    )
    with pytest.raises(CodeTableError) as err:
        load_codetables(bad)
    assert str(bad) in str(err.value)
    assert "TELEPHONE" in str(err.value) and "label" in str(err.value)
