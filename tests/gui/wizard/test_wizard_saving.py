"""Never lose work: interim saves while typing, on page change and on close, always off the GUI thread;
one explicit confirmation before the text becomes final; starting a contact through the dialogs."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWizard

from fieldapp.app.wizard_flow import Step
from fieldapp.domain.records import ContactKind, ContactState
from fieldapp.gui.wizard import ContactWizard, KindDialog, OnBehalfDialog, start_new_contact
from tests.gui.wizard.drive import type_narrative

pytestmark = pytest.mark.gui


class ThreadSpy:
    """Wraps the service to record on which thread each interim save ran."""

    def __init__(self, service) -> None:  # type: ignore[no-untyped-def]
        self._service = service
        self.save_threads: list[threading.Thread] = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._service, name)

    def interim_save(self, contact):  # type: ignore[no-untyped-def]
        self.save_threads.append(threading.current_thread())
        return self._service.interim_save(contact)


def test_interim_save_while_typing_within_the_autosave_interval_off_the_gui_thread(
    qtbot, service, caseload, runner, clock
) -> None:
    """NAR-SAMEDAY: interim saves while typing (at least every 30 s; 200 ms here) keep the text safe."""
    spy = ThreadSpy(service)
    stored = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    wizard = ContactWizard(spy, stored, caseload=caseload, runner=runner, clock=clock, autosave_ms=200)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.pages[Step.NARRATIVE].editor.setFocus()
    type_narrative(qtbot, wizard, "Nova showed me her room")
    qtbot.waitUntil(lambda: "Nova showed me her room" in service.get(stored.contact.id).contact.narrative)
    assert spy.save_threads and all(t is not threading.main_thread() for t in spy.save_threads)
    qtbot.waitUntil(lambda: "Draft saved" in wizard.status_text)


def test_autosave_timer_is_not_restarted_by_further_typing(qtbot, service, caseload, runner, clock) -> None:
    """At least every interval while typing: a steady stream of keystrokes must not postpone the save."""
    stored = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    wizard = ContactWizard(service, stored, caseload=caseload, runner=runner, clock=clock, autosave_ms=300)
    qtbot.addWidget(wizard)
    wizard.show()
    typing = QTimer(wizard)
    typing.setInterval(50)
    typing.timeout.connect(lambda: wizard.pages[Step.NARRATIVE].editor.insertPlainText("a"))
    typing.start()
    # typing never pauses, yet the text reaches the store within a few intervals
    qtbot.waitUntil(lambda: service.get(stored.contact.id).contact.narrative.startswith("a"), timeout=3_000)
    typing.stop()


def test_page_change_saves_the_draft(qtbot, service, caseload, runner, clock) -> None:
    stored = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    wizard = ContactWizard(service, stored, caseload=caseload, runner=runner, clock=clock)
    qtbot.addWidget(wizard)
    wizard.show()
    box = wizard.pages[Step.BASICS].purposes.boxes["CLIENT_EVALUATION"]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    # saved on the page change, long before the 30-second timer
    qtbot.waitUntil(
        lambda: service.get(stored.contact.id).contact.purposes == ("DELIVERED_SERVICES", "CLIENT_EVALUATION")
    )


def test_closing_the_wizard_saves_the_draft(qtbot, service, caseload, runner, clock) -> None:
    stored = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    wizard = ContactWizard(service, stored, caseload=caseload, runner=runner, clock=clock)
    qtbot.addWidget(wizard)
    wizard.show()
    type_narrative(qtbot, wizard, "Typed just before closing")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)
    assert not wizard.isVisible()
    qtbot.waitUntil(lambda: service.get(stored.contact.id).contact.narrative == "Typed just before closing")
    assert service.get(stored.contact.id).state is ContactState.DRAFT


def test_finalize_asks_once_and_keep_editing_changes_nothing(qtbot, make_wizard, service) -> None:
    """NAR-IMMUTABLE: the one confirmation says the text cannot be changed afterwards."""
    wizard = make_wizard(ContactKind.SCP_CASE, "C-2001")
    wizard.edit(method="TELEPHONE", status="COMPLETED", narrative="Called Morgan about Nova's school week.")
    while wizard.currentId() != Step.REVIEW:
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    box = wizard.confirm_box
    assert box is not None and "cannot be changed" in box.informativeText()
    keep = next(b for b in box.buttons() if "Keep" in b.text())
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    assert wizard.isVisible()
    assert service.get(wizard.contact.id).state is ContactState.DRAFT


def test_start_new_contact_runs_on_behalf_then_kind_then_opens_the_wizard(
    qtbot, service, caseload, runner, clock
) -> None:
    """SEL-ONBEHALF: the on-behalf dialog comes first, all children preselected; then the kind; then the wizard."""
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, OnBehalfDialog):
            seen.append("on_behalf")
            assert dialog.chosen() == ("p-nova", "p-kit")
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
            QTimer.singleShot(0, answer)
        elif isinstance(dialog, KindDialog):
            seen.append("kind")
            offered = set(dialog.radios)
            assert ContactKind.SCP_CASE in offered and ContactKind.CHILD_REFERRAL not in offered
            dialog.radios[ContactKind.PARENT_CASE].click()
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        else:
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)
    starting = start_new_contact(None, service, caseload, "C-2001", runner=runner, clock=clock)
    assert starting is not None and seen == ["on_behalf", "kind"]
    with qtbot.waitSignal(starting.wizardReady, timeout=10_000) as ready:
        pass
    wizard: ContactWizard = ready.args[0]
    qtbot.addWidget(wizard)
    assert wizard.flow.kind is ContactKind.PARENT_CASE
    assert wizard.contact.on_behalf_of_child_ids == ("p-nova", "p-kit")
    assert wizard.contact.participant_ids == ("p-avery",)  # the only parent, preselected
    assert service.get(wizard.contact.id).state is ContactState.DRAFT


def test_start_new_contact_cancelled_creates_nothing(qtbot, service, caseload, runner, clock) -> None:
    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            dialog.reject()
        else:
            QTimer.singleShot(10, cancel)

    QTimer.singleShot(0, cancel)
    assert start_new_contact(None, service, caseload, "R-1001", runner=runner, clock=clock) is None
    assert service.open_drafts() == []


def test_long_narrative_rechecks_when_typing_pauses_and_before_next(qtbot, open_long_draft) -> None:
    """NAR-STYLE: in a long narrative the rules re-run once the worker pauses (not per key); Next and
    Finalize never decide on findings that typing postponed."""
    wizard = open_long_draft
    page = wizard.pages[Step.NARRATIVE]
    page.editor.setFocus()
    page.editor.moveCursor(page.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(page.editor, " She seemed drunk.")
    assert "of 65,400 characters" in page.count.text()  # the count follows at once
    qtbot.waitUntil(lambda: any(f.rule_id == "NAR-STYLE" for f in wizard.findings), timeout=3_000)
    assert "NAR-STYLE" in page.finding_labels["narrative"].text()
    qtbot.keyClicks(page.editor, " x")
    wizard.flush_checks()
    assert wizard.findings == wizard.flow.findings(wizard.contact)


@pytest.fixture
def open_long_draft(qtbot, service, caseload, runner, clock):  # type: ignore[no-untyped-def]
    from tests.factories import valid_contact

    long_text = "The child said school is going well. " * 120
    template = valid_contact(ContactKind.CHILD_CASE, narrative=long_text)
    started = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    saved = service.interim_save(template.model_copy(update={"id": started.contact.id}))
    wizard = ContactWizard(service, saved, caseload=caseload, runner=runner, clock=clock)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def test_a_new_drafts_defaults_are_saved_without_any_edit(qtbot, service, caseload, runner, clock) -> None:
    """What the wizard shows on a new draft (start date/time, the only parent) is what the store holds,
    even if the worker closes it without touching anything."""
    stored = service.start_contact("C-2001", ContactKind.PARENT_CASE, ("p-nova", "p-kit"))
    assert stored.contact.started_at is None
    wizard = ContactWizard(service, stored, caseload=caseload, runner=runner, clock=clock)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.close()
    qtbot.waitUntil(lambda: service.get(stored.contact.id).contact.started_at is not None)
    assert service.get(stored.contact.id).contact.participant_ids == ("p-avery",)


def test_NAR_SAMEDAY_day_ends_while_typing_text_goes_to_the_linked_subsequent_contact(
    qtbot, service, caseload, runner, clock
) -> None:
    """NAR-SAMEDAY: after midnight the store refuses the interim save; the wizard turns read-only with the
    reason, and what was typed after the last save starts the linked subsequent contact (nothing lost)."""
    clock.now = clock.now.replace(hour=23, minute=50)
    stored = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    wizard = ContactWizard(service, stored, caseload=caseload, runner=runner, clock=clock, autosave_ms=100)
    qtbot.addWidget(wizard)
    wizard.show()
    type_narrative(qtbot, wizard, "Before midnight.")
    qtbot.waitUntil(lambda: service.get(stored.contact.id).contact.narrative == "Before midnight.")
    clock.advance(minutes=20)  # 00:10 the next day
    type_narrative(qtbot, wizard, " After midnight.")
    qtbot.waitUntil(lambda: not wizard.editable, timeout=5_000)
    notice = wizard.pages[Step.NARRATIVE].frozen_label.text()
    assert "NAR-SAMEDAY" in notice
    assert service.get(stored.contact.id).contact.narrative == "Before midnight."
    with qtbot.waitSignal(wizard.subsequentRequested, timeout=10_000):
        qtbot.mouseClick(wizard.pages[Step.NARRATIVE].subsequent_button, Qt.MouseButton.LeftButton)
    follow = wizard.follow_up
    qtbot.addWidget(follow)
    assert follow.contact.previous_contact_id == stored.contact.id
    assert follow.contact.narrative == "After midnight."
    qtbot.waitUntil(
        lambda: service.get(follow.contact.id).contact.narrative == "After midnight.", timeout=5_000
    )


def test_store_refusing_to_finalize_shows_its_findings_at_the_field(
    qtbot, service, caseload, runner, clock
) -> None:
    """SEL-DATE: the store re-checks with its own clock; when it refuses, the wizard shows the store's
    finding next to the date, goes to that page, keeps the text, and stays a draft."""
    from datetime import timedelta

    from tests.factories import NOW, valid_contact
    from tests.support.clock import Clock

    template = valid_contact(ContactKind.CHILD_CASE, started_at=NOW + timedelta(minutes=30), ended_at=None)
    started = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova", "p-kit"))
    saved = service.interim_save(template.model_copy(update={"id": started.contact.id}))
    laptop_clock = Clock(NOW + timedelta(hours=1))  # the wizard thinks the visit is in the past...
    wizard = ContactWizard(service, saved, caseload=caseload, runner=runner, clock=laptop_clock)
    qtbot.addWidget(wizard)
    wizard.show()
    while wizard.currentId() != Step.REVIEW:
        next_button = wizard.button(QWizard.WizardButton.NextButton)
        assert next_button.isEnabled(), wizard.findings
        qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.finalize_button, Qt.MouseButton.LeftButton)  # ...the store's clock disagrees
    qtbot.waitUntil(lambda: "SEL-DATE" in wizard.status_text, timeout=10_000)
    assert wizard.currentId() == Step.BASICS
    label = wizard.pages[Step.BASICS].finding_labels["started_at"]
    assert "SEL-DATE" in label.text() and label.isVisible()
    assert wizard.isVisible() and wizard.pages[Step.BASICS].form.isEnabled()
    assert service.get(saved.contact.id).state is ContactState.DRAFT
    assert service.get(saved.contact.id).contact.narrative == template.narrative
