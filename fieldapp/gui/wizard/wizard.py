"""The contact wizard (QWizard, licensewizard style): pages by `Step` ID, `nextId()` from the flow.

The wizard holds the one contact under edit. Every edit goes through `edit()`, which applies the flow's
consequences (`normalize`), re-runs the rules engine, shows findings next to their fields and re-decides
whether Next/Finalize are available. Saving never happens on the GUI thread: interim saves and the final
save go through the shared `OpRunner` (one database thread for the whole app).

Never lose work: an interim save at the latest 30 seconds after the first unsaved change (a fixed timer,
not restarted by further typing), on every page change and when the wizard closes. Finalizing asks once,
saying that the text cannot be changed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
    QWizard,
)

from fieldapp.app.service import ContactLocked, ContactService, FinalizeRefused, StoredContact
from fieldapp.app.texts import state_meaning
from fieldapp.app.wizard_flow import (
    PAGE_FIELDS,
    PAGE_TITLES,
    Choice,
    ContactFlow,
    Step,
    field_root,
    on_behalf_choices,
    page_of_field,
)
from fieldapp.domain.agency_time import business_day, end_of_business_day
from fieldapp.domain.codetables import CodeTables, load_codetables
from fieldapp.domain.findings import Finding, blocks
from fieldapp.domain.records import Caseload, Contact
from fieldapp.domain.rules import RuleContext
from fieldapp.gui.forms import load_style
from fieldapp.gui.ops import Op, OpRunner
from fieldapp.gui.wizard.pages import PAGE_CLASSES, FlowPage, NarrativePage

AUTOSAVE_MS = 30_000
RECHECK_DEBOUNCE_MS = 150
RECHECK_DEBOUNCE_CHARS = 2_000  # below this a full re-check per keystroke keeps up with typing (bench_wizard)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Place:
    """Where the worker left a draft: the page, the control that had the keyboard, its text cursor."""

    page: int
    control: str = ""
    cursor: int = -1


PAGE_FIELDS_BY_ID = {int(step): fields for step, fields in PAGE_FIELDS.items()}

_places: dict[str, Place] = {}
"""Per contact ID, for this run of the app: reopening a draft returns to where it was left. Only a page
number, a control name and a cursor offset, nothing of the record, and never written to disk."""


class ContactWizard(QWizard):
    """Edit one contact from draft to final.

    Signals: `draftSaved(StoredContact)` after each interim save, `contactSaved(StoredContact)` when the
    contact became final, `subsequentRequested(StoredContact)` when the worker asked for a linked
    subsequent contact of a frozen draft (the wizard then opens a new wizard for it itself).
    """

    draftSaved = Signal(object)
    contactSaved = Signal(object)
    subsequentRequested = Signal(object)
    saveFailed = Signal(str)

    def __init__(
        self,
        service: ContactService,
        stored: StoredContact,
        *,
        caseload: Caseload,
        runner: OpRunner,
        tables: CodeTables | None = None,
        clock: Clock | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.caseload = caseload
        self.tables = tables or load_codetables()
        self._clock = clock or (lambda: datetime.now(self.tables.agency.time_zone))
        matter = caseload.matter(stored.contact.context_id)
        if matter is None:
            raise ValueError(f"referral/case {stored.contact.context_id} is not in the caseload")
        self.matter = matter
        self.stored = stored
        self.flow = ContactFlow(
            RuleContext(caseload, matter, self.tables, self._clock()), stored.contact.kind
        )
        self.frozen_reason: str | None = self._frozen_reason(stored)
        # A contact that can no longer change is shown exactly as stored; a draft gets the flow's defaults
        # (date and time now, the only possible participant...), saved with the first interim save.
        self.contact: Contact = stored.contact if self.frozen_reason else self._with_defaults(stored.contact)
        self.findings: list[Finding] = []
        # Calm checking: which fields' findings are shown. A draft the wizard saved before was worked on
        # already: all of it shows. A new one shows a field's findings once it is touched, its page is
        # left, or the worker asks to go on (Ctrl+Enter, a banner link, a finding on the review page).
        self.revealed: set[str] = set()
        self.reveal_all = stored.contact.started_at is not None
        self._store_findings: list[Finding] = []  # the store's refusal, shown until the contact changes
        self._dirty = False
        self._saving = False
        self._finalizing = False
        self.confirm_box: QMessageBox | None = None
        self.last_saved_at: datetime | None = None

        self.setObjectName("contactWizard")
        self.setWindowTitle(f"{self.flow.kind_entry.label} – {matter.name}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Save &draft")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finalize…")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        self.setButtonText(QWizard.WizardButton.CancelButton, "&Close")
        for which, name in (
            (QWizard.WizardButton.NextButton, "Next page"),
            (QWizard.WizardButton.BackButton, "Previous page"),
            (QWizard.WizardButton.FinishButton, "Finalize the contact"),
            (QWizard.WizardButton.CancelButton, "Close (the draft is saved)"),
            (QWizard.WizardButton.CustomButton1, "Save the draft now"),
        ):
            button = self.button(which)
            button.setAccessibleName(name)
        self.customButtonClicked.connect(lambda _which: self.save_now())
        self.setStyleSheet(load_style("wizard"))
        self.status_text = ""
        self.pages: dict[Step, FlowPage] = {}
        for cls in PAGE_CLASSES:
            page = cls(self)
            self.pages[page.step] = page
            self.setPage(int(page.step), page)
        self.setStartId(int(self.flow.first_page()))
        self.currentIdChanged.connect(self._on_page_changed)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self.save_now)
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.setInterval(RECHECK_DEBOUNCE_MS)
        self._recheck.timeout.connect(self._refresh)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save_now)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.advance)
        self.close_box: QMessageBox | None = None
        self.setMinimumSize(760, 520)
        self.resize(1000, 700)
        self._apply_stored_state(stored)
        self._refresh()
        self._resume_at: Place | None = _places.get(stored.contact.id) if self.editable else None
        if self.editable and self.contact != stored.contact:
            self._dirty = True
            self._autosave.start()

    # ------------------------------------------------------------------ state

    def now(self) -> datetime:
        return self._clock()

    @property
    def editable(self) -> bool:
        return self.frozen_reason is None

    def set_status(self, text: str) -> None:
        """The save state in words, shown at the foot of every page ("Draft saved at 16:02:11")."""
        self.status_text = text
        for page in self.pages.values():
            page.status_label.setText(text)

    def on_behalf_choices(self) -> tuple[Choice, ...]:
        return on_behalf_choices(self.matter)

    def _with_defaults(self, contact: Contact) -> Contact:
        """A new draft shows the date and time now (the worker corrects it) and the flow's preselections;
        a draft the wizard saved before is shown as it was left (an unticked purpose stays unticked)."""
        if contact.started_at is not None:
            return self.flow.normalize(contact)
        contact = contact.model_copy(update={"started_at": self.now().replace(second=0, microsecond=0)})
        return self.flow.initial(contact)

    def _apply_stored_state(self, stored: StoredContact) -> None:
        self.frozen_reason = self._frozen_reason(stored)
        # Whatever stops a change, the promise "anything new goes into a new contact linked to this one"
        # is kept by a button beside the reason.
        can_follow_up = self.frozen_reason is not None
        for page in self.pages.values():
            page.show_frozen(self.frozen_reason, can_follow_up)
        if self.frozen_reason is not None:
            # read, not edit: the whole contact on one selectable page, no Finalize or Save draft
            self.setStartId(int(Step.REVIEW))
            self.setButtonLayout([QWizard.WizardButton.Stretch, QWizard.WizardButton.CancelButton])
            self.setButtonText(QWizard.WizardButton.CancelButton, "&Close")
            self.button(QWizard.WizardButton.CancelButton).setAccessibleName("Close")
            state = "final" if stored.state.value != "draft" else "frozen draft"
            self.setWindowTitle(f"{self.flow.kind_entry.label} – {self.matter.name} ({state}, read-only)")
        self.button(QWizard.WizardButton.CustomButton1).setEnabled(self.editable)

    def _frozen_reason(self, stored: StoredContact) -> str | None:
        if stored.frozen_reason:
            return stored.frozen_reason
        if stored.state.value != "draft":
            return (
                f"Record state – {state_meaning(stored.state.value)} Its text and selections can no "
                "longer be changed by anyone; anything learned later goes into a new contact linked to "
                "this one. (NAR-IMMUTABLE)"
            )
        first = stored.contact.first_saved_at
        tz = self.tables.agency.time_zone
        if first is not None and self.now() >= end_of_business_day(business_day(first, tz), tz):
            day = business_day(first, tz).strftime("%A %d %B %Y")
            return (
                f"This draft was first saved on {day}; its business day has ended, so it can no longer be "
                "changed (NAR-SAMEDAY). Record anything new in a linked subsequent contact."
            )
        return None

    def edit(self, **changes: object) -> None:
        """Apply the worker's change to the contact, re-check, and schedule an interim save."""
        if not self.editable or not changes:
            return
        self.revealed.update(changes)
        updated = self.contact.model_copy(update=changes)
        updated = self.flow.normalize(updated)
        if updated == self.contact:
            return
        self.contact = updated
        self._store_findings = []
        self._dirty = True
        if not self._autosave.isActive():
            self._autosave.start()
        if set(changes) == {"narrative"} and len(updated.narrative) > RECHECK_DEBOUNCE_CHARS:
            # Typing in a long narrative: re-run the rules when the worker pauses, not on every key
            # (the count beside the editor still updates at once). Next/Finalize flush it first.
            narrative = self.pages[Step.NARRATIVE]
            if isinstance(narrative, NarrativePage):
                narrative.update_count()
            self._recheck.start()
            return
        self._refresh()

    def is_revealed(self, field: str) -> bool:
        return self.reveal_all or field_root(field) in self.revealed

    def reveal(self, fields: Iterable[str]) -> None:
        """Show the findings of `fields` from now on (calm checking)."""
        new = {field_root(f) for f in fields} - self.revealed
        if new:
            self.revealed |= new
            for page in self.pages.values():
                page.show_findings(self.findings)

    def flush_checks(self) -> None:
        """Run a re-check that typing postponed, so no decision is taken on stale findings."""
        if self._recheck.isActive():
            self._recheck.stop()
            self._refresh()

    def _refresh(self) -> None:
        self._recheck.stop()
        self.flow = self.flow.at(self.now())
        found = self.flow.findings(self.contact)
        self.findings = found + [f for f in self._store_findings if f not in found]
        for page in self.pages.values():
            page.load(self.contact)
            page.show_findings(self.findings)
        current = self.currentPage()
        if isinstance(current, FlowPage):
            current.completeChanged.emit()

    # ------------------------------------------------------------------ navigation

    def nextId(self) -> int:
        current = self.currentId()
        if current < 0:
            return int(self.flow.first_page())
        following = self.flow.next_page(Step(current))
        return int(following) if following is not None else -1

    def validateCurrentPage(self) -> bool:
        """Leaving a page forward: its fields have been seen, so their findings (warnings) show."""
        ok = super().validateCurrentPage()
        if ok and self.currentId() in PAGE_FIELDS_BY_ID:
            self.reveal(PAGE_FIELDS_BY_ID[self.currentId()])
        return ok

    def _on_page_changed(self, page_id: int) -> None:
        # The interim save is queued right after this event-loop turn, i.e. after the new page has been
        # painted: queued at once, the op runner serialised and wrote the contact (holding the interpreter
        # lock) while this thread re-checked and painted the page, which made the page change late (p95,
        # bench/bench_gui.py). save_now is also called on close, lock and finalize, so nothing waits on it.
        self.flush_checks()
        QTimer.singleShot(0, self, self.save_now)
        self._refresh()
        page = self.pages.get(Step(page_id)) if page_id >= 0 else None
        if page is not None:
            page.focus_first()

    def go_to_field(self, field: str) -> None:
        """Show the page that owns `field` and put the keyboard focus on its control."""
        self.reveal([field])
        target = page_of_field(field)
        while self.currentId() > int(target):
            self.back()
        while self.currentId() < int(target) and self.currentId() >= 0:
            before = self.currentId()
            self.next()
            if self.currentId() == before:
                break  # a block finding on the way stops us there: that page is where to look
        page = self.pages.get(Step(self.currentId()))
        if page is not None:
            control = page.field_control(field_root(field))
            if control is not None:
                control.setFocus()

    def change_on_behalf(self) -> None:
        from fieldapp.gui.wizard.start import OnBehalfDialog

        dialog = OnBehalfDialog(
            self.matter, self.contact.on_behalf_of_child_ids, self.flow.kind_entry.mandatory, self
        )
        dialog.addActions(self.actions())
        dialog.accepted.connect(lambda: self.edit(on_behalf_of_child_ids=dialog.chosen()))
        dialog.open()

    # ------------------------------------------------------------------ saving

    def _call(
        self,
        fn: Callable[[], StoredContact],
        on_success: Callable[[StoredContact], None],
        on_failure: Callable[[BaseException], None],
        label: str,
    ) -> None:
        """Run a service call on the app's database thread; its result is dropped if this wizard has been
        deleted meanwhile (the store has the data either way)."""
        op = Op(self.runner, fn, label=label, parent=self).success(on_success).failure(on_failure)
        try:
            op.run()
        except RuntimeError as exc:  # the app is shutting its database thread down
            on_failure(exc)

    def save_now(self) -> None:
        """Queue an interim save if anything changed; never blocks the GUI thread."""
        self.flush_checks()
        if not self._dirty or not self.editable or self._finalizing:
            return
        if self._saving:
            return  # saved again when the save in flight comes back
        self._autosave.stop()
        self._dirty = False
        self._saving = True
        contact = self.contact
        self.set_status("Saving draft…")
        self._call(lambda: self.service.interim_save(contact), self._saved, self._save_failed, "Interim save")

    def _saved(self, stored: StoredContact) -> None:
        self._saving = False
        self.stored = stored
        if stored.contact.first_saved_at != self.contact.first_saved_at:
            self.contact = self.contact.model_copy(update={"first_saved_at": stored.contact.first_saved_at})
        self.last_saved_at = self.now()
        zone = self.last_saved_at.tzname() or ""
        self.set_status(f"Draft saved at {self.last_saved_at:%H:%M:%S} {zone}".rstrip())
        self.setWindowTitle(
            f"{self.flow.kind_entry.label} – {self.matter.name} "
            f"(draft saved {self.last_saved_at:%H:%M} {zone})".replace(" )", ")")
        )
        self.draftSaved.emit(stored)
        if self._dirty:
            self.save_now()

    def _save_failed(self, error: BaseException) -> None:
        self._saving = False
        if isinstance(error, ContactLocked):
            self.frozen_reason = str(error)
            for page in self.pages.values():
                page.show_frozen(self.frozen_reason, True)
            self._refresh()
        else:
            self._dirty = True  # keep it: the next change or page turn tries again
        message = f"The draft could not be saved: {error}"
        self.set_status(message)
        self.saveFailed.emit(message)

    def accept(self) -> None:
        """Finish: ask for the one explicit confirmation, then finalize on the worker thread."""
        self.flush_checks()
        if self.confirm_box is not None or self._finalizing:
            return  # already asking, or already finalizing
        if not self.editable or not self.flow.can_finalize(self.contact, self.findings):
            self._refresh()
            return
        box = QMessageBox(self)
        box.setObjectName("confirmFinalize")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Finalize the contact")
        box.setText("Finalize this contact now?")
        informative = (
            "Once final, its text and selections cannot be changed by anyone, and it goes to the office "
            "at the next sync. Anything you learn later goes into a new contact linked to this one."
        )
        unknown = self.unknown_words()
        if unknown:
            shown = ", ".join(f"“{w}”" for w in unknown[:5]) + (" …" if len(unknown) > 5 else "")
            informative += (
                f"\n\nThe spell checker does not know {len(unknown)} word{'s' if len(unknown) > 1 else ''} "
                f"in the narrative: {shown}. Check them now: a final narrative cannot be corrected (NAR-IMMUTABLE)."
            )
        box.setInformativeText(informative)
        finalize = box.addButton("&Finalize", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(finalize)
        box.setAccessibleName("Confirm finalizing the contact")
        box.addActions(self.actions())  # the app's lock (Ctrl+L) works in the question too
        self.confirm_box = box
        self.finalize_button = finalize
        box.finished.connect(lambda _r: self._confirmed(box.clickedButton() is finalize))
        box.open()

    def unknown_words(self) -> list[str]:
        """The narrative's words the spell checker flags, each once, for the last look before finalizing."""
        page = self.pages.get(Step.NARRATIVE)
        if not isinstance(page, NarrativePage):
            return []
        return list(dict.fromkeys(m.text for m in page.spelling_marks()))

    def _confirmed(self, yes: bool) -> None:
        self.confirm_box = None
        if not yes:
            return
        self._finalizing = True
        self._autosave.stop()
        contact = self.contact
        self.set_status("Finalizing…")
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        for page in self.pages.values():
            page.form.setEnabled(False)  # what is being finalized is what the worker sees
        self._call(lambda: self.service.finalize(contact), self._finalized, self._finalize_failed, "Finalize")

    def _finalized(self, stored: StoredContact) -> None:
        _places.pop(stored.contact.id, None)
        self._finalizing = False
        self._dirty = False
        self.stored = stored
        self.contactSaved.emit(stored)
        self.set_status("Contact finalized.")
        super().accept()

    def _finalize_failed(self, error: BaseException) -> None:
        self._finalizing = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        for page in self.pages.values():
            page.form.setEnabled(self.editable)
        if isinstance(error, FinalizeRefused):
            # The store re-checked with its own clock and said no: show its findings where they belong.
            self._store_findings = list(error.findings)
            self._refresh()
            self.set_status(str(error))
            refused = blocks(self._store_findings) or blocks(self.findings)
            if refused:
                self.go_to_field(min(refused, key=lambda f: page_of_field(f.field)).field)
            return
        if isinstance(error, ContactLocked):
            self.frozen_reason = str(error)
            for page in self.pages.values():
                page.show_frozen(self.frozen_reason, True)
        self.set_status(f"The contact could not be finalized: {error}")
        self.saveFailed.emit(str(error))

    # ------------------------------------------------------------------ where the worker was

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        place, self._resume_at = self._resume_at, None
        if place is not None:
            QTimer.singleShot(0, self, lambda: self._return_to(place))

    def _return_to(self, place: Place) -> None:
        """Page forward (as Next would, so a block on the way stops there) to the remembered control."""
        while self.currentId() < place.page and self.currentId() >= 0:
            before = self.currentId()
            self.next()
            if self.currentId() == before:
                return
        if self.currentId() != place.page or not place.control:
            return
        page = self.currentPage()
        control = page.findChild(QWidget, place.control) if page is not None else None
        if control is None or not control.isVisible():
            return
        control.setFocus(Qt.FocusReason.OtherFocusReason)
        if place.cursor >= 0 and isinstance(control, QPlainTextEdit):
            cursor = control.textCursor()
            cursor.setPosition(min(place.cursor, len(control.toPlainText())))
            control.setTextCursor(cursor)
            control.ensureCursorVisible()
        elif place.cursor >= 0 and isinstance(control, QLineEdit):
            control.setCursorPosition(place.cursor)

    def remember_place(self) -> None:
        """Keep the page and cursor for when this draft is opened again in this run of the app."""
        if not self.editable or self.currentId() < 0:
            return
        focus = QApplication.focusWidget()
        control, cursor = "", -1
        if focus is not None and self.isAncestorOf(focus) and focus.objectName():
            control = focus.objectName()
            if isinstance(focus, QPlainTextEdit):
                cursor = focus.textCursor().position()
            elif isinstance(focus, QLineEdit):
                cursor = focus.cursorPosition()
        _places[self.contact.id] = Place(self.currentId(), control, cursor)

    # ------------------------------------------------------------------ keys

    def advance(self) -> None:
        """Ctrl+Enter: what the default button would do (Next, or Finalize on the review page)."""
        if self.currentId() == Step.REVIEW:
            if self.button(QWizard.WizardButton.FinishButton).isEnabled():
                self.accept()
            return
        if self.button(QWizard.WizardButton.NextButton).isEnabled():
            self.next()
            return
        # asked to go on where it cannot: say what stops it, beside each field, and go to the first
        self.flush_checks()
        blocking = self.flow.blocking(Step(self.currentId()), self.contact, self.findings)
        if blocking:
            self.reveal(f.field for f in blocking)
            self.go_to_field(blocking[0].field)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter acts on the field that has it, never on the page: a dialog's default button would take
        an Enter the field did not use (a name typed in Others present left the page and was lost). Enter
        on a button presses that button (the button handles it before this); Ctrl+Enter moves on.
        Escape asks before closing a draft instead of closing at once."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        if key == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            event.accept()
            if self.editable:
                self.ask_to_close()
            else:
                self.reject()
            return
        super().keyPressEvent(event)

    def ask_to_close(self) -> None:
        """Escape: close only when the worker says so; the draft is kept either way."""
        if self.close_box is not None:
            return
        box = QMessageBox(self)
        box.setObjectName("confirmClose")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Close the contact")
        box.setText("Close this contact for now?")
        box.setInformativeText(
            "The draft is kept as it is. Continue it from Today's drafts before the end of the day; "
            "it opens again at this page."
        )
        close = box.addButton("&Close", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAccessibleName("Confirm closing the contact")
        box.addActions(self.actions())
        self.close_box = box

        def answered(_result: int) -> None:
            self.close_box = None
            if box.clickedButton() is close:
                self.reject()

        box.finished.connect(answered)
        box.open()

    def reject(self) -> None:
        """Closing keeps the draft: whatever is unsaved is queued for saving first."""
        self.remember_place()
        self.save_now()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.remember_place()
        self.save_now()
        super().closeEvent(event)

    # ------------------------------------------------------------------ subsequent contact

    def start_subsequent(self) -> None:
        """NAR-SAMEDAY: new information after the day ended goes into a new contact linked to this one."""
        previous = self.stored.contact
        self.set_status("Starting a linked subsequent contact…")
        self._call(
            lambda: self.service.start_contact(
                previous.context_id,
                previous.kind,
                previous.on_behalf_of_child_ids,
                previous_contact_id=previous.id,
            ),
            self._subsequent_started,
            lambda e: self.set_status(f"Could not start the subsequent contact: {e}"),
            "Start subsequent contact",
        )

    def _subsequent_started(self, stored: StoredContact) -> None:
        self.subsequentRequested.emit(stored)
        follow = ContactWizard(
            self.service,
            stored,
            caseload=self.caseload,
            runner=self.runner,
            tables=self.tables,
            clock=self._clock,
            autosave_ms=self._autosave.interval(),
            parent=self.parentWidget(),
        )
        self.follow_up = follow
        carried = self.unsaved_narrative()
        if carried:
            # typed after the day ended and refused by the store: it starts the new contact, not lost
            follow.edit(narrative=carried)
            follow.set_status("The text the earlier contact could not take was carried into this one.")
        follow.show()
        self.close()

    def unsaved_narrative(self) -> str:
        """Narrative typed here that the store never accepted (e.g. after the business day ended)."""
        saved, current = self.stored.contact.narrative, self.contact.narrative
        if current == saved:
            return ""
        return current[len(saved) :].strip() if current.startswith(saved) else current


__all__ = ["AUTOSAVE_MS", "PAGE_TITLES", "ContactWizard"]
