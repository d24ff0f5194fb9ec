"""Auto-sync: probe the server, sync when it becomes reachable, when records wait, and on demand."""

from __future__ import annotations

import threading

import httpx

from fieldapp.sync.client import SyncReport
from fieldapp.sync.reachability import AutoSync, probe
from fieldapp.sync.status import SyncStatus
from tests.factories import valid_contact
from tests.support.memory_outbox import MemoryOutbox


class RecordingSyncer:
    def __init__(self, outbox: MemoryOutbox, report: SyncReport | None = None) -> None:
        self.outbox = outbox
        self.calls = 0
        self.report = report

    def sync(self, progress: object = None, cancel: threading.Event | None = None) -> SyncReport:
        self.calls += 1
        if self.report is not None:
            return self.report
        self.outbox.mark_synced([r.id for r in self.outbox.pending_outbox(1000)])
        return SyncReport()


def test_probe_is_true_only_for_a_healthy_answer() -> None:
    def answer(code: int) -> httpx.MockTransport:
        return httpx.MockTransport(lambda r: httpx.Response(code if r.url.path == "/v1/health" else 404))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert probe("http://office.test", transport=answer(200))
    assert not probe("http://office.test", transport=answer(503))
    assert not probe("http://office.test", transport=httpx.MockTransport(refuse))


def test_syncs_when_the_server_becomes_reachable_and_not_while_offline() -> None:
    outbox = MemoryOutbox([valid_contact()])
    syncer = RecordingSyncer(outbox)
    reachable = [False]
    statuses: list[SyncStatus] = []
    now = [0.0]
    auto = AutoSync(syncer, outbox, lambda: reachable[0], on_status=statuses.append, clock=lambda: now[0])

    assert auto.step() is None and syncer.calls == 0
    assert statuses[-1].online is False and statuses[-1].pending == 1
    assert "Offline" in statuses[-1].label and "1 waiting" in statuses[-1].label

    reachable[0] = True
    assert auto.step() is not None and syncer.calls == 1
    assert statuses[-1].online is True and statuses[-1].pending == 0

    # still online, nothing waiting, pull interval not over: no sync
    now[0] = 10.0
    assert auto.step() is None and syncer.calls == 1
    # a new final contact waits: sync at the next turn
    outbox.add(valid_contact())
    assert auto.step() is not None and syncer.calls == 2
    # after pull_every, sync again to bring approvals down
    now[0] = 10.0 + auto.pull_every + 1
    assert auto.step() is not None and syncer.calls == 3


def test_sync_now_tries_even_when_the_probe_said_offline() -> None:
    outbox = MemoryOutbox([valid_contact()])
    syncer = RecordingSyncer(outbox)
    auto = AutoSync(syncer, outbox, lambda: False)
    auto.sync_now()
    assert auto.step() is not None and syncer.calls == 1
    assert auto.step() is None and syncer.calls == 1  # the request is used up


def test_a_failed_sync_marks_offline_and_reports() -> None:
    outbox = MemoryOutbox([valid_contact()])
    failed = SyncReport(error="Gave up", unreachable=True)
    syncer = RecordingSyncer(outbox, failed)
    reports: list[SyncReport] = []
    auto = AutoSync(syncer, outbox, lambda: True, on_report=reports.append)
    auto.step()
    assert reports == [failed]
    assert auto.status().online is False and auto.status().last_error == "Gave up"


def test_a_crashing_probe_counts_as_offline() -> None:
    outbox = MemoryOutbox()

    def boom() -> bool:
        raise RuntimeError("no network stack")

    auto = AutoSync(RecordingSyncer(outbox), outbox, boom)
    assert auto.step() is None and auto.status().online is False


def test_the_loop_runs_on_a_worker_thread_wakes_on_sync_now_and_stops() -> None:
    outbox = MemoryOutbox()
    syncer = RecordingSyncer(outbox)
    synced = threading.Event()
    auto = AutoSync(syncer, outbox, lambda: False, interval=60.0, on_report=lambda _r: synced.set())
    thread = threading.Thread(target=auto.run, daemon=True)
    thread.start()
    auto.sync_now()  # without the wake-up the loop would sleep 60 s
    assert synced.wait(5)
    auto.stop()
    thread.join(5)
    assert not thread.is_alive() and syncer.calls == 1


def test_status_before_enrollment_still_counts_what_waits() -> None:
    from fieldapp.sync.status import snapshot

    outbox = MemoryOutbox([valid_contact(), valid_contact()])
    status = snapshot(outbox, True, enrolled=False)
    assert status.online is None and not status.enrolled
    assert status.label == "Not enrolled with the office server · 2 waiting to send"
