"""Keyboard-only completion, tab order in visual order, accessible names and buddies, 1366×768, font scaling."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTextBrowser,
    QWidget,
    QWizard,
)

from fieldapp.app.wizard_flow import WIZARD_PAGES, Step
from fieldapp.domain.records import ContactKind, ContactState
from fieldapp.gui.wizard import ContactWizard

pytestmark = pytest.mark.gui


def focus() -> QWidget | None:
    return QApplication.focusWidget()


def press(window: QWidget, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed on the keyboard: delivered to the window like a real one, so focus handling, Tab and
    button mnemonics (shortcuts) work as they do for a worker."""
    handle = window.windowHandle()
    assert handle is not None
    QTest.keyClick(handle, k, mod)


def tab_to(qtbot, wizard: ContactWizard, name: str, limit: int = 80) -> QWidget:  # type: ignore[no-untyped-def]
    """Press Tab until the control `name` has the focus: it must be reachable by keyboard. A check box of
    a checklist is reached as a worker would: Tab to the list (one stop), then the Down arrow."""
    target = wizard.currentPage().findChild(QCheckBox, name)
    if target is not None and not target.focusPolicy() & Qt.FocusPolicy.TabFocus:
        boxes = [b for b in target.parentWidget().findChildren(QCheckBox) if b.isVisible()]
        tab_to(qtbot, wizard, boxes[0].objectName(), limit)
        for _ in range(len(boxes)):
            if focus() is target:
                return target
            press(wizard, Qt.Key.Key_Down)
        raise AssertionError(f"{name} cannot be reached with the arrow keys in its list")
    for _ in range(limit):
        widget = focus()
        if widget is not None and widget.objectName() == name and widget.isVisible():
            return widget
        press(wizard, Qt.Key.Key_Tab)  # (Tab leaves a date/time field as a whole)
    raise AssertionError(f"{name} cannot be reached with Tab on {wizard.currentPage().title()}")


def key(qtbot, wizard: ContactWizard, k: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    press(wizard, k)


def alt(qtbot, wizard: ContactWizard, letter: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """A button mnemonic (Alt+N = Next, Alt+F = Finalize)."""
    before = wizard.currentId()
    press(wizard, letter, Qt.KeyboardModifier.AltModifier)
    if letter == Qt.Key.Key_N:
        try:
            qtbot.waitUntil(lambda: wizard.currentId() != before, timeout=2_000)
        except Exception as exc:
            blocking = wizard.flow.blocking(Step(before), wizard.contact, wizard.findings)
            raise AssertionError(
                f"Alt+N did not leave {Step(before).name}: {blocking}, focus {focus()}"
            ) from exc


@pytest.fixture
def active_wizard(qtbot, make_wizard):  # type: ignore[no-untyped-def]
    def make(kind: ContactKind, matter: str) -> ContactWizard:
        wizard = make_wizard(kind, matter)
        wizard.resize(1366, 768)
        wizard.activateWindow()
        qtbot.waitUntil(wizard.isActiveWindow)
        return wizard

    return make


def test_keyboard_only_completion_of_a_child_case_contact(qtbot, active_wizard, service) -> None:
    wizard = active_wizard(ContactKind.CHILD_CASE, "C-2001")
    wizard.pages[Step.BASICS].staff.setFocus()  # where a worker starts: the first control of the page

    assert wizard.pages[Step.BASICS].purposes.boxes["DELIVERED_SERVICES"].isChecked()  # preselected
    alt(qtbot, wizard, Qt.Key.Key_N)

    for name in (
        "method",
        "location",
        "status",
    ):  # first entry of each: In-Person, child's residence, Completed
        tab_to(qtbot, wizard, name)
        key(qtbot, wizard, Qt.Key.Key_Down)
    alt(qtbot, wizard, Qt.Key.Key_N)

    tab_to(qtbot, wizard, "check_p-nova")
    key(qtbot, wizard, Qt.Key.Key_Space)
    alt(qtbot, wizard, Qt.Key.Key_N)

    tab_to(qtbot, wizard, "check_VOICE_OF_CHILD")
    key(qtbot, wizard, Qt.Key.Key_Space)
    alt(qtbot, wizard, Qt.Key.Key_N)

    editor = tab_to(qtbot, wizard, "narrative")
    qtbot.keyClicks(editor, "Nova showed me her room and said school is going well.")
    key(qtbot, wizard, Qt.Key.Key_Tab)  # Tab leaves the editor instead of typing a tab
    assert focus() is not editor
    alt(qtbot, wizard, Qt.Key.Key_N)

    assert wizard.currentId() == Step.REVIEW
    alt(qtbot, wizard, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: wizard.confirm_box is not None, timeout=2_000)
    box = wizard.confirm_box
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is box)
    with qtbot.waitSignal(wizard.contactSaved, timeout=10_000) as saved:
        press(box, Qt.Key.Key_Return)  # the default button: Finalize
    final = service.get(saved.args[0].contact.id)
    assert final.state is ContactState.FINAL
    assert final.contact.location == "CHILD_RESIDENCE" and final.contact.participant_ids == ("p-nova",)


def _focusables(page: QWidget) -> list[QWidget]:
    return [
        w
        for w in page.findChildren(QWidget)
        if w.isVisibleTo(page)
        and w.isEnabled()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and not isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox)
        and w.objectName() not in ("", "qt_scrollarea_viewport")
    ]


@pytest.mark.parametrize(
    "kind,matter", [(ContactKind.CHILD_REFERRAL, "R-1001"), (ContactKind.COLLATERAL, "C-2001")]
)
def test_every_control_has_an_accessible_name_and_inputs_a_buddy_label(
    qtbot, make_wizard, kind, matter
) -> None:
    wizard = make_wizard(kind, matter)
    wizard.edit(method="FAX", participant_ids=wizard.contact.participant_ids)  # fax details visible too
    for step in WIZARD_PAGES:
        page = wizard.pages[step]
        buddies = {label.buddy() for label in page.findChildren(QLabel) if label.buddy() is not None}
        for widget in _focusables(page.form):
            assert widget.accessibleName().strip(), (
                f"{step.name}: {widget.objectName()} has no accessible name"
            )
            if isinstance(
                widget, QComboBox | QLineEdit | QAbstractSpinBox | QPlainTextEdit | QListWidget | QTextBrowser
            ):
                assert widget in buddies, f"{step.name}: {widget.objectName()} has no buddy label"


def _tab_chain(page: QWidget, start: QWidget) -> list[QWidget]:
    chain, widget = [], start
    for _ in range(200):
        focusable = (
            widget.isVisibleTo(page) and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        )
        if focusable and page.form.isAncestorOf(widget):
            chain.append(widget)
        widget = widget.nextInFocusChain()
        if widget is start:
            break
    return chain


@pytest.mark.parametrize("step", WIZARD_PAGES, ids=lambda s: s.name)
def test_tab_order_follows_the_visual_order(qtbot, make_wizard, step: Step) -> None:
    wizard = make_wizard(ContactKind.CHILD_CASE, "C-2001")
    wizard.resize(1366, 768)
    page = wizard.pages[step]
    page.show()
    focusables = _focusables(page.form)
    page.focus_first()  # where a keyboard user lands on arriving at the page
    first = page.focusWidget()
    assert first is not None and first in focusables
    chain = _tab_chain(page, first)
    assert len(chain) >= len(focusables) - 1
    positions = [
        (
            w.mapTo(page.form, w.rect().topLeft()).y(),
            w.mapTo(page.form, w.rect().topLeft()).x(),
            w.objectName(),
        )
        for w in chain
    ]
    right_edge = 0
    for (y1, x1, n1), (y2, x2, n2) in itertools.pairwise(positions):
        right_edge = max(right_edge, x1)
        same_row = abs(y1 - y2) <= 8
        next_column = x2 > right_edge + 100  # reading order: a column to the right starts again at its top
        assert y2 > y1 + 8 or (same_row and x2 > x1) or next_column, (
            f"{step.name}: Tab goes from {n1} ({x1},{y1}) back to {n2} ({x2},{y2})"
        )


@pytest.mark.parametrize("point_size", [10, 16])
def test_fits_1366x768_and_text_follows_the_system_font(qtbot, make_wizard, point_size: int) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old = app.font()
    font = QFont(old)
    font.setPointSize(point_size)
    app.setFont(font)
    try:
        wizard = make_wizard(ContactKind.COLLATERAL, "C-2001")
        wizard.resize(1366, 768)
        hint = wizard.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 768
        for step in WIZARD_PAGES:
            page = wizard.pages[step]
            page.show()
            page.resize(wizard.width() - 20, page.height())
            for label in page.form.findChildren(QLabel):
                if label.isVisibleTo(page) and label.text() and not label.wordWrap():
                    assert label.width() >= label.minimumSizeHint().width() - 1, (
                        f"{step.name}: {label.text()!r} clipped"
                    )
            assert page.banner.fontInfo().pointSize() == point_size
    finally:
        app.setFont(old)


def _mnemonic(text: str) -> str | None:
    cleaned = text.replace("&&", "")
    i = cleaned.find("&")
    return cleaned[i + 1].lower() if 0 <= i < len(cleaned) - 1 else None


@pytest.mark.parametrize("step", WIZARD_PAGES, ids=lambda s: s.name)
def test_alt_shortcuts_are_unique_on_every_page(qtbot, make_wizard, step: Step) -> None:
    """An Alt+letter shared by two controls only moves the focus between them (Alt+N would not go Next)."""
    wizard = make_wizard(ContactKind.COLLATERAL, "R-1001")
    wizard.edit(method="FAX", participant_ids=("p-officer",))  # fax and law-enforcement boxes shown too
    page = wizard.pages[step]
    buttons = [
        wizard.button(b)
        for b in (
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.FinishButton,
            QWizard.WizardButton.CancelButton,
            QWizard.WizardButton.CustomButton1,
        )
    ]
    texts = [
        (w.objectName(), w.text())
        for w in page.findChildren(QLabel)
        if w.buddy() is not None and w.isVisibleTo(page)
    ]
    texts += [(w.objectName(), w.text()) for w in page.findChildren(QAbstractButton) if w.isVisibleTo(page)]
    texts += [(b.objectName(), b.text()) for b in buttons]
    owners: dict[str, str] = {}
    for name, text in texts:
        letter = _mnemonic(text)
        if letter is None:
            continue
        assert letter not in owners, (
            f"{step.name}: Alt+{letter} on both {owners[letter]} and {name} ({text!r})"
        )
        owners[letter] = name


def test_SEL_DATE_start_date_can_be_typed(qtbot, active_wizard) -> None:
    """SEL-DATE: the start date is chosen from a calendar or typed; typed digits land in the contact."""
    wizard = active_wizard(ContactKind.CHILD_CASE, "C-2001")
    started = wizard.pages[Step.BASICS].started
    assert started.calendarPopup()
    started.setFocus()
    started.setSelectedSection(started.Section.MonthSection)
    for text in ("11", "20", "2026", "09", "30"):
        qtbot.keyClicks(started, text)
    when = wizard.contact.started_at
    assert when is not None
    assert (when.month, when.day, when.year, when.hour, when.minute) == (11, 20, 2026, 9, 30)
    assert str(when.tzinfo) == "America/Los_Angeles"


def test_start_dialogs_work_with_the_keyboard_alone(qtbot, service, caseload, runner, clock) -> None:
    """SEL-ONBEHALF: the on-behalf dialog (children preselected) is accepted with Enter; the kind is chosen
    with the arrow keys and Space, then Enter."""
    from PySide6.QtCore import QTimer

    from fieldapp.gui.wizard import KindDialog, OnBehalfDialog, start_new_contact

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, OnBehalfDialog) and dialog.isActiveWindow():
            press(dialog, Qt.Key.Key_Return)
            QTimer.singleShot(0, answer)
        elif isinstance(dialog, KindDialog) and dialog.isActiveWindow():
            assert QApplication.focusWidget() is dialog.radios[ContactKind.CHILD_CASE]
            press(dialog, Qt.Key.Key_Down)  # Child (case) -> Parent (case)
            press(dialog, Qt.Key.Key_Space)
            press(dialog, Qt.Key.Key_Return)
        else:
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)
    starting = start_new_contact(None, service, caseload, "C-2001", runner=runner, clock=clock)
    assert starting is not None
    with qtbot.waitSignal(starting.wizardReady, timeout=10_000) as ready:
        pass
    wizard: ContactWizard = ready.args[0]
    qtbot.addWidget(wizard)
    assert wizard.flow.kind is ContactKind.PARENT_CASE
    assert wizard.contact.on_behalf_of_child_ids == ("p-nova", "p-kit")
