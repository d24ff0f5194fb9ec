"""Knowing whether the office server can be reached, and syncing by itself when it can.

`probe()` is a cheap authenticated-free health request. `AutoSync` is a small loop the GUI runs on a worker
thread: it probes every `interval` seconds (sooner when woken, e.g. by Qt's QNetworkInformation reporting a
network change, which the GUI adds on top so this module stays Qt-free), syncs when the server becomes
reachable, when records are waiting, when the worker presses "Sync now", and otherwise now and then to bring
approvals down. Callbacks run on the loop's thread; the GUI forwards them as signals.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from typing import Protocol

import httpx

from fieldapp.sync.client import HEALTH_PATH, ProgressCallback, SyncProgress, SyncReport
from fieldapp.sync.status import SyncStatus, snapshot
from fieldapp.sync.store_port import SyncStore

log = logging.getLogger(__name__)


def probe(
    base_url: str,
    *,
    timeout: float = 2.0,
    verify: bool | ssl.SSLContext = True,
    transport: httpx.BaseTransport | None = None,
) -> bool:
    """True when the server answers its health request with 200 within `timeout`."""
    try:
        with httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, verify=verify, transport=transport
        ) as c:
            return c.get(HEALTH_PATH).status_code == 200
    except httpx.HTTPError:
        return False


class Syncer(Protocol):
    def sync(self, progress: ProgressCallback = ..., cancel: threading.Event | None = None) -> SyncReport: ...


def _ignore(_: object) -> None:
    return None


class AutoSync:
    """The background loop: probe, decide, sync; one sync at a time; stoppable and cancellable.

    Drive it from a worker thread: `threading.Thread(target=auto.run, daemon=True).start()`; call
    `sync_now()`, `network_changed()`, `cancel()` and `stop()` from any thread.
    """

    def __init__(
        self,
        syncer: Syncer,
        store: SyncStore,
        is_reachable: Callable[[], bool],
        *,
        interval: float = 30.0,
        pull_every: float = 300.0,
        on_status: Callable[[SyncStatus], None] = _ignore,
        on_progress: Callable[[SyncProgress], None] = _ignore,
        on_report: Callable[[SyncReport], None] = _ignore,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.syncer = syncer
        self.store = store
        self.is_reachable = is_reachable
        self.interval = interval
        self.pull_every = pull_every
        self.on_status = on_status
        self.on_progress = on_progress
        self.on_report = on_report
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._requested = threading.Event()
        self._cancel = threading.Event()
        self._online: bool | None = None
        self._last_attempt: float | None = None
        self._last_error: str | None = None
        self._revoked = False  # the server refused the token: wait for the worker, never hammer it

    # ------------------------------------------------------------------ commands (any thread)

    def sync_now(self) -> None:
        """The worker pressed Sync now: sync at the next turn even if the last probe said offline."""
        self._requested.set()
        self._wake.set()

    def network_changed(self) -> None:
        """The operating system reports a network change: probe now instead of at the next interval."""
        self._wake.set()

    def cancel(self) -> None:
        """Cancel the sync that is running (if any); the loop keeps going."""
        self._cancel.set()

    def stop(self) -> None:
        self._stop.set()
        self._cancel.set()
        self._wake.set()

    def status(self, *, syncing: bool = False) -> SyncStatus:
        return snapshot(
            self.store, self._online, syncing=syncing, last_error=self._last_error, enrolled=not self._revoked
        )

    # ------------------------------------------------------------------ the loop (worker thread)

    def run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._wake.wait(self.interval)
            self._wake.clear()

    def step(self) -> SyncReport | None:
        """One turn: probe, publish status, sync if there is a reason to. Returns the report of a sync."""
        was_online = self._online
        try:
            online = self.is_reachable()
        except Exception:  # a probe must never kill the loop
            log.exception("reachability probe failed")
            online = False
        self._online = online
        requested = self._requested.is_set()
        self.on_status(self.status())
        if not self._should_sync(online, was_online, requested):
            return None
        self._requested.clear()
        self._cancel.clear()
        self._last_attempt = self.clock()
        self.on_status(self.status(syncing=True))
        report = self.syncer.sync(self.on_progress, self._cancel)
        self._last_error = report.error
        self._revoked = report.needs_enrollment
        if report.unreachable:
            # A sync that failed on the network tells us more than the last probe did.
            self._online = False
        self.on_report(report)
        self.on_status(self.status())
        return report

    def _should_sync(self, online: bool, was_online: bool | None, requested: bool) -> bool:
        if requested:
            return True
        if self._revoked:
            # Each try would be one more failed authentication against the server's rate limit; only the
            # worker's "Sync now" (or enrolling again, which makes a new session) tries again.
            return False
        if not online:
            return False
        if not was_online:
            return True  # just became reachable
        if self.store.pending_count() > 0:
            return True
        return self._last_attempt is None or self.clock() - self._last_attempt >= self.pull_every
