"""The sync client against a scripted server: batching, outcomes, backoff, cancellation, lost replies."""

from __future__ import annotations

import logging
import random
import threading

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.domain.canonical import content_hash
from fieldapp.domain.records import Contact
from fieldapp.sync.client import Phase, SyncClient, SyncProgress
from fieldapp.sync.retry import Backoff
from tests.factories import valid_contact
from tests.support.memory_outbox import MemoryOutbox
from tests.sync.fake_server import FakeServer, lose_reply, raise_, status


def fast_backoff(attempts: int = 5, seed: int = 1) -> Backoff:
    return Backoff(base=0.001, cap=0.005, max_attempts=attempts, rng=random.Random(seed))


def client_for(server: FakeServer, outbox: MemoryOutbox, **kwargs: object) -> SyncClient:
    kwargs.setdefault("backoff", fast_backoff())
    return SyncClient(
        "http://office.test",
        "good-token",
        "w-ana",
        outbox,
        transport=server.transport(),
        **kwargs,  # type: ignore[arg-type]
    )


def contacts(n: int, **changes: object) -> list[Contact]:
    return [valid_contact(**changes) for _ in range(n)]


def pushes(server: FakeServer) -> list[httpx.Request]:
    return [r for r in server.requests if r.url.path.endswith("/push")]


def test_drains_outbox_in_batches_then_pulls_until_has_more_is_false() -> None:
    server = FakeServer(pull_pages=3)
    outbox = MemoryOutbox(contacts(25))
    seen: list[SyncProgress] = []
    report = client_for(server, outbox, batch_size=10).sync(seen.append)

    assert report.ok and report.accepted == 25 and report.pulled_pages == 3
    assert len(pushes(server)) == 3
    assert outbox.pending_count() == 0 and len(outbox.synced) == 25
    assert [p.has_more for p in outbox.pages] == [True, True, False]
    assert outbox.last_sync_at() is not None
    pushing = [(p.pushed, p.total) for p in seen if p.phase is Phase.PUSHING]
    assert pushing == [(0, 25), (10, 25), (20, 25), (25, 25)]
    assert seen[-1].phase is Phase.DONE
    # every push request pulled after the pushes: the pull sees the server after our contacts arrived
    paths = [r.url.path for r in server.requests]
    assert paths == ["/v1/workers/w-ana/push"] * 3 + ["/v1/workers/w-ana/pull"] * 3


def test_pull_resumes_from_the_stored_cursor() -> None:
    server = FakeServer(pull_pages=2)
    outbox = MemoryOutbox()
    client_for(server, outbox).sync()
    cursors = [r.url.params.get("cursor") for r in server.requests]
    assert cursors == [None, outbox.pages[0].cursor]


def test_duplicate_answer_counts_as_accepted() -> None:
    server = FakeServer()
    batch = contacts(3)
    client_for(server, MemoryOutbox(batch)).sync()
    again = MemoryOutbox(batch)  # e.g. the laptop restored from a backup taken before the sync
    report = client_for(server, again).sync()
    assert report.ok and report.duplicates == 3 and report.accepted == 0
    assert again.pending_count() == 0 and not again.refused()


def test_refused_contact_stays_visible_with_findings_and_does_not_hold_back_the_rest() -> None:
    server = FakeServer()
    good = contacts(4)
    bad = valid_contact(narrative="REFUSE-ME " + good[0].narrative)
    outbox = MemoryOutbox([good[0], bad, *good[1:]])
    report = client_for(server, outbox, batch_size=2).sync()

    assert report.ok and report.accepted == 4
    assert set(outbox.synced) == {c.id for c in good}
    [refusal] = outbox.refused()
    assert refusal.record_id == bad.id
    assert [f.rule_id for f in refusal.findings] == ["NAR-STYLE"]
    assert refusal.findings[0].field == "narrative"
    assert "NAR-STYLE" in refusal.message
    assert [r.id for r in report.refused] == [bad.id]

    # a later sync neither resends it nor forgets it
    before = len(pushes(server))
    report2 = client_for(server, outbox).sync()
    assert len(pushes(server)) == before and report2.ok
    assert [r.record_id for r in outbox.refused()] == [bad.id]


def test_conflict_is_refused_loudly_under_NAR_IMMUTABLE(caplog: pytest.LogCaptureFixture) -> None:
    """NAR-IMMUTABLE on the sync path: a final contact whose ID the server holds with other content is
    never overwritten and never reported synced; the worker sees it under NAR-IMMUTABLE."""
    server = FakeServer()
    original = valid_contact()
    client_for(server, MemoryOutbox([original])).sync()
    altered = original.model_copy(update={"narrative": original.narrative + " (edited later)"})
    outbox = MemoryOutbox([altered, *contacts(2)])
    with caplog.at_level(logging.ERROR, logger="fieldapp.sync"):
        report = client_for(server, outbox).sync()

    assert report.ok and report.accepted == 2
    assert [c.id for c in report.conflicts] == [original.id]
    assert altered.id not in outbox.synced
    [refusal] = outbox.refused()
    assert refusal.findings[0].rule_id == "NAR-IMMUTABLE"
    assert "different version" in refusal.message
    assert any(original.id in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert server.stored[original.id] == content_hash(original)  # server copy untouched
    assert server.store_count[original.id] == 1


def test_accepted_with_a_different_hash_is_not_marked_synced() -> None:
    server = FakeServer()
    contact = valid_contact()

    def tamper(_request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        body["results"][0]["content_hash"] = "0" * 64
        return httpx.Response(200, json=body)

    server.after.append(tamper)
    outbox = MemoryOutbox([contact])
    report = client_for(server, outbox).sync()
    assert contact.id not in outbox.synced
    assert [c.id for c in report.conflicts] == [contact.id]


@pytest.mark.parametrize("fault", [status(500), status(502), status(503), status(504)])
def test_5xx_is_retried_with_backoff(fault: object) -> None:
    server = FakeServer()
    server.before += [fault, fault]  # type: ignore[list-item]
    outbox = MemoryOutbox(contacts(2))
    seen: list[SyncProgress] = []
    report = client_for(server, outbox).sync(seen.append)
    assert report.ok and report.accepted == 2
    assert len(pushes(server)) == 3
    assert [p.phase for p in seen].count(Phase.RETRYING) == 2


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError, httpx.ReadTimeout, httpx.ConnectTimeout, httpx.RemoteProtocolError]
)
def test_network_errors_and_timeouts_are_retried(exc: type[httpx.TransportError]) -> None:
    server = FakeServer()
    server.before.append(raise_(exc))
    outbox = MemoryOutbox(contacts(1))
    report = client_for(server, outbox).sync()
    assert report.ok and report.accepted == 1 and len(pushes(server)) == 2


@pytest.mark.parametrize("code", [400, 401, 403, 404, 413, 422, 429])
def test_4xx_is_never_retried(code: int) -> None:
    server = FakeServer()
    server.before.append(status(code))
    outbox = MemoryOutbox(contacts(3))
    report = client_for(server, outbox).sync()
    assert len(server.requests) == 1
    assert not report.ok and f"HTTP {code}" in (report.error or "")
    assert report.needs_enrollment is (code in (401, 403))
    assert outbox.pending_count() == 3  # nothing lost, nothing marked
    assert outbox.last_sync_at() is None


def test_revoked_token_asks_for_enrollment() -> None:
    server = FakeServer()
    outbox = MemoryOutbox(contacts(1))
    client = SyncClient(
        "http://office.test", "revoked", "w-ana", outbox, transport=server.transport(), backoff=fast_backoff()
    )
    report = client.sync()
    assert report.needs_enrollment and "Enroll the laptop again" in (report.error or "")
    assert len(server.requests) == 1


def test_retries_exhausted_keeps_the_outbox_and_says_so() -> None:
    server = FakeServer()
    server.before += [raise_(httpx.ConnectError)] * 4
    outbox = MemoryOutbox(contacts(2))
    report = client_for(server, outbox, backoff=fast_backoff(attempts=4)).sync()
    assert report.unreachable and not report.ok
    assert "safe in the outbox" in (report.error or "")
    assert outbox.pending_count() == 2 and len(server.requests) == 4


def test_lost_reply_after_commit_is_retried_without_a_duplicate() -> None:
    server = FakeServer()
    server.after.append(lose_reply)
    batch = contacts(5)
    outbox = MemoryOutbox(batch)
    report = client_for(server, outbox).sync()
    assert report.ok
    assert report.duplicates == 5 and report.accepted == 0  # the first answer was lost
    assert all(server.store_count[c.id] == 1 for c in batch)
    assert set(outbox.synced) == {c.id for c in batch}


def test_missing_result_keeps_records_pending() -> None:
    server = FakeServer()

    def drop_one(_request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        body["results"] = body["results"][1:]
        return httpx.Response(200, json=body)

    server.after.append(drop_one)
    outbox = MemoryOutbox(contacts(2))
    report = client_for(server, outbox).sync()
    assert not report.ok and "left out 1 record" in (report.error or "")
    assert outbox.pending_count() == 2


def test_cancel_between_batches_stops_pushing_and_keeps_the_rest() -> None:
    server = FakeServer()
    outbox = MemoryOutbox(contacts(30))
    cancel = threading.Event()

    def progress(p: SyncProgress) -> None:
        if p.phase is Phase.PUSHING and p.pushed >= 10:
            cancel.set()

    report = client_for(server, outbox, batch_size=10).sync(progress, cancel)
    assert report.cancelled and not report.ok and report.error is None
    assert len(pushes(server)) == 1 and outbox.pending_count() == 20
    assert outbox.last_sync_at() is None


def test_cancel_interrupts_a_backoff_wait_at_once() -> None:
    server = FakeServer()
    server.before += [status(503)] * 10
    outbox = MemoryOutbox(contacts(1))
    cancel = threading.Event()
    slow = Backoff(base=60.0, cap=60.0, max_attempts=10, rng=random.Random(3))
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    import time

    started = time.monotonic()
    report = client_for(server, outbox, backoff=slow).sync(cancel=cancel)
    assert time.monotonic() - started < 5
    assert report.cancelled and outbox.pending_count() == 1


def test_a_second_sync_while_one_runs_is_turned_away() -> None:
    server = FakeServer()
    release = threading.Event()
    entered = threading.Event()

    def hold(_request: httpx.Request) -> None:
        entered.set()
        release.wait(5)
        return None

    server.before.append(hold)
    outbox = MemoryOutbox(contacts(1))
    client = client_for(server, outbox)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(client.sync()))
    worker.start()
    assert entered.wait(5)
    second = client.sync()
    release.set()
    worker.join(5)
    assert second.error == "A sync is already running."
    assert result and result[0].ok  # type: ignore[attr-defined]


@st.composite
def network_scripts(draw: st.DrawFn) -> list[str]:
    return draw(st.lists(st.sampled_from(["ok", "503", "drop", "lost-reply", "timeout"]), max_size=12))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    script=network_scripts(),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=4),
    batch=st.integers(1, 5),
)
def test_protocol_property_every_contact_once_and_nothing_told_accepted_is_lost(
    script: list[str], sizes: list[int], batch: int
) -> None:
    """Whatever the network does, the server holds each contact once, and every contact the client
    marked synced is on the server; after a clean sync, the outbox is empty."""
    server = FakeServer()
    for step in script:
        if step == "503":
            server.before.append(status(503))
        elif step == "drop":
            server.before.append(raise_(httpx.ConnectError))
        elif step == "timeout":
            server.before.append(raise_(httpx.ReadTimeout))
        elif step == "lost-reply":
            server.before.append(lambda _r: None)
            server.after.append(lose_reply)
        else:
            server.before.append(lambda _r: None)
    outbox = MemoryOutbox()
    made: list[str] = []
    client = client_for(server, outbox, batch_size=batch, backoff=fast_backoff(attempts=3))
    for size in sizes:
        for contact in contacts(size):
            outbox.add(contact)
            made.append(contact.id)
        client.sync()
        assert set(outbox.synced) <= set(server.stored)
    server.before.clear()
    server.after.clear()
    assert client.sync().ok
    assert set(server.stored) == set(made) == set(outbox.synced)
    assert all(n == 1 for n in server.store_count.values())
