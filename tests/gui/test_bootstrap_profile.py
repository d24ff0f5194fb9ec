"""Starting the app: the profile opens off the GUI thread; first run asks for the unlock passphrase; with no
secure keyring the passphrase dialog protects the profile; wrong key, damaged and newer profiles end in a
clear message and leave the files untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldapp.app.launch import open_for_gui
from fieldapp.gui.app import Bootstrap, StartOptions, make_application
from fieldapp.gui.dialogs import PassphraseDialog, UnlockSetupDialog
from fieldapp.gui.main_window import MainWindow
from fieldapp.store.profile import open_profile
from tests.factories import NOW, demo_caseload


def _clock():
    return NOW


@pytest.fixture
def boot(qtbot, tmp_path: Path):
    made: list[Bootstrap] = []

    def make(directory: Path, demo: bool = True) -> Bootstrap:
        b = Bootstrap(
            StartOptions(profile_dir=directory, demo=demo, opener=open_for_gui, clock=_clock),
            interactive=False,
        )
        made.append(b)
        return b

    yield make
    for b in made:
        if b.window is not None:
            b.window.close()
        if b.dialog is not None:
            b.dialog.close()
        b.close()


def _answer(qtbot, boot: Bootstrap, dialog_type, *texts: str) -> None:
    qtbot.waitUntil(lambda: isinstance(boot.dialog, dialog_type) and boot.dialog.isVisible(), timeout=15_000)
    dialog = boot.dialog
    assert isinstance(dialog, PassphraseDialog)
    fields = [dialog.passphrase] + ([dialog.repeat] if dialog.repeat is not None else [])
    for field, text in zip(fields, texts, strict=True):
        field.clear()
        qtbot.keyClicks(field, text)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)


def _snapshot(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()
    }


def test_application_gets_its_name_and_style():
    app = make_application()
    assert app.applicationName() == "fieldapp"
    assert 'QLabel[class="heading"]' in app.styleSheet()


def test_first_run_demo_creates_profile_asks_for_unlock_passphrase_and_shows_the_caseload(
    qtbot, boot, tmp_path
):
    b = boot(tmp_path / "new")
    b.start()
    _answer(qtbot, b, UnlockSetupDialog, "short", "short")
    assert "at least 8 characters" in b.dialog.error.text()  # refused in place, dialog still open
    _answer(qtbot, b, UnlockSetupDialog, "lantern-harbor-7", "lantern-harbor-7")
    with qtbot.waitSignal(b.window_ready, timeout=15_000) as ready:
        pass
    window: MainWindow = ready.args[0]
    qtbot.waitUntil(lambda: window.caseload_model.rowCount() == 2, timeout=10_000)
    assert window.env.verify_unlock("lantern-harbor-7")
    assert not window.env.verify_unlock("lantern-harbor-8")
    # nothing readable on disk: the database does not contain the caseload in the clear
    db = (tmp_path / "new" / "fieldapp.db").read_bytes()
    assert b"Brightwater" not in db and b"SQLite format 3" not in db[:16]


def test_no_secure_keyring_asks_for_a_passphrase_and_it_unlocks_too(qtbot, boot, tmp_path, monkeypatch):
    monkeypatch.setattr(keyring, "get_keyring", lambda: FailKeyring())
    keyring.set_keyring(FailKeyring())
    directory = tmp_path / "pp"
    b = boot(directory)
    b.start()
    _answer(qtbot, b, PassphraseDialog, "meadow-lark-19", "meadow-lark-91")
    assert "not the same" in b.dialog.error.text()
    _answer(qtbot, b, PassphraseDialog, "meadow-lark-19", "meadow-lark-19")
    with qtbot.waitSignal(b.window_ready, timeout=20_000) as ready:
        pass
    window: MainWindow = ready.args[0]
    # the profile passphrase is the unlock passphrase: one thing to remember, nothing else stored
    assert window.env.verify_unlock("meadow-lark-19")
    assert not window.env.verify_unlock("meadow-lark-18")
    window.close()
    b.close()

    again = boot(directory, demo=False)
    again.start()
    _answer(qtbot, again, PassphraseDialog, "wrong-passphrase")
    qtbot.waitUntil(
        lambda: again.dialog is not None and "does not open" in again.dialog.error.text(), timeout=20_000
    )
    _answer(qtbot, again, PassphraseDialog, "meadow-lark-19")
    with qtbot.waitSignal(again.window_ready, timeout=20_000):
        pass


def test_cancelling_the_passphrase_leaves_the_profile_closed(qtbot, boot, tmp_path, monkeypatch):
    keyring.set_keyring(FailKeyring())
    b = boot(tmp_path / "cancel")
    b.start()
    qtbot.waitUntil(lambda: isinstance(b.dialog, PassphraseDialog) and b.dialog.isVisible(), timeout=15_000)
    with qtbot.waitSignal(b.failed, timeout=5_000) as failed:
        b.dialog.reject()
    assert "No passphrase was given" in failed.args[0]
    assert not (tmp_path / "cancel" / "fieldapp.db").exists()


def test_damaged_profile_gives_a_clear_message_and_is_not_changed(qtbot, boot, tmp_path):
    directory = tmp_path / "damaged"
    open_profile(directory, create_with_caseload=demo_caseload()).close()
    db = directory / "fieldapp.db"
    db.write_bytes(db.read_bytes()[:4096] + b"\x00" * 8192)
    before = _snapshot(directory)
    b = boot(directory, demo=False)
    with qtbot.waitSignal(b.failed, timeout=15_000) as failed:
        b.start()
    assert "damaged" in failed.args[0]
    assert b.window is None
    assert _snapshot(directory) == before


def test_newer_profile_refuses_to_open(qtbot, boot, tmp_path):
    directory = tmp_path / "newer"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    with profile.write() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9001'")
    profile.close()
    before = _snapshot(directory)
    b = boot(directory, demo=False)
    with qtbot.waitSignal(b.failed, timeout=15_000) as failed:
        b.start()
    assert "newer version of fieldapp" in failed.args[0]
    assert _snapshot(directory) == before


def test_missing_profile_without_demo_says_how_to_get_one(qtbot, boot, tmp_path):
    b = boot(tmp_path / "nothing-here", demo=False)
    with qtbot.waitSignal(b.failed, timeout=15_000) as failed:
        b.start()
    assert "no fieldapp profile" in failed.args[0].lower()


def test_opening_runs_off_the_gui_thread(qtbot, boot, tmp_path, monkeypatch):
    import threading

    seen: list[bool] = []
    original = open_for_gui

    def spying(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread() is threading.main_thread())
        return original(*args, **kwargs)

    b = Bootstrap(
        StartOptions(profile_dir=tmp_path / "t", demo=True, opener=spying, clock=_clock), interactive=False
    )
    try:
        b.start()
        qtbot.waitUntil(lambda: bool(seen), timeout=15_000)
        assert seen == [False]
        qtbot.waitUntil(lambda: isinstance(b.dialog, UnlockSetupDialog), timeout=15_000)
    finally:
        if b.dialog is not None:
            b.dialog.close()
        b.close()
    assert QApplication.instance() is not None
