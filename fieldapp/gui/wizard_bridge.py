"""Where the main window meets the contact wizard (fieldapp.gui.wizard, built on the `wizard` branch).

Kept in one small module so the main window does not depend on the wizard's constructor details: the
window asks for "a new contact in this matter" or "open this stored contact" and gets back a top-level
widget to track (for lock, close and refresh).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.app.service import StoredContact

if TYPE_CHECKING:
    from fieldapp.gui.main_window import MainWindow, WindowEnv


def _wizard_module() -> Any:
    try:
        return importlib.import_module("fieldapp.gui.wizard")
    except ImportError:
        return None


def start_new_contact(window: MainWindow, env: WindowEnv, matter_id: str) -> QWidget | None:
    wizard = _wizard_module()
    if wizard is None:
        QMessageBox.information(window, "New contact", "The contact wizard is not part of this build.")
        return None
    return wizard.start_new_contact(window, env.service, matter_id, runner=env.runner)


def open_contact(window: MainWindow, env: WindowEnv, stored: StoredContact) -> QWidget | None:
    wizard = _wizard_module()
    if wizard is None:
        QMessageBox.information(window, "Contact", "The contact wizard is not part of this build.")
        return None
    editor = wizard.ContactWizard(env.service, stored, window, runner=env.runner)
    editor.show()
    return editor
