"""The first paint (fieldapp.gui.first_paint over fieldapp.store.quick_read): it shows exactly what the full
window shows, falls back to the normal opening whenever it could show something stale (a migration due, a
draft from an ended business day: NAR-SAMEDAY), never writes (wrong key: the same message as before, file
unchanged; no temporary files), keeps the lock's guarantee, and loads neither SQLAlchemy nor pydantic."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QStandardItemModel
from shiboken6 import isValid

from fieldapp.app.first_paint import QuickRead
from fieldapp.app.first_paint_view import QuickSkip
from fieldapp.app.launch import open_for_gui
from fieldapp.app.session import OpenedProfile
from fieldapp.commands.run import begin_first_paint, start_first_paint
from fieldapp.domain.records import ContactKind
from fieldapp.gui.app import Bootstrap
from fieldapp.gui.first_paint import FirstPaintWindow
from fieldapp.gui.launcher import Launcher, StartOptions
from fieldapp.gui.main_window import MainWindow
from fieldapp.store import keys, quick_read
from fieldapp.store.profile import CREATING_MARKER, open_profile
from fieldapp.store.revisions import HEAD
from tests.factories import demo_caseload, valid_contact
from tests.support.clock import Clock

REPO = Path(__file__).resolve().parents[2]


def _snapshot(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()
    }


def _fill(opened: OpenedProfile) -> None:
    """Two final contacts (recent, waiting to sync) and one draft of today with a participant."""
    service = opened.service
    for kind in (ContactKind.CHILD_CASE, ContactKind.PARENT_CASE):
        c = valid_contact(kind)
        stored = service.start_contact(c.context_id, c.kind, c.on_behalf_of_child_ids)
        service.finalize(c.model_copy(update={"id": stored.contact.id, "first_saved_at": None}))
    c = valid_contact(ContactKind.CHILD_CASE)
    stored = service.start_contact(c.context_id, c.kind, c.on_behalf_of_child_ids)
    service.interim_save(c.model_copy(update={"id": stored.contact.id, "narrative": "Half written."}))


def _tree(model: QStandardItemModel) -> list[Any]:
    def node(index: QModelIndex) -> Any:
        return (
            index.data(),
            index.data(Qt.ItemDataRole.AccessibleTextRole),
            index.data(Qt.ItemDataRole.UserRole + 1),
            index.data(Qt.ItemDataRole.UserRole + 2),
            [node(model.index(r, 0, index)) for r in range(model.rowCount(index))],
        )

    return [node(model.index(r, 0)) for r in range(model.rowCount())]


def _table(model: Any) -> list[list[Any]]:
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    rows = [
        [
            (
                model.index(r, c).data(),
                model.index(r, c).data(Qt.ItemDataRole.AccessibleTextRole),
            )
            for c in range(model.columnCount())
        ]
        for r in range(model.rowCount())
    ]
    return [header, *rows]


@pytest.fixture
def launch(qtbot):
    made: list[Launcher] = []

    def make(directory: Path, clock: Clock, *, quick: bool = True) -> Launcher:
        start = start_first_paint(directory, clock, fork=False) if quick else None
        launcher = Launcher(
            StartOptions(directory, demo=False, opener=open_for_gui, clock=clock, first_paint=start),
            interactive=False,
        )
        made.append(launcher)
        return launcher

    yield make
    for launcher in made:
        boot = launcher.boot
        if boot is not None and boot.window is not None:
            offer = getattr(boot.window, "draft_offer", None)
            if offer is not None:
                offer.close()  # a dialog left open would show this test's drafts to the next test
            boot.window.close()
            boot.window.deleteLater()
        if launcher.first_paint is not None:
            launcher.first_paint.close()
            launcher.first_paint.deleteLater()
        launcher.close()


def _start_and_wait_usable(qtbot, launcher: Launcher) -> MainWindow:
    with qtbot.waitSignal(launcher.window_usable, timeout=30_000) as usable:
        launcher.start()
    return usable.args[0]


# --------------------------------------------------------------------------- same picture as the full window


def test_first_paint_shows_the_same_caseload_drafts_recent_and_pending_count_as_the_full_window(
    qtbot, opened: OpenedProfile, clock: Clock, launch
):
    _fill(opened)
    QSettings().setValue("caseload/last_matter", "C-2001")
    launcher = launch(opened.directory, clock)
    launcher.start()
    first = launcher.first_paint
    assert isinstance(first, FirstPaintWindow) and first.isVisible()
    first_tree = _tree(first.caseload_model)
    first_drafts = _table(first.drafts_model)
    first_recent = _table(first.recent_model)
    first_pending = (first.pending_label.text(), first.last_sync_label.text())
    first_title = (first.windowTitle(), first.matter_title.text())
    assert first_pending == ("2 contacts waiting to sync", "Last sync: never")
    assert len(first_drafts) == 2 and len(first_recent) == 4  # header + rows
    # for looking only, and it says so
    assert not first.new_contact_button.isEnabled() and "loading" in first.new_contact_button.text()
    assert "Loading" in first.statusBar().currentMessage()

    with qtbot.waitSignal(launcher.window_usable, timeout=30_000) as usable:
        pass
    window: MainWindow = usable.args[0]
    qtbot.waitUntil(lambda: window.recent_model.rowCount() == 3, timeout=10_000)
    assert window.isVisible() and window.new_contact_button.isEnabled()
    assert launcher.first_paint is None and not isValid(first)  # replaced and released, not stacked
    assert _tree(window.caseload_model) == first_tree
    assert _table(window.drafts_model) == first_drafts
    assert _table(window.recent_model) == first_recent
    assert (window.pending_label.text(), window.last_sync_label.text()) == first_pending
    assert (window.windowTitle(), window.matter_title.text()) == first_title
    assert window.selected_matter_id() == "C-2001"


def test_selection_made_in_the_first_paint_is_kept_by_the_full_window(qtbot, opened, clock, launch):
    launcher = launch(opened.directory, clock)
    launcher.start()
    first = launcher.first_paint
    assert first is not None
    referral = first.caseload_model.item(0).child(0).index()
    first.caseload_view.setCurrentIndex(referral)
    assert "Referral" in first.matter_title.text()
    with qtbot.waitSignal(launcher.window_usable, timeout=30_000) as usable:
        pass
    window: MainWindow = usable.args[0]
    assert window.selected_matter_id() == referral.data(Qt.ItemDataRole.UserRole + 1)


# --------------------------------------------------------------------------- falling back


def test_schema_other_than_head_falls_back_to_the_normal_opening(opened, clock):
    with opened.service.profile.write() as conn:  # type: ignore[attr-defined]
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    start = begin_first_paint(opened.directory, clock)
    assert start is not None and isinstance(start.outcome, QuickSkip)
    assert "schema" in start.outcome.reason
    assert HEAD != "0002"


def test_newer_profile_falls_back_and_gets_the_same_refusal_as_before(qtbot, tmp_path, clock, launch):
    directory = tmp_path / "newer"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    with profile.write() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9001'")
    profile.close()
    before = _snapshot(directory)
    launcher = launch(directory, clock)
    with qtbot.waitSignal(launcher.failed, timeout=20_000) as failed:
        launcher.start()
    assert launcher.first_paint is None
    assert "newer version of fieldapp" in failed.args[0]
    assert _snapshot(directory) == before


def test_draft_from_an_ended_day_falls_back_and_the_day_is_closed_first_nar_sameday(
    qtbot, opened, clock, launch
):
    """NAR-SAMEDAY: yesterday's draft must be finalized or frozen before anything shows it as today's."""
    _fill(opened)
    clock.advance(days=1)
    launcher = launch(opened.directory, clock)
    window = _start_and_wait_usable(qtbot, launcher)
    assert launcher.first_paint is None and "NAR-SAMEDAY" in launcher.skip_reason
    assert window.drafts_model.rowCount() == 0  # closed: made final or frozen, not offered as today's
    assert "NAR-SAMEDAY" in window.statusBar().currentMessage()
    # and once closed, the next start takes the quick path again
    again = begin_first_paint(opened.directory, clock)
    assert again is not None and not isinstance(again.outcome, QuickSkip)
    again.outcome.close()


def test_no_unlock_passphrase_yet_falls_back_so_nothing_shows_that_the_lock_could_not_hide(tmp_path, clock):
    fresh = open_for_gui(tmp_path / "fresh", passphrase=None, demo=True, clock=clock)
    fresh.close()
    start = begin_first_paint(tmp_path / "fresh", clock)
    assert start is not None and isinstance(start.outcome, QuickSkip)
    assert "unlock passphrase" in start.outcome.reason


def test_passphrase_keyed_profile_and_missing_profile_take_the_normal_path(tmp_path, clock):
    assert isinstance(quick_read.open_first_paint(tmp_path / "none", today=clock().date()), QuickSkip)
    directory = tmp_path / "pp"
    directory.mkdir()
    (directory / "fieldapp.db").write_bytes(b"")
    (directory / "profile.json").write_text(
        json.dumps(
            {"format": 1, "profile_id": "x", "key_source": "passphrase", "check_salt": "00", "key_check": "0"}
        )
    )
    outcome = quick_read.open_first_paint(directory, today=clock().date())
    assert isinstance(outcome, QuickSkip) and "passphrase" in outcome.reason
    (directory / CREATING_MARKER).write_text("x")
    assert quick_read._CREATING_MARKER == CREATING_MARKER


# --------------------------------------------------------------------------- never writes, never leaks


def test_wrong_key_gives_the_same_message_as_before_and_leaves_the_file_unchanged(
    qtbot, opened, clock, launch
):
    directory = opened.directory
    profile_id = json.loads((directory / "profile.json").read_text())["profile_id"]
    opened.close()
    keyring.get_keyring().set_password(keys.KEYRING_SERVICE, profile_id, "ab" * 32)
    before = _snapshot(directory)
    quick = launch(directory, clock)
    with qtbot.waitSignal(quick.failed, timeout=20_000) as failed_quick:
        quick.start()
    assert quick.first_paint is None and "no key that opens" in quick.skip_reason
    assert _snapshot(directory) == before
    normal = Bootstrap(
        StartOptions(directory, demo=False, opener=open_for_gui, clock=clock), interactive=False
    )
    try:
        with qtbot.waitSignal(normal.failed, timeout=20_000) as failed_normal:
            normal.start()
    finally:
        normal.close()
    assert failed_quick.args[0] == failed_normal.args[0]
    assert "does not open this profile" in failed_quick.args[0]
    assert _snapshot(directory) == before


def test_quick_read_writes_nothing_and_makes_no_temporary_file(opened, clock, tmp_path, monkeypatch):
    _fill(opened)
    directory = opened.directory
    opened.close()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setenv("SQLITE_TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = _snapshot(directory)
    read = quick_read.read_first_paint(directory, today=clock().date(), recent_matter_id="C-2001")
    assert isinstance(read, QuickRead) and read.drafts and read.recent
    after = _snapshot(directory)
    assert {k: after[k] for k in before} == before  # the database and profile.json are unchanged
    # SQLite's WAL protocol may add its index and an empty log beside the file (any reader does): no records
    assert set(after) - set(before) <= {"fieldapp.db-shm", "fieldapp.db-wal"}
    wal = directory / "fieldapp.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert list(scratch.iterdir()) == []
    for path in directory.iterdir():  # and the caseload is nowhere on disk in the clear
        assert b"Brightwater" not in path.read_bytes()


# --------------------------------------------------------------------------- lock and imports


def test_locking_the_first_paint_hides_the_data_and_the_full_window_takes_over_locked(
    qtbot, opened, clock, launch
):
    _fill(opened)
    launcher = launch(opened.directory, clock)
    launcher.start()
    first = launcher.first_paint
    assert first is not None and first.caseload_model.rowCount() == 2
    first.lock()
    assert first.caseload_model.rowCount() == 0 and first.drafts_model.rowCount() == 0
    assert first.windowTitle().endswith("locked")
    with qtbot.waitSignal(launcher.window_shown, timeout=30_000) as shown:
        pass
    window: MainWindow = shown.args[0]
    assert window.is_locked() and window.isVisible()
    qtbot.waitUntil(lambda: launcher.boot.runner.pending == 0, timeout=20_000)
    assert window.caseload_model.rowCount() == 0 and window.drafts_model.rowCount() == 0
    window.lock_screen.passphrase.setText("river-stone-42")
    window.lock_screen.unlock_button.click()
    qtbot.waitUntil(lambda: window.caseload_model.rowCount() == 2, timeout=20_000)


def test_locking_the_first_paint_while_the_full_window_loads_keeps_the_data_hidden(
    qtbot, opened, clock, launch
):
    _fill(opened)
    launcher = launch(opened.directory, clock)
    with qtbot.waitSignal(launcher.window_ready, timeout=30_000) as ready:
        launcher.start()  # the profile is open and the full window is reading the caseload
    first = launcher.first_paint
    assert first is not None
    first.lock()
    with qtbot.waitSignal(launcher.window_shown, timeout=30_000):
        pass
    window: MainWindow = ready.args[0]
    assert window.is_locked() and window.isVisible()
    assert window.caseload_model.rowCount() == 0 and window.drafts_model.rowCount() == 0
    assert window.windowTitle().endswith("locked")


def test_the_first_paint_imports_no_sqlalchemy_pydantic_alembic_or_full_window(opened, clock, tmp_path):
    """What `fieldapp run` loads before the first paint is on screen (checked in a fresh interpreter)."""
    script = f"""
import sys
from datetime import datetime
from fieldapp.commands.run import start_first_paint
def clock():
    return datetime.fromisoformat({clock().isoformat()!r})
start = start_first_paint({str(opened.directory)!r}, clock, fork=False)
from fieldapp.gui.launcher import Launcher, StartOptions, make_application
app = make_application()
launcher = Launcher(StartOptions(None, False, None, clock=clock, first_paint=start))
window = launcher.show_first_paint()
assert window is not None, launcher.skip_reason
window.complete_menus()
heavy = ("sqlalchemy", "pydantic", "alembic", "fieldapp.gui.main_window", "fieldapp.gui.wizard",
         "fieldapp.domain.records", "fieldapp.store.profile", "fieldapp.gui.app")
print(sorted(m for m in sys.modules if m.startswith(heavy)))
"""
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_plain_role_numbers_are_qts():
    """The first paint names Qt's item roles by number (so PySide6 need not build its `Qt` enums first)."""
    from fieldapp.gui import first_paint, models

    assert first_paint.MATTER_ID_ROLE == models.MATTER_ID_ROLE == Qt.ItemDataRole.UserRole + 1
    assert Qt.ItemDataRole.UserRole + 2 == first_paint.PERSON_ID_ROLE
    assert Qt.ItemDataRole.UserRole + 3 == first_paint.CONTACT_ID_ROLE
    assert Qt.ItemDataRole.AccessibleTextRole == first_paint.ACCESSIBLE_TEXT_ROLE
    assert Qt.ItemDataRole.ForegroundRole == first_paint.FOREGROUND_ROLE


def test_fieldapp_run_paints_the_caseload_first_then_hands_over_to_the_full_window(opened, tmp_path):
    """The real entry point, in a fresh process (the bench's hook): first paint, then the full window with
    New contact enabled, and no stall of the event loop anywhere near a second meanwhile."""
    directory = opened.directory
    opened.close()
    events = tmp_path / "events.txt"
    hook = tmp_path / "hook.json"
    hook.write_text(json.dumps({"scenario": "report_ready", "events": str(events)}), encoding="utf-8")
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        QT_QPA_PLATFORM="offscreen",
        FIELDAPP_TESTING="1",
        FIELDAPP_TEST_HOOK=str(hook),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "fieldapp", "run", "--profile", str(directory)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in events.read_text(encoding="utf-8").splitlines())
    assert "skipped" not in lines, lines.get("skipped")
    assert float(lines["painted"]) < float(lines["menus"]) <= float(lines["ready"])
    # reported one turn after the show, like the bench's bare start, and painted by then
    assert lines["first_paint_painted"] == "1"
    # the collector is off for the start only (fieldapp.commands.run.open_app), and on again after it
    assert lines["gc_paused_at_paint"] == "1"
    assert lines["gc_enabled_when_ready"] == "1"
    assert lines["new_contact"] == "1"
    assert float(lines["stall_ms"]) < 1000


def test_the_style_sheet_set_after_the_form_is_built_gives_the_same_pixels(tmp_path):
    """`fieldapp run` builds the first paint's window before the app's style sheet is set (it is set just
    before the show, fieldapp.gui.launcher.style_application: ~6 ms less). A window styled that way looks
    exactly like one built under the style sheet, and not like an unstyled one."""
    lines = subprocess.run(
        [
            sys.executable,
            "-c",
            f"""
from PySide6.QtCore import QSettings
from fieldapp.app.first_paint_view import ContactLine, FirstPaintView, MatterLine, PersonLine
from fieldapp.gui.first_paint import FirstPaintWindow
from fieldapp.gui.launcher import make_application, style_application
app = make_application(styled=False)
settings = QSettings({str(tmp_path / "settings.ini")!r}, QSettings.Format.IniFormat)
view = FirstPaintView(
    "Ana Brightfield", "2 contacts waiting to sync", "Last sync: never",
    (MatterLine("R-1", "Referral R-1 — Ortiz", (PersonLine("P-1", "Maria Ortiz — child"),)),),
    (MatterLine("C-1", "Case C-1 — Lee", ()),),
    (ContactLine(("Referral R-1", "Child", "Maria Ortiz", "09:10", "0:40"), True),),
    "R-1",
    (ContactLine(("Jun 2", "Child", "Maria Ortiz", "In-Person", "Completed", "final"), False),),
)
def window():
    made = FirstPaintWindow(settings)
    made.show_view(view)
    made.resize(1366, 768)
    return made
def picture(made):
    return made.grab().toImage()
unstyled = picture(window())
late = window()  # built unstyled, styled afterwards: as fieldapp run does
style_application(app)
print("late equals early", picture(late) == picture(window()))
print("styled differs from unstyled", picture(late) != unstyled)
""",
        ],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.splitlines()
    assert lines == ["late equals early True", "styled differs from unstyled True"]


def test_a_launcher_not_started_by_fieldapp_run_leaves_the_garbage_collector_alone(opened, clock, launch):
    """Only `fieldapp run` pauses the collector for its start; any other start (tests, the screenshot
    script) neither switches it nor freezes objects."""
    frozen = gc.get_freeze_count()
    launcher = launch(opened.directory, clock)
    launcher.start()
    launcher.close()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_the_test_hook_reads_its_json_file_without_importing_json_when_it_can():
    """The bench's hook file is read as a Python literal (no json import in the timed process); JSON's own
    literals still work."""
    from fieldapp.gui import testhook

    spec = {"scenario": "report_ready", "events": "/tmp/events — ü.txt"}
    assert testhook._read_spec(json.dumps(spec)) == spec
    assert testhook._read_spec('{"a": true, "b": null}') == {"a": True, "b": None}
    with pytest.raises(ValueError, match="JSON object"):
        testhook._read_spec('["not", "an", "object"]')
