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
    assert store.cursor() == "c-8" and store.last_sync_at() is not None
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
