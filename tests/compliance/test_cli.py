"""`fieldapp compliance` on the command line: the demo caseload's month as a worker and supervisor see it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from fieldapp.domain.records import ContactKind
from tests.compliance.helpers import visit

ROOT = Path(__file__).resolve().parents[2]
CASELOAD = ROOT / "resources" / "demo_caseload.json"
NOW = "2026-11-23T16:00:00-08:00"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldapp", "compliance", "--caseload", str(CASELOAD), "--now", NOW, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sup_alerts_and_sup_reports_from_the_command_line(tmp_path: Path) -> None:
    """SUP-ALERTS / SUP-REPORTS / SUP-REVIEW through `fieldapp compliance`: Nova visited, Kit still due."""
    seen = visit(ContactKind.CHILD_CASE, date(2026, 11, 3))
    contacts = tmp_path / "contacts.json"
    contacts.write_text(json.dumps([seen.model_dump(mode="json")]), encoding="utf-8")
    approvals = tmp_path / "approvals.json"
    approvals.write_text(
        json.dumps(
            [
                {
                    "id": "ap-1",
                    "worker_id": "w-ana",
                    "approved_by": "s-lee",
                    "approved_at": "2026-11-10T15:00:00-08:00",
                    "contact_ids": [seen.id],
                }
            ]
        ),
        encoding="utf-8",
    )
    done = run("--contacts", str(contacts), "--approvals", str(approvals), "--month", "2026-11")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["month"] == "2026-11" and out["worker_id"] == "w-ana"
    due_people = {(i["measure_id"], i["person_name"]) for i in out["due"]["items"]}
    assert ("CMP-CHILD-MONTH", "Kit Quillfeather") in due_people
    assert ("CMP-CHILD-MONTH", "Nova Quillfeather") not in due_people
    assert out["due"]["rule_id"] == "SUP-ALERTS"
    child = next(t for t in out["worker_report"]["measures"] if t["measure_id"] == "CMP-CHILD-MONTH")
    assert (child["met"], child["required"]) == (1, 2)
    assert out["review"]["monthly"][0]["status"] == "met"
    assert out["clinician_reminders"][0]["rule_id"] == "SUP-CLINICIAN"

    text = run("--contacts", str(contacts), "--text")
    assert text.returncode == 0, text.stderr
    assert (
        "Kit Quillfeather still needs November's monthly visit. 7 days left (by Mon 30 Nov 2026)."
        in text.stdout
    )


def test_bad_input_names_the_option_or_the_file_and_field(tmp_path: Path) -> None:
    bad_month = run("--month", "November")
    assert bad_month.returncode == 2 and "--month" in bad_month.stderr
    broken = tmp_path / "contacts.json"
    broken.write_text(json.dumps([{"id": "x", "kind": "CHILD_CASE"}]), encoding="utf-8")
    bad = run("--contacts", str(broken))
    assert bad.returncode == 2
    assert str(broken) in bad.stderr and "context_id" in bad.stderr
