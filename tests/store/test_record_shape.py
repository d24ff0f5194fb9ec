"""Fields added to stored records (issue 17: the approver's staff ID, who initiated a contact, the
terminating hearing's time, a youth's NYTD cohort) live in the contact's and caseload's stored JSON, so
no store migration: records made before them keep their exact canonical bytes, hence their hashes in the
audit chain and in the outbox (NAR-IMMUTABLE), and the new fields go through the store unchanged."""

from __future__ import annotations

import json
from datetime import date

from fieldapp.app.contacts import SqlContactService
from fieldapp.domain.canonical import canonical_json, content_hash
from fieldapp.domain.records import Case, Contact, ContactKind, Initiator, PrimaryWorkerException
from fieldapp.store.profile import Profile
from tests.factories import demo_caseload, valid_contact
from tests.support.clock import Clock

_ADDED_TO_CONTACTS = {"approver_id", "initiated_by"}


def _without_added(value: object) -> object:
    """The same contact as a fieldapp before issue 17 wrote it: none of the added keys."""
    if isinstance(value, dict):
        return {k: _without_added(v) for k, v in value.items() if k not in _ADDED_TO_CONTACTS}
    if isinstance(value, list):
        return [_without_added(v) for v in value]
    return value


def test_nar_immutable_a_contact_stored_before_the_new_fields_keeps_its_bytes_and_hash() -> None:
    """NAR-IMMUTABLE: the old primary exception (a typed name) parses, and re-dumps to the stored bytes."""
    old = valid_contact(
        ContactKind.CHILD_CASE,
        staff_person_id="w-ben",
        primary_exception=PrimaryWorkerException(
            approver_name="Kim Ostrander", approved_on=date(2026, 11, 20)
        ),
    )
    stored = json.dumps(
        _without_added(json.loads(canonical_json(old))), sort_keys=True, separators=(",", ":")
    ).encode()
    assert b"approver_id" not in stored and b"initiated_by" not in stored
    again = Contact.model_validate_json(stored)
    assert canonical_json(again) == stored


def test_cls_closed_a_case_stored_before_the_hearing_time_keeps_its_bytes() -> None:
    """CLS-CLOSED: a matter the server stored without a hearing time or a youth's cohort re-dumps the same."""
    for matter in demo_caseload().cases:
        old = matter.model_copy(
            update={
                "jurisdiction_terminated_at": None,
                "people": tuple(p.model_copy(update={"nytd_cohort": False}) for p in matter.people),
            }
        )
        text = canonical_json(old)
        assert b"jurisdiction_terminated_at" not in text and b'nytd_cohort":true' not in text
        assert canonical_json(Case.model_validate_json(text)) == text


def test_sel_primary_and_cls_closed_fields_go_through_the_store_and_the_outbox(
    service: SqlContactService, profile: Profile, clock: Clock
) -> None:
    """SEL-PRIMARY, CLS-CLOSED: the approver's staff ID and who initiated the contact are kept as saved."""
    template = valid_contact(
        ContactKind.CHILD_CASE,
        staff_person_id="w-ben",
        primary_exception=PrimaryWorkerException(
            approver_id="m-kim",
            approver_name="Kim Ostrander (Bureau Program Manager)",
            approved_on=date(2026, 11, 20),
        ),
        method="TELEPHONE",
        location=None,
        initiated_by=Initiator.CLIENT,
    )
    started = service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    draft = template.model_copy(
        update={"id": started.contact.id, "first_saved_at": started.contact.first_saved_at}
    )
    clock.advance(minutes=5)
    final = service.finalize(draft)
    assert service.get(draft.id).contact == final.contact
    assert final.contact.initiated_by is Initiator.CLIENT
    assert (
        final.contact.primary_exception is not None and final.contact.primary_exception.approver_id == "m-kim"
    )
    [item] = profile.sync_store().pending_outbox(10)
    assert item.record == final.contact and item.content_hash == content_hash(final.contact)
    assert profile.verify_audit().ok
