"""Issue 16, plain words: a step indicator in every title, the sentence before the rule ID (which stays,
small), and a banner that names only what stops Next and links to the field."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

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
    assert "<a href='location'>Select where the in-person contact took place.</a>" in banner
    assert not banner.startswith("SEL-") and "(must fix)" not in banner
    page.status.setFocus()
    page.banner.linkActivated.emit("location")  # what Enter or a click on the link does
    assert QApplication.focusWidget() is page.location
