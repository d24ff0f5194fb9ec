"""A server database (SQLite, in this process) holding the demo organisation and a referral's worth of
contacts that exercise every release rule: a County Counsel contact, the reporting party as a participant
and named in a narrative, an amendment and an approval."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fieldapp.domain.codetables import CodeTables, load_codetables, resources_dir
from fieldapp.domain.records import Caseload, Contact, ContactKind, Worker
from fieldapp.server import migrate, supervision
from fieldapp.server.auth import Caller
from fieldapp.server.caseload import add_staff, get_staff, load_caseload
from fieldapp.server.db import Database
from fieldapp.server.push import Pusher
from fieldapp.sync.protocol import AmendmentRequest, ApprovalRequest, Outcome, PushRequest
from tests.factories import NARRATIVE, NOW
from tests.server.helpers import final_contact

COUNSEL_SECRET = "Counsel advised holding the petition until the forensic interview"
RP_NAME = "Jordan Okafor-Example"
AMEND_REASON = "Wrong sibling named in the original entry"
AMEND_INFO = "The second child present was Leo Brightwater, not Maya."


@dataclass
class SheetOrg:
    db: Database
    tables: CodeTables
    child: Contact
    counsel: Contact
    reporter: Contact
    approved_by: str

    def caller(self, staff_id: str) -> Caller:
        worker = get_staff(self.db, staff_id)
        assert isinstance(worker, Worker)
        return Caller(device_id=f"dev-{staff_id}", worker=worker)


def push_all(db: Database, tables: CodeTables, caller: Caller, contacts: tuple[Contact, ...]) -> None:
    response = Pusher(db, tables, caller).push(PushRequest(contacts=contacts))
    refused = [
        (r.id, [f.rule_id for f in r.findings]) for r in response.results if r.outcome != Outcome.ACCEPTED
    ]
    assert not refused, refused


def make_sheet_org(tmp_path: Path, database: str | None = None) -> SheetOrg:
    """Build the database (a SQLite file in `tmp_path` unless a URL is given); the caller disposes of `org.db`."""
    db = Database(database or str(tmp_path / "server.db"))
    migrate.upgrade(db)
    load_caseload(db, Caseload.model_validate_json((resources_dir() / "demo_caseload.json").read_text()))
    add_staff(
        db,
        Worker(id="s-other", full_name="Olive Other", title="Supervisor", role="supervisor", unit="Unit 9"),
    )
    tables = load_codetables()
    child = final_contact(
        ContactKind.CHILD_REFERRAL,
        started_at=NOW.replace(day=20, hour=10),
        ended_at=NOW.replace(day=20, hour=11),
        first_saved_at=NOW.replace(day=20, hour=11, minute=30),
        finalized_at=NOW.replace(day=20, hour=12),
        narrative=NARRATIVE
        + f"\nThe school's call came from {RP_NAME} (555-0199, j.okafor@school.example) on Monday.",
    )
    counsel = final_contact(
        ContactKind.COLLATERAL,
        context_id="R-1001",
        participant_ids=("p-counsel",),
        on_behalf_of_child_ids=("p-maya",),
        narrative=f"{tables.agency.privilege_line}\n{COUNSEL_SECRET}. Next steps agreed with counsel.",
    )
    reporter = final_contact(
        ContactKind.COLLATERAL,
        context_id="R-1001",
        participant_ids=("p-rp",),
        on_behalf_of_child_ids=("p-maya",),
        started_at=NOW.replace(day=24, hour=9),
        ended_at=NOW.replace(day=24, hour=9, minute=30),
        first_saved_at=NOW.replace(day=24, hour=10),
        finalized_at=NOW.replace(day=24, hour=10, minute=5),
        narrative="Called the reporting party back to confirm the dates of the absences they described.",
    )
    org = SheetOrg(db, tables, child, counsel, reporter, approved_by="s-lee")
    push_all(db, tables, org.caller("w-ana"), (child, counsel, reporter))
    lee = org.caller("s-lee")
    supervision.amend(
        db,
        lee,
        child.id,
        AmendmentRequest(new_information=AMEND_INFO, reason=AMEND_REASON),
        tables.agency.time_zone,
    )
    supervision.approve(db, lee, "w-ana", ApprovalRequest(month="2026-11", note="Reviewed with Ana"))
    return org
