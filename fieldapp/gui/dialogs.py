"""Small dialogs of the app's start: the profile passphrase and the unlock passphrase chosen at first run."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fieldapp.app.passphrase import MIN_LENGTH
from fieldapp.gui.forms import fit_title


class PassphraseDialog(QDialog):
    """Asks for the passphrase that protects a profile where no secure keyring exists.

    For a new profile it asks twice and explains that the passphrase cannot be recovered: without it the
    encrypted caseload is unreadable, which is the point on a stolen laptop.
    """

    def __init__(
        self,
        *,
        new_profile: bool,
        reason: str = "",
        error: str = "",
        title: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.new_profile = new_profile
        self.setWindowTitle(title or ("Choose a passphrase" if new_profile else "Open your profile"))
        layout = QVBoxLayout(self)
        intro = QLabel(self)
        intro.setWordWrap(True)
        intro.setObjectName("passphraseIntro")
        if new_profile:
            intro.setText(
                (reason + "\n\n" if reason else "")
                + "Choose a passphrase for this laptop's case records. You will need it each time fieldapp "
                "opens and to unlock the window. It cannot be recovered: if it is lost, the records on this "
                f"laptop must be synced again from the office. At least {MIN_LENGTH} characters."
            )
        else:
            intro.setText(
                (reason + "\n\n" if reason else "") + "Enter your passphrase to open your caseload."
            )
        layout.addWidget(intro)
        form = QFormLayout()
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphraseEdit")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        label = QLabel("&Passphrase:", self)
        label.setBuddy(self.passphrase)
        form.addRow(label, self.passphrase)
        self.repeat: QLineEdit | None = None
        if new_profile:
            self.repeat = QLineEdit(self)
            self.repeat.setObjectName("repeatEdit")
            self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
            self.repeat.setAccessibleName("Repeat passphrase")
            repeat_label = QLabel("&Repeat passphrase:", self)
            repeat_label.setBuddy(self.repeat)
            form.addRow(repeat_label, self.repeat)
        layout.addLayout(form)
        self.error = QLabel(error, self)
        self.error.setObjectName("passphraseError")
        self.error.setAccessibleName("Passphrase message")
        self.error.setWordWrap(True)
        self.error.setProperty("class", "error")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Open" if not new_profile else "&Create profile")
        ok.setAccessibleName(ok.text().replace("&", ""))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self._check_and_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons
        self.setMinimumWidth(460)
        self.passphrase.setFocus()

    def _check_and_accept(self) -> None:
        text = self.passphrase.text()
        if not text:
            self.error.setText("Enter a passphrase.")
            return
        if self.new_profile:
            if len(text) < MIN_LENGTH:
                self.error.setText(f"The passphrase must be at least {MIN_LENGTH} characters long.")
                return
            if self.repeat is not None and self.repeat.text() != text:
                self.error.setText("The two passphrases are not the same.")
                self.repeat.selectAll()
                self.repeat.setFocus()
                return
        self.accept()

    def value(self) -> str:
        return self.passphrase.text()


class UnlockSetupDialog(PassphraseDialog):
    """First run with a secure keyring: the profile key is in the keyring, so the worker chooses a separate
    unlock passphrase for the lock screen (kept only as a scrypt hash)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            new_profile=True,
            title="Choose an unlock passphrase",
            reason="fieldapp locks itself when you step away. Choose the passphrase that unlocks it.",
            parent=parent,
        )
        intro = self.findChild(QLabel, "passphraseIntro")
        if intro is not None:
            intro.setText(
                "fieldapp locks itself when you step away, hiding all case information. Choose the "
                f"passphrase that unlocks it (at least {MIN_LENGTH} characters). It is kept only as a "
                "one-way hash inside your encrypted profile."
            )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Save passphrase")
        ok.setAccessibleName("Save passphrase")


class EnrollDialog(QDialog):
    """Sync → Enroll this laptop: the office server's address and the one-time code (never echoed).

    The message of a refused enrollment is shown next to the field it names.
    """

    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, *, keyring_problem: str | None = None) -> None:
        """`keyring_problem`: why this laptop cannot be enrolled (no secure keyring), said before anything
        is typed; by default asked of the system keyring (fieldapp.sync.enrollment.keyring_problem)."""
        super().__init__(parent)
        self.setObjectName("enrollDialog")
        self.setWindowTitle("Enroll this laptop")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Enter the office server's address and the one-time code your administrator gave you. Once "
            "enrolled, this laptop sends your final contacts to the office and receives your caseload. "
            "The code works once; the access it gives is kept only in this laptop's secure keyring.",
            self,
        )
        intro.setObjectName("enrollIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if keyring_problem is None:
            from fieldapp.sync.enrollment import keyring_problem as ask_keyring

            keyring_problem = ask_keyring()
        self.keyring_notice = QLabel(keyring_problem or "", self)
        self.keyring_notice.setObjectName("keyringNotice")
        self.keyring_notice.setWordWrap(True)
        self.keyring_notice.setProperty("class", "error")
        self.keyring_notice.setAccessibleName("Why this laptop cannot be enrolled")
        self.keyring_notice.setVisible(bool(keyring_problem))
        layout.addWidget(self.keyring_notice)
        form = QFormLayout()
        self.url = QLineEdit(self)
        self.url.setObjectName("serverUrlEdit")
        self.url.setPlaceholderText("https://fieldapp.agency.example")
        self.url.setAccessibleName("Office server address")
        url_label = QLabel("Office &server:", self)
        url_label.setBuddy(self.url)
        form.addRow(url_label, self.url)
        self.url_error = QLabel(self)
        self.url_error.setProperty("class", "error")
        self.url_error.setWordWrap(True)
        form.addRow("", self.url_error)
        self.code = QLineEdit(self)
        self.code.setObjectName("codeEdit")
        self.code.setEchoMode(QLineEdit.EchoMode.Password)
        self.code.setAccessibleName("One-time code")
        code_label = QLabel("One-time &code:", self)
        code_label.setBuddy(self.code)
        form.addRow(code_label, self.code)
        self.code_error = QLabel(self)
        self.code_error.setProperty("class", "error")
        self.code_error.setWordWrap(True)
        form.addRow("", self.code_error)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Enroll")
        ok.setAccessibleName("Enroll")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(lambda: self.submitted.emit(self.url.text(), self.code.text()))
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
        fit_title(self)
        if keyring_problem:
            ok.setEnabled(False)  # nothing typed in vain: it cannot work until the keyring is there

    def set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        self.url_error.clear()
        self.code_error.clear()

    def show_error(self, error: BaseException) -> None:
        self.set_busy(False)
        target = self.code_error if getattr(error, "field", "") == "code" else self.url_error
        target.setText(str(error))
