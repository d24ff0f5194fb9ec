"""Lock: on demand and after the idle period the window hides every piece of case data; the open draft is
saved first and is back, with what was typed, after unlocking with the worker's passphrase."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.domain.records import ContactKind
from fieldapp.gui.main_window import MainWindow
from tests.factories import valid_contact
from tests.gui.conftest import UNLOCK

SECRET_WORDS = ("Brightwater", "Maya", "Quillfeather", "Ana Brightfield")


def _visible_text(window: MainWindow) -> str:
    """Everything a person (or a screen reader) could read in the window and its open top-level windows."""
    parts: list[str] = [window.windowTitle()]
    for w in QApplication.topLevelWidgets():
        if not w.isVisible():
            continue
        parts.append(w.windowTitle())
        for child in w.findChildren(QWidget):
            if not child.isVisibleTo(w):
                continue
            for attr in ("text", "toPlainText", "currentText", "title"):
                getter = getattr(child, attr, None)
                if callable(getter):
                    with contextlib.suppress(TypeError):
                        parts.append(str(getter()))
            model = getattr(child, "model", None)
            if callable(model) and model() is not None:
                m = model()
                root = QModelIndex()
                for r in range(m.rowCount(root)):
                    try:
                        columns = m.columnCount(root)
                    except TypeError:  # list models (combo boxes, completers) have one column
                        columns = 1
                    for c in range(columns):
                        parts.append(str(m.index(r, c, root).data() or ""))
    return "\n".join(parts)


def _open_draft_with_narrative(qtbot, window: MainWindow, opened, text: str):
    service = opened.service
    template = valid_contact(ContactKind.CHILD_REFERRAL, narrative="")
    stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    body = template.model_copy(
        update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at}
    )
    stored = service.interim_save(body)
    wizard = window.open_editor(stored)
    assert wizard is not None
    qtbot.waitExposed(wizard)
    wizard.go_to_field("narrative")
    editor = wizard.findChild(QWidget, "narrative")
    assert editor is not None and editor.isVisible()
    editor.setFocus()
    qtbot.keyClicks(editor, text)
    return wizard, editor, stored.contact.id


def test_lock_on_demand_hides_all_case_data_and_saves_the_draft(qtbot, window: MainWindow, opened):
    before = _visible_text(window)
    assert "Brightwater" in before
    typed = "Maya showed me her room"
    wizard, _editor, contact_id = _open_draft_with_narrative(qtbot, window, opened, typed)

    window.lock_action.trigger()
    assert window.is_locked()
    assert not wizard.isVisible()
    shown = _visible_text(window)
    for word in SECRET_WORDS:
        assert word not in shown, word
    assert "fieldapp is locked" in shown
    assert not window.new_action.isEnabled() and not window.continue_action.isEnabled()
    # the draft was saved before the data disappeared
    qtbot.waitUntil(lambda: opened.service.get(contact_id).contact.narrative == typed, timeout=10_000)


def test_wrong_passphrase_keeps_it_locked_right_one_restores_the_draft(qtbot, window: MainWindow, opened):
    typed = "Leo was at school"
    wizard, editor, _contact_id = _open_draft_with_narrative(qtbot, window, opened, typed)
    window.lock()
    screen = window.lock_screen
    qtbot.keyClicks(screen.passphrase, "not the passphrase")
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not right" in screen.error.text(), timeout=10_000)
    assert window.is_locked()

    screen.passphrase.clear()
    qtbot.keyClicks(screen.passphrase, UNLOCK)
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    assert not window.is_locked()
    assert wizard.isVisible()
    assert editor.toPlainText() == typed
    assert "Brightwater" in _visible_text(window)
    assert screen.passphrase.text() == ""  # the passphrase does not linger in the widget


def test_idle_period_locks_the_window(qtbot, opened, make_window):
    QSettings().setValue("lock/idle_minutes", 0.005)  # 300 ms
    window = make_window()
    window.show()
    window.start()  # (the caseload may or may not have arrived when the lock comes: both must hold)
    qtbot.waitUntil(window.is_locked, timeout=5_000)
    assert window.caseload_model.rowCount() == 0
    assert window.stack.currentWidget() is window.lock_screen


def test_idle_default_comes_from_the_agency_code_tables(window: MainWindow):
    minutes = window.env.tables.agency.idle_lock_minutes
    assert minutes == 15
    assert window.idle.interval_ms == minutes * 60_000


def test_activity_postpones_the_idle_lock(qtbot, opened, make_window):
    QSettings().setValue("lock/idle_minutes", 0.01)  # 600 ms
    window = make_window()
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    for _ in range(6):  # 6 x 200 ms of typing keeps it open past the 600 ms limit
        qtbot.wait(200)
        qtbot.keyClick(window.caseload_view, Qt.Key.Key_Down)
    assert not window.is_locked()
    qtbot.waitUntil(window.is_locked, timeout=5_000)


def test_data_arriving_after_lock_is_not_shown(qtbot, window: MainWindow):
    window.refresh()  # queued read; its result lands after the lock below
    window.lock()
    qtbot.waitUntil(lambda: window.env.runner.pending == 0, timeout=10_000)
    assert window.caseload_model.rowCount() == 0
    assert window.drafts_model.rowCount() == 0
