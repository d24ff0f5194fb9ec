"""Issue 16, the main window's half: driven through the keyboard as a worker would.

One deadline worded the same in Today's drafts and Still due (item 3); Ctrl+L and the idle lock from any
dialog (item 4); finalizing confirmed and the record state explained (item 8); a person chosen in the
caseload preselects the kind (item 13); F5 with no office server offers enrolling (item 16); unique
mnemonics, empty tables in words, the still-due list by urgency (item 17).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QMenuBar,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from fieldapp.app.due import due_list
from fieldapp.domain.records import ContactKind
from fieldapp.gui.main_window import MainWindow
from tests.factories import valid_contact

CTRL = Qt.KeyboardModifier.ControlModifier


def _when_modal(name: str, act: Callable[[QWidget], None], tries: int = 200) -> None:
    """Act on the modal dialog `name` once it runs its own event loop (exec), polling from that loop."""

    def poll(left: int = tries) -> None:
        found = [w for w in QApplication.topLevelWidgets() if w.objectName() == name and w.isVisible()]
        if found:
            act(found[0])
        elif left > 0:
            QTimer.singleShot(25, lambda: poll(left - 1))

    QTimer.singleShot(0, poll)


def _press_in_window(widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = CTRL) -> None:
    """A key pressed in the window `widget` is in, through the window system as a worker's key is."""
    widget.activateWindow()
    handle = widget.window().windowHandle()
    assert handle is not None
    QTest.keyClick(handle, key, modifier)


def _with_compliance(make_window, opened) -> MainWindow:
    from fieldapp.domain.codetables import load_codetables

    tables = load_codetables()
    window = make_window(compliance=lambda caseload, now: due_list(opened.service, caseload, tables, now))
    window.resize(1366, 768)
    window.show()
    return window


# ------------------------------------------------------------------ item 3: one deadline, one wording


def test_todays_drafts_and_still_due_word_a_drafts_deadline_the_same(qtbot, make_window, opened):
    service = opened.service
    draft = service.start_contact("R-1001", ContactKind.CHILD_REFERRAL, ("p-maya", "p-leo"))
    service.interim_save(draft.contact.model_copy(update={"participant_ids": ("p-maya",)}))
    window = _with_compliance(make_window, opened)
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    qtbot.waitUntil(lambda: window.due_model.rowCount() > 0, timeout=15_000)
    model = window.drafts_model
    column = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    in_drafts = model.index(0, column.index("Finalize by")).data()
    assert in_drafts == "finalize it today (8 h 00 min left)"
    due_rows = [window.due_model.index(r, 2).data() for r in range(window.due_model.rowCount())]
    assert any(in_drafts in row for row in due_rows), due_rows
    assert not any(" left" in row and in_drafts not in row for row in due_rows if "draft" in row)


# ------------------------------------------------------------------ item 4: the lock from every dialog


def test_ctrl_l_in_the_on_behalf_and_kind_dialogs_locks(qtbot, window: MainWindow):
    window.caseload_view.setFocus()
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("R-1001"))
    seen: list[str] = []

    def on_behalf(dialog: QWidget) -> None:
        seen.append(dialog.objectName())
        _when_modal("kindDialog", kind)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    def kind(dialog: QWidget) -> None:
        seen.append(dialog.objectName())
        qtbot.waitUntil(dialog.isActiveWindow)
        _press_in_window(dialog, Qt.Key.Key_L)
        QTimer.singleShot(3_000, dialog.reject)  # had the lock not closed it, fail rather than hang

    _when_modal("onBehalfDialog", on_behalf)
    qtbot.keyClick(window.caseload_view, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(window.is_locked, timeout=5_000)
    assert seen == ["onBehalfDialog", "kindDialog"]
    assert not [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QWidget) and w.isVisible() and w.objectName() in ("onBehalfDialog", "kindDialog")
    ]
    assert window.editors == []  # locking cancelled the start: no wizard opens over the lock screen


def test_ctrl_l_in_the_enroll_dialog_and_a_message_box_locks(qtbot, make_window):
    window = make_window(enroll=lambda url, code: None)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    window.enroll_action.trigger()
    dialog = window.enroll_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.url.setFocus()
    qtbot.waitUntil(dialog.isActiveWindow)
    _press_in_window(dialog.url, Qt.Key.Key_L)
    qtbot.waitUntil(window.is_locked, timeout=2_000)
    assert not dialog.isVisible() and dialog.url.text() == ""
    window.unlock()

    def press_in_box(box: QWidget) -> None:
        qtbot.waitUntil(box.isActiveWindow)
        _press_in_window(box, Qt.Key.Key_L)

    _when_modal("warningBox", press_in_box)
    box = QMessageBox(QMessageBox.Icon.Warning, "fieldapp", "Something to read", parent=window)
    box.setObjectName("warningBox")
    box.exec()  # returns once the lock has closed it
    assert window.is_locked()


def test_ctrl_l_in_a_dialog_with_no_parent_locks_and_closes_it(qtbot, window: MainWindow):
    """A dialog the window does not own (a print preview, a file chooser) is closed by the lock too."""
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    dialog = QDialog()
    qtbot.addWidget(dialog)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    dialog.show()
    field.setFocus()
    qtbot.waitUntil(dialog.isActiveWindow)
    _press_in_window(field, Qt.Key.Key_L)
    qtbot.waitUntil(window.is_locked, timeout=2_000)
    assert not dialog.isVisible() and field.text() == ""


def test_idle_lock_closes_a_modal_start_dialog(qtbot, opened, make_window):
    QSettings().setValue("lock/idle_minutes", 0.02)  # 1.2 s
    window = make_window()
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("R-1001"))
    _when_modal("onBehalfDialog", lambda _d: None)
    window.new_contact()  # returns once the idle lock has closed the on-behalf dialog
    assert window.is_locked()
    assert window.editors == []


# ------------------------------------------------------------------ item 8: finalizing confirmed, states


def test_finalizing_is_confirmed_and_the_contact_selected(qtbot, window: MainWindow, opened):
    from fieldapp.app.wizard_flow import Step

    service = opened.service
    template = valid_contact(ContactKind.CHILD_REFERRAL, narrative="Maya showed me her room.")
    stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    stored = service.interim_save(
        template.model_copy(update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at})
    )
    wizard = window.open_editor(stored)
    assert wizard is not None
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    for _ in range(10):  # Ctrl+Enter: Next, page by page; on the review page it asks to finalize
        if getattr(wizard, "confirm_box", None) is not None:
            break
        _press_in_window(wizard, Qt.Key.Key_Return)
    box = wizard.confirm_box
    assert box is not None and wizard.currentId() == Step.REVIEW
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is box)
    qtbot.waitUntil(box.isActiveWindow)
    _press_in_window(box, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)  # the default: Finalize
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Final:"), timeout=10_000)
    assert (
        window.statusBar()
        .currentMessage()
        .startswith("Final: saved and queued to sync – Child contact (referral) in Brightwater.")
    )

    def selected_state() -> str:
        index = window.recent_view.currentIndex()
        if not index.isValid():
            return ""
        return str(window.recent_model.index(index.row(), window.recent_model.columnCount() - 1).data())

    qtbot.waitUntil(lambda: selected_state() == "final", timeout=10_000)
    selected = window.recent_model.contact_at(window.recent_view.currentIndex().row())
    assert selected is not None and selected.contact.id == stored.contact.id


def test_record_state_is_explained_apart_from_the_contact_status(qtbot, window: MainWindow, opened):
    service = opened.service
    template = valid_contact(ContactKind.CHILD_REFERRAL)
    stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    service.finalize(template.model_copy(update={"id": stored.contact.id}))
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.refresh()
    qtbot.waitUntil(lambda: window.recent_model.rowCount() >= 1, timeout=10_000)
    model = window.recent_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "Contact status" in headers and "Record state" in headers and "State" not in headers
    column = headers.index("Record state")
    header_tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    for state in ("Draft:", "Final:", "Synced:", "Approved:"):
        assert state in header_tip
    row = next(r for r in range(model.rowCount()) if model.index(r, column).data() == "final")
    assert (
        model.index(row, column)
        .data(Qt.ItemDataRole.ToolTipRole)
        .startswith("Final: checked and kept as it is; goes to the office at the next sync.")
    )
    legend = window.recent_panel.findChild(QLabel, "recentLegend")
    assert legend is not None and legend.isVisible() and legend.text().startswith("Record state: draft")


# ------------------------------------------------------------------ item 13: kind from the chosen person


def test_new_contact_from_a_parent_in_the_caseload_preselects_the_parents_kind(qtbot, window: MainWindow):
    window.caseload_view.setFocus()
    view, model = window.caseload_view, window.caseload_model
    matter = model.itemFromIndex(model.index_of_matter("R-1001"))
    dana = next(
        matter.child(r).index()
        for r in range(matter.rowCount())
        if matter.child(r).text().startswith("Dana ")
    )
    view.setCurrentIndex(dana.siblingAtRow(0).parent())  # the referral, then down to Dana with the keys
    while view.currentIndex() != dana:
        qtbot.keyClick(view, Qt.Key.Key_Down)
    seen: dict[str, object] = {}

    def on_behalf(dialog: QWidget) -> None:
        _when_modal("kindDialog", kind)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    def kind(dialog: QWidget) -> None:
        checked = [r.objectName() for r in dialog.radios.values() if r.isChecked()]  # type: ignore[attr-defined]
        seen["checked"] = checked
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    _when_modal("onBehalfDialog", on_behalf)
    qtbot.keyClick(view, Qt.Key.Key_N, CTRL)
    assert seen["checked"] == ["kind_PARENT_REFERRAL"]


# ------------------------------------------------------------------ item 16: F5 with no office server


def test_f5_with_no_office_server_says_so_and_offers_enrolling(qtbot, make_window):
    window = make_window(enroll=lambda url, code: None)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    window.caseload_view.setFocus()
    qtbot.keyClick(window.caseload_view, Qt.Key.Key_F5)
    box = window.no_server_box
    qtbot.waitUntil(box.isVisible)
    assert box.text().startswith("No office server is set up for this laptop yet")
    qtbot.waitUntil(box.isActiveWindow)
    _press_in_window(box, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # Enroll this laptop…
    qtbot.waitUntil(lambda: getattr(window, "enroll_dialog", None) is not None)
    qtbot.waitUntil(window.enroll_dialog.isVisible)
    assert not box.isVisible()
    window.enroll_dialog.reject()


# ------------------------------------------------------------------ item 17: words and keys


def _mnemonic(text: str) -> str | None:
    found = re.search(r"(?<!&)&([^&\s])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """(letter, text) for every mnemonic one window offers at once: menu titles, buttons, labels, tabs."""
    found: list[tuple[str, str]] = []
    texts: list[str] = []
    for bar in window.findChildren(QMenuBar):
        texts += [a.text() for a in bar.actions()]
    for button in window.findChildren(QAbstractButton):
        if button.window() is window:
            texts.append(button.text())
    for label in window.findChildren(QLabel):
        if label.window() is window and label.buddy() is not None:
            texts.append(label.text())
    for box in window.findChildren(QGroupBox):
        if box.window() is window:
            texts.append(box.title())
    for tabs in window.findChildren(QTabWidget):
        if tabs.window() is window:
            texts += [tabs.tabText(i) for i in range(tabs.count())]
    for text in texts:
        letter = _mnemonic(text)
        if letter:
            found.append((letter, text.replace("&", "")))
    return found


def _assert_unique(window: QWidget) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for letter, text in _mnemonics(window):
        if letter in seen:
            clashes.append(f"Alt+{letter.upper()}: {seen[letter]!r} and {text!r}")
        seen[letter] = text
    assert not clashes, f"{window.objectName()}: {clashes}"


def test_mnemonics_are_unique_in_the_main_window_and_each_dialog(qtbot, make_window, opened):
    from fieldapp.domain.codetables import load_codetables
    from fieldapp.gui.dialogs import EnrollDialog, PassphraseDialog, UnlockSetupDialog
    from fieldapp.gui.panels.contacts import DraftOfferDialog
    from fieldapp.gui.printing import PrintSheetDialog
    from fieldapp.gui.wizard.start import KindDialog, OnBehalfDialog

    window = make_window(enroll=lambda url, code: None)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    _assert_unique(window)
    for menu in (window.file_menu, window.contact_menu, window.sync_menu):
        letters = [_mnemonic(a.text()) for a in menu.actions() if not a.isSeparator()]
        assert len(letters) == len(set(letters)), [a.text() for a in menu.actions()]
    matter = window.caseload.matter("C-2001")
    tables = load_codetables()
    draft = opened.service.start_contact("R-1001", ContactKind.CHILD_REFERRAL, ("p-maya",))
    dialogs = [
        OnBehalfDialog(matter, parent=window),
        KindDialog(tables, matter, window),
        EnrollDialog(window, keyring_problem=""),
        PassphraseDialog(new_profile=False, parent=window),
        PassphraseDialog(new_profile=True, parent=window),
        UnlockSetupDialog(window),
        DraftOfferDialog([draft], window.caseload, tables, window.env.now(), window),
        PrintSheetDialog(window, "Print contact sheet", "Brightwater", None),
        window.offer_enrolling(),
    ]
    for dialog in dialogs:
        dialog.show()
        _assert_unique(dialog)
        # the whole title with the " — fieldapp" Qt adds, in a bold title-bar font, plus the WM's buttons
        title = dialog.windowTitle()
        shown = title if "fieldapp" in title else f"{title} — fieldapp"
        bold = QFont(dialog.font())
        bold.setBold(True)
        assert dialog.width() >= QFontMetrics(bold).horizontalAdvance(shown) + 150, title
        dialog.reject()


def test_empty_tables_say_so_in_words(qtbot, window: MainWindow):
    assert window.drafts_model.rowCount() == 0
    empty = window.drafts_panel.empty
    assert empty.isVisible() and empty.text() == "No drafts open today: nothing here yet."
    window.tabs.setCurrentIndex(window.tabs.indexOf(window.refused_tab))
    assert window.refused_panel.label.text() == "The office server has refused no contact: nothing here yet."
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("C-2004"))
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.recent_panel.empty.isVisible(), timeout=10_000)
    assert window.recent_panel.empty.text() == "No contacts recorded in this referral or case yet."


def test_the_window_title_names_the_app_once(window: MainWindow):
    assert window.windowTitle().count("fieldapp") == 1
    assert QApplication.applicationDisplayName() not in window.windowTitle().replace("fieldapp", "", 1)


def test_still_due_is_sorted_by_urgency(qtbot, make_window, opened, clock):
    service = opened.service
    draft = service.start_contact("R-1001", ContactKind.CHILD_REFERRAL, ("p-maya",))
    service.interim_save(draft.contact.model_copy(update={"participant_ids": ("p-maya",)}))
    window = _with_compliance(make_window, opened)
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    qtbot.waitUntil(lambda: window.due_model.rowCount() > 1, timeout=15_000)
    rows = [window.due_model.index(r, 2).data() for r in range(window.due_model.rowCount())]
    assert "draft" in rows[0]  # today's draft is lost tonight: the most urgent thing comes first
    days = [int(m.group(1)) for row in rows[1:] if (m := re.search(r"(\d+) days? left", row))]
    assert days and days == sorted(days), rows


# ------------------------------------------------------------------ the still-due list follows the caseload


def test_the_still_due_list_starts_once_the_caseload_is_drawn(qtbot, make_window, opened):
    """Worked out on the op runner, the still-due list would hold the interpreter while the GUI thread
    draws the caseload just unlocked: it starts on the turn after the caseload's first paint."""
    from fieldapp.domain.codetables import load_codetables

    tables = load_codetables()
    asked: list[bool] = []

    def still_due(caseload, now):  # type: ignore[no-untyped-def]
        asked.append(window.caseload_view.viewport().isVisible())
        return due_list(opened.service, caseload, tables, now)

    window = make_window(compliance=still_due)
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()  # the caseload is read, but the window is not on screen yet
    qtbot.wait(200)
    assert asked == [] and "Working out" in window.due_label.text()
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: window.due_model.rowCount() > 0, timeout=15_000)
    assert asked == [True]
