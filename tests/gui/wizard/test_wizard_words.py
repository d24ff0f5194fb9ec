"""Issue 16, plain words: a step indicator in every title, the sentence before the rule ID (which stays,
small), and a banner that names only what stops Next and links to the field."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from fieldapp.app.wizard_flow import WIZARD_PAGES, Step
from fieldapp.domain.records import ContactKind
from tests.gui.wizard.test_wizard_rules import open_draft as open_draft  # the fixture, shared

pytestmark = pytest.mark.gui


def test_every_page_title_says_where_the_worker_is(qtbot, open_draft) -> None:
    wizard = open_draft(ContactKind.CHILD_CASE)
    titles = [wizard.pages[step].title() for step in WIZARD_PAGES]
    assert titles[0] == "1 of 6: Who, when and why"
    assert titles[2] == "3 of 6: Participants"
    assert titles[5] == "6 of 6: Review and finalize"


def test_SEL_LOCATION_finding_is_a_sentence_with_the_rule_id_small_and_the_banner_links_to_it(
    qtbot, open_draft
) -> None:
    wizard = open_draft(ContactKind.CHILD_CASE, location=None)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    wizard.go_to_field("location")
    page = wizard.pages[Step.METHOD]
    label = page.finding_labels["location"]
    assert label.text().startswith("Must fix: Select where the in-person contact took place.")
    assert "<small" in label.text() and "SEL-LOCATION" in label.text()
    assert "SEL-LOCATION" in label.toolTip()
    banner = page.banner.text()
    # the banner names the field once and links to it; its sentence is beside the field, not repeated
    assert "<a href='location'>Location</a>" in banner and "SEL-LOCATION" in banner
    assert "Select where" not in banner and "(must fix)" not in banner
    page.status.setFocus()
    page.banner.linkActivated.emit("location")  # what Enter or a click on the link does
    assert QApplication.focusWidget() is page.location


def test_calm_checking_findings_show_once_touched_or_when_asked_to_go_on(qtbot, make_wizard) -> None:
    """Nothing in red before anything is done: a new contact's missing method, location and status are a
    calm to-do in the banner; a field's sentence appears once it is touched, and all of them (in red)
    when the worker asks to go on (Ctrl+Enter), with the focus on the first."""
    from PySide6.QtCore import Qt

    from tests.gui.wizard.test_wizard_keyboard import focus, press

    wizard = make_wizard(ContactKind.CHILD_CASE, "C-2001")
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    press(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # basics are complete: on
    assert wizard.currentId() == Step.METHOD
    page = wizard.pages[Step.METHOD]
    labels = page.finding_labels
    assert not any(label.isVisible() for label in labels.values())
    assert page.banner.isVisible() and page.banner.property("calm") is True
    assert page.banner.text().startswith("<b>To go on (Next), fill in:</b>")
    press(wizard, Qt.Key.Key_Down)  # method: In-Person, touched; location and status still calm
    assert wizard.contact.method == "IN_PERSON"
    assert not labels["location"].isVisible() and not labels["status"].isVisible()
    press(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # asks to go on
    assert wizard.currentId() == Step.METHOD
    assert labels["location"].isVisible() and "SEL-LOCATION" in labels["location"].text()
    assert labels["status"].isVisible() and "SEL-STATUS" in labels["status"].text()
    assert page.banner.property("calm") is False
    assert focus() is page.location


def test_the_start_time_and_the_title_bar_say_the_agency_zone(qtbot, make_wizard) -> None:
    """Issue 16: the field and the title bar use the agency's time, labelled with its zone."""
    wizard = make_wizard(ContactKind.CHILD_CASE, "C-2001")
    label = wizard.pages[Step.BASICS].form.findChild(QLabel, "startedAtLabel")
    assert label.text() == "Contact &started (PST):"  # 23 Nov 2026 in America/Los_Angeles
    wizard.save_now()
    qtbot.waitUntil(lambda: wizard.last_saved_at is not None, timeout=5_000)
    assert wizard.windowTitle().endswith("(draft saved 16:00 PST)")
    assert wizard.status_text == "Draft saved at 16:00:00 PST"


def test_fixing_a_finding_does_not_move_the_fields_below(qtbot, open_draft) -> None:
    """Issue 16 (stable layout): choosing the location removes its finding; Status stays where it was."""
    from tests.gui.wizard.drive import choose

    wizard = open_draft(ContactKind.CHILD_CASE, location=None, status=None)
    wizard.resize(1366, 768)
    wizard.go_to_field("location")
    page = wizard.pages[Step.METHOD]
    assert page.finding_labels["location"].isVisible()
    before = page.status.mapTo(page, page.status.rect().topLeft()).y()
    choose(qtbot, page.location, "CHILD_RESIDENCE")
    assert page.finding_labels["location"].text() == ""  # gone, its line kept
    qtbot.wait(50)  # let the layout settle
    assert page.status.mapTo(page, page.status.rect().topLeft()).y() == before
