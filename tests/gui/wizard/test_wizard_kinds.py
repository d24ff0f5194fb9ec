"""One complete contact of every kind, driven through the real widgets to final on a real encrypted profile."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox

from fieldapp.app.wizard_flow import Step
from fieldapp.domain.records import ContactKind, ContactState
from tests.gui.wizard.drive import check, choose, finalize, next_page, type_narrative

pytestmark = pytest.mark.gui

NARRATIVE = "Met at the home at 10:00. The child showed me her room and said school is going well."

# kind -> (matter, purposes to tick, participant to tick, method, location, SOP to tick)
CASES = {
    ContactKind.CHILD_REFERRAL: ("R-1001", [], "p-maya", "IN_PERSON", "CHILD_RESIDENCE", ["THREE_QUESTIONS"]),
    ContactKind.CHILD_CASE: (
        "C-2001",
        ["DELIVERED_SERVICES"],
        "p-nova",
        "IN_PERSON",
        "CHILD_RESIDENCE",
        ["VOICE_OF_CHILD"],
    ),
    ContactKind.PARENT_REFERRAL: ("R-1001", [], "p-dana", "IN_PERSON", "CHILD_RESIDENCE", ["HARM_DANGER"]),
    ContactKind.PARENT_CASE: (
        "C-2001",
        ["CLIENT_EVALUATION"],
        None,
        "IN_PERSON",
        "PARENT_RESIDENCE",
        ["VISITATION_PLANS"],
    ),
    ContactKind.SCP_CASE: ("C-2001", [], None, "TELEPHONE", None, []),
    ContactKind.COLLATERAL: ("C-2001", ["COLLATERAL_INFORMATION"], "p-clin", "TELEPHONE", None, []),
}


@pytest.mark.parametrize("kind", list(ContactKind), ids=lambda k: k.value)
def test_complete_contact_of_every_kind_to_final(qtbot, make_wizard, service, kind: ContactKind) -> None:
    matter_id, purposes, participant, method, location, sop = CASES[kind]
    wizard = make_wizard(kind, matter_id)

    assert wizard.currentId() == Step.BASICS
    for code in purposes:
        check(qtbot, wizard, code)
    next_page(qtbot, wizard)

    methods = wizard.pages[Step.METHOD]
    choose(qtbot, methods.c(QComboBox, "method"), method)
    if location:
        choose(qtbot, methods.c(QComboBox, "location"), location)
    else:
        assert not methods.c(QComboBox, "location").isVisible()  # SEL-LOCATION: only for In-Person
    choose(qtbot, methods.c(QComboBox, "status"), "COMPLETED")
    next_page(qtbot, wizard)

    if participant:
        check(qtbot, wizard, participant)
    next_page(qtbot, wizard)

    for code in sop:
        check(qtbot, wizard, code)
    next_page(qtbot, wizard)

    type_narrative(qtbot, wizard, NARRATIVE)
    next_page(qtbot, wizard)

    assert wizard.currentId() == Step.REVIEW
    summary = wizard.pages[Step.REVIEW].summary.toPlainText()
    assert wizard.flow.kind_entry.label in summary
    verdicts = wizard.pages[Step.REVIEW].verdicts
    shown = [verdicts.item(i).text() for i in range(verdicts.count())]
    if kind is ContactKind.CHILD_CASE:
        assert any(t.startswith("Counts as November's monthly visit for Nova") for t in shown), shown
    stored = finalize(qtbot, wizard)

    assert stored.state is ContactState.FINAL
    again = service.get(stored.contact.id)
    assert again.state is ContactState.FINAL
    assert again.contact.narrative == NARRATIVE
    assert again.contact.party_type == wizard.flow.kind_entry.party_type
    assert again.contact.method == method and again.contact.location == location


def test_review_says_an_attempted_contact_does_not_count(qtbot, make_wizard) -> None:
    """SEL-STATUS: an Attempted contact never counts; the review page says so with the rule ID."""
    wizard = make_wizard(ContactKind.CHILD_CASE, "C-2001")
    wizard.edit(
        purposes=("DELIVERED_SERVICES",),
        method="IN_PERSON",
        location="CHILD_RESIDENCE",
        status="ATTEMPTED",
        participant_ids=("p-nova",),
        narrative="Knocked at 10:00; nobody answered. Left a card.",
    )
    while wizard.currentId() != Step.REVIEW:
        next_page(qtbot, wizard)
    verdicts = wizard.pages[Step.REVIEW].verdicts
    shown = [verdicts.item(i).text() for i in range(verdicts.count())]
    assert shown and all(t.startswith("Does not count") for t in shown), shown
    assert any("SEL-STATUS" in t for t in shown)
