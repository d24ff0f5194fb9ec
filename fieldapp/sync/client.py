"""The sync client: drain the outbox to the office server in batches, then pull until caught up.

Qt-free and blocking: the GUI runs `SyncClient.sync()` on a worker thread, receives `SyncProgress` through
a callback (to forward as a signal) and cancels through a `threading.Event`.

Why it can never create a duplicate: a record's ID is made on the laptop at birth, and the server stores a
record once per ID, answering a repeat with identical content as DUPLICATE. So when a reply is lost (the
server committed, the laptop never heard), the client simply sends the same batch again, and only marks
records synced once it holds the server's answer for them. A record the server refuses (block findings) or
that clashes with a different version under the same ID (CONFLICT) leaves the queue but stays visible in the
store with its findings until the worker handles it; it never holds back the rest of the batch.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import httpx

from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Amendment, Contact
from fieldapp.sync.protocol import (
    MAX_CHAIN_ENTRIES,
    ChainAnchor,
    ChainAnchorRequest,
    ChainEntry,
    ErrorResponse,
    FrozenDraft,
    FrozenDraftsRequest,
    ItemResult,
    Outcome,
    PullResponse,
    PushRequest,
    PushResponse,
)
from fieldapp.sync.retry import (
    Backoff,
    Cancelled,
    NotAuthorized,
    ProtocolViolation,
    RetriesExhausted,
    ServerRefused,
    SyncError,
    for_status,
)
from fieldapp.sync.store_port import OutboxEntry, RefusedItem, SyncStore

log = logging.getLogger(__name__)

PUSH_PATH = "/v1/workers/{worker_id}/push"
FROZEN_PATH = "/v1/workers/{worker_id}/frozen-drafts"
PULL_PATH = "/v1/workers/{worker_id}/pull"
ANCHOR_PATH = "/v1/workers/{worker_id}/audit-anchor"
HEALTH_PATH = "/v1/health"
ENROLL_PATH = "/v1/enroll"

CONFLICT_RULE = "NAR-IMMUTABLE"
"""A conflict means the server holds different content under this record's ID: a final record was altered
on one side, which NAR-IMMUTABLE forbids on every path. It is shown to the worker under that rule."""


class Phase(StrEnum):
    PUSHING = "pushing"
    RETRYING = "retrying"
    PULLING = "pulling"
    DONE = "done"


@dataclass(frozen=True)
class SyncProgress:
    """One step of a sync, for the main window's progress bar ("Sending 40 of 120")."""

    phase: Phase
    pushed: int
    total: int
    pulled_pages: int = 0
    message: str = ""


@dataclass(frozen=True)
class SyncReport:
    """How a sync ended. `ok` means the outbox was drained (apart from refusals) and the pull caught up."""

    accepted: int = 0
    duplicates: int = 0
    refused: tuple[RefusedItem, ...] = ()
    conflicts: tuple[RefusedItem, ...] = ()
    pulled_pages: int = 0
    full_resync: bool = False
    cancelled: bool = False
    error: str | None = None
    needs_enrollment: bool = False
    unreachable: bool = False
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled

    @property
    def pushed(self) -> int:
        """Records the server now holds because of this sync (accepted now, or already held)."""
        return self.accepted + self.duplicates


ProgressCallback = Callable[[SyncProgress], None]


def _no_progress(_: SyncProgress) -> None:
    return None


@dataclass
class _Tally:
    accepted: int = 0
    duplicates: int = 0
    refused: list[RefusedItem] = field(default_factory=list)
    conflicts: list[RefusedItem] = field(default_factory=list)
    pulled_pages: int = 0
    full_resync: bool = False

    def report(self, *, cancelled: bool = False, error: SyncError | None = None) -> SyncReport:
        return SyncReport(
            accepted=self.accepted,
            duplicates=self.duplicates,
            refused=tuple(self.refused),
            conflicts=tuple(self.conflicts),
            pulled_pages=self.pulled_pages,
            full_resync=self.full_resync,
            cancelled=cancelled,
            error=None if error is None else str(error),
            needs_enrollment=isinstance(error, NotAuthorized),
            unreachable=isinstance(error, RetriesExhausted),
        )


class SyncClient:
    """Pushes the outbox and pulls the caseload for one enrolled laptop.

    `transport` lets tests put httpx's MockTransport in place of the network; `backoff` sets the retry
    policy (tests pass a seeded, fast one). One sync runs at a time; a second call while one runs returns
    at once with an error report rather than interleaving batches.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        worker_id: str,
        store: SyncStore,
        *,
        batch_size: int = 100,
        timeout: float = 15.0,
        backoff: Backoff | None = None,
        verify: bool | ssl.SSLContext = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.store = store
        self._push_path = PUSH_PATH.format(worker_id=worker_id)
        self._frozen_path = FROZEN_PATH.format(worker_id=worker_id)
        self._pull_path = PULL_PATH.format(worker_id=worker_id)
        self._anchor_path = ANCHOR_PATH.format(worker_id=worker_id)
        self.batch_size = batch_size
        self.backoff = backoff or Backoff()
        self._running = threading.Lock()
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the whole sync

    def sync(
        self, progress: ProgressCallback = _no_progress, cancel: threading.Event | None = None
    ) -> SyncReport:
        """Push every pending record, then pull until the server has nothing more. Never raises for
        network or server trouble: the report says what happened, and the outbox keeps what was not sent."""
        cancel = cancel or threading.Event()
        if not self._running.acquire(blocking=False):
            return SyncReport(error="A sync is already running.")
        tally = _Tally()
        try:
            self._push_all(tally, progress, cancel)
            self._pull_all(tally, progress, cancel)
            self._anchor_chain(cancel)
        except Cancelled:
            return tally.report(cancelled=True)
        except SyncError as error:
            log.warning("sync stopped: %s", error)
            return tally.report(error=error)
        finally:
            self._running.release()
        report = tally.report()
        self.store.record_sync_attempt()
        progress(SyncProgress(Phase.DONE, report.pushed, report.pushed, tally.pulled_pages, "Up to date."))
        return report

    # ------------------------------------------------------------------ audit anchor

    def _anchor_chain(self, cancel: threading.Event) -> None:
        """Anchor the local audit chain on the server: send its entries from the last one the server holds
        (which re-proves it) to the newest. A 409 means the chain no longer extends the anchored copy: the
        sync reports it with the server's words (the first entry that differs). A server that predates
        anchoring (404) is skipped."""
        last_local = self.store.audit_last_seq()
        if last_local == 0:
            return

        def get_head() -> ChainAnchor | None:
            response = self._http.get(self._anchor_path)
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise for_status(response)
            try:
                return ChainAnchor.model_validate_json(response.content)
            except ValueError:
                raise ProtocolViolation("The server's audit anchor is not what this app expects.") from None

        head = self.backoff.call(get_head, cancel, lambda *_: None)
        if head is None:
            log.info("the server does not anchor audit chains; skipped")
            return
        start = min(max(head.seq, 1), last_local)
        diverged = self._send_chain(start, last_local, cancel)
        if diverged is not None and start > 1:
            # The anchored head no longer matches: walk the chain from its start so that the server names
            # the first entry that differs, not the first one this sync happened to send.
            diverged = self._send_chain(1, last_local, cancel) or diverged
        if diverged is not None:
            raise ServerRefused(
                409,
                "This laptop's audit trail no longer matches the copy anchored on the office server: "
                f"{diverged}. Nothing was changed; tell your supervisor. (If this laptop's profile was "
                "made anew or restored from a backup, enroll the laptop again, so that its new audit trail "
                "is anchored from its start.)",
            )

    def _send_chain(self, start: int, last_local: int, cancel: threading.Event) -> str | None:
        """Send the chain from `start` in runs of MAX_CHAIN_ENTRIES; the server's words on a 409, else None."""
        while True:
            chain = self.store.audit_chain(start, MAX_CHAIN_ENTRIES)
            if not chain:
                return None
            body = ChainAnchorRequest(
                entries=tuple(ChainEntry(seq=seq, entry_hash=digest) for seq, digest in chain)
            ).model_dump_json()

            def send(body: str = body) -> str | None:
                response = self._http.post(
                    self._anchor_path, content=body, headers={"Content-Type": "application/json"}
                )
                if response.status_code == 409:
                    return _error_message(response)
                if response.status_code != 200:
                    raise for_status(response)
                return None

            diverged = self.backoff.call(send, cancel, lambda *_: None)
            if diverged is not None:
                return diverged
            if chain[-1][0] >= last_local:
                return None
            start = chain[-1][0]

    # ------------------------------------------------------------------ push

    def _push_all(self, tally: _Tally, progress: ProgressCallback, cancel: threading.Event) -> None:
        done = 0
        total = self.store.pending_count()
        progress(SyncProgress(Phase.PUSHING, 0, total, message=f"Sending {total} records."))
        while True:
            if cancel.is_set():
                raise Cancelled("Sync cancelled.")
            batch = list(self.store.pending_outbox(self.batch_size))
            if not batch:
                return
            results = self._push_batch(batch, progress, cancel, done, total)
            done += self._apply_results(batch, results, tally)
            total = max(total, done + self.store.pending_count())
            progress(SyncProgress(Phase.PUSHING, done, total, message=f"Sent {done} of {total}."))

    def _push_batch(
        self,
        batch: Sequence[OutboxEntry],
        progress: ProgressCallback,
        cancel: threading.Event,
        done: int,
        total: int,
    ) -> dict[str, ItemResult]:
        request = PushRequest(
            contacts=tuple(e.record for e in batch if isinstance(e.record, Contact)),
            amendments=tuple(e.record for e in batch if isinstance(e.record, Amendment)),
        )
        drafts = tuple(e.record for e in batch if isinstance(e.record, FrozenDraft))
        results: dict[str, ItemResult] = {}
        if request.contacts or request.amendments:
            results.update(self._post_batch(self._push_path, request, progress, cancel, done, total))
        if drafts:
            frozen = FrozenDraftsRequest(drafts=drafts)
            results.update(self._post_batch(self._frozen_path, frozen, progress, cancel, done, total))
        missing = [r.id for r in batch if r.id not in results]
        if missing:
            raise ProtocolViolation(
                f"The server's answer left out {len(missing)} record(s) it was sent (first: {missing[0]}); "
                "they stay in the outbox."
            )
        return results

    def _post_batch(
        self,
        path: str,
        request: PushRequest | FrozenDraftsRequest,
        progress: ProgressCallback,
        cancel: threading.Event,
        done: int,
        total: int,
    ) -> dict[str, ItemResult]:
        body = request.model_dump_json().encode("utf-8")

        def send() -> PushResponse:
            response = self._http.post(path, content=body, headers={"Content-Type": "application/json"})
            # 409 carries the same document: every item of the batch was a conflict.
            if response.status_code not in (200, 409):
                raise for_status(response)
            return PushResponse.model_validate_json(response.content)

        def retrying(attempt: int, error: SyncError, wait: float) -> None:
            progress(
                SyncProgress(Phase.RETRYING, done, total, message=f"{error} Retry {attempt} in {wait:.1f} s.")
            )

        answer = self.backoff.call(send, cancel, retrying)
        return {r.id: r for r in answer.results}

    def _apply_results(
        self, batch: Sequence[OutboxEntry], results: dict[str, ItemResult], tally: _Tally
    ) -> int:
        """Record the server's verdict for each record; returns how many left the queue."""
        synced: list[str] = []
        for entry in batch:
            record = entry.record
            result = results[record.id]
            if result.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE):
                if result.content_hash != entry.content_hash:
                    # The server says it holds *something* under this ID, but not these bytes.
                    self._conflict(record.id, result, tally, entry.content_hash)
                    continue
                synced.append(record.id)
                if result.outcome is Outcome.ACCEPTED:
                    tally.accepted += 1
                else:
                    tally.duplicates += 1
            elif result.outcome in (Outcome.REFUSED, Outcome.FORBIDDEN):
                findings = tuple(f.to_finding() for f in result.findings)
                message = result.message or "The server refused this record: " + ", ".join(
                    sorted({f.rule_id for f in findings})
                )
                self.store.mark_refused(record.id, findings, message)
                tally.refused.append(RefusedItem(record.id, findings, message))
            else:
                self._conflict(record.id, result, tally, entry.content_hash)
        if synced:
            self.store.mark_synced(synced)
        return len(batch)

    def _conflict(self, record_id: str, result: ItemResult, tally: _Tally, ours: str) -> None:
        message = (
            f"The server already holds a different version of record {record_id} "
            f"(server {result.content_hash[:12]}…, this laptop {ours[:12]}…). Neither copy was changed; "
            "tell your supervisor."
        )
        if result.message:
            message += f" Server says: {result.message}"
        findings = (
            Finding(CONFLICT_RULE, Severity.BLOCK, "id", message),
            *(f.to_finding() for f in result.findings),
        )
        log.error(
            "sync conflict on record %s: server hash %s, local hash %s", record_id, result.content_hash, ours
        )
        self.store.mark_refused(record_id, findings, message)
        tally.conflicts.append(RefusedItem(record_id, findings, message))

    # ------------------------------------------------------------------ pull

    def _pull_all(self, tally: _Tally, progress: ProgressCallback, cancel: threading.Event) -> None:
        pushed = tally.accepted + tally.duplicates
        while True:
            if cancel.is_set():
                raise Cancelled("Sync cancelled.")
            progress(
                SyncProgress(
                    Phase.PULLING, pushed, pushed, tally.pulled_pages, "Bringing down your caseload."
                )
            )
            cursor = self.store.cursor()

            def fetch(cursor: str | None = cursor) -> PullResponse:
                params = {} if cursor is None else {"cursor": cursor}
                response = self._http.get(self._pull_path, params=params)
                if response.status_code != 200:
                    raise for_status(response)
                return PullResponse.model_validate_json(response.content)

            def retrying(attempt: int, error: SyncError, wait: float) -> None:
                progress(
                    SyncProgress(
                        Phase.RETRYING,
                        pushed,
                        pushed,
                        tally.pulled_pages,
                        f"{error} Retry {attempt} in {wait:.1f} s.",
                    )
                )

            page = self.backoff.call(fetch, cancel, retrying)
            # A pull page is applied in one store transaction with its cursor, so a cancel or a crash
            # between pages resumes from the last page applied.
            self.store.apply_pull(page)
            tally.pulled_pages += 1
            tally.full_resync = tally.full_resync or page.full_resync
            if not page.has_more:
                return


def _error_message(response: httpx.Response) -> str:
    try:
        return ErrorResponse.model_validate_json(response.content).message
    except ValueError:
        return f"HTTP {response.status_code}"
