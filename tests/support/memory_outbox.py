"""An in-memory stand-in for the store's sync side (fieldapp.sync.store_port.SyncStore), for client tests
that are about the protocol and not about the encrypted store."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from fieldapp.domain.findings import Finding
from fieldapp.sync.protocol import PullResponse
from fieldapp.sync.store_port import OutboxRecord, RefusedItem


class MemoryOutbox:
    def __init__(self, records: Sequence[OutboxRecord] = ()) -> None:
        self._lock = threading.Lock()
        self.queue: dict[str, OutboxRecord] = {}
        self.synced: dict[str, OutboxRecord] = {}
        self.refused: dict[str, RefusedItem] = {}
        self.pages: list[PullResponse] = []
        self._cursor: str | None = None
        self._last_sync_at: datetime | None = None
        for record in records:
            self.add(record)

    def add(self, record: OutboxRecord) -> None:
        with self._lock:
            self.queue[record.id] = record

    def pending_outbox(self, limit: int) -> Sequence[OutboxRecord]:
        with self._lock:
            return list(self.queue.values())[:limit]

    def mark_synced(self, ids: Sequence[str]) -> None:
        with self._lock:
            for record_id in ids:
                self.synced[record_id] = self.queue.pop(record_id)

    def mark_refused(self, id: str, findings: Sequence[Finding], message: str) -> None:
        with self._lock:
            self.queue.pop(id)
            self.refused[id] = RefusedItem(id, tuple(findings), message)

    def pending_count(self) -> int:
        with self._lock:
            return len(self.queue)

    def refusals(self) -> Sequence[RefusedItem]:
        with self._lock:
            return list(self.refused.values())

    def cursor(self) -> str | None:
        return self._cursor

    def apply_pull(self, page: PullResponse) -> None:
        with self._lock:
            self.pages.append(page)
            self._cursor = page.cursor

    def last_sync_at(self) -> datetime | None:
        return self._last_sync_at

    def record_sync_success(self, at: datetime) -> None:
        self._last_sync_at = at
