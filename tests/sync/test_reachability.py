"""Auto-sync: probe the server; the Qt-free policy the main window runs says when to sync by itself."""

from __future__ import annotations

import httpx

from fieldapp.sync.client import SyncReport
from fieldapp.sync.reachability import (
    ERROR_PAUSE_PROBES,
    SYNCING_PROBE_SECONDS,
    Action,
    AutoSyncPolicy,
    probe,
)
from tests.factories import valid_contact
from tests.support.memory_outbox import MemoryOutbox


def test_probe_is_true_only_for_a_healthy_answer() -> None:
    def answer(code: int) -> httpx.MockTransport:
        return httpx.MockTransport(lambda r: httpx.Response(code if r.url.path == "/v1/health" else 404))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert probe("http://office.test", transport=answer(200))
    assert not probe("http://office.test", transport=answer(503))
    assert not probe("http://office.test", transport=httpx.MockTransport(refuse))


def _probe(
    policy: AutoSyncPolicy, reachable: bool, pending: int = 0, syncing: bool = False, automatic: bool = False
):
    return policy.probed(reachable, pending=pending, syncing=syncing, automatic=automatic)


def test_syncs_when_the_server_becomes_reachable_and_not_while_offline() -> None:
    policy = AutoSyncPolicy()
    assert policy.online is None
    assert _probe(policy, False, pending=1) is Action.NOTHING and policy.online is False
    assert _probe(policy, True, pending=0) is Action.START_SYNC and policy.online is True  # just came back
    policy.sync_finished(SyncReport())
    assert _probe(policy, True, pending=0) is Action.NOTHING  # still online, nothing waiting
    assert _probe(policy, True, pending=2) is Action.START_SYNC  # contacts wait: send them


def test_a_sync_running_is_never_started_twice_and_the_automatic_one_is_cancelled_when_the_server_goes() -> (
    None
):
    policy = AutoSyncPolicy()
    _probe(policy, True)
    assert _probe(policy, True, pending=3, syncing=True, automatic=True) is Action.NOTHING
    assert _probe(policy, False, syncing=True, automatic=True) is Action.CANCEL_AUTOMATIC_SYNC
    # the worker's own Sync now is left to its retries
    assert _probe(policy, False, syncing=True, automatic=False) is Action.NOTHING


def test_probes_come_more_often_while_a_sync_runs() -> None:
    policy = AutoSyncPolicy(interval=30.0)
    assert policy.probe_interval(syncing=False) == 30.0
    assert policy.probe_interval(syncing=True) == SYNCING_PROBE_SECONDS


def test_a_failed_sync_on_the_network_marks_offline() -> None:
    policy = AutoSyncPolicy()
    _probe(policy, True)
    policy.sync_finished(SyncReport(error="Gave up", unreachable=True))
    assert policy.online is False
    assert _probe(policy, True, pending=1) is Action.START_SYNC  # back: try at once


def test_a_server_error_pauses_automatic_tries_for_some_probes() -> None:
    now = [0.0]
    policy = AutoSyncPolicy(interval=30.0, clock=lambda: now[0])
    _probe(policy, True)
    policy.sync_finished(SyncReport(error="HTTP 503 on every push"))
    assert _probe(policy, True, pending=1) is Action.NOTHING
    now[0] = ERROR_PAUSE_PROBES * 30.0
    assert _probe(policy, True, pending=1) is Action.START_SYNC
    policy.sync_finished(SyncReport(error="stopped", cancelled=True))  # a cancel is no server error
    assert _probe(policy, True, pending=1) is Action.START_SYNC


def test_status_before_enrollment_still_counts_what_waits() -> None:
    from fieldapp.sync.status import snapshot

    outbox = MemoryOutbox([valid_contact(), valid_contact()])
    status = snapshot(outbox, True, enrolled=False)
    assert status.online is None and not status.enrolled
    assert status.label == "Not enrolled with the office server · 2 waiting to send"


def test_a_refused_token_stops_auto_sync_until_a_sync_works() -> None:
    policy = AutoSyncPolicy()
    _probe(policy, True)
    policy.sync_finished(
        SyncReport(
            error="The server did not accept this laptop's enrollment (HTTP 401)", needs_enrollment=True
        )
    )
    # records are waiting and the server is reachable, but another try would only be another failed login
    assert _probe(policy, True, pending=1) is Action.NOTHING
    assert _probe(policy, False) is Action.NOTHING
    assert _probe(policy, True, pending=1) is Action.NOTHING  # not even when it comes back
    policy.sync_finished(SyncReport())  # the worker's Sync now (or a new enrollment) worked
    assert _probe(policy, True, pending=1) is Action.START_SYNC
