"""Issue 16: the enroll dialog reads as sentences and says before anything is typed when this laptop has
no secure keyring (then Enroll is unavailable), never naming a keyring class."""

from __future__ import annotations

import keyring
import pytest

from fieldapp.gui.dialogs import EnrollDialog

pytestmark = pytest.mark.gui


def test_no_secure_keyring_is_said_before_the_form_is_filled(qtbot, monkeypatch) -> None:
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setattr(keyring, "get_keyring", lambda: PlaintextKeyring())
    dialog = EnrollDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    notice = dialog.keyring_notice
    assert notice.isVisible() and notice.text().startswith("This laptop has no secure keyring")
    assert "Keyring" not in notice.text() and "keyrings." not in notice.text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


def test_with_a_secure_keyring_the_form_is_ready(qtbot) -> None:
    dialog = EnrollDialog(keyring_problem="")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.keyring_notice.isVisible()
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    intro = dialog.findChild(type(dialog.keyring_notice), "enrollIntro").text()
    assert intro.startswith("Enter the office server's address and the one-time code")
