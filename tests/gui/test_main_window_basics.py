"""The main window on a real encrypted demo profile: caseload, drafts, status, menus, settings."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLineEdit, QWidget

from fieldapp.domain.records import ContactKind
from fieldapp.gui.main_window import MainWindow


def _texts(view: QAbstractItemView) -> list[str]:
    model = view.model()
    out: list[str] = []

    def walk(parent) -> None:  # type: ignore[no-untyped-def]
        for r in range(model.rowCount(parent)):
            cells = [str(model.index(r, c, parent).data() or "") for c in range(model.columnCount(parent))]
            out.append(" | ".join(cells))
            walk(model.index(r, 0, parent))

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    return out


def test_caseload_shows_referrals_cases_people_and_roles(window: MainWindow):
    rows = _texts(window.caseload_view)
    assert rows[0] == "Referrals (3)"
    assert any(r.startswith("Brightwater — Referral R-1001 · ER/Investigations") for r in rows)
    assert any(r.startswith("Quillfeather — Case C-2001") for r in rows)
    assert "Maya Brightwater — child" in rows
    assert any(r.startswith("Jordan Okafor-Example — reporting party") for r in rows)
    assert window.windowTitle() == "fieldapp — Ana Brightfield"


def test_status_is_honest_without_a_sync_server(window: MainWindow):
    assert window.connection_label.text() == "Sync: not connected (no office server set up)"
    assert window.pending_label.text() == "0 contacts waiting to sync"
    assert window.last_sync_label.text() == "Last sync: never"
    assert window.sync_action.isEnabled()  # F5 says no office server is set up and offers enrolling


def test_pending_count_follows_the_outbox(qtbot, window: MainWindow, opened):
    from tests.factories import valid_contact

    service = opened.service
    for kind in (ContactKind.CHILD_REFERRAL, ContactKind.PARENT_REFERRAL):
        template = valid_contact(kind)
        stored = service.start_contact(template.context_id, kind, template.on_behalf_of_child_ids)
        body = template.model_copy(
            update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at}
        )
        service.finalize(body)
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.refresh()
    assert window.pending_label.text() == "2 contacts waiting to sync"


def test_todays_drafts_show_time_left_and_recent_contacts_show_state(
    qtbot, window: MainWindow, opened, clock
):
    service = opened.service
    draft = service.start_contact("R-1001", ContactKind.CHILD_REFERRAL, ("p-maya", "p-leo"))
    service.interim_save(draft.contact.model_copy(update={"participant_ids": ("p-maya",)}))
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.refresh()
    rows = _texts(window.drafts_view)
    assert len(rows) == 1
    assert rows[0].startswith("Brightwater | Child contact (referral) | Maya Brightwater")
    assert rows[0].endswith("finalize it today (8 h 00 min left)")  # 16:00 agency time; day ends at midnight
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("R-1001"))
    qtbot.waitUntil(lambda: window.recent_model.rowCount() == 1, timeout=10_000)
    assert _texts(window.recent_view)[0].endswith("| draft")


def test_menus_and_shortcuts(window: MainWindow):
    shortcuts = {
        a.text().replace("&", ""): a.shortcut().toString()
        for a in (window.new_action, window.continue_action, window.sync_action, window.lock_action)
    }
    assert shortcuts == {
        "New contact…": "Ctrl+N",
        "Continue draft": "Ctrl+O",
        "Sync now": "F5",
        "Lock": "Ctrl+L",
    }
    menu_titles = [a.text() for a in window.menuBar().actions()]
    assert menu_titles == ["&File", "&Contact", "S&ync"]
    assert window.new_action in window.contact_menu.actions()
    assert window.lock_action in window.file_menu.actions()


def test_every_control_has_an_accessible_name_and_inputs_have_buddies(window: MainWindow):
    interactive = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QAbstractItemView | QLineEdit)
        and w.isVisibleTo(window)
        and w.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]
    assert len(interactive) >= 5
    unnamed = [f"{type(w).__name__}:{w.objectName()}" for w in interactive if not w.accessibleName()]
    # Tab bar scroll buttons and the like are Qt-internal; everything we built must be named.
    unnamed = [u for u in unnamed if not u.endswith(":") and "qt_" not in u]
    assert unnamed == []
    from PySide6.QtWidgets import QLabel

    buddies = {label.buddy() for label in window.findChildren(QLabel) if label.buddy() is not None}
    for view in (window.caseload_view, window.drafts_view, window.recent_view):
        assert view in buddies, view.objectName()


def test_last_selection_and_geometry_survive_a_restart(qtbot, make_window):
    first = make_window()
    first.resize(760, 540)
    first.show()
    with qtbot.waitSignal(first.loaded, timeout=10_000):
        first.start()
    first.caseload_view.setCurrentIndex(first.caseload_model.index_of_matter("C-2002"))
    size = (first.width(), first.height())
    first.close()
    assert QSettings().value("caseload/last_matter") == "C-2002"
    again = make_window()
    again.show()
    with qtbot.waitSignal(again.loaded, timeout=10_000):
        again.start()
    assert again.selected_matter_id() == "C-2002"
    assert (again.width(), again.height()) == size
    assert again.matter_title.text().startswith("Marigold — Case C-2002")


def test_window_fits_small_screens(window: MainWindow):
    """1366×768 is the target; the window must also shrink below it without clipping its layout."""
    hint = window.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 600, hint
