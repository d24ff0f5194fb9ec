"""The sync client end to end, without faults: a real server process (SQLite and PostgreSQL), the real
encrypted store, enrollment through the API, and what the worker sees afterwards."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.domain.records import ContactKind, ContactState
from fieldapp.store.profile import Profile, open_profile
from fieldapp.sync import enrollment
from fieldapp.sync.client import Phase, SyncClient, SyncProgress
from fieldapp.sync.reachability import Action, AutoSyncPolicy, probe
from fieldapp.sync.status import snapshot
from tests.factories import NOW, demo_caseload, valid_contact
from tests.support.memory_keyring import MemoryKeyring
from tests.support.server import ServerProcess


@pytest.fixture
def server(server_database: str, tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess.start(tmp_path / "server", database=server_database, demo=True) as running:
        yield running


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Profile]:
    opened = open_profile(tmp_path / "laptop", create_with_caseload=demo_caseload(), clock=lambda: NOW)
    yield opened
    opened.close()


def test_enroll_then_sync_final_contacts_and_pull_the_caseload(
    server: ServerProcess, profile: Profile
) -> None:
    vault = MemoryKeyring()
    enrolled = enrollment.enroll(server.url, server.issue_code("w-ana"), device_name="laptop 7", vault=vault)
    assert enrollment.load(vault) == enrolled and enrolled.worker_id == "w-ana"

    service = SqlContactService(profile, clock=lambda: NOW)
    finals = [service.finalize(valid_contact(kind)).contact for kind in ContactKind]
    store = profile.sync_store()
    seen: list[SyncProgress] = []
    with SyncClient(enrolled.server_url, enrolled.token, enrolled.worker_id, store, batch_size=4) as client:
        report = client.sync(seen.append)
        assert report.ok and report.accepted == len(finals) and report.pulled_pages >= 1
        assert report.full_resync  # first pull: the whole caseload
        assert all(service.get(c.id).state is ContactState.SYNCED for c in finals)
        assert store.pending_count() == 0 and store.cursor() is not None
        assert store.last_sync_at() is not None
        assert [(p.pushed, p.total) for p in seen if p.phase is Phase.PUSHING] == [(0, 6), (4, 6), (6, 6)]

        # a second sync has nothing to push and pulls from the stored cursor
        again = client.sync()
        assert again.ok and again.pushed == 0 and not again.full_resync


def test_revoked_laptop_is_told_to_enroll_again_and_keeps_its_outbox(
    server: ServerProcess, profile: Profile
) -> None:
    token, device = server.enroll_device("w-ana")
    server.revoke_device(device)
    service = SqlContactService(profile, clock=lambda: NOW)
    service.finalize(valid_contact())
    store = profile.sync_store()
    with SyncClient(server.url, token, "w-ana", store) as client:
        report = client.sync()
    assert report.needs_enrollment and "Enroll the laptop again" in (report.error or "")
    assert store.pending_count() == 1


def test_auto_sync_sees_the_server_come_and_go(server: ServerProcess, profile: Profile) -> None:
    """The README's example, as the main window runs it: probe, ask the policy, sync, tell the policy."""
    token = server.enroll("w-ana")
    service = SqlContactService(profile, clock=lambda: NOW)
    service.finalize(valid_contact())
    store = profile.sync_store()
    policy = AutoSyncPolicy()
    with SyncClient(server.url, token, "w-ana", store) as client:
        action = policy.probed(
            probe(server.url), pending=store.pending_count(), syncing=False, automatic=False
        )
        assert action is Action.START_SYNC
        report = client.sync(cancel=threading.Event())
        policy.sync_finished(report)
        assert report.ok and report.accepted == 1
        status = snapshot(store, policy.online)
        assert status.online and status.pending == 0 and status.last_sync_at is not None
        server.stop()
        assert policy.probed(probe(server.url), pending=0, syncing=False, automatic=False) is Action.NOTHING
        assert "Offline" in snapshot(store, policy.online).label


def test_NAR_SAMEDAY_a_frozen_draft_reaches_the_supervisor_once(
    server: ServerProcess, tmp_path: Path
) -> None:
    """SUP-ALERTS: a draft frozen incomplete when its business day ended is reported by the next sync, once,
    and the unit's supervisor sees it with the reason and the text as it stood; it is no contact that counts."""
    from datetime import timedelta

    from fieldapp.sync.protocol import UnitFrozenDrafts

    now = [NOW]
    laptop = open_profile(tmp_path / "frozen", create_with_caseload=demo_caseload(), clock=lambda: now[0])
    try:
        service = SqlContactService(laptop, clock=lambda: now[0])
        started = service.start_contact("C-2001", ContactKind.CHILD_CASE, ("p-nova",))
        draft = valid_contact(ContactKind.CHILD_CASE, id=started.contact.id, narrative="Met Nova at")
        service.interim_save(draft.model_copy(update={"narrative": ""}))
        now[0] = NOW + timedelta(days=1)
        [frozen] = service.close_ended_days()
        assert frozen.flagged_for_supervisor
        store = laptop.sync_store()
        assert store.pending_count() == 1  # the status bar says something still waits

        token = server.enroll("w-ana")
        with SyncClient(server.url, token, "w-ana", store) as client:
            report = client.sync()
            assert report.ok and report.accepted == 1 and store.pending_count() == 0
            assert client.sync().pushed == 0  # reported once

        with server.client(server.enroll("s-lee")) as lee:
            response = lee.get("/v1/units/Unit 7 (demo)/frozen-drafts", params={"month": "2026-11"})
            assert response.status_code == 200, response.text
            seen = UnitFrozenDrafts.model_validate_json(response.content)
            contacts = lee.get("/v1/units/Unit 7 (demo)/contacts", params={"month": "2026-11"}).json()
        [reported] = seen.drafts
        assert reported.worker_id == "w-ana" and reported.draft.contact.id == started.contact.id
        assert (
            reported.draft.frozen_reason == frozen.frozen_reason
            and "NAR-REQUIRED" in reported.draft.frozen_reason
        )
        assert reported.draft.contact.narrative == ""
        assert contacts["contacts"] == [], "a frozen draft is not a contact that counts"
    finally:
        laptop.close()
