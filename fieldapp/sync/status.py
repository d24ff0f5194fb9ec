"""What the main window shows about sync: online or not, how much waits, when it last worked, what was refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldapp.sync.store_port import RefusedItem, SyncStore


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot for the status bar. `online` is None until the server has been asked once."""

    online: bool | None
    pending: int
    last_sync_at: datetime | None
    refusals: tuple[RefusedItem, ...] = ()
    syncing: bool = False
    last_error: str | None = None
    enrolled: bool = True

    @property
    def label(self) -> str:
        """A one-line summary in the worker's words, e.g. "Online · 3 waiting · last sync 14:02"."""
        if not self.enrolled:
            return f"Not enrolled with the office server · {self.pending} waiting to send"
        where = {True: "Online", False: "Offline", None: "Checking server…"}[self.online]
        parts = [where, f"{self.pending} waiting to send"]
        if self.refusals:
            parts.append(f"{len(self.refusals)} refused (needs attention)")
        if self.syncing:
            parts.append("syncing…")
        if self.last_sync_at is not None:
            parts.append("last sync " + self.last_sync_at.astimezone().strftime("%Y-%m-%d %H:%M"))
        else:
            parts.append("never synced")
        return " · ".join(parts)


def snapshot(
    store: SyncStore,
    online: bool | None,
    *,
    syncing: bool = False,
    last_error: str | None = None,
    enrolled: bool = True,
) -> SyncStatus:
    """The status from the store's outbox; `enrolled=False` before the laptop has a device token (the
    status line then says so, while still counting what waits to be sent)."""
    return SyncStatus(
        online=online if enrolled else None,
        pending=store.pending_count(),
        last_sync_at=store.last_sync_at(),
        refusals=tuple(RefusedItem.of(r) for r in store.refused()),
        syncing=syncing,
        last_error=last_error,
        enrolled=enrolled,
    )
