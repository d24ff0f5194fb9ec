"""Issue 16, the keys a worker presses without looking: Enter acts on the field that has it (never silently
leaves the page and drops what was typed), only Enter on Next or Ctrl+Enter moves on, Escape asks before
closing a draft, and a reopened draft returns to the page and cursor where it was left."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QGroupBox, QMenu, QMessageBox, QWizard

from fieldapp.app.wizard_flow import Step
from fieldapp.domain.records import ContactKind, OtherParty
from fieldapp.gui.wizard import ContactWizard, open_contact
from tests.gui.wizard.test_wizard_keyboard import focus, press
from tests.gui.wizard.test_wizard_rules import go_to
from tests.gui.wizard.test_wizard_rules import open_draft as open_draft  # the fixture, shared
from tests.gui.wizard.test_wizard_spelling import narrative_page

pytestmark = pytest.mark.gui


@pytest.fixture
def active(qtbot, open_draft):  # type: ignore[no-untyped-def]
    def make(**changes: object) -> ContactWizard:
        wizard = open_draft(ContactKind.CHILD_CASE, **changes)
        wizard.resize(1366, 768)
        wizard.activateWindow()
        qtbot.waitUntil(wizard.isActiveWindow)
        return wizard

    return make


def typed(qtbot, wizard: ContactWizard, text: str) -> None:  # type: ignore[no-untyped-def]
    widget = focus()
    assert widget is not None
    qtbot.keyClicks(widget, text)
    settle_popups(qtbot, wizard)


def settle_popups(qtbot, wizard: ContactWizard) -> None:  # type: ignore[no-untyped-def]
    """The offscreen platform (no window manager) leaves no window active after a name's suggestions
    popup closes; a desktop gives the activation back to the wizard, as this does."""
    if not wizard.isActiveWindow():
        wizard.activateWindow()
        qtbot.waitUntil(wizard.isActiveWindow)


def test_enter_in_others_present_adds_the_person_and_stays(qtbot, active) -> None:
    wizard = active()
    go_to(qtbot, wizard, Step.PARTICIPANTS)
    page = wizard.pages[Step.PARTICIPANTS]
    page.other_name.setFocus()
    typed(qtbot, wizard, "Mara Quillfeather")
    press(wizard, Qt.Key.Key_Return)  # the role is still to type: that is where Enter goes
    assert wizard.currentId() == Step.PARTICIPANTS
    qtbot.waitUntil(lambda: focus() is page.other_role)
    typed(qtbot, wizard, "aunt")
    press(wizard, Qt.Key.Key_Enter)
    assert wizard.currentId() == Step.PARTICIPANTS, "Enter in a field must not leave the page"
    assert wizard.contact.others_present == (OtherParty(name="Mara Quillfeather", role="aunt"),)
    assert page.others.item(0).text() == "Mara Quillfeather (aunt)"
    qtbot.waitUntil(lambda: focus() is page.other_name)  # ready for the next person


def test_a_person_typed_but_not_added_is_never_dropped_by_next(qtbot, active) -> None:
    wizard = active()
    go_to(qtbot, wizard, Step.PARTICIPANTS)
    page = wizard.pages[Step.PARTICIPANTS]
    page.other_name.setFocus()
    typed(qtbot, wizard, "Officer Dunmore")
    press(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter: move on
    settle_popups(qtbot, wizard)
    assert wizard.currentId() == Step.PARTICIPANTS, "half a person: stay and say what is missing"
    finding = page.c(type(page.banner), "others_presentFinding")
    assert finding.isVisible() and "Type the role" in finding.text()
    qtbot.waitUntil(lambda: focus() is page.other_role)
    typed(qtbot, wizard, "police officer")
    press(wizard, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # Next with both typed: added, then on
    qtbot.waitUntil(lambda: wizard.currentId() == Step.SERVICES)
    assert OtherParty(name="Officer Dunmore", role="police officer") in wizard.contact.others_present


def test_enter_in_a_choice_does_not_leave_the_page_ctrl_enter_and_enter_on_next_do(qtbot, active) -> None:
    wizard = active()
    go_to(qtbot, wizard, Step.METHOD)
    wizard.pages[Step.METHOD].status.setFocus()
    press(wizard, Qt.Key.Key_Return)
    assert wizard.currentId() == Step.METHOD
    press(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert wizard.currentId() == Step.PARTICIPANTS
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    next_button.setFocus()
    press(wizard, Qt.Key.Key_Return)
    assert wizard.currentId() == Step.SERVICES


def test_enter_on_a_spelling_hint_offers_its_fix_instead_of_jumping_to_review(qtbot, active) -> None:
    wizard = active(narrative="We dicussed school with Nova.")
    go_to(qtbot, wizard, Step.NARRATIVE)
    page = narrative_page(qtbot, wizard)
    qtbot.waitUntil(lambda: "dicussed" in page.hints.item(0).text())
    page.hints.setFocus()
    page.hints.setCurrentRow(0)
    press(wizard, Qt.Key.Key_Return)
    assert wizard.currentId() == Step.NARRATIVE
    menu = page.editor.menu
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible)
    assert menu.activeAction().text() == "Replace with “discussed”"
    press(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.contact.narrative == "We discussed school with Nova.")
    assert wizard.currentId() == Step.NARRATIVE


def test_shift_f10_opens_the_spelling_menu_at_the_cursor(qtbot, active) -> None:
    wizard = active(narrative="We dicussed school.")
    go_to(qtbot, wizard, Step.NARRATIVE)
    page = narrative_page(qtbot, wizard)
    editor = page.editor
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(5)
    editor.setTextCursor(cursor)
    press(wizard, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = editor.menu
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible)
    assert menu.actions()[0].text() == "Replace with “discussed”"
    press(menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not shiboken6.isValid(menu) or not menu.isVisible())
    assert wizard.isVisible() and wizard.contact.narrative == "We dicussed school."


def test_escape_asks_before_closing_and_a_second_escape_keeps_editing(qtbot, active) -> None:
    wizard = active()
    press(wizard, Qt.Key.Key_Escape)
    box = wizard.close_box
    assert isinstance(box, QMessageBox) and wizard.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is box)
    assert "draft is kept" in box.informativeText()
    press(box, Qt.Key.Key_Escape)  # Escape again: keep editing
    qtbot.waitUntil(lambda: wizard.close_box is None)
    assert wizard.isVisible()
    press(wizard, Qt.Key.Key_Escape)
    box = wizard.close_box
    assert box is not None
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is box)
    press(box, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # Close
    qtbot.waitUntil(lambda: not wizard.isVisible())


def test_reopened_draft_returns_to_the_page_and_cursor_where_it_was_left(
    qtbot, active, service, caseload, runner, clock
) -> None:
    wizard = active(narrative="Nova showed me her room. School is going well.")
    go_to(qtbot, wizard, Step.NARRATIVE)
    editor = wizard.pages[Step.NARRATIVE].editor
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(len("Nova showed me her room."))
    editor.setTextCursor(cursor)
    contact_id = wizard.contact.id
    wizard.close()
    qtbot.waitUntil(lambda: not wizard.isVisible())
    stored = service.get(contact_id)
    again = open_contact(None, service, caseload, stored, runner=runner, clock=clock)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.currentId() == Step.NARRATIVE)
    editor = again.pages[Step.NARRATIVE].editor
    again.activateWindow()
    qtbot.waitUntil(lambda: focus() is editor)
    assert editor.textCursor().position() == len("Nova showed me her room.")
    assert again.button(QWizard.WizardButton.BackButton).isEnabled()  # the earlier pages are one Back away


def test_NAR_REQUIRED_the_inserted_template_alone_stops_next_at_the_narrative(qtbot, active) -> None:
    wizard = active(narrative="")
    go_to(qtbot, wizard, Step.NARRATIVE)
    page = wizard.pages[Step.NARRATIVE]
    page.editor.setFocus()
    press(wizard, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # Insert quality-contact template
    qtbot.waitUntil(lambda: wizard.contact.narrative.startswith("BEFORE (planning and preparation):"))
    press(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert wizard.currentId() == Step.NARRATIVE
    label = page.finding_labels["narrative"]
    assert label.isVisible() and "only the template's headings" in label.text()
    assert "NAR-REQUIRED" in label.text() or "NAR-REQUIRED" in label.toolTip()
    # the cursor waits after the first prompt: the worker just types
    assert focus() is page.editor
    typed(qtbot, wizard, " school and her new room.")
    assert "issues to discuss: school and her new room." in wizard.contact.narrative
    press(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert wizard.currentId() == Step.REVIEW


def test_SEL_OTHERS_someone_of_the_case_is_picked_with_their_role(qtbot, active) -> None:
    """Others present (SEL-OTHERS) picked from the case's people: a few letters, Down, Enter adds them
    with their role in words."""
    wizard = active()
    go_to(qtbot, wizard, Step.PARTICIPANTS)
    page = wizard.pages[Step.PARTICIPANTS]
    page.other_name.setFocus()
    qtbot.keyClicks(page.other_name, "Ave")
    popup = page.other_name.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    press(popup, Qt.Key.Key_Down)
    press(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(wizard.contact.others_present) == 1)
    assert wizard.contact.others_present == (OtherParty(name="Avery Quillfeather", role="parent/guardian"),)
    assert wizard.currentId() == Step.PARTICIPANTS


def test_kind_is_preselected_for_the_person_and_arrows_then_enter_choose(qtbot, service, caseload) -> None:
    """Started from a person, their kind is chosen; the arrow keys change it and Enter confirms."""
    from fieldapp.domain.codetables import load_codetables
    from fieldapp.gui.wizard import KindDialog

    matter = caseload.matter("C-2001")
    dialog = KindDialog(load_codetables(), matter, preselect=ContactKind.SCP_CASE)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.chosen() is ContactKind.SCP_CASE and focus() is dialog.radios[ContactKind.SCP_CASE]
    press(dialog, Qt.Key.Key_Up)
    assert dialog.chosen() is not ContactKind.SCP_CASE and dialog.chosen() is not None
    chosen = dialog.chosen()
    with qtbot.waitSignal(dialog.accepted, timeout=2_000):
        press(dialog, Qt.Key.Key_Return)
    assert dialog.chosen() is chosen


def test_participants_say_roles_in_words(qtbot, open_draft) -> None:
    """No "the scp": roles are written as a worker says them."""
    wizard = open_draft(ContactKind.SCP_CASE, participant_ids=("p-morgan",))
    page = wizard.pages[Step.PARTICIPANTS]
    box = page.form.findChild(QGroupBox, "participantsBox")
    assert box.title() == "Participants: the substitute care provider the contact was with"
    labels = [b.text() for b in page.participants.boxes.values()]
    assert labels == ["Morgan Thistledown (substitute care provider of Nova Quillfeather, Kit Quillfeather)"]


def test_a_checklist_is_one_tab_stop_with_arrows_inside(qtbot, active) -> None:
    wizard = active()
    go_to(qtbot, wizard, Step.SERVICES)
    page = wizard.pages[Step.SERVICES]
    services = list(page.services.boxes.values())
    sop = list(page.sop.boxes.values())
    services[0].setFocus()
    press(wizard, Qt.Key.Key_Down)
    press(wizard, Qt.Key.Key_Down)
    assert focus() is services[2]
    press(wizard, Qt.Key.Key_Space)
    assert services[2].isChecked()
    press(wizard, Qt.Key.Key_Tab)  # leaves the whole list, wherever in it the focus was
    assert focus() is sop[0]
    press(wizard, Qt.Key.Key_End)
    assert focus() is sop[-1]
    press(wizard, Qt.Key.Key_Backtab)
    assert focus() is services[0]


def test_SEL_PARTICIPANT_scp_page_shows_who_cares_for_whom_and_warns_on_the_wrong_caregiver(
    qtbot, open_draft
) -> None:
    wizard = open_draft(
        ContactKind.SCP_CASE,
        context_id="C-2002",
        on_behalf_of_child_ids=("p-skye",),
        participant_ids=("p-sol",),
    )
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    go_to(qtbot, wizard, Step.PARTICIPANTS)
    page = wizard.pages[Step.PARTICIPANTS]
    labels = {code: box.text() for code, box in page.participants.boxes.items()}
    assert labels == {
        "p-hale": "Hale Oakhurst (substitute care provider of Rio Marigold)",
        "p-sol": "Sol Brambleton (substitute care provider of Skye Marigold)",
    }
    assert not page.caregiver_note.isVisible()
    page.participants.boxes["p-hale"].setFocus()
    press(wizard, Qt.Key.Key_Space)  # Hale too, who cares for Rio, not Skye
    press(wizard, Qt.Key.Key_Down)
    press(wizard, Qt.Key.Key_Space)  # and not Sol
    assert wizard.contact.participant_ids == ("p-hale",)
    note = page.caregiver_note
    assert note.isVisible() and "Hale Oakhurst does not care for Skye Marigold" in note.text()
    assert "SEL-PARTICIPANT" in note.text()
    assert wizard.flow.can_finalize(wizard.contact, wizard.findings), "a warning, not a block"


def test_tab_into_the_start_selects_the_time_typed_in_one_go_and_tab_leaves_it(qtbot, active) -> None:
    """Issue 16, the date/time field: Tab in lands on the hour, "1030" sets the time, Tab leaves the
    field as a whole (not section by section)."""
    wizard = active()
    page = wizard.pages[Step.BASICS]
    page.staff.setFocus()
    press(wizard, Qt.Key.Key_Tab)
    assert focus() is page.started
    qtbot.waitUntil(lambda: page.started.currentSection() == page.started.Section.HourSection)
    typed(qtbot, wizard, "1030")
    when = wizard.contact.started_at
    assert when is not None and (when.month, when.day, when.hour, when.minute) == (11, 23, 10, 30)
    press(wizard, Qt.Key.Key_Tab)
    assert focus() is page.has_end
