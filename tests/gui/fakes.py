"""A sync client that stalls on demand: the only stand-in in the GUI tests, used where a test needs the
network to hang mid-sync (progress bar, Cancel). Everything else runs on a real encrypted profile."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from fieldapp.domain.findings import Finding, Severity
from fieldapp.sync.client import SyncReport
from fieldapp.sync.store_port import RefusedItem


@dataclass
class FakeSyncStatus:
    online: bool | None = None
    pending: int = 0
    last_sync_at: datetime | None = None
    refusals: tuple[RefusedItem, ...] = field(default=())


class StallingSyncClient:
    """Reports 2 of `total`, then waits until cancelled (or `release` is set, then finishes)."""

    def __init__(self, total: int = 5) -> None:
        self.total = total
        self.started = threading.Event()
        self.release = threading.Event()
        self.status_now = FakeSyncStatus()

    def status(self) -> FakeSyncStatus:
        return self.status_now

    def sync(self, progress, cancel: threading.Event):  # type: ignore[no-untyped-def]
        progress(2, self.total, f"Sent 2 of {self.total}")
        self.started.set()
        while not cancel.wait(0.02):
            if self.release.is_set():
                refusal = RefusedItem(
                    "c-1",
                    (Finding("NAR-REQUIRED", Severity.BLOCK, "narrative", "A narrative is required."),),
                    "refused by the server's rule check",
                )
                self.status_now = FakeSyncStatus(online=True, pending=0, refusals=(refusal,))
                return SyncReport(accepted=self.total - 1, refused=(refusal,))
        return SyncReport(cancelled=True, accepted=2)
