"""The sync path through the real store in batches: a constant number of statements per batch, the audit
chain intact after bulk marking, and "last sync" stamped only when a whole sync succeeded."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import pairwise

import httpx
from sqlalchemy import event

from fieldapp.app.contacts import SqlContactService
from fieldapp.domain.canonical import content_hash
from fieldapp.domain.records import ContactState
from fieldapp.store.profile import Profile
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.client import SyncClient
from fieldapp.sync.protocol import ItemResult, Outcome, PullResponse, PushRequest, PushResponse
from fieldapp.sync.retry import Backoff
from tests.factories import valid_contact
from tests.support.clock import Clock


def _finals(service: SqlContactService, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        contact = valid_contact()
        service.finalize(contact)
        ids.append(contact.id)
    return ids


@contextmanager
def _counting(profile: Profile) -> Iterator[list[str]]:
    """Every SQL statement the profile's engine sends (an executemany counts once), BEGIN/COMMIT aside."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            seen.append(statement)

    event.listen(profile.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(profile.engine, "before_cursor_execute", record)


def _statements_for_batch(profile: Profile, service: SqlContactService, n: int) -> tuple[int, int]:
    ids = _finals(service, n)
    store = profile.sync_store()
    with _counting(profile) as read:
        batch = store.pending_outbox(n)
    assert [item.id for item in batch] == ids
    with _counting(profile) as written:
        store.mark_synced(ids)
    return len(read), len(written)


def test_a_batch_costs_the_same_statements_whatever_its_size(
    service: SqlContactService, profile: Profile
) -> None:
    """pending_outbox and mark_synced must not go back to a query (or an audit append) per record."""
    small = _statements_for_batch(profile, service, 3)
    large = _statements_for_batch(profile, service, 40)
    assert small == large
    assert small[0] == 1  # the outbox rows and their bodies come in one query
    assert profile.verify_audit().ok


def test_bulk_mark_synced_chains_one_audit_entry_per_record_in_outbox_order(
    service: SqlContactService, profile: Profile
) -> None:
    """NAR-IMMUTABLE bookkeeping: each record's synced entry carries its stored content hash, links to the one
    before it, and a repeated mark (a retried batch) writes nothing more."""
    ids = _finals(service, 5)
    amendment = service.acting_as("s-lee").amend(ids[0], "More detail.", "omitted")
    store = profile.sync_store()
    queued = {item.id: item.content_hash for item in store.pending_outbox(10)}
    # the server's answers arrive in any order; the chain follows the outbox order
    store.mark_synced([amendment.id, *reversed(ids)])
    with profile.read() as conn:
        tail = conn.exec_driver_sql(
            "SELECT seq, action, record_id, content_hash, prev_hash, entry_hash FROM audit_log "
            "ORDER BY seq DESC LIMIT 6"
        ).all()
        count = conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one()
    tail = list(reversed(tail))
    assert [(r.action, r.record_id) for r in tail] == [
        *(("contact_synced", cid) for cid in ids),
        ("amendment_synced", amendment.id),
    ]
    assert all(r.content_hash == queued[r.record_id] for r in tail)
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in pairwise(tail))
    assert [r.seq for r in tail] == list(range(tail[0].seq, tail[0].seq + 6))
    assert all(service.get(cid).state is ContactState.SYNCED for cid in ids)
    assert store.pending_count() == 0

    store.mark_synced(ids)
    with profile.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one() == count
    assert profile.verify_audit().ok


def test_mark_synced_never_moves_an_approved_contact_back(
    service: SqlContactService, profile: Profile
) -> None:
    """Only the forward change final -> synced happens; an approved contact stays approved."""
    [first, second] = _finals(service, 2)
    with profile.write() as conn:
        conn.exec_driver_sql(
            f"UPDATE contacts SET state = 'approved', approval_id = 'a1' WHERE id = '{first}'"
        )
    profile.sync_store().mark_synced([first, second])
    assert service.get(first).state is ContactState.APPROVED
    assert service.get(second).state is ContactState.SYNCED
    assert profile.verify_audit().ok


class _Office:
    """A scripted office server: accepts every push; serves pull pages, failing from page `fail_at` on."""

    def __init__(self, pages: int, fail_at: int | None = None) -> None:
        self.pages = pages
        self.fail_at = fail_at
        self.pulls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/audit-anchor"):
            return httpx.Response(404)  # an office server that does not anchor audit chains
        if request.url.path.endswith("/push"):
            pushed = PushRequest.model_validate_json(request.content)
            results = tuple(
                ItemResult(id=c.id, outcome=Outcome.ACCEPTED, content_hash=content_hash(c))
                for c in pushed.contacts
            )
            return httpx.Response(200, content=PushResponse(results=results).model_dump_json())
        self.pulls += 1
        if self.fail_at is not None and self.pulls >= self.fail_at:
            return httpx.Response(400, content=json.dumps({"detail": "bad cursor request"}))
        page = PullResponse(cursor=f"c-{self.pulls}", has_more=self.pulls < self.pages)
        return httpx.Response(200, content=page.model_dump_json())


def _client(store: SyncStore, office: _Office) -> SyncClient:
    return SyncClient(
        "http://office.test",
        "token",
        "w-ana",
        store,
        transport=httpx.MockTransport(office),
        backoff=Backoff(base=0.001, cap=0.002, max_attempts=2, rng=random.Random(1)),
    )


def test_last_sync_is_not_advanced_by_a_sync_that_fails_on_a_later_pull_page(
    service: SqlContactService, profile: Profile, clock: Clock
) -> None:
    """ "Last sync" tells the worker when everything was last up to date: a sync whose push went through but
    whose second pull page failed must not claim it, even though its first page (and cursor) was kept."""
    store = SyncStore(profile, clock=clock)
    _finals(service, 2)
    with _client(store, _Office(pages=1)) as client:
        assert client.sync().ok
    completed = store.last_sync_at()
    assert completed == clock.now

    clock.advance(hours=1)
    ids = _finals(service, 3)
    with _client(store, _Office(pages=3, fail_at=2)) as client:
        report = client.sync()
    assert not report.ok and report.accepted == 3 and report.pulled_pages == 1
    assert store.cursor() == "c-1"  # the page that arrived is applied and resumed from
    assert all(service.get(cid).state is ContactState.SYNCED for cid in ids)
    assert store.last_sync_at() == completed

    clock.advance(hours=1)
    with _client(store, _Office(pages=2)) as client:
        assert client.sync().ok
    assert store.last_sync_at() == clock.now
    assert isinstance(store.last_sync_at(), datetime)
    assert profile.verify_audit().ok
