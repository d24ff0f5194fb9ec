"""Driving the wizard through its real widgets, as a worker would: clicks, typing, choosing from lists."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QMessageBox, QWizard

from fieldapp.app.wizard_flow import Step
from fieldapp.gui.wizard import ContactWizard


def page(wizard: ContactWizard, step: Step):  # type: ignore[no-untyped-def]
    return wizard.pages[step]


def check(qtbot, wizard: ContactWizard, code: str, on: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Click the check box of `code` (a purpose, participant, service or SOP component) on the current page."""
    box = wizard.currentPage().findChild(QCheckBox, f"check_{code}")
    assert box is not None, f"no check box for {code} on {wizard.currentPage().title()}"
    assert box.isVisible() and box.isEnabled(), code
    if box.isChecked() != on:
        # on the indicator: a check box spans the group's width but only its indicator and text take clicks
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked() == on


def choose(qtbot, combo: QComboBox, code: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the entry `code` with the keyboard, as a worker tabbing through the form would."""
    index = combo.findData(code)
    assert index >= 0, f"{code} is not offered in {combo.objectName()}"
    assert combo.isVisible() and combo.isEnabled(), combo.objectName()
    combo.setFocus()
    if combo.currentIndex() < 0:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    steps = index - combo.currentIndex()
    key = Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up
    for _ in range(abs(steps)):
        qtbot.keyClick(combo, key)
    assert combo.currentData() == code


def next_page(qtbot, wizard: ContactWizard) -> None:  # type: ignore[no-untyped-def]
    before = wizard.currentId()
    button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled(), wizard.currentPage().banner.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == wizard.flow.next_page(Step(before))


def type_narrative(qtbot, wizard: ContactWizard, text: str) -> None:  # type: ignore[no-untyped-def]
    editor = wizard.pages[Step.NARRATIVE].editor
    editor.setFocus()
    qtbot.keyClicks(editor, text)


def finalize(qtbot, wizard: ContactWizard):  # type: ignore[no-untyped-def]
    """Click Finalize, confirm in the one confirmation box, and wait for the store to say final."""
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled(), wizard.currentPage().banner.text()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    box = wizard.confirm_box
    assert isinstance(box, QMessageBox)
    assert "cannot be changed" in box.informativeText()
    with qtbot.waitSignal(wizard.contactSaved, timeout=10_000) as saved:
        qtbot.mouseClick(wizard.finalize_button, Qt.MouseButton.LeftButton)
    return saved.args[0]
