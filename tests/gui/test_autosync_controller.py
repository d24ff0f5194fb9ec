"""How the window decides to sync by itself, with a sync client that stalls on demand (no server needed):
probes never run on the op runner, an automatic sync is given up when the server goes away (so interim saves
are not held back), the worker's own Sync now is not, and a refused device token stops automatic tries."""

from __future__ import annotations

import threading
import time

from fieldapp.domain.records import ContactKind
from fieldapp.gui.main_window import MainWindow
from fieldapp.gui.ops import Op
from fieldapp.gui.sync_status import ReachabilityMonitor
from fieldapp.sync.client import SyncReport
from tests.factories import valid_contact
from tests.gui.fakes import StallingSyncClient

PROBE_SECONDS = 0.1


class ProbedClient(StallingSyncClient):
    """A stalling client whose server is reachable while `up` is set; records the threads probing it."""

    def __init__(self, total: int = 3) -> None:
        super().__init__(total)
        self.up = threading.Event()
        self.probe_threads: set[str] = set()
        self.syncs = 0

    def reachable(self) -> bool:
        self.probe_threads.add(threading.current_thread().name)
        return self.up.is_set()

    def sync(self, progress, cancel):  # type: ignore[no-untyped-def]
        self.syncs += 1
        return super().sync(progress, cancel)


def _open(qtbot, make_window, client: ProbedClient, opened=None) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window on the real profile with `client` as its sync side; with `opened`, one final contact
    waits in the outbox first."""
    window = make_window(sync_probe_seconds=PROBE_SECONDS)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=10_000):
        window.start()
    if opened is not None:
        _on_runner(qtbot, window, lambda: _finalize(opened.service))
        with qtbot.waitSignal(window.loaded, timeout=10_000):
            window.refresh()
        assert window.pending_label.text() == "1 contact waiting to sync"
    window.env.sync_client, window.env.sync_status = client, client.status
    window._start_auto_sync()
    window._update_actions()  # as the window does once its sync side is connected
    return window


def _finalize(service) -> str:  # type: ignore[no-untyped-def]
    template = valid_contact(ContactKind.CHILD_REFERRAL)
    stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    body = template.model_copy(
        update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at}
    )
    return str(service.finalize(body).contact.id)


def _on_runner(qtbot, window: MainWindow, fn):  # type: ignore[no-untyped-def]
    results: list[object] = []
    Op(window.env.runner, fn, label="test").success(results.append).run()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    return results[0]


def test_probes_run_off_the_gui_thread_and_the_op_runner(qtbot, make_window):
    client = ProbedClient()
    window = _open(qtbot, make_window, client)
    qtbot.waitUntil(lambda: window.connection_label.text() == "Offline", timeout=10_000)
    assert client.probe_threads == {"fieldapp-probe"}
    assert client.syncs == 0  # unreachable: nothing tried, nothing queued on the op runner
    assert not window.sync_running()


def test_becoming_reachable_starts_a_sync_with_progress_and_cancel(qtbot, make_window):
    client = ProbedClient(total=4)
    window = _open(qtbot, make_window, client)
    qtbot.waitUntil(lambda: window.connection_label.text() == "Offline", timeout=10_000)
    client.up.set()
    qtbot.waitUntil(client.started.is_set, timeout=10_000)
    assert window.connection_label.text() == "Online"
    qtbot.waitUntil(lambda: window.sync_progress.text() == "2 of 4", timeout=10_000)
    assert window.sync_progress.isVisible() and window.cancel_sync_button.isVisible()
    assert window.is_automatic_sync()
    window.cancel_sync_button.click()
    qtbot.waitUntil(lambda: not window.sync_running(), timeout=10_000)
    assert "cancelled" in window.statusBar().currentMessage()


def test_server_gone_cancels_an_automatic_sync_so_interim_saves_are_not_held_back(qtbot, make_window, opened):
    client = ProbedClient()
    window = _open(qtbot, make_window, client)
    client.up.set()
    qtbot.waitUntil(client.started.is_set, timeout=10_000)
    service = opened.service
    saved: list[object] = []
    queued_at = time.monotonic()
    Op(
        window.env.runner, lambda: service.start_contact("R-1001", ContactKind.CHILD_REFERRAL, ("p-maya",))
    ).success(saved.append).run()  # an interim save queued behind the stalled sync
    client.up.clear()  # the server goes away mid-sync
    qtbot.waitUntil(lambda: bool(saved), timeout=15_000)
    assert time.monotonic() - queued_at < 10  # a few probes, not the client's minute of retries
    assert window.connection_label.text() == "Offline"
    assert not window.sync_running()


def test_the_workers_own_sync_now_is_not_cancelled_by_a_probe(qtbot, make_window):
    client = ProbedClient()
    window = _open(qtbot, make_window, client)
    qtbot.waitUntil(lambda: window.connection_label.text() == "Offline", timeout=10_000)
    window.sync_action.trigger()
    qtbot.waitUntil(client.started.is_set, timeout=10_000)
    qtbot.wait(int(PROBE_SECONDS * 1000 * 5))  # several offline probes
    assert window.sync_running() and not window.is_automatic_sync()
    client.release.set()
    qtbot.waitUntil(lambda: not window.sync_running(), timeout=10_000)
    assert window.statusBar().currentMessage().startswith("Sync finished: 2 sent")


def test_a_refused_token_stops_automatic_tries(qtbot, make_window, opened):
    class Revoked(ProbedClient):
        def sync(self, progress, cancel):  # type: ignore[no-untyped-def]
            self.syncs += 1
            return SyncReport(
                cancelled=False,
                error="This laptop's enrollment was refused.",
                needs_enrollment=True,
                unreachable=False,
            )

    client = Revoked()
    client.up.set()
    window = _open(qtbot, make_window, client, opened)  # a contact waits: still no retry against the limit
    qtbot.waitUntil(lambda: client.syncs == 1, timeout=10_000)
    qtbot.wait(int(PROBE_SECONDS * 1000 * 15))  # longer than the error pause
    assert client.syncs == 1
    assert window.pending_label.text() == "1 contact waiting to sync"
    assert "enrollment was refused" in window.statusBar().currentMessage()


def test_monitor_survives_a_failing_probe_and_wakes_on_a_network_change(qtbot):
    calls: list[float] = []

    def probe() -> bool:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError("no route")
        return True

    monitor = ReachabilityMonitor(probe, interval=3600)
    results: list[bool] = []
    monitor.probed.connect(results.append)
    monitor.start()
    try:
        qtbot.waitUntil(lambda: results == [False], timeout=5_000)
        monitor._network_changed()  # what QNetworkInformation.reachabilityChanged calls
        qtbot.waitUntil(lambda: results == [False, True], timeout=5_000)
    finally:
        monitor.stop()
    assert monitor._thread is None


def test_a_failing_server_is_not_retried_at_every_probe(qtbot, make_window, opened):
    """The server answers its health request but every sync fails (5xx): one automatic try, then a pause of
    several probe intervals, so the database thread is not tied up by back-to-back retry budgets."""

    class Failing(ProbedClient):
        def sync(self, progress, cancel):  # type: ignore[no-untyped-def]
            self.syncs += 1
            return SyncReport(
                cancelled=False,
                error="Gave up after 8 attempts: server error 503.",
                needs_enrollment=False,
                unreachable=False,
            )

    client = Failing()
    client.up.set()
    window = _open(qtbot, make_window, client, opened)
    qtbot.waitUntil(lambda: client.syncs == 1, timeout=10_000)
    qtbot.wait(int(PROBE_SECONDS * 1000 * 5))
    assert client.syncs == 1
    assert window.statusBar().currentMessage().startswith("Sync stopped: Gave up after 8 attempts")
    assert window.pending_label.text() == "1 contact waiting to sync"
    qtbot.waitUntil(lambda: client.syncs == 2, timeout=5_000)  # after the pause (10 probe intervals)
