"""Small in-memory stand-ins used only where a test needs a failure the real profile cannot produce on demand
(a sync client that stalls, a service call that raises). Main-window tests run on a real profile."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime


@dataclass
class FakeSyncStatus:
    online: bool = False
    last_sync_at: datetime | None = None


class StallingSyncClient:
    """Reports progress, then waits until cancelled (to test the progress bar and Cancel)."""

    def __init__(self, total: int = 5) -> None:
        self.total = total
        self.started = threading.Event()
        self.calls = 0
        self._status = FakeSyncStatus(online=True)

    def status(self) -> FakeSyncStatus:
        return self._status

    def sync(self, progress, cancel: threading.Event):  # type: ignore[no-untyped-def]
        self.calls += 1
        progress(2, self.total, "Sending contacts: 2 of 5")
        self.started.set()
        if not cancel.wait(10):
            raise TimeoutError("test sync was never cancelled")
        from fieldapp.gui.ops import OpCancelled

        raise OpCancelled()
