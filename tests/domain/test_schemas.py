"""The published JSON Schemas (docs/schemas/) stay in sync with the records and accept real documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from fieldapp.domain.records import ContactKind
from fieldapp.domain.schemas import default_dir, generate, main, out_of_date
from tests.factories import valid_contact

REPO = Path(__file__).resolve().parents[2]


def test_published_schemas_are_in_sync_with_the_records() -> None:
    stale = out_of_date(default_dir())
    assert stale == [], f"{stale} out of date: run `python -m fieldapp.domain.schemas`"


def test_schema_check_notices_a_stale_file(tmp_path: Path) -> None:
    assert main(["--dir", str(tmp_path)]) == 0
    assert main(["--dir", str(tmp_path), "--check"]) == 0
    (tmp_path / "contact.schema.json").write_text("{}\n", encoding="utf-8")
    assert out_of_date(tmp_path) == ["contact.schema.json"]
    assert main(["--dir", str(tmp_path), "--check"]) == 1


def test_schemas_accept_the_demo_caseload_and_valid_contacts_and_refuse_bad_ones() -> None:
    schemas = {name: json.loads(text) for name, text in generate().items()}
    caseload = json.loads((REPO / "resources" / "demo_caseload.json").read_text(encoding="utf-8"))
    jsonschema.validate(caseload, schemas["caseload.schema.json"])
    for kind in ContactKind:
        jsonschema.validate(json.loads(valid_contact(kind).model_dump_json()), schemas["contact.schema.json"])
    bad = json.loads(valid_contact(ContactKind.CHILD_CASE).model_dump_json()) | {"mood": "sunny"}
    validator = jsonschema.Draft202012Validator(schemas["contact.schema.json"])
    assert any("mood" in e.message for e in validator.iter_errors(bad))


def test_regenerate_command_runs_as_a_module(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fieldapp.domain.schemas", "--dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["caseload.schema.json", "contact.schema.json"]


def test_schemas_enumerate_the_code_tables() -> None:
    """SEL-METHOD, SEL-PURPOSE, SEL-LOCATION, SEL-STATUS: a schema validator refuses codes the tables lack."""
    schemas = {name: json.loads(text) for name, text in generate().items()}
    validator = jsonschema.Draft202012Validator(schemas["contact.schema.json"])
    good = json.loads(valid_contact(ContactKind.CHILD_CASE).model_dump_json())
    assert list(validator.iter_errors(good)) == []
    for field, value in (
        ("method", "In-Person"),
        ("location", "Home"),
        ("status", "Scheduled"),
        ("purposes", ["Delivered Services"]),
        ("services", ["SW Plan Contact"]),
        ("party_type", "Staff Person/Child"),
        ("sop_components", ["Three Questions"]),
    ):
        errors = list(validator.iter_errors(good | {field: value}))
        assert errors and all(field in e.json_path for e in errors), (field, [e.message for e in errors])
    caseload = json.loads((REPO / "resources" / "demo_caseload.json").read_text(encoding="utf-8"))
    caseload["cases"][0]["case_plans"][0]["sw_plan_contacts"][0]["method"] = "In-Person"
    assert list(jsonschema.Draft202012Validator(schemas["caseload.schema.json"]).iter_errors(caseload))
