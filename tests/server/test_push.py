"""Push semantics against a real server process (SQLite and PostgreSQL): accepted, duplicate, conflict,
refused with findings without blocking the rest, forbidden outside the worker's caseload, stored once with
its audit entry. NAR-IMMUTABLE on the server: a stored contact is never overwritten."""

from __future__ import annotations

from fieldapp.domain.records import ContactKind
from fieldapp.sync.protocol import Outcome, PushResponse
from tests.server.conftest import Org
from tests.server.helpers import final_contact, push, push_ok


def test_valid_contacts_are_accepted_and_a_retry_is_a_duplicate(org: Org) -> None:
    contacts = tuple(final_contact(kind) for kind in ContactKind)
    with org.client("w-ana") as ana:
        first = push_ok(ana, "w-ana", *contacts)
        again = push_ok(ana, "w-ana", *contacts)
    assert [r.outcome for r in first.results] == [Outcome.ACCEPTED] * len(contacts)
    assert [r.status for r in first.results] == [201] * len(contacts)
    assert [r.id for r in first.results] == [c.id for c in contacts]
    assert [r.outcome for r in again.results] == [Outcome.DUPLICATE] * len(contacts)
    assert [r.content_hash for r in again.results] == [r.content_hash for r in first.results]


def test_refused_contact_carries_its_findings_and_does_not_block_the_batch_nar_required(org: Org) -> None:
    """NAR-REQUIRED re-checked by the server: the contact without narrative is refused, the others stored."""
    good1, good2 = final_contact(), final_contact(ContactKind.PARENT_CASE)
    bad = final_contact(narrative="")
    with org.client("w-ana") as ana:
        result = push_ok(ana, "w-ana", good1, bad, good2)
    outcomes = {r.id: r for r in result.results}
    assert outcomes[good1.id].outcome is Outcome.ACCEPTED
    assert outcomes[good2.id].outcome is Outcome.ACCEPTED
    refused = outcomes[bad.id]
    assert refused.outcome is Outcome.REFUSED and refused.status == 422
    assert ("NAR-REQUIRED", "narrative") in {(f.rule_id, f.field) for f in refused.findings}


def test_same_id_different_content_is_a_conflict_and_never_overwrites_nar_immutable(org: Org) -> None:
    """NAR-IMMUTABLE: the server keeps the first content; a changed copy is refused (409) and logged."""
    original = final_contact()
    changed = original.model_copy(update={"narrative": original.narrative + " Added later."})
    with org.client("w-ana") as ana:
        push_ok(ana, "w-ana", original)
        single = push(ana, "w-ana", (changed,))
        assert single.status_code == 409
        result = PushResponse.model_validate_json(single.content)
        assert result.results[0].outcome is Outcome.CONFLICT and result.results[0].status == 409
        # In a batch with other items, the conflict is per item and the rest is stored.
        other = final_contact()
        mixed = push_ok(ana, "w-ana", changed, other)
        assert [r.outcome for r in mixed.results] == [Outcome.CONFLICT, Outcome.ACCEPTED]
        # The stored copy is still the original.
        assert push_ok(ana, "w-ana", original).results[0].outcome is Outcome.DUPLICATE
    log = org.server.log()
    assert f"push conflict: contact {original.id}" in log
    assert "Added later" not in log and original.narrative[:40] not in log


def test_contact_outside_the_workers_caseload_is_forbidden_and_not_stored(org: Org) -> None:
    theirs = final_contact()  # C-2001 is w-ana's
    with org.client("w-ben") as ben:
        result = push_ok(ben, "w-ben", theirs)
    assert result.results[0].outcome is Outcome.FORBIDDEN and result.results[0].status == 403
    with org.client("w-ana") as ana:
        assert push_ok(ana, "w-ana", theirs).results[0].outcome is Outcome.ACCEPTED


def test_draft_is_refused_only_final_contacts_sync(org: Org) -> None:
    draft = final_contact(finalized_at=None)
    with org.client("w-ana") as ana:
        result = push_ok(ana, "w-ana", draft)
    assert result.results[0].outcome is Outcome.REFUSED
    assert result.results[0].findings[0].field == "finalized_at"


def test_contact_made_before_a_reassignment_still_syncs(org: Org) -> None:
    """A laptop may push after its case was reassigned (made while it was theirs): accepted, never lost;
    a worker the case was never assigned to is still refused."""
    from fieldapp.domain.records import Caseload
    from fieldapp.server.caseload import load_caseload
    from tests.factories import demo_caseload

    db = org.server.database_handle()
    demo = demo_caseload()
    case = next(c for c in demo.cases if c.id == "C-2001")
    ben = next(s for s in demo.staff if s.id == "w-ben")
    made_before = final_contact()
    load_caseload(db, Caseload(worker=ben, cases=(case,)))
    try:
        with org.client("w-ana") as ana:
            assert push_ok(ana, "w-ana", made_before).results[0].outcome is Outcome.ACCEPTED
        with org.client("w-other") as other:
            stranger = final_contact(staff_person_id="w-other")
            assert push_ok(other, "w-other", stranger).results[0].outcome is Outcome.FORBIDDEN
    finally:
        load_caseload(db, demo)
