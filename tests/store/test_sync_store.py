"""The store side of sync: the outbox the sync client drains and where a pull lands (one transaction)."""

from __future__ import annotations

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Amendment, Approval, ContactState
from fieldapp.store import audit
from fieldapp.store.profile import Profile
from fieldapp.sync.protocol import ItemResult, Outcome, PullResponse, WireFinding
from tests.factories import NOW, demo_caseload, valid_contact


def _finals(service: SqlContactService, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        contact = valid_contact()
        service.finalize(contact)
        ids.append(contact.id)
    return ids


def test_sync_store_satisfies_the_sync_clients_protocol(profile: Profile) -> None:
    """The sync client is written against fieldapp.sync.store_port.SyncStore; the real store must fit it."""
    from fieldapp.store.sync_store import SyncStore
    from fieldapp.sync.store_port import SyncStore as Port

    def accepts(store: Port) -> Port:
        return store

    store = accepts(profile.sync_store())  # mypy checks the structural fit here
    assert isinstance(store, SyncStore)
    from fieldapp.store.sync_store import OutboxItem, RefusedItem
    from fieldapp.sync.store_port import OutboxEntry, RefusalEntry

    def entry(item: OutboxItem) -> OutboxEntry:
        return item

    def refusal(item: RefusedItem) -> RefusalEntry:
        return item

    assert entry and refusal
    import inspect

    for name, member in inspect.getmembers(Port, inspect.isfunction):
        if not name.startswith("_"):
            ours = inspect.signature(getattr(SyncStore, name))
            assert list(ours.parameters) == list(inspect.signature(member).parameters), name


def test_pending_outbox_oldest_first_with_hashes(service: SqlContactService, profile: Profile) -> None:
    ids = _finals(service, 3)
    amendment = service.acting_as("s-lee").amend(ids[0], "More detail.", "omitted")
    store = profile.sync_store()
    items = store.pending_outbox(10)
    assert [(i.kind, i.id) for i in items] == [
        ("contact", ids[0]),
        ("contact", ids[1]),
        ("contact", ids[2]),
        ("amendment", amendment.id),
    ]
    from fieldapp.domain.canonical import content_hash

    assert all(i.content_hash == content_hash(i.record) for i in items)
    assert [i.id for i in store.pending_outbox(2)] == ids[:2]
    assert store.pending_count() == 4


def test_mark_synced_moves_contacts_to_synced(service: SqlContactService, profile: Profile) -> None:
    ids = _finals(service, 2)
    store = profile.sync_store()
    store.mark_synced([ids[0]])
    assert service.get(ids[0]).state is ContactState.SYNCED
    assert service.get(ids[1]).state is ContactState.FINAL
    assert [i.id for i in store.pending_outbox(10)] == [ids[1]]
    store.mark_synced([ids[0]])  # a retry is harmless
    assert store.pending_count() == 1 == service.outbox_count()


def test_mark_refused_stays_visible_and_is_not_repushed(service: SqlContactService, profile: Profile) -> None:
    [cid] = _finals(service, 1)
    store = profile.sync_store()
    finding = Finding("SEL-METHOD", Severity.BLOCK, "method", "Select how the contact was made.")
    store.mark_refused(cid, [finding], "The server refused the contact.")
    assert store.pending_count() == 0 and store.pending_outbox(10) == []
    [refused] = store.refused()
    assert refused.record_id == cid and refused.findings == (finding,) and "refused" in refused.message
    assert refused.kind == "contact" and refused.refused_at
    stored = service.get(cid)
    assert stored.sync_refusal == (finding,) and stored.state is ContactState.FINAL
    store.retry_refused(cid)
    assert store.pending_count() == 1


def test_apply_pull_saves_caseload_approvals_amendments_cursor(
    service: SqlContactService, profile: Profile
) -> None:
    ids = _finals(service, 2)
    store = profile.sync_store()
    store.mark_synced(ids)
    assert store.cursor() is None and store.last_sync_at() is None
    caseload = demo_caseload().model_copy(update={"cases": demo_caseload().cases[:1]})
    approval = Approval(
        id="ap-1", worker_id="w-ana", approved_by="s-lee", approved_at=NOW, contact_ids=(ids[0],)
    )
    amendment = Amendment(
        id=new_id(),
        contact_id=ids[1],
        new_information="Leo was present.",
        reason="participant missing",
        modifier_id="s-lee",
        modifier_full_name="Lee Harrowgate",
        modifier_title="Supervising Social Worker",
        modified_on=NOW.date(),
    )
    response = PullResponse(
        cursor="c-7", full_resync=True, caseload=caseload, approvals=(approval,), amendments=(amendment,)
    )
    store.apply_pull(response)
    store.apply_pull(
        response.model_copy(update={"cursor": "c-8"})
    )  # the same pull again changes nothing more
    assert store.cursor() == "c-8"
    assert store.last_sync_at() is None  # a page applied is not a sync completed: the client stamps that
    assert profile.caseload() == caseload
    assert service.get(ids[0]).state is ContactState.APPROVED
    assert service.get(ids[1]).amendments == (amendment,)
    assert store.pending_count() == 0  # pulled amendments are not pushed back
    assert profile.verify_audit().ok


def test_apply_pull_refusals_mark_items(service: SqlContactService, profile: Profile) -> None:
    [cid] = _finals(service, 1)
    refusal = ItemResult(
        id=cid,
        outcome=Outcome.CONFLICT,
        content_hash="x",
        findings=(
            WireFinding(
                rule_id="NAR-IMMUTABLE", severity=Severity.BLOCK, field="narrative", message="differs"
            ),
        ),
        message="known ID with different content",
    )
    store = profile.sync_store()
    store.apply_pull(PullResponse(cursor="c1", refusals=(refusal,)))
    assert store.pending_count() == 0
    assert service.get(cid).sync_refusal[0].rule_id == "NAR-IMMUTABLE"


def test_apply_pull_is_one_transaction(
    service: SqlContactService, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure part-way through a pull leaves caseload, approvals and cursor exactly as they were."""
    [cid] = _finals(service, 1)
    store = profile.sync_store()
    store.mark_synced([cid])
    before = profile.caseload()
    approval = Approval(
        id="ap-2", worker_id="w-ana", approved_by="s-lee", approved_at=NOW, contact_ids=(cid,)
    )
    calls = {"n": 0}
    real_append = audit.append

    def failing_append(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("connection dropped")
        return real_append(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "append", failing_append)
    changed = before.model_copy(update={"referrals": ()})
    with pytest.raises(RuntimeError):
        store.apply_pull(PullResponse(cursor="c-9", caseload=changed, approvals=(approval,)))
    assert store.cursor() is None
    assert profile.caseload() == before
    assert service.get(cid).state is ContactState.SYNCED


def test_sync_state_changes_are_in_the_audit_trail(service: SqlContactService, profile: Profile) -> None:
    """Every change is audited, the sync bookkeeping included: synced, refused, approved."""
    ids = _finals(service, 2)
    store = profile.sync_store()
    store.mark_synced([ids[0]])
    store.mark_refused(ids[1], [], "refused for the test")
    approval = Approval(
        id="ap-3", worker_id="w-ana", approved_by="s-lee", approved_at=NOW, contact_ids=(ids[0],)
    )
    store.apply_pull(PullResponse(cursor="c", approvals=(approval,)))
    with profile.read() as conn:
        tail = conn.exec_driver_sql("SELECT action, record_id FROM audit_log ORDER BY seq DESC LIMIT 4").all()
    assert [tuple(r) for r in reversed(tail)] == [
        ("contact_synced", ids[0]),
        ("sync_refused", ids[1]),
        ("approval_received", "ap-3"),
        ("contact_approved", ids[0]),
    ]
    assert profile.verify_audit().ok


def test_service_sees_a_pulled_caseload_without_being_told(
    service: SqlContactService, profile: Profile
) -> None:
    assert service.caseload().matter("R-1001") is not None
    smaller = demo_caseload().model_copy(update={"referrals": ()})
    profile.sync_store().apply_pull(PullResponse(cursor="c", full_resync=True, caseload=smaller))
    assert service.caseload().matter("R-1001") is None
