"""The lock screen and the start dialogs are usable by keyboard and screen reader: named controls, buddies."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget

from fieldapp.gui.dialogs import PassphraseDialog, UnlockSetupDialog
from fieldapp.gui.main_window import MainWindow


def _check(widget: QWidget) -> None:
    controls = [w for w in widget.findChildren(QWidget) if isinstance(w, QAbstractButton | QLineEdit)]
    assert controls
    unnamed = [
        f"{type(w).__name__}:{w.objectName()}:{getattr(w, 'text', lambda: '')()}"
        for w in controls
        if not w.accessibleName()
    ]
    assert unnamed == []
    buddies = {label.buddy() for label in widget.findChildren(QLabel) if label.buddy() is not None}
    for edit in widget.findChildren(QLineEdit):
        assert edit in buddies, edit.objectName()


def test_lock_screen_controls_are_named_and_focus_goes_to_the_passphrase(qtbot, window: MainWindow):
    window.lock()
    _check(window.lock_screen)
    assert window.lock_screen.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert window.lock_screen.focusWidget() is window.lock_screen.passphrase


def test_passphrase_dialogs_are_named(qtbot):
    for dialog in (
        PassphraseDialog(new_profile=False),
        PassphraseDialog(new_profile=True),
        UnlockSetupDialog(),
    ):
        qtbot.addWidget(dialog)
        _check(dialog)
        assert dialog.passphrase.echoMode() == QLineEdit.EchoMode.Password
