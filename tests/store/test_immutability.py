"""NAR-IMMUTABLE and NAR-AMEND enforced by the database itself: raw SQL through the keyed engine is refused
by triggers, so no path (app, sync, a SQL session with the key) can alter a final contact."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

from fieldapp.app.contacts import SqlContactService
from fieldapp.domain.records import Approval, Contact, ContactState
from fieldapp.store.profile import Profile, open_profile
from fieldapp.sync.protocol import PullResponse
from tests.factories import NOW, valid_contact
from tests.support.clock import Clock


def _final(service: SqlContactService) -> Contact:
    contact = valid_contact()
    service.interim_save(contact)
    return service.finalize(contact).contact


def _refused(profile: Profile, sql: str, match: str = "NAR-IMMUTABLE") -> None:
    with pytest.raises(exc.DatabaseError, match=match), profile.write() as conn:
        conn.exec_driver_sql(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE contacts SET body = json_set(body, '$.narrative', 'rewritten') WHERE id = '{id}'",
        "UPDATE contacts SET body = replace(body, 'top bunk', 'floor'), content_hash = 'x' WHERE id = '{id}'",
        "UPDATE contacts SET kind = 'COLLATERAL' WHERE id = '{id}'",
        "UPDATE contacts SET context_id = 'R-1001' WHERE id = '{id}'",
        "UPDATE contacts SET id = 'other' WHERE id = '{id}'",
        "UPDATE contacts SET finalized_at = NULL WHERE id = '{id}'",
        "UPDATE contacts SET first_saved_at = '2026-11-24T08:00:00-08:00' WHERE id = '{id}'",
        "UPDATE contacts SET state = 'draft' WHERE id = '{id}'",
        "DELETE FROM contacts WHERE id = '{id}'",
        "DELETE FROM contacts",
    ],
)
def test_nar_immutable_raw_sql_cannot_change_or_delete_a_final_contact(
    service: SqlContactService, profile: Profile, sql: str
) -> None:
    """NAR-IMMUTABLE: every UPDATE/DELETE of a final contact's content is refused by a trigger."""
    final = _final(service)
    _refused(profile, sql.format(id=final.id))
    assert service.get(final.id).contact == final
    assert profile.verify_audit().ok


def test_nar_immutable_triggers_survive_reopening(
    service: SqlContactService, profile: Profile, clock: Clock
) -> None:
    final = _final(service)
    profile.close()
    reopened = open_profile(profile.directory)
    _refused(reopened, f"UPDATE contacts SET body = '{{}}' WHERE id = '{final.id}'")
    reopened.close()


def test_nar_immutable_only_forward_state_and_sync_bookkeeping_may_change(
    service: SqlContactService, profile: Profile
) -> None:
    """final -> synced -> approved and the sync columns are allowed; going back is refused."""
    final = _final(service)
    with profile.write() as conn:
        conn.exec_driver_sql(
            f"UPDATE contacts SET state = 'synced', synced_at = 'now', sync_refusal = NULL WHERE id = '{final.id}'"
        )
    _refused(profile, f"UPDATE contacts SET state = 'final' WHERE id = '{final.id}'")
    with profile.write() as conn:
        conn.exec_driver_sql(
            f"UPDATE contacts SET state = 'approved', approval_id = 'a1' WHERE id = '{final.id}'"
        )
    _refused(profile, f"UPDATE contacts SET state = 'synced' WHERE id = '{final.id}'")
    stored = service.get(final.id)
    assert stored.state is ContactState.APPROVED and stored.contact == final


def test_nar_immutable_a_draft_cannot_jump_to_synced_or_approved(
    service: SqlContactService, profile: Profile
) -> None:
    draft = valid_contact()
    service.interim_save(draft)
    _refused(profile, f"UPDATE contacts SET state = 'synced' WHERE id = '{draft.id}'")
    _refused(profile, f"UPDATE contacts SET state = 'final' WHERE id = '{draft.id}'")  # no finalized_at


def test_nar_sameday_frozen_draft_text_cannot_change_by_any_path(
    service: SqlContactService, profile: Profile, clock: Clock
) -> None:
    """NAR-SAMEDAY: once its day ended incomplete, the frozen draft is locked in the database too."""
    draft = valid_contact(narrative="")
    service.interim_save(draft)
    clock.advance(days=1)
    service.close_ended_days()
    _refused(
        profile, f"UPDATE contacts SET body = json_set(body, '$.narrative', 'later') WHERE id = '{draft.id}'"
    )
    _refused(profile, f"UPDATE contacts SET frozen_reason = NULL WHERE id = '{draft.id}'")
    _refused(profile, f"DELETE FROM contacts WHERE id = '{draft.id}'")


def test_nar_amend_amendments_are_append_only_in_the_database(
    service: SqlContactService, profile: Profile
) -> None:
    """NAR-AMEND: an amendment, once written, is never changed or removed."""
    final = _final(service)
    amendment = service.acting_as("s-lee").amend(final.id, "Kit was present too.", "participant missing")
    _refused(profile, f"UPDATE amendments SET body = '{{}}' WHERE id = '{amendment.id}'", "NAR-AMEND")
    _refused(profile, "DELETE FROM amendments", "NAR-AMEND")
    assert service.get(final.id).amendments == (amendment,)


def test_audit_log_is_append_only(service: SqlContactService, profile: Profile) -> None:
    _final(service)
    _refused(profile, "UPDATE audit_log SET actor = 'someone' WHERE seq = 1", "append-only")
    _refused(profile, "DELETE FROM audit_log WHERE seq = 2", "append-only")


def test_nar_immutable_sync_pull_changes_only_state_never_content(
    service: SqlContactService, profile: Profile
) -> None:
    """NAR-IMMUTABLE through the sync path: an approval moves the state; the contact's content stays."""
    final = _final(service)
    store = profile.sync_store()
    store.mark_synced([final.id])
    approval = Approval(
        id="ap-1", worker_id="w-ana", approved_by="s-lee", approved_at=NOW, contact_ids=(final.id,)
    )
    store.apply_pull(PullResponse(cursor="c1", approvals=(approval,)))
    stored = service.get(final.id)
    assert stored.state is ContactState.APPROVED and stored.approval == approval
    assert stored.contact == final


_CONTACT_COLUMNS = (
    "id, kind, context_id, state, body, content_hash, business_day, first_saved_at, finalized_at, "
    "previous_contact_id, frozen_reason, flagged_for_supervisor, updated_at"
)
_AS_DRAFT = (
    "SELECT id, kind, context_id, 'draft', json_set(body, '$.narrative', 'rewritten'), content_hash, "
    "business_day, first_saved_at, NULL, previous_contact_id, NULL, 0, updated_at FROM contacts WHERE id = '{id}'"
)


@pytest.mark.parametrize(
    "sql",
    [
        f"REPLACE INTO contacts ({_CONTACT_COLUMNS}) {_AS_DRAFT}",
        f"INSERT OR REPLACE INTO contacts ({_CONTACT_COLUMNS}) {_AS_DRAFT}",
        f"INSERT INTO contacts ({_CONTACT_COLUMNS}) {_AS_DRAFT} "
        "ON CONFLICT (id) DO UPDATE SET body = excluded.body, state = 'draft'",
        "INSERT INTO contacts SELECT * FROM contacts WHERE id = '{id}' ON CONFLICT (id) DO UPDATE SET state = 'draft'",
        "INSERT OR REPLACE INTO contacts SELECT * FROM contacts WHERE id = '{id}'",
    ],
)
def test_nar_immutable_replace_and_upsert_cannot_rewrite_or_unfinalize_a_final_contact(
    service: SqlContactService, profile: Profile, sql: str
) -> None:
    """NAR-IMMUTABLE: SQLite's REPLACE removes the old row without firing delete triggers; the insert is
    refused before any conflict is resolved, so the contact can neither be rewritten nor turned into a
    draft that a plain DELETE would then remove."""
    final = _final(service)
    _refused(profile, sql.format(id=final.id))
    _refused(profile, f"DELETE FROM contacts WHERE id = '{final.id}'")
    assert service.get(final.id).contact == final
    assert profile.verify_audit().ok


def test_nar_immutable_update_or_replace_cannot_move_a_draft_onto_a_final_contact(
    service: SqlContactService, profile: Profile
) -> None:
    final = _final(service)
    draft = valid_contact(narrative="a draft")
    service.interim_save(draft)
    _refused(profile, f"UPDATE OR REPLACE contacts SET id = '{final.id}' WHERE id = '{draft.id}'")
    assert service.get(final.id).contact == final


def test_nar_immutable_a_frozen_draft_cannot_be_replaced(
    service: SqlContactService, profile: Profile, clock: Clock
) -> None:
    draft = valid_contact(narrative="")
    service.interim_save(draft)
    clock.advance(days=1)
    service.close_ended_days()
    _refused(profile, f"INSERT OR REPLACE INTO contacts ({_CONTACT_COLUMNS}) {_AS_DRAFT.format(id=draft.id)}")


def test_a_draft_may_still_be_rewritten_by_the_app(service: SqlContactService) -> None:
    """The refusal names only immutable rows: interim saves of a same-day draft keep working."""
    draft = valid_contact(narrative="first")
    service.interim_save(draft)
    service.interim_save(draft.model_copy(update={"narrative": "second"}))
    assert service.get(draft.id).contact.narrative == "second"


@pytest.mark.parametrize("verb", ["REPLACE", "INSERT OR REPLACE"])
def test_nar_amend_an_amendment_cannot_be_replaced(
    service: SqlContactService, profile: Profile, verb: str
) -> None:
    final = _final(service)
    amendment = service.acting_as("s-lee").amend(final.id, "Kit was present too.", "participant missing")
    _refused(
        profile,
        f"{verb} INTO amendments (id, contact_id, body, content_hash, created_at) "
        f"VALUES ('{amendment.id}', '{final.id}', '{{}}', 'x', 'now')",
        "NAR-AMEND",
    )
    _refused(
        profile,
        "INSERT INTO amendments SELECT * FROM amendments WHERE true ON CONFLICT (id) DO UPDATE SET body = '{}'",
        "NAR-AMEND",
    )
    assert service.get(final.id).amendments == (amendment,)


def test_sup_review_an_approval_cannot_be_replaced(service: SqlContactService, profile: Profile) -> None:
    final = _final(service)
    with profile.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO approvals (id, body, received_at) VALUES ('a1', '{\"contact_ids\": []}', 'now')"
        )
    for sql in (
        "REPLACE INTO approvals (id, body, received_at) VALUES ('a1', '{}', 'later')",
        "INSERT OR REPLACE INTO approvals (id, body, received_at) VALUES ('a1', '{}', 'later')",
        "INSERT INTO approvals VALUES ('a1', '{}', 'later') ON CONFLICT (id) DO UPDATE SET body = '{}'",
    ):
        _refused(profile, sql, "SUP-REVIEW")
    with profile.read() as conn:
        assert conn.exec_driver_sql("SELECT received_at FROM approvals").scalar() == "now"
    assert final.id


@pytest.mark.parametrize(
    "sql",
    [
        "REPLACE INTO audit_log SELECT seq, at, 'someone', action, record_kind, record_id, content_hash, "
        "prev_hash, entry_hash FROM audit_log WHERE seq = 1",
        "INSERT OR REPLACE INTO audit_log SELECT * FROM audit_log WHERE seq = 2",
        "INSERT INTO audit_log SELECT * FROM audit_log WHERE true ON CONFLICT (seq) DO UPDATE SET actor = 'x'",
    ],
)
def test_audit_log_entries_cannot_be_replaced(service: SqlContactService, profile: Profile, sql: str) -> None:
    _final(service)
    _refused(profile, sql, "append-only")
    assert profile.verify_audit().ok
