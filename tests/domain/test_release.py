"""NAR-PRIVILEGE, release side: privileged County Counsel contacts never leave the agency."""

from __future__ import annotations

from fieldapp.domain.records import ContactKind, OtherParty
from fieldapp.domain.release import is_releasable, select_for_release
from tests.factories import demo_caseload, tables, valid_contact

PRIVILEGE = "ATTORNEY-CLIENT PRIVILEGE - NOT TO BE RELEASED"


def test_nar_privilege_county_counsel_contact_is_withheld_from_release() -> None:
    """NAR-PRIVILEGE: a contact with County Counsel is excluded from any release outside the agency."""
    visit = valid_contact(ContactKind.CHILD_CASE)
    counsel = valid_contact(
        ContactKind.COLLATERAL,
        participant_ids=("p-counsel2",),
        narrative=f"{PRIVILEGE}\nAdvice on the report.",
    )
    selection = select_for_release([visit, counsel], demo_caseload(), tables())
    assert selection.released == (visit,)
    [held] = selection.withheld
    assert held.contact_id == counsel.id and held.rule_id == "NAR-PRIVILEGE"
    assert "County Counsel" in held.reason or "privileged" in held.reason


def test_nar_privilege_release_filter_fails_safe() -> None:
    """NAR-PRIVILEGE: withheld on any sign of privilege, and when the referral/case is unknown."""
    caseload, t = demo_caseload(), tables()
    assert is_releasable(valid_contact(ContactKind.COLLATERAL), caseload, t)
    marked = valid_contact(ContactKind.COLLATERAL, narrative=PRIVILEGE.lower() + "\nNotes.")
    purpose = valid_contact(ContactKind.COLLATERAL, purposes=("LEGAL_CONSULTATION",))
    present = valid_contact(
        ContactKind.CHILD_CASE, others_present=(OtherParty(name="CC Pemberton", role="County  Counsel"),)
    )
    unknown = valid_contact(ContactKind.COLLATERAL).model_copy(update={"context_id": "C-9999"})
    for contact in (marked, purpose, present, unknown):
        assert not is_releasable(contact, caseload, t), contact
    assert select_for_release([unknown], caseload, t).withheld[0].reason.startswith("Withheld from release")
