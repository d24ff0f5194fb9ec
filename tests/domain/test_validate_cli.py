"""`fieldapp validate` on the demo caseload and on hand-made bad inputs: exit codes 0/1/2 and the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.domain.records import ContactKind
from tests.factories import NOW, valid_contact

REPO = Path(__file__).resolve().parents[2]
CASELOAD = REPO / "resources" / "demo_caseload.json"


def validate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldapp", "validate", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", list(ContactKind))
def test_valid_contact_of_every_kind_exits_0_with_json_report(tmp_path: Path, kind: ContactKind) -> None:
    contact = valid_contact(kind)
    path = write(tmp_path, "contact.json", contact.model_dump_json())
    out = validate("--caseload", CASELOAD, path, "--now", NOW.isoformat())
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["contact_id"] == contact.id and report["context_id"] == contact.context_id
    assert report["blocks"] is False and report["findings"] == []
    assert isinstance(report["counts_toward"], list)


def test_blocking_contact_exits_1_and_lists_findings(tmp_path: Path) -> None:
    contact = valid_contact(ContactKind.CHILD_CASE, method="TELEPHONE", narrative="")
    path = write(tmp_path, "contact.json", contact.model_dump_json())
    out = validate("--caseload", CASELOAD, path, "--now", NOW.isoformat())
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    got = {(f["rule_id"], f["severity"], f["field"]) for f in report["findings"]}
    assert got == {("SEL-LOCATION", "block", "location"), ("NAR-REQUIRED", "block", "narrative")}
    assert report["block_count"] == 2


def test_text_output_is_readable(tmp_path: Path) -> None:
    contact = valid_contact(ContactKind.CHILD_CASE, on_behalf_of_child_ids=("p-nova",))
    path = write(tmp_path, "contact.json", contact.model_dump_json())
    out = validate("--caseload", CASELOAD, path, "--text", "--now", NOW.isoformat())
    assert out.returncode == 0, out.stderr
    assert "WARN" in out.stdout and "SEL-ONBEHALF" in out.stdout and "Kit Quillfeather" in out.stdout
    assert "Nothing blocks the final save" in out.stdout


def test_missing_file_exits_2_naming_it(tmp_path: Path) -> None:
    out = validate("--caseload", CASELOAD, tmp_path / "nope.json")
    assert out.returncode == 2
    assert "nope.json" in out.stderr and "cannot read" in out.stderr


def test_bad_json_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '{"id": "x",\n  "kind": }')
    out = validate("--caseload", CASELOAD, path)
    assert out.returncode == 2
    assert "broken.json" in out.stderr and "not valid JSON" in out.stderr and "line 2" in out.stderr


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"started_at": "2026-11-23T10:00:00"}, "started_at"),
        ({"kind": "GRANDPARENT_CASE"}, "kind"),
        ({"others_present": [{"name": "Pat", "role": ""}]}, "others_present[0].role"),
        ({"mood": "sunny"}, "mood"),
    ],
)
def test_schema_violation_exits_2_naming_field_and_file(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    doc = json.loads(valid_contact(ContactKind.CHILD_CASE).model_dump_json()) | change
    path = write(tmp_path, "contact.json", json.dumps(doc))
    out = validate("--caseload", CASELOAD, path)
    assert out.returncode == 2
    assert f"{path}: field '{field}'" in out.stderr


def test_caseload_schema_violation_names_the_caseload_file(tmp_path: Path) -> None:
    caseload = json.loads(CASELOAD.read_text(encoding="utf-8"))
    del caseload["referrals"][0]["start_date"]
    bad = write(tmp_path, "caseload.json", json.dumps(caseload))
    contact = write(tmp_path, "contact.json", valid_contact(ContactKind.CHILD_CASE).model_dump_json())
    out = validate("--caseload", bad, contact)
    assert out.returncode == 2
    assert f"{bad}: field 'referrals[0].start_date'" in out.stderr


def test_unknown_context_exits_2_naming_context_id(tmp_path: Path) -> None:
    contact = valid_contact(ContactKind.CHILD_CASE).model_copy(update={"context_id": "C-9999"})
    path = write(tmp_path, "contact.json", contact.model_dump_json())
    out = validate("--caseload", CASELOAD, path)
    assert out.returncode == 2
    assert "context_id" in out.stderr and "C-9999" in out.stderr


def test_now_without_offset_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, "contact.json", valid_contact(ContactKind.CHILD_CASE).model_dump_json())
    out = validate("--caseload", CASELOAD, path, "--now", "2026-11-23T16:00:00")
    assert out.returncode == 2 and "--now" in out.stderr


@pytest.mark.parametrize(
    ("field", "value", "meant", "valid"),
    [
        ("method", "In-Person", "IN_PERSON", "TELEPHONE (Telephone)"),
        ("location", "Child's Residence", "CHILD_RESIDENCE", "OFFICE (Agency office)"),
        ("status", "Completed", "COMPLETED", "ATTEMPTED (Attempted)"),
        ("purposes", ["Investigate referral"], "INVESTIGATE_REFERRAL", "CLIENT_EVALUATION"),
    ],
)
def test_unknown_code_exits_2_with_file_field_and_valid_codes(
    tmp_path: Path, field: str, value: object, meant: str, valid: str
) -> None:
    """SEL-METHOD, SEL-LOCATION, SEL-STATUS, SEL-PURPOSE: an unknown code is bad input (exit 2), not a finding.

    Seed 000: "“In-Person” as the Method of contact." The seeds' word is the label; the record holds the
    code, and the message says which.
    """
    data = json.loads(valid_contact(ContactKind.CHILD_REFERRAL).model_dump_json()) | {field: value}
    path = write(tmp_path, "contact.json", json.dumps(data))
    out = validate("--caseload", CASELOAD, path, "--now", NOW.isoformat())
    assert out.returncode == 2, (out.stdout, out.stderr)
    where = f"{field}[0]" if isinstance(value, list) else field
    assert f"contact.json: field '{where}'" in out.stderr
    assert f"the code is {meant}." in out.stderr and valid in out.stderr
    assert out.stdout == ""


def test_unknown_code_in_the_caseload_exits_2_naming_the_caseload(tmp_path: Path) -> None:
    """CLS-CASEPLAN: a case plan's SW Plan Contact names its method by code too."""
    data = json.loads(CASELOAD.read_text(encoding="utf-8"))
    data["cases"][0]["case_plans"][0]["sw_plan_contacts"][0]["method"] = "In Person"
    caseload = write(tmp_path, "caseload.json", json.dumps(data))
    contact = write(tmp_path, "contact.json", valid_contact(ContactKind.CHILD_CASE).model_dump_json())
    out = validate("--caseload", caseload, contact, "--now", NOW.isoformat())
    assert out.returncode == 2
    assert "caseload.json: field 'cases[0].case_plans[0].sw_plan_contacts[0].method'" in out.stderr
    assert "the code is IN_PERSON" in out.stderr
