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
from fieldapp.sync.protocol import FrozenDraft, PullResponse

OutboxRecord = Contact | Amendment | FrozenDraft
"""What waits in the outbox: final contacts, supervisors' amendments and frozen drafts (NAR-SAMEDAY policy
exceptions for the supervisor), each keyed by its client-made ID."""


class OutboxEntry(Protocol):
    """One record waiting in the outbox, with the content hash the store computed when it was final-saved."""

    @property
    def id(self) -> str: ...

    @property
    def record(self) -> OutboxRecord: ...

    @property
    def content_hash(self) -> str: ...


class RefusalEntry(Protocol):
    """A refused record as the store keeps it."""

    @property
    def record_id(self) -> str: ...

    @property
    def findings(self) -> tuple[Finding, ...]: ...

    @property
    def message(self) -> str: ...


@dataclass(frozen=True)
class RefusedItem:
    """A record the server would not take, as the sync report and the status show it to the worker."""

    id: str
    findings: tuple[Finding, ...]
    message: str

    @classmethod
    def of(cls, entry: RefusalEntry) -> RefusedItem:
        return cls(entry.record_id, tuple(entry.findings), entry.message)


class SyncStore(Protocol):
    """The outbox and pull side of the local store, as the sync client sees it."""

    def pending_outbox(self, limit: int) -> Sequence[OutboxEntry]:
        """The oldest records still waiting to be pushed (neither synced nor refused), at most `limit`."""
        ...

    def mark_synced(self, ids: Sequence[str]) -> None:
        """The server holds these records (accepted now or earlier): they leave the outbox."""
        ...

    def mark_refused(self, record_id: str, findings: Sequence[Finding], message: str) -> None:
        """The server refused this record: it leaves the queue but stays visible with its findings."""
        ...

    def pending_count(self) -> int: ...

    def refused(self) -> Sequence[RefusalEntry]:
        """Refused records not yet handled by the worker, for the status display."""
        ...

    def cursor(self) -> str | None:
        """The server cursor of the last applied pull page, or None before the first pull."""
        ...

    def apply_pull(self, response: PullResponse) -> None:
        """Apply one pull page and remember its cursor, in one transaction (so a crash cannot skip a page)."""
        ...

    def last_sync_at(self) -> datetime | None: ...

    def record_sync_attempt(self) -> None:
        """A sync finished its round trips: what "last sync" shows the worker."""
        ...

    def audit_chain(self, from_seq: int, limit: int) -> Sequence[tuple[int, str]]:
        """(seq, entry_hash) of the local audit chain's entries from `from_seq` on, oldest first: what the
        office server anchors at each sync. Empty for a store without an audit chain."""
        ...

    def audit_last_seq(self) -> int:
        """The number of the local audit chain's newest entry (0: none)."""
        ...
