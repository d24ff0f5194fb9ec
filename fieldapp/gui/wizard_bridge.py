"""Where the main window meets the contact wizard (fieldapp.gui.wizard).

Kept in one small module so the main window does not depend on the wizard's constructor details: the
window asks for "a new contact in this matter" or "open this stored contact" and tracks the top-level
wizard it gets back (for lock, close and refresh).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.app.service import StoredContact
from fieldapp.gui import printing
from fieldapp.gui import wizard as contact_wizard

if TYPE_CHECKING:
    from fieldapp.gui.main_window import MainWindow, WindowEnv


def start_new_contact(window: MainWindow, env: WindowEnv, matter_id: str) -> None:
    """On-behalf dialog, kind, then the wizard once the service has created the draft (SEL-ONBEHALF first)."""
    if window.caseload is None:
        return
    starting = contact_wizard.start_new_contact(
        window, env.service, window.caseload, matter_id, runner=env.runner, tables=env.tables, clock=env.now
    )
    if starting is None:
        return  # the worker cancelled one of the start dialogs
    window.starting = starting
    starting.wizardReady.connect(window.track_editor)
    starting.failed.connect(lambda message: QMessageBox.warning(window, "New contact", message))


def open_contact(window: MainWindow, env: WindowEnv, stored: StoredContact) -> QWidget | None:
    if window.caseload is None:
        return None
    wizard = contact_wizard.open_contact(
        window, env.service, window.caseload, stored, runner=env.runner, tables=env.tables, clock=env.now
    )
    printing.attach_contact_print(wizard, env)  # Ctrl+P in the read-only view
    window.track_editor(wizard)
    return wizard


def editor_contact_id(editor: QWidget) -> str | None:
    stored = getattr(editor, "stored", None)
    return None if stored is None else str(stored.contact.id)


def connect_editor(window: MainWindow, editor: QWidget) -> None:
    """Refresh the main window when a draft is saved, finalized, or replaced by a subsequent contact; and
    let Ctrl+L lock from the wizard's own window too (a window shortcut is live in each window it is on)."""
    editor.addAction(window.lock_action)
    for name in ("draftSaved", "contactSaved"):
        signal = getattr(editor, name, None)
        if signal is not None:
            signal.connect(lambda *_: window.refresh())
    subsequent = getattr(editor, "subsequentRequested", None)
    if subsequent is not None:
        # emitted just before the follow-up wizard exists: adopt it once the event loop turns
        subsequent.connect(lambda *_: QTimer.singleShot(0, lambda: window.adopt_follow_up(editor)))
