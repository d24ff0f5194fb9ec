"""What the recent-contacts table says about a contact's state and a draft's time left (NAR-SAMEDAY)."""

from __future__ import annotations

from datetime import date, timedelta

from fieldapp.app.service import StoredContact
from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Amendment, Approval, ContactKind, ContactState
from fieldapp.gui.models import state_label, time_left_text
from tests.factories import NOW, TZ, valid_contact


def _stored(state: ContactState, **extra) -> StoredContact:  # type: ignore[no-untyped-def]
    return StoredContact(contact=valid_contact(ContactKind.CHILD_CASE), state=state, **extra)


def test_state_words_for_every_stage_of_a_contacts_life():
    c = valid_contact(ContactKind.CHILD_CASE)
    amendment = Amendment(
        id="a-1",
        contact_id=c.id,
        new_information="Child is Kit, not Nova.",
        reason="wrong child",
        modifier_id="s-lee",
        modifier_full_name="Lee Harrowgate",
        modifier_title="Supervisor",
        modified_on=date(2026, 11, 24),
    )
    approval = Approval(
        id="ap-1", worker_id="w-ana", approved_by="s-lee", approved_at=NOW, contact_ids=(c.id,)
    )
    refusal = (Finding("NAR-REQUIRED", Severity.BLOCK, "narrative", "A narrative is required."),)
    assert state_label(_stored(ContactState.DRAFT)) == "draft"
    assert state_label(_stored(ContactState.FINAL)) == "final"
    assert state_label(_stored(ContactState.SYNCED)) == "synced"
    assert state_label(_stored(ContactState.APPROVED, approval=approval)) == "approved"
    assert state_label(_stored(ContactState.SYNCED, amendments=(amendment,))) == "amended"
    assert (
        state_label(_stored(ContactState.DRAFT, frozen_reason="day ended", flagged_for_supervisor=True))
        == "draft (frozen, flagged for supervisor)"
    )
    assert state_label(_stored(ContactState.FINAL, sync_refusal=refusal)) == "final (refused by server)"


def test_time_left_counts_down_to_the_end_of_the_agency_day():
    """NAR-SAMEDAY: the draft's business day is the agency day of its first save."""
    c = valid_contact(ContactKind.CHILD_CASE, first_saved_at=NOW.replace(hour=9))
    assert time_left_text(c, NOW, TZ) == "8 h 00 min left"
    assert time_left_text(c, NOW.replace(hour=23, minute=35), TZ) == "25 min left"
    assert time_left_text(c, NOW + timedelta(days=1), TZ) == "day ended"
    unsaved = valid_contact(ContactKind.CHILD_CASE, first_saved_at=None, started_at=None)
    assert time_left_text(unsaved, NOW, TZ) == "not saved yet"
