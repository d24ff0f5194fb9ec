"""Every start begins at the unlock screen: the profile opens behind it, nothing of a case reaches a widget
before the right passphrase, and a restart after a lock shows no case data. First run chooses the
passphrase; with no secure keyring the profile passphrase opens the profile and unlocks the window too;
wrong key, damaged and newer profiles end in a clear message and leave the files untouched."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from fieldapp.app.launch import open_for_gui
from fieldapp.app.start import Stage
from fieldapp.gui.application import StartOptions, Startup, make_application
from fieldapp.gui.dialogs import PassphraseDialog, UnlockSetupDialog
from fieldapp.gui.lock import UnlockWindow
from fieldapp.gui.main_window import MainWindow
from fieldapp.store.profile import open_profile
from tests.factories import NOW, demo_caseload
from tests.gui.conftest import UNLOCK


def _clock():
    return NOW


@pytest.fixture
def startup(qtbot):
    made: list[Startup] = []

    def make(directory: Path, demo: bool = True, opener=open_for_gui) -> Startup:
        s = Startup(StartOptions(directory, demo, opener=opener, clock=_clock), interactive=False)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def _choose(qtbot, s: Startup, dialog_type, *texts: str) -> None:
    qtbot.waitUntil(lambda: isinstance(s.dialog, dialog_type) and s.dialog.isVisible(), timeout=15_000)
    dialog = s.dialog
    fields = [dialog.passphrase] + ([dialog.repeat] if dialog.repeat is not None else [])
    for field, text in zip(fields, texts, strict=True):
        field.clear()
        qtbot.keyClicks(field, text)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)


def _type_passphrase(qtbot, unlock: UnlockWindow, text: str) -> None:
    screen = unlock.lock_screen
    qtbot.waitUntil(screen.passphrase.isEnabled, timeout=15_000)
    screen.passphrase.clear()
    qtbot.keyClicks(screen.passphrase, text)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)


def _snapshot(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()
    }


def _model_texts(model: QAbstractItemModel, parent: QModelIndex = QModelIndex()) -> list[str]:  # noqa: B008
    texts = []
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            for role in (
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.ToolTipRole,
                Qt.ItemDataRole.AccessibleTextRole,
            ):
                value = index.data(role)
                if value:
                    texts.append(str(value))
        texts += _model_texts(model, model.index(row, 0, parent))
    return texts


def _everything_readable() -> str:
    """All that any widget of the app shows or tells a screen reader: texts, titles, names, tool tips,
    and the rows of every item view."""
    seen: list[str] = []
    for widget in QApplication.allWidgets():
        for getter in (
            "text",
            "toPlainText",
            "windowTitle",
            "accessibleName",
            "accessibleDescription",
            "toolTip",
        ):
            value = getattr(widget, getter, None)
            if callable(value):
                try:
                    got = value()
                except TypeError:
                    continue
                if isinstance(got, str):
                    seen.append(got)
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            seen += _model_texts(widget.model())
    return "\n".join(seen)


CASE_WORDS = ("Brightwater", "R-1001", "C-2001")
"""Words of the demo caseload (a family name, a referral and a case)."""


def _no_case_data_anywhere() -> None:
    readable = _everything_readable()
    assert not [w for w in CASE_WORDS if w in readable], "case data is readable before the unlock"
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and isinstance(w, QWidget)]
    assert not [w for w in shown if isinstance(w, MainWindow)]


def _wait_for_windows_gone(qtbot) -> None:
    qtbot.waitUntil(lambda: not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)])


def test_application_gets_its_name_and_style():
    app = make_application()
    assert app.applicationName() == "fieldapp"
    assert 'QLabel[class="heading"]' in app.styleSheet()


def test_a_restart_after_a_lock_shows_no_case_data_before_the_passphrase(qtbot, startup, tmp_path):
    directory = tmp_path / "profile"
    opened = open_for_gui(directory, passphrase=None, demo=True, clock=_clock)
    opened.unlock.set(UNLOCK)
    opened.close()

    first = startup(directory, demo=False)
    with qtbot.waitSignal(first.window_usable, timeout=20_000) as usable:
        first.start()
        with qtbot.waitSignal(first.prepared, timeout=20_000):
            pass
        _type_passphrase(qtbot, first.unlock_window, UNLOCK)
    window: MainWindow = usable.args[0]
    assert any(w in _everything_readable() for w in CASE_WORDS)  # the check below can see case data
    window.lock()
    first.close()  # the app ends while locked (in another process nothing of this start would remain)
    _wait_for_windows_gone(qtbot)

    again = startup(directory, demo=False)
    with qtbot.waitSignal(again.prepared, timeout=20_000) as prepared:
        again.start()
    assert prepared.args[0] is Stage.UNLOCK  # the profile is open and its caseload read, behind the lock
    qtbot.waitUntil(lambda: again.window is not None, timeout=20_000)  # the main window is built, hidden
    unlock = again.unlock_window
    assert unlock is not None and unlock.isVisible()
    assert unlock.lock_screen.passphrase.hasFocus() or unlock.lock_screen.passphrase.isEnabled()
    _no_case_data_anywhere()
    with pytest.raises(PermissionError):
        again.locked.overview  # noqa: B018 - not even the start object hands it out yet

    _type_passphrase(qtbot, unlock, "not-the-passphrase")
    qtbot.waitUntil(lambda: "not right" in unlock.lock_screen.error.text(), timeout=15_000)
    _no_case_data_anywhere()

    with qtbot.waitSignal(again.window_usable, timeout=20_000) as usable:
        _type_passphrase(qtbot, unlock, UNLOCK)
    window = usable.args[0]
    assert window.isVisible() and window.new_contact_button.isEnabled()
    assert window.caseload_model.rowCount() == 2  # the caseload at once: no read after the passphrase
    assert "Brightwater" in _everything_readable()


def test_first_run_demo_chooses_the_unlock_passphrase_and_shows_the_caseload(qtbot, startup, tmp_path):
    s = startup(tmp_path / "new")
    s.start()
    _choose(qtbot, s, UnlockSetupDialog, "short", "short")
    assert "at least 8 characters" in s.dialog.error.text()  # refused in place, dialog still open
    with qtbot.waitSignal(s.window_usable, timeout=20_000) as usable:
        _choose(qtbot, s, UnlockSetupDialog, "lantern-harbor-7", "lantern-harbor-7")
    window: MainWindow = usable.args[0]
    assert window.caseload_model.rowCount() == 2
    assert window.env.verify_unlock("lantern-harbor-7")
    assert not window.env.verify_unlock("lantern-harbor-8")
    db = (tmp_path / "new" / "fieldapp.db").read_bytes()
    assert b"Brightwater" not in db and b"SQLite format 3" not in db[:16]


def test_no_secure_keyring_asks_the_profile_passphrase_at_the_unlock_screen(
    qtbot, startup, tmp_path, monkeypatch
):
    monkeypatch.setattr(keyring, "get_keyring", lambda: FailKeyring())
    keyring.set_keyring(FailKeyring())
    directory = tmp_path / "pp"
    s = startup(directory)
    s.start()
    _choose(qtbot, s, PassphraseDialog, "meadow-lark-19", "meadow-lark-91")
    assert "not the same" in s.dialog.error.text()
    with qtbot.waitSignal(s.window_usable, timeout=30_000) as usable:
        _choose(qtbot, s, PassphraseDialog, "meadow-lark-19", "meadow-lark-19")
    window: MainWindow = usable.args[0]
    # the profile passphrase is the unlock passphrase: one thing to remember, nothing else stored
    assert window.env.verify_unlock("meadow-lark-19")
    assert not window.env.verify_unlock("meadow-lark-18")
    s.close()
    _wait_for_windows_gone(qtbot)

    again = startup(directory, demo=False)
    with qtbot.waitSignal(again.prepared, timeout=20_000) as prepared:
        again.start()
    assert prepared.args[0] is Stage.PROFILE_PASSPHRASE
    unlock = again.unlock_window
    assert unlock.lock_screen.passphrase.accessibleName() == "Profile passphrase"
    _type_passphrase(qtbot, unlock, "wrong-passphrase")
    qtbot.waitUntil(lambda: "does not open" in unlock.lock_screen.error.text(), timeout=30_000)
    _no_case_data_anywhere()
    with qtbot.waitSignal(again.window_usable, timeout=30_000):
        _type_passphrase(qtbot, unlock, "meadow-lark-19")


def test_cancelling_the_first_passphrase_leaves_the_profile_uncreated(qtbot, startup, tmp_path):
    keyring.set_keyring(FailKeyring())
    s = startup(tmp_path / "cancel")
    s.start()
    qtbot.waitUntil(lambda: isinstance(s.dialog, PassphraseDialog) and s.dialog.isVisible(), timeout=15_000)
    with qtbot.waitSignal(s.failed, timeout=5_000) as failed:
        s.dialog.reject()
    assert "No passphrase was given" in failed.args[0]
    assert not (tmp_path / "cancel" / "fieldapp.db").exists()


def test_damaged_profile_gives_a_clear_message_and_is_not_changed(qtbot, startup, tmp_path):
    directory = tmp_path / "damaged"
    open_profile(directory, create_with_caseload=demo_caseload()).close()
    db = directory / "fieldapp.db"
    db.write_bytes(db.read_bytes()[:4096] + b"\x00" * 8192)
    before = _snapshot(directory)
    s = startup(directory, demo=False)
    with qtbot.waitSignal(s.failed, timeout=15_000) as failed:
        s.start()
    assert "damaged" in failed.args[0]
    assert _snapshot(directory) == before


def test_newer_profile_refuses_to_open(qtbot, startup, tmp_path):
    directory = tmp_path / "newer"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    with profile.write() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9001'")
    profile.close()
    before = _snapshot(directory)
    s = startup(directory, demo=False)
    with qtbot.waitSignal(s.failed, timeout=15_000) as failed:
        s.start()
    assert "newer version of fieldapp" in failed.args[0]
    assert _snapshot(directory) == before


def test_missing_profile_without_demo_says_how_to_get_one(qtbot, startup, tmp_path):
    s = startup(tmp_path / "nothing-here", demo=False)
    with qtbot.waitSignal(s.failed, timeout=15_000) as failed:
        s.start()
    assert "no fieldapp profile" in failed.args[0].lower()


def test_opening_runs_off_the_gui_thread(qtbot, startup, tmp_path):
    seen: list[bool] = []

    def spying(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread() is threading.main_thread())
        return open_for_gui(*args, **kwargs)

    s = startup(tmp_path / "t", opener=spying)
    s.start()
    assert s.unlock_window is not None and s.unlock_window.isVisible()  # on screen before anything opened
    qtbot.waitUntil(lambda: isinstance(s.dialog, UnlockSetupDialog), timeout=15_000)
    assert seen == [False]


def test_a_passphrase_typed_before_the_profile_is_open_is_checked_once_it_is(qtbot, startup, tmp_path):
    directory = tmp_path / "profile"
    opened = open_for_gui(directory, passphrase=None, demo=True, clock=_clock)
    opened.unlock.set(UNLOCK)
    opened.close()
    s = startup(directory, demo=False)
    with qtbot.waitSignal(s.window_usable, timeout=20_000) as usable:
        s.start()
        unlock = s.unlock_window
        unlock.lock_screen.passphrase.setText(UNLOCK)  # at once: nothing has loaded yet
        qtbot.keyClick(unlock.lock_screen.passphrase, Qt.Key.Key_Return)
    assert usable.args[0].caseload_model.rowCount() == 2
