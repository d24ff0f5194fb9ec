"""An in-memory stand-in for the store's sync side (fieldapp.sync.store_port.SyncStore, which the encrypted
store implements in fieldapp.store.sync_store), for client tests about the protocol rather than the store."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.domain.canonical import content_hash
from fieldapp.domain.findings import Finding
from fieldapp.sync.protocol import PullResponse
from fieldapp.sync.store_port import OutboxRecord


@dataclass(frozen=True)
class Entry:
    record: OutboxRecord
    content_hash: str

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True)
class Refusal:
    record_id: str
    findings: tuple[Finding, ...]
    message: str


class MemoryOutbox:
    def __init__(self, records: Sequence[OutboxRecord] = ()) -> None:
        self._lock = threading.Lock()
        self.queue: dict[str, Entry] = {}
        self.synced: dict[str, OutboxRecord] = {}
        self.refusals: dict[str, Refusal] = {}
        self.pages: list[PullResponse] = []
        self._cursor: str | None = None
        self._last_sync_at: datetime | None = None
        for record in records:
            self.add(record)

    def add(self, record: OutboxRecord) -> None:
        with self._lock:
            self.queue[record.id] = Entry(record, content_hash(record))

    def pending_outbox(self, limit: int = 100) -> list[Entry]:
        with self._lock:
            return list(self.queue.values())[:limit]

    def mark_synced(self, ids: Iterable[str]) -> None:
        with self._lock:
            for record_id in ids:
                self.synced[record_id] = self.queue.pop(record_id).record

    def mark_refused(self, record_id: str, findings: Sequence[Finding], message: str) -> None:
        with self._lock:
            self.queue.pop(record_id)
            self.refusals[record_id] = Refusal(record_id, tuple(findings), message)

    def pending_count(self) -> int:
        with self._lock:
            return len(self.queue)

    def refused(self) -> list[Refusal]:
        with self._lock:
            return list(self.refusals.values())

    def cursor(self) -> str | None:
        return self._cursor

    def apply_pull(self, response: PullResponse) -> None:
        with self._lock:
            self.pages.append(response)
            self._cursor = response.cursor

    def last_sync_at(self) -> datetime | None:
        return self._last_sync_at

    def record_sync_attempt(self) -> None:
        self._last_sync_at = datetime.now(UTC)

    def audit_chain(self, from_seq: int, limit: int) -> list[tuple[int, str]]:
        return []  # no audit chain in memory: nothing to anchor

    def audit_last_seq(self) -> int:
        return 0
