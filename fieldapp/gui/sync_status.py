"""Is the office server reachable, and should the window sync by itself? Live status for the main window.

Why it is built this way:
- Probing (a cheap `GET /v1/health`) and waiting between probes happen on a small thread of their own, never
  on the GUI thread and never on the op runner: the op runner is the one thread that owns the encrypted
  store, so a probe waiting on a dead network there would hold back every interim save behind it.
- The sync itself still runs on the op runner (it reads and writes the outbox), but the window only starts
  it once a probe has just said the server answers. While it runs, probes come more often; if one says the
  server has gone, the automatic sync is cancelled (the client stops at once, even in a retry wait), so a
  draft saved meanwhile waits seconds, not the client's full retry budget.
- Qt's QNetworkInformation, when a backend loads, only wakes the prober early (a network change is a hint,
  not an answer: "connected to Wi-Fi" says nothing about the office server). Offscreen or in CI there may be
  no backend; then periodic probing alone keeps the status honest.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from fieldapp.sync.reachability import Action, AutoSyncPolicy

log = logging.getLogger(__name__)


class ReachabilityMonitor(QObject):
    """Asks `probe()` every `interval` seconds (sooner when woken) on its own thread.

    `probed(bool)` is emitted after every probe; it is delivered queued on the GUI thread. `stop()` joins
    the thread, so nothing is left running after the window closes.
    """

    probed = Signal(bool)

    def __init__(
        self, probe: Callable[[], bool], interval: float = 30.0, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._probe = probe
        self.interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._network_info: Any = None
        self.os_backend: str | None = None
        """The QNetworkInformation backend in use, or None when only periodic probing is available."""

    def start(self) -> None:
        if self._thread is not None:
            return
        self._watch_network()
        self._thread = threading.Thread(target=self._run, name="fieldapp-probe", daemon=True)
        self._thread.start()

    def probe_now(self) -> None:
        self._wake.set()

    def set_interval(self, seconds: float) -> None:
        """Takes effect at once (the current wait is cut short)."""
        self.interval = seconds
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop probing and wait for the thread (at most one probe's timeout). Safe to call twice."""
        self._stopping.set()
        self._wake.set()
        if self._network_info is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # already disconnected or gone
                self._network_info.reachabilityChanged.disconnect(self._network_changed)
            self._network_info = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # ------------------------------------------------------------------ the probing thread

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                reachable = bool(self._probe())
            except Exception:  # a probe must never end the monitor
                log.exception("reachability probe failed")
                reachable = False
            if self._stopping.is_set():
                return
            self.probed.emit(reachable)  # queued to the GUI thread (this object lives there)
            self._wake.wait(self.interval)
            self._wake.clear()

    # ------------------------------------------------------------------ the operating system's hint

    def _watch_network(self) -> None:
        """Load a QNetworkInformation backend if the platform has one; a change wakes the prober."""
        try:
            from PySide6.QtNetwork import QNetworkInformation
        except ImportError:  # pragma: no cover - QtNetwork ships with PySide6
            return
        info = QNetworkInformation.instance()
        if info is None:
            try:
                QNetworkInformation.loadDefaultBackend()
            except Exception:  # pragma: no cover - an odd platform plugin must not stop the app
                log.warning("no network information backend")
            info = QNetworkInformation.instance()
        if info is None:
            return
        self.os_backend = info.backendName()
        info.reachabilityChanged.connect(self._network_changed)
        self._network_info = info

    def _network_changed(self, *_: object) -> None:
        self.probe_now()


class AutoSyncController(QObject):
    """Runs the Qt-free policy (fieldapp.sync.reachability.AutoSyncPolicy) for the window: the monitor's
    probes go in, and the window shows reachability and starts or cancels syncs as the policy says.

    The window provides: `show_reachability(bool)`, `pending_count()` (the last count it showed),
    `start_sync(automatic=True) -> bool`, `cancel_sync()`, `sync_running() -> bool`, `is_automatic_sync()`.
    """

    def __init__(self, window: Any, probe: Callable[[], bool], interval: float = 30.0) -> None:
        super().__init__(window)
        self.window = window
        self.policy = AutoSyncPolicy(interval)
        self.monitor = ReachabilityMonitor(probe, interval, self)
        self.monitor.probed.connect(self._probed)

    @property
    def online(self) -> bool | None:
        return self.policy.online

    def start(self) -> None:
        from PySide6.QtCore import QCoreApplication

        app = QCoreApplication.instance()
        if app is not None:  # quitting without closing the window still joins the probe thread
            app.aboutToQuit.connect(self.stop)
        self.monitor.start()

    def stop(self) -> None:
        self.monitor.stop()

    def sync_started(self) -> None:
        self.monitor.set_interval(self.policy.probe_interval(syncing=True))

    def sync_finished(self, report: Any) -> None:
        self.monitor.interval = self.policy.probe_interval(syncing=False)
        was = self.policy.online
        self.policy.sync_finished(report)
        if self.policy.online != was:
            self.window.show_reachability(bool(self.policy.online))

    def _probed(self, reachable: bool) -> None:
        window = self.window
        action = self.policy.probed(
            reachable,
            pending=window.pending_count(),
            syncing=window.sync_running(),
            automatic=window.is_automatic_sync(),
        )
        window.show_reachability(reachable)
        if action is Action.CANCEL_AUTOMATIC_SYNC:
            window.cancel_sync()  # frees the op runner; the next reachable probe starts again
        elif action is Action.START_SYNC:
            window.start_sync(automatic=True)
