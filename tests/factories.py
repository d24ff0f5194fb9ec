"""Test data built from the fictional demo caseload: one complete, valid contact of each kind.

`valid_contact(kind)` must give a contact with no block finding under the full rules engine; rule tests
start from it and break exactly one thing.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from fieldapp.domain.codetables import CodeTables, load_codetables, resources_dir
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Caseload, Contact, ContactKind
from fieldapp.domain.rules import RuleContext

TZ = ZoneInfo("America/Los_Angeles")
# A fixed "now" inside the demo's open referrals/cases: Monday 2026-11-23, 16:00 agency time.
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=TZ)


@cache
def demo_caseload() -> Caseload:
    return Caseload.model_validate_json((resources_dir() / "demo_caseload.json").read_text(encoding="utf-8"))


def tables() -> CodeTables:
    return load_codetables()


def context_for(contact: Contact, now: datetime = NOW, caseload: Caseload | None = None) -> RuleContext:
    caseload = caseload or demo_caseload()
    matter = caseload.matter(contact.context_id)
    assert matter is not None, contact.context_id
    return RuleContext(caseload=caseload, matter=matter, tables=tables(), now=now)


_BASE = {
    ContactKind.CHILD_REFERRAL: dict(
        context_id="R-1001",
        purposes=("INVESTIGATE_REFERRAL",),
        participant_ids=("p-maya",),
        on_behalf_of_child_ids=("p-maya", "p-leo"),
        party_type="STAFF_CHILD",
        location="CHILD_RESIDENCE",
        sop_components=("THREE_QUESTIONS", "SDM_SAFETY_RISK"),
    ),
    ContactKind.PARENT_REFERRAL: dict(
        context_id="R-1001",
        purposes=("INVESTIGATE_REFERRAL",),
        participant_ids=("p-dana",),
        on_behalf_of_child_ids=("p-maya", "p-leo"),
        party_type="STAFF_PARENT",
        location="CHILD_RESIDENCE",
        sop_components=("THREE_QUESTIONS", "HARM_DANGER"),
    ),
    ContactKind.CHILD_CASE: dict(
        context_id="C-2001",
        purposes=("DELIVERED_SERVICES",),
        participant_ids=("p-nova",),
        on_behalf_of_child_ids=("p-nova", "p-kit"),
        party_type="STAFF_CHILD",
        location="CHILD_RESIDENCE",
        services=("SW_PLAN_CONTACT", "FEE_YOUTH_VOICE"),
        sop_components=("VOICE_OF_CHILD",),
    ),
    ContactKind.PARENT_CASE: dict(
        context_id="C-2001",
        purposes=("CLIENT_EVALUATION",),
        participant_ids=("p-avery",),
        on_behalf_of_child_ids=("p-nova", "p-kit"),
        party_type="STAFF_PARENT",
        location="PARENT_RESIDENCE",
        services=("SW_PLAN_CONTACT",),
        sop_components=("SOLUTION_FOCUSED", "VISITATION_PLANS"),
    ),
    ContactKind.SCP_CASE: dict(
        context_id="C-2001",
        purposes=("CONSULT_SCP",),
        participant_ids=("p-morgan",),
        on_behalf_of_child_ids=("p-nova", "p-kit"),
        party_type="STAFF_SCP",
        location="CHILD_RESIDENCE",
        services=("SW_PLAN_CONTACT",),
        sop_components=("THREE_QUESTIONS",),
    ),
    ContactKind.COLLATERAL: dict(
        context_id="C-2001",
        purposes=("COLLATERAL_INFORMATION",),
        participant_ids=("p-clin",),
        on_behalf_of_child_ids=("p-nova",),
        party_type="STAFF_COLLATERAL",
        location="OFFICE",
        sop_components=("THREE_QUESTIONS",),
    ),
}

NARRATIVE = (
    "Before: reviewed the case plan and the last contact.\n"
    "During: met at the home at 10:00. The child showed me her room and said she sleeps in the top bunk. "
    "She said school is going well and that she wants more visits with her mother.\n"
    "After: next visit set for 2026-12-14; will call the school counselor this week."
)


def valid_contact(kind: ContactKind = ContactKind.CHILD_CASE, **changes: object) -> Contact:
    """A complete, final-saveable contact of `kind` in the demo caseload, made today at 10:00."""
    fields: dict[str, object] = dict(
        id=new_id(),
        kind=kind,
        staff_person_id="w-ana",
        started_at=NOW.replace(hour=10),
        ended_at=NOW.replace(hour=11),
        method="IN_PERSON",
        status="COMPLETED",
        narrative=NARRATIVE,
        first_saved_at=NOW.replace(hour=11, minute=30),
    )
    fields.update(_BASE[kind])
    fields.update(changes)
    return Contact.model_validate(fields)
