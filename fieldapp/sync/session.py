"""One object for the main window: the laptop's enrollment, the sync client and the auto-sync loop together.

    session = SyncSession.open(service.profile.sync_store(), on_status=..., on_progress=..., on_report=...)
    if session is None: offer "Enroll this laptop"        # not enrolled yet
    else: session.start()                                 # background thread; probes and syncs by itself
    session.sync_now(); session.cancel(); session.status(); session.stop()

Callbacks arrive on the session's own thread: a Qt GUI forwards them as queued signals (never touches
widgets from them). The GUI calls `network_changed()` from QNetworkInformation's reachabilityChanged.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable

from fieldapp.sync import enrollment
from fieldapp.sync.client import SyncClient, SyncProgress, SyncReport
from fieldapp.sync.enrollment import Enrollment, TokenVault
from fieldapp.sync.reachability import AutoSync, probe
from fieldapp.sync.status import SyncStatus
from fieldapp.sync.store_port import SyncStore


def _ignore(_: object) -> None:
    return None


class SyncSession:
    def __init__(
        self,
        enrolled: Enrollment,
        store: SyncStore,
        *,
        interval: float = 30.0,
        verify: bool | ssl.SSLContext = True,
        on_status: Callable[[SyncStatus], None] = _ignore,
        on_progress: Callable[[SyncProgress], None] = _ignore,
        on_report: Callable[[SyncReport], None] = _ignore,
    ) -> None:
        self.enrollment = enrolled
        self.client = SyncClient(
            enrolled.server_url, enrolled.token, enrolled.worker_id, store, verify=verify
        )
        self.auto = AutoSync(
            self.client,
            store,
            lambda: probe(enrolled.server_url, verify=verify),
            interval=interval,
            on_status=on_status,
            on_progress=on_progress,
            on_report=on_report,
        )
        self._thread: threading.Thread | None = None

    @classmethod
    def open(
        cls,
        store: SyncStore,
        *,
        vault: TokenVault | None = None,
        profile: str = "default",
        **options: object,
    ) -> SyncSession | None:
        """The session for this laptop's enrollment, or None when it has not been enrolled."""
        enrolled = enrollment.load(vault, profile)
        if enrolled is None:
            return None
        return cls(enrolled, store, **options)  # type: ignore[arg-type]

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.auto.run, name="fieldapp-sync", daemon=True)
            self._thread.start()

    def sync_now(self) -> None:
        self.auto.sync_now()

    def network_changed(self) -> None:
        self.auto.network_changed()

    def cancel(self) -> None:
        self.auto.cancel()

    def status(self) -> SyncStatus:
        return self.auto.status()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (cancelling a running sync) and close the connection; safe to call twice."""
        self.auto.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.client.close()
