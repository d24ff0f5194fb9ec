"""Locking the window: an idle watcher and the lock screen that asks for the unlock passphrase.

Choice of the unlock check: the worker's unlock passphrase, checked against a salted scrypt hash kept only
inside the encrypted profile (fieldapp.app.unlock). Not the OS account password: checking it needs PAM on
Linux, LogonUser on Windows and the Security framework on macOS – three privileged code paths – and a
shared family laptop's OS session is exactly what the lock must not trust. Where there is no secure
keyring the profile passphrase itself is the unlock passphrase, so the worker has one thing to remember.
Verification runs on the op runner (scrypt is slow on purpose) so the lock screen never freezes.

The same lock screen is the first thing every start shows (`UnlockWindow`, fieldapp.gui.application): a
lock that quitting the app would lift protects nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from fieldapp.gui.forms import child, load_form
from fieldapp.gui.operations import check_passphrase
from fieldapp.gui.ops import OpRunner

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.InputMethod,
}


class IdleWatcher(QObject):
    """Emits `idle` once after `minutes` without keyboard, mouse or touch input anywhere in the app."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, int(minutes * 60_000)))

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()  # restart the countdown
        return False


class LockKey(QObject):
    """The lock shortcut (Ctrl+L) in every window and dialog of the app: the wizard, the start dialogs,
    print and enroll dialogs, message boxes. One application event filter rather than the shortcut added
    to each window, because a window shortcut is dead in a window nobody added it to, and Qt blocks an
    application shortcut whose windows sit behind a modal dialog; a worker in a family's home must be able
    to hide the screen whatever is open.

    `pressed` is emitted once per key press while `active()` says the lock applies (unlocked, not closed).
    """

    pressed = Signal()

    def __init__(self, keys: Callable[[], QKeySequence], active: Callable[[], bool], parent: QObject) -> None:
        super().__init__(parent)
        self._keys = keys
        self._active = active
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def _is_lock_key(self, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or event.isAutoRepeat():
            return False
        return QKeySequence(event.keyCombination()) == self._keys()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not self._is_lock_key(event) or not self._active():
            return False
        if kind == QEvent.Type.ShortcutOverride:
            # claimed here so no widget or window shortcut acts on it; the key press that follows locks
            event.accept()
            return True
        self.pressed.emit()
        return True


class LockScreen(QWidget):
    """What the window shows while locked: no case data, one passphrase field."""

    unlocked = Signal()

    def __init__(
        self, runner: OpRunner, verify: Callable[[str], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreenHost")
        self._runner = runner
        self._verify = verify
        form = load_form("lock_screen", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
        self.explanation = child(form, QLabel, "lockExplanation")
        self.label = child(form, QLabel, "passphraseLabel")
        self.passphrase = child(form, QLineEdit, "passphraseEdit")
        self.unlock_button = child(form, QPushButton, "unlockButton")
        self.error = child(form, QLabel, "errorLabel")
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self._checking = False
        self.wrong_text = "That passphrase is not right. Try again; check Caps Lock."

    def ask_for(self, explanation: str, label: str, accessible_name: str, wrong_text: str) -> None:
        """Word the screen for what it asks (the unlock passphrase, or a profile's own passphrase)."""
        self.explanation.setText(explanation)
        self.label.setText(label)
        self.passphrase.setAccessibleName(accessible_name)
        self.wrong_text = wrong_text

    def reset(self) -> None:
        self.passphrase.clear()
        self.error.clear()
        self.passphrase.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.passphrase.setFocus()

    def try_unlock(self) -> None:
        if self._checking:
            return
        attempt = self.passphrase.text()
        if not attempt:
            self.error.setText("Enter your unlock passphrase.")
            return
        self._checking = True
        self.passphrase.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self.error.setText("Checking…")
        check_passphrase(self._runner, self._verify, attempt).success(self._checked).failure(
            self._failed
        ).run()

    def _checked(self, ok: bool) -> None:
        self._checking = False
        self.passphrase.setEnabled(True)
        self.unlock_button.setEnabled(True)
        if ok:
            self.passphrase.clear()
            self.error.clear()
            self.unlocked.emit()
        else:
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            self.error.setText(self.wrong_text)

    def _failed(self, error: BaseException) -> None:
        self._checking = False
        self.passphrase.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.error.setText(f"The passphrase could not be checked: {error}")


class UnlockWindow(QWidget):
    """The window every start opens with: the lock screen alone, where the main window will be.

    It holds no case data at all; the main window is shown only once the passphrase is right."""

    def __init__(self, runner: OpRunner, verify: Callable[[str], bool], settings: QSettings) -> None:
        super().__init__()
        self.setObjectName("unlockWindow")
        self.setWindowTitle("fieldapp — locked")
        self.setAccessibleName("fieldapp is locked")
        self.lock_screen = LockScreen(runner, verify, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.lock_screen)
        geometry = settings.value("window/geometry")  # where the main window was left
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 720)
        self.lock_screen.ask_for(
            "Case information stays hidden until you enter your passphrase.",
            "&Passphrase:",
            "Passphrase",
            "That passphrase is not right. Try again; check Caps Lock.",
        )
