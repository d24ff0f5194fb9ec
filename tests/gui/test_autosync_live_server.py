"""Auto-sync against a real office server: the window enrolls through its Enroll dialog with a one-time code,
watches the server off the GUI thread, and syncs by itself when the server becomes reachable.

A real `fieldapp-server` process on 127.0.0.1 (tests/support/server.py), the real encrypted profile, the
real sync client; the window probes every 0.3 s here instead of every 30 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.domain.records import ContactKind, ContactState
from fieldapp.gui.main_window import MainWindow
from fieldapp.gui.ops import Op
from tests.factories import valid_contact
from tests.support.server import ServerProcess

PROBE_SECONDS = 0.3


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """Started by the test (after the window), stopped and restarted by it; always closed at the end."""
    running = ServerProcess(tmp_path / "server", str(tmp_path / "server" / "server.db"), demo=True)
    (tmp_path / "server").mkdir()
    yield running
    running.close()


def _finalize_on_runner(qtbot, window: MainWindow, opened) -> str:  # type: ignore[no-untyped-def]
    """Finalize one contact the way the wizard does: on the op runner, which owns the store's connection."""
    service = opened.service

    def finalize() -> str:
        template = valid_contact(ContactKind.CHILD_REFERRAL)
        stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
        body = template.model_copy(
            update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at}
        )
        return service.finalize(body).contact.id

    return _on_runner(qtbot, window, finalize)


def _on_runner(qtbot, window: MainWindow, fn):  # type: ignore[no-untyped-def]
    """Run `fn` on the op runner (which owns the store's connection), then refresh the window as the
    wizard's finalized signal does (MainWindow.track_editor)."""
    results: list[object] = []
    Op(window.env.runner, fn, label="test").success(results.append).run()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.refresh()
    return results[0]


def _enroll_through_dialog(qtbot, window: MainWindow, server: ServerProcess) -> None:  # type: ignore[no-untyped-def]
    assert window.enroll_action.isEnabled()
    window.enroll_action.trigger()
    dialog = window.enroll_dialog
    qtbot.keyClicks(dialog.url, server.url)
    qtbot.keyClicks(dialog.code, server.issue_code("w-ana"))
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    assert dialog.url_error.text() == ""


@pytest.fixture
def live_window(qtbot, make_window) -> MainWindow:  # type: ignore[no-untyped-def]
    from fieldapp.app.launch import _connect_sync, _enroll

    window = make_window(enroll=_enroll, sync_probe_seconds=PROBE_SECONDS)
    window.env.connect_sync = lambda: _connect_sync(window.env.service)  # type: ignore[arg-type]
    window.resize(1366, 768)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    return window


def test_contact_syncs_by_itself_when_the_server_becomes_reachable(
    qtbot, live_window: MainWindow, server: ServerProcess, opened
) -> None:
    window = live_window
    assert window.connection_label.text() == "Sync: not connected (no office server set up)"

    server._launch()  # the office server comes up after the app
    _enroll_through_dialog(qtbot, window, server)
    qtbot.waitUntil(lambda: window.connection_label.text() == "Online", timeout=20_000)
    qtbot.waitUntil(lambda: window.last_sync_label.text() != "Last sync: never", timeout=30_000)
    qtbot.waitUntil(lambda: not window.sync_running(), timeout=30_000)  # the first (empty) sync is done

    server.stop()  # the worker leaves the office
    qtbot.waitUntil(lambda: window.connection_label.text() == "Offline", timeout=20_000)
    contact_id = _finalize_on_runner(qtbot, window, opened)
    assert window.pending_label.text() == "1 contact waiting to sync"

    server._launch()  # back in the office: same address, nothing pressed
    qtbot.waitUntil(lambda: window.connection_label.text() == "Online", timeout=30_000)
    qtbot.waitUntil(lambda: window.pending_label.text() == "0 contacts waiting to sync", timeout=60_000)
    assert (
        window.last_sync_label.text().startswith("Last sync: ")
        and "never" not in window.last_sync_label.text()
    )
    state = _on_runner(qtbot, window, lambda: opened.service.get(contact_id).state)
    assert state is ContactState.SYNCED  # marked synced only on the server's answer for it


def test_server_going_away_shows_offline_and_keeps_the_pending_count(
    qtbot, live_window: MainWindow, server: ServerProcess, opened
) -> None:
    window = live_window
    server._launch()
    _enroll_through_dialog(qtbot, window, server)
    qtbot.waitUntil(lambda: window.connection_label.text() == "Online", timeout=20_000)
    qtbot.waitUntil(
        lambda: not window.sync_running() and "never" not in window.last_sync_label.text(), timeout=30_000
    )
    last_sync = window.last_sync_label.text()

    server.stop(kill=True)  # the server crashes
    qtbot.waitUntil(lambda: window.connection_label.text() == "Offline", timeout=20_000)
    _finalize_on_runner(qtbot, window, opened)
    qtbot.wait(int(PROBE_SECONDS * 1000 * 5))  # several probes later
    assert window.connection_label.text() == "Offline"
    assert window.pending_label.text() == "1 contact waiting to sync"
    assert window.last_sync_label.text() == last_sync  # only a successful sync moves it
    assert not window.sync_running()
