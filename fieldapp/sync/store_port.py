"""What the sync client needs from the local store, and nothing more.

The client is written against this Protocol rather than the store's classes so that it stays free of SQL,
can be tested against an in-memory outbox, and so the store keeps the one home for outbox state (what is
pending, what was refused and why, the pull cursor). The encrypted store provides it in
`fieldapp.store.sync_store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Amendment, Contact
from fieldapp.sync.protocol import PullResponse

OutboxRecord = Contact | Amendment
"""What waits in the outbox: final contacts and supervisors' amendments, each keyed by its client-made ID."""


@dataclass(frozen=True)
class RefusedItem:
    """A record the server would not take, kept visible to the worker until it is handled."""

    id: str
    findings: tuple[Finding, ...]
    message: str
    refused_at: datetime | None = None


class SyncStore(Protocol):
    """The outbox and pull side of the local store, as the sync client sees it."""

    def pending_outbox(self, limit: int) -> Sequence[OutboxRecord]:
        """The oldest records still waiting to be pushed (neither synced nor refused), at most `limit`."""
        ...

    def mark_synced(self, ids: Sequence[str]) -> None:
        """The server holds these records (accepted now or earlier): they leave the outbox."""
        ...

    def mark_refused(self, id: str, findings: Sequence[Finding], message: str) -> None:
        """The server refused this record: it leaves the queue but stays visible with its findings."""
        ...

    def pending_count(self) -> int: ...

    def refusals(self) -> Sequence[RefusedItem]:
        """Refused records not yet handled by the worker, for the status display."""
        ...

    def cursor(self) -> str | None:
        """The server cursor of the last applied pull page, or None before the first pull."""
        ...

    def apply_pull(self, page: PullResponse) -> None:
        """Apply one pull page and remember its cursor, in one transaction (so a crash cannot skip a page)."""
        ...

    def last_sync_at(self) -> datetime | None: ...

    def record_sync_success(self, at: datetime) -> None:
        """Remember when a sync last finished completely (push drained and pull caught up)."""
        ...
