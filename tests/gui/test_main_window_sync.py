"""Sync now from the main window: runs off the GUI thread with a progress bar in counts and Cancel; refused
contacts are listed with the server's findings."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex

from tests.gui.fakes import StallingSyncClient


def test_sync_now_shows_counts_and_cancel_stops_it(qtbot, make_window):
    client = StallingSyncClient(total=5)
    window = make_window(sync_client=client, sync_status=client.status)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    assert window.connection_label.text() == "Office server: not checked yet"
    assert window.sync_action.isEnabled()
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: window.sync_progress.value() == 2, timeout=10_000)
    assert window.sync_progress.isVisible() and window.sync_progress.maximum() == 5
    assert window.sync_progress.text() == "2 of 5"
    assert not window.sync_action.isEnabled()  # one sync at a time
    window.cancel_sync_button.click()
    qtbot.waitUntil(lambda: not window.sync_progress.isVisible(), timeout=10_000)
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.sync_action.isEnabled()


def test_refused_contacts_are_listed_with_findings(qtbot, make_window):
    client = StallingSyncClient(total=3)
    window = make_window(sync_client=client, sync_status=client.status)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    window.sync_now()
    qtbot.waitUntil(client.started.is_set, timeout=10_000)
    client.release.set()
    qtbot.waitUntil(lambda: window.refused_model.rowCount() == 1, timeout=10_000)
    assert window.statusBar().currentMessage() == "Sync finished: 2 sent, 1 refused (see Refused by server)."
    head = window.refused_model.index(0, 0, QModelIndex())
    assert head.data() == "Contact c-1: refused by the server's rule check"
    assert (
        window.refused_model.index(0, 0, head).data() == "NAR-REQUIRED (narrative): A narrative is required."
    )
    assert window.tabs.tabText(window.tabs.indexOf(window.refused_tab)) == "Refused &by server (1)"
    assert window.connection_label.text() == "Online"


def test_enroll_dialog_shows_the_refusal_next_to_the_field(qtbot, make_window):
    """Sync → Enroll this laptop: a plain-http address is refused next to the address field."""
    from fieldapp.app.launch import _enroll

    window = make_window(enroll=_enroll)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    assert window.enroll_action.isEnabled()
    window.enroll_action.trigger()
    dialog = window.enroll_dialog
    qtbot.keyClicks(dialog.url, "http://office.example.org")
    qtbot.keyClicks(dialog.code, "ABC-123")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.url_error.text() != "", timeout=10_000)
    assert "https://" in dialog.url_error.text()
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    assert dialog.code.echoMode() == dialog.code.EchoMode.Password
    dialog.reject()
