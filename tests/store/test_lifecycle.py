"""The contact lifecycle through the real encrypted store: NAR-SAMEDAY, NAR-REQUIRED, NAR-IMMUTABLE, NAR-AMEND."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from fieldapp.app.contacts import SqlContactService
from fieldapp.app.service import ContactLocked, FinalizeRefused, NotAllowed, ServiceError
from fieldapp.domain.canonical import content_hash
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import ContactKind, ContactState
from fieldapp.store.profile import Profile
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.protocol import FrozenDraft
from tests.factories import NOW, valid_contact
from tests.support.clock import Clock


def _started(service: SqlContactService, kind: ContactKind = ContactKind.CHILD_CASE):
    template = valid_contact(kind)
    stored = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    return template.model_copy(
        update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at}
    )


def test_start_contact_makes_a_uuid7_draft_for_the_signed_in_worker(service: SqlContactService) -> None:
    stored = service.start_contact("C-2001", ContactKind.CHILD_CASE, ["p-nova"])
    assert stored.state is ContactState.DRAFT and stored.editable
    assert stored.contact.staff_person_id == "w-ana"
    assert stored.contact.id[14] == "7"  # UUID version nibble
    assert stored.contact.first_saved_at == NOW
    assert service.get(stored.contact.id).contact == stored.contact
    assert [d.contact.id for d in service.open_drafts()] == [stored.contact.id]


def test_nar_sameday_interim_saves_same_day_keep_the_latest_text(
    service: SqlContactService, clock: Clock
) -> None:
    """NAR-SAMEDAY: interim saves are allowed and expected the whole business day."""
    draft = _started(service)
    for n in range(3):
        clock.advance(minutes=30)
        service.interim_save(draft.model_copy(update={"narrative": f"version {n}"}))
    stored = service.get(draft.id)
    assert stored.contact.narrative == "version 2"
    assert stored.contact.first_saved_at == NOW  # the day the narrative must finish in never moves
    assert stored.state is ContactState.DRAFT


def test_nar_sameday_interim_save_after_the_day_ended_is_refused(
    service: SqlContactService, clock: Clock
) -> None:
    """NAR-SAMEDAY: after the agency's midnight, the draft's text can no longer be edited."""
    draft = _started(service)
    clock.now = NOW.replace(hour=23, minute=59)
    service.interim_save(draft.model_copy(update={"narrative": "late but same day"}))
    clock.advance(minutes=2)  # 00:01 next day, agency time
    with pytest.raises(ContactLocked, match="NAR-SAMEDAY"):
        service.interim_save(draft.model_copy(update={"narrative": "next day"}))
    with pytest.raises(ContactLocked, match="NAR-SAMEDAY"):
        service.finalize(draft)
    assert service.get(draft.id).contact.narrative == "late but same day"


def test_nar_required_finalize_refused_without_narrative_and_text_kept(service: SqlContactService) -> None:
    """NAR-REQUIRED: no final save without a narrative; the refused save still keeps what was typed."""
    draft = _started(service).model_copy(update={"narrative": "   ", "method": "IN_PERSON"})
    with pytest.raises(FinalizeRefused) as refused:
        service.finalize(draft)
    assert "NAR-REQUIRED" in {f.rule_id for f in refused.value.findings}
    stored = service.get(draft.id)
    assert stored.state is ContactState.DRAFT
    assert stored.contact.narrative == "   "
    assert service.outbox_count() == 0


def test_finalize_sets_finalized_at_queues_outbox_and_audits(
    service: SqlContactService, profile: Profile, clock: Clock
) -> None:
    draft = _started(service)
    clock.advance(minutes=5)
    final = service.finalize(draft)
    assert final.state is ContactState.FINAL and not final.editable
    assert final.contact.finalized_at == clock.now
    assert final.contact.first_saved_at == NOW
    assert service.outbox_count() == 1
    items = profile.sync_store().pending_outbox(10)
    assert [(i.kind, i.id) for i in items] == [("contact", draft.id)]
    assert items[0].record == final.contact
    report = profile.verify_audit()
    assert report.ok, report.describe()


def test_nar_immutable_final_contact_refuses_interim_save_and_refinalize(service: SqlContactService) -> None:
    """NAR-IMMUTABLE: once final, no service path changes text or selections."""
    draft = _started(service)
    service.finalize(draft)
    with pytest.raises(ContactLocked, match="NAR-IMMUTABLE"):
        service.interim_save(draft.model_copy(update={"narrative": "rewritten"}))
    with pytest.raises(ContactLocked, match="NAR-IMMUTABLE"):
        service.finalize(draft.model_copy(update={"method": "TELEPHONE"}))
    assert service.get(draft.id).contact.narrative == draft.narrative
    assert service.outbox_count() == 1


def test_nar_sameday_ended_day_complete_draft_is_finalized_as_it_stood(
    service: SqlContactService, clock: Clock
) -> None:
    """NAR-SAMEDAY: a complete draft left open at the end of its day becomes final as it stood."""
    draft = _started(service)
    service.interim_save(draft)
    clock.advance(days=1)
    closed = service.close_ended_days()
    assert [(c.contact.id, c.state) for c in closed] == [(draft.id, ContactState.FINAL)]
    stored = service.get(draft.id)
    assert stored.state is ContactState.FINAL
    assert stored.contact.narrative == draft.narrative
    assert stored.contact.finalized_at is not None and stored.contact.finalized_at < clock.now
    assert stored.contact.finalized_at.astimezone(NOW.tzinfo).date() == NOW.date()
    assert service.outbox_count() == 1
    assert service.open_drafts() == []


def test_nar_sameday_ended_day_incomplete_draft_is_frozen_and_flagged(
    service: SqlContactService, clock: Clock
) -> None:
    """NAR-SAMEDAY: an incomplete draft is frozen, flagged for the supervisor, and its text locked."""
    draft = _started(service).model_copy(update={"narrative": ""})
    service.interim_save(draft)
    clock.advance(days=1)
    [closed] = service.close_ended_days()
    assert closed.state is ContactState.DRAFT and closed.flagged_for_supervisor
    assert (
        closed.frozen_reason
        and "NAR-SAMEDAY" in closed.frozen_reason
        and "NAR-REQUIRED" in closed.frozen_reason
    )
    stored = service.get(draft.id)
    assert not stored.editable and stored.flagged_for_supervisor
    assert [c.contact.id for c in service.flagged_for_supervisor()] == [draft.id]
    with pytest.raises(ContactLocked):
        service.interim_save(draft.model_copy(update={"narrative": "added later"}))
    # never queued as a contact; reported once to the office as a policy exception for the supervisor
    [item] = SyncStore(service.profile).pending_outbox()
    assert item.kind == "frozen_draft" and isinstance(item.record, FrozenDraft)
    assert item.record.contact == draft.model_copy(update={"first_saved_at": stored.contact.first_saved_at})
    assert item.record.frozen_reason == closed.frozen_reason
    assert item.content_hash == content_hash(item.record), "the hash the server will compute"
    assert service.close_ended_days() == []  # closing again changes nothing
    assert service.outbox_count() == 1


def test_sup_alerts_a_draft_frozen_before_the_outbox_carried_reports_is_reported(
    service: SqlContactService, clock: Clock
) -> None:
    """SUP-ALERTS / NAR-SAMEDAY: a profile frozen under store revision 0003 has no report queued; the next
    close of ended days queues it, dated when it was frozen, with the hash the server will compute."""
    draft = _started(service).model_copy(update={"narrative": ""})
    service.interim_save(draft)
    clock.advance(days=1)
    [closed] = service.close_ended_days()
    frozen_at = clock.now
    with service.profile.write() as conn:  # as a 0003 profile holds it: frozen, never reported
        conn.execute(text("DELETE FROM outbox WHERE kind = 'frozen_draft'"))
    assert service.outbox_count() == 0
    clock.advance(hours=3)
    assert service.close_ended_days() == []  # nothing newly closed; the old one is reported
    [item] = SyncStore(service.profile).pending_outbox()
    assert item.kind == "frozen_draft" and isinstance(item.record, FrozenDraft)
    assert item.record.contact.id == draft.id and item.record.frozen_reason == closed.frozen_reason
    assert item.record.frozen_at == frozen_at
    assert item.content_hash == content_hash(item.record)
    service.close_ended_days()
    assert service.outbox_count() == 1, "reported once"


def test_nar_sameday_subsequent_contact_links_to_the_first(service: SqlContactService, clock: Clock) -> None:
    """NAR-SAMEDAY: information after the day goes into a new contact linked by previous_contact_id."""
    draft = _started(service)
    service.finalize(draft)
    clock.advance(days=1)
    follow = service.start_subsequent(draft.id)
    assert follow.contact.previous_contact_id == draft.id
    assert follow.contact.id != draft.id and follow.contact.context_id == draft.context_id
    assert follow.contact.on_behalf_of_child_ids == draft.on_behalf_of_child_ids
    assert follow.editable


def test_nar_amend_worker_is_refused(service: SqlContactService) -> None:
    """NAR-AMEND: a worker cannot amend, not even their own contact."""
    draft = _started(service)
    service.finalize(draft)
    with pytest.raises(NotAllowed, match="NAR-AMEND"):
        service.amend(draft.id, "The child was Kit, not Nova.", "wrong child selected")
    assert service.get(draft.id).amendments == ()


@pytest.mark.parametrize("staff_id", ["s-lee", "m-kim"])
def test_nar_amend_supervisor_or_manager_appends_and_original_stays(
    service: SqlContactService, staff_id: str
) -> None:
    """NAR-AMEND: supervisor/manager add new information, reason, full name, title and date; both shown."""
    draft = _started(service)
    final = service.finalize(draft)
    amendment = service.acting_as(staff_id).amend(
        draft.id, "The child was Kit, not Nova.", "wrong child selected"
    )
    person = service.caseload().staff_member(staff_id)
    assert person is not None
    assert (amendment.modifier_full_name, amendment.modifier_title) == (person.full_name, person.title)
    assert amendment.modified_on == NOW.date()
    assert amendment.reason == "wrong child selected"
    stored = service.get(draft.id)
    assert stored.contact == final.contact  # original unchanged
    assert stored.amendments == (amendment,)
    assert service.outbox_count() == 2  # the amendment travels too


def test_nar_amend_draft_cannot_be_amended(service: SqlContactService) -> None:
    draft = _started(service)
    with pytest.raises(ServiceError, match="NAR-AMEND"):
        service.acting_as("s-lee").amend(draft.id, "x", "y")


def test_nar_length_an_amendment_longer_than_a_narrative_is_refused_and_nothing_saved(
    service: SqlContactService,
) -> None:
    """An amendment is narrative added to the record: it gets the narrative's limit (NAR-LENGTH)."""
    draft = _started(service)
    service.finalize(draft)
    limit = service.tables.agency.narrative_max_chars
    supervisor = service.acting_as("s-lee")
    with pytest.raises(ServiceError, match=f"NAR-LENGTH.*at most {limit:,}"):
        supervisor.amend(draft.id, "x" * (limit + 1), "late detail")
    assert service.get(draft.id).amendments == ()
    assert supervisor.amend(draft.id, "x" * limit, "late detail").new_information == "x" * limit


def test_recent_contacts_newest_first_and_unknown_ids_are_clear(
    service: SqlContactService, clock: Clock
) -> None:
    first = _started(service)
    clock.advance(minutes=1)
    second = _started(service)
    assert [c.contact.id for c in service.recent_contacts("C-2001")] == [second.id, first.id]
    assert service.recent_contacts("R-1001") == []
    with pytest.raises(ServiceError, match="not in this profile"):
        service.get(new_id())
    with pytest.raises(ServiceError, match="not in this caseload"):
        service.start_contact("NOPE", ContactKind.CHILD_CASE, [])


def test_new_contact_ids_must_be_uuid7(service: SqlContactService) -> None:
    with pytest.raises(ServiceError, match="UUIDv7"):
        service.interim_save(valid_contact(id="contact-1"))
    with pytest.raises(ServiceError, match="UUIDv7"):
        service.finalize(valid_contact(id="6f1c2b1e-3c1a-4d2b-9a7e-1f2e3d4c5b6a"))  # a v4
    assert service.outbox_count() == 0
