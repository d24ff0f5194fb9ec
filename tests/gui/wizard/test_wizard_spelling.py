"""Spell checking on the narrative page, through the real widgets: advice under NAR-IMMUTABLE (a final
narrative can never be corrected), shown in place and in the hint list, fixed from the context menu, and
never a reason Finalize is unavailable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QMessageBox, QWizard

from fieldapp.app.wizard_flow import Step
from fieldapp.domain.records import ContactKind
from fieldapp.gui.wizard import ContactWizard
from fieldapp.gui.wizard.pages import NarrativePage
from tests.gui.wizard.drive import type_narrative
from tests.gui.wizard.test_wizard_rules import go_to
from tests.gui.wizard.test_wizard_rules import open_draft as open_draft  # the fixture, shared

pytestmark = pytest.mark.gui

TEXT = "We dicussed the placment with Nova."


def narrative_page(qtbot, wizard: ContactWizard) -> NarrativePage:  # type: ignore[no-untyped-def]
    page = wizard.pages[Step.NARRATIVE]
    assert isinstance(page, NarrativePage)
    qtbot.waitUntil(lambda: page.speller is not None, timeout=10_000)  # loaded on the op runner
    return page


def hint_texts(page: NarrativePage) -> list[str]:
    return [page.hints.item(i).text() for i in range(page.hints.count())]


def test_NAR_IMMUTABLE_misspelling_underlined_and_listed_with_its_suggestion(qtbot, open_draft) -> None:
    wizard = open_draft(ContactKind.CHILD_CASE, narrative="")
    go_to(qtbot, wizard, Step.NARRATIVE)
    page = narrative_page(qtbot, wizard)
    type_narrative(qtbot, wizard, TEXT)
    qtbot.waitUntil(lambda: any("dicussed" in t for t in hint_texts(page)), timeout=3_000)
    hints = hint_texts(page)
    assert any(t.startswith("Spelling of “dicussed”:") and "discussed" in t for t in hints)
    # the sentence, not a code; the rule ID is kept in the tooltip
    tips = [page.hints.item(i).toolTip() for i in range(page.hints.count())]
    assert all("NAR-IMMUTABLE" in tip for tip, t in zip(tips, hints, strict=True) if "dicussed" in t)
    assert not any("(NAR-" in t for t in hints)
    assert any("placment" in t and "placement" in t for t in hints)
    assert not any("Nova" in t for t in hints), "a child of the case is not a misspelling"
    underlined = [
        r
        for r in page.editor.document().firstBlock().layout().formats()
        if r.format.underlineStyle() == QTextCharFormat.UnderlineStyle.DotLine
    ]
    assert [(r.start, r.length) for r in underlined] == [(3, len("dicussed")), (16, len("placment"))]
    # advice, never a block: the worker may still finalize
    assert wizard.flow.can_finalize(wizard.contact, wizard.findings)


def test_context_menu_offers_the_suggestion_first_and_replaces_the_word(qtbot, open_draft) -> None:
    wizard = open_draft(ContactKind.CHILD_CASE, narrative="")
    go_to(qtbot, wizard, Step.NARRATIVE)
    page = narrative_page(qtbot, wizard)
    type_narrative(qtbot, wizard, TEXT)
    menu = page.editor.context_menu_at(TEXT.index("dicussed") + 2)
    first = menu.actions()[0]
    assert first.text() == "Replace with “discussed”"
    first.trigger()
    assert wizard.contact.narrative == "We discussed the placment with Nova."
    qtbot.waitUntil(lambda: not any("dicussed" in t for t in hint_texts(page)), timeout=3_000)
    menu.deleteLater()
    plain = page.editor.context_menu_at(1)  # "We": nothing to offer, only the usual edit actions
    assert not any(a.text().startswith(("Replace", "Ignore")) for a in plain.actions())
    plain.deleteLater()


def test_ignore_keeps_a_word_unflagged_in_this_narrative(qtbot, open_draft) -> None:
    wizard = open_draft(ContactKind.CHILD_CASE, narrative="")
    go_to(qtbot, wizard, Step.NARRATIVE)
    page = narrative_page(qtbot, wizard)
    type_narrative(qtbot, wizard, "Met at Zorbatrix Park. Zorbatrix was quiet.")
    qtbot.waitUntil(lambda: any("Zorbatrix" in t for t in hint_texts(page)), timeout=3_000)
    menu = page.editor.context_menu_at(8)
    ignore = next(a for a in menu.actions() if a.text().startswith("Ignore"))
    assert ignore.text() == "Ignore “Zorbatrix” in this narrative"
    ignore.trigger()
    menu.deleteLater()
    assert not any("Zorbatrix" in t for t in hint_texts(page))
    assert wizard.contact.narrative == "Met at Zorbatrix Park. Zorbatrix was quiet.", (
        "ignoring changes no text"
    )


def test_finalize_confirmation_names_the_words_still_unknown(qtbot, open_draft) -> None:
    wizard = open_draft(ContactKind.CHILD_CASE, narrative="")
    go_to(qtbot, wizard, Step.NARRATIVE)
    narrative_page(qtbot, wizard)
    type_narrative(qtbot, wizard, TEXT)
    go_to(qtbot, wizard, Step.REVIEW)
    wizard.flush_checks()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    box = wizard.confirm_box
    assert isinstance(box, QMessageBox)
    text = box.informativeText()
    assert "cannot be changed" in text
    assert "2 words" in text and "“dicussed”" in text and "“placment”" in text and "NAR-IMMUTABLE" in text
    box.reject()


def test_a_read_only_earlier_draft_offers_no_spelling_changes(
    qtbot, open_draft, service, caseload, runner, clock
) -> None:  # type: ignore[no-untyped-def]
    """Nothing can be corrected in a frozen draft: no dictionary is loaded and the menu offers no change."""
    wizard = open_draft(ContactKind.CHILD_CASE, narrative="We dicussed it.")
    stored = wizard.stored
    wizard.close()
    clock.advance(days=1)
    later = ContactWizard(service, stored, caseload=caseload, runner=runner, clock=clock)
    qtbot.addWidget(later)
    page = later.pages[Step.NARRATIVE]
    assert isinstance(page, NarrativePage)
    assert not later.editable
    assert page.speller is None
    assert not any(a.text().startswith("Replace") for a in page.editor.context_menu_at(4).actions())


def test_a_dictionary_that_does_not_load_is_said_in_words_not_a_class_name(
    qtbot, make_wizard, monkeypatch, caplog
) -> None:
    """Issue 16: the worker reads what it means for them; the exception's class goes to the log only."""
    import fieldapp.gui.wizard.pages as pages

    def broken() -> object:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(pages, "loaded_speller", lambda: None)
    monkeypatch.setattr(pages, "load_speller", broken)
    said: list[str] = []
    monkeypatch.setattr(ContactWizard, "set_status", lambda self, text: said.append(text))
    make_wizard(ContactKind.CHILD_CASE, "C-2001")
    qtbot.waitUntil(lambda: any("Spell checking" in s for s in said), timeout=10_000)
    assert [s for s in said if "Spell checking" in s] == [
        "Spell checking is not available on this laptop; the narrative can still be written and saved."
    ]
    assert any("UnicodeDecodeError" in r.getMessage() for r in caplog.records)
