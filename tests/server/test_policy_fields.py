"""Issue 17's new fields travel the whole way: the demo caseload served by the server carries the bureau
program manager, the terminating hearing's time and the NYTD youth; pushed contacts keep the approver's
staff ID and who initiated the contact; the server's re-check decides CLS-CLOSED as the laptop does."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fieldapp.domain.canonical import content_hash
from fieldapp.domain.records import Case, ContactKind, Initiator, PrimaryWorkerException
from fieldapp.sync.protocol import Outcome
from tests.factories import TZ
from tests.server.conftest import Org
from tests.server.helpers import final_contact, pull, push_ok


def _on(day: date, hour: int) -> dict[str, datetime]:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
    return {
        "started_at": start,
        "ended_at": start + timedelta(minutes=15),
        "first_saved_at": start + timedelta(minutes=20),
        "finalized_at": start + timedelta(minutes=25),
    }


def test_pulled_caseload_carries_the_manager_the_hearing_time_and_the_nytd_youth(org: Org) -> None:
    """SEL-PRIMARY, CLS-CLOSED: what the rules need on the laptop comes down with the caseload."""
    with org.client("w-ana") as ana:
        caseload = pull(ana, "w-ana").caseload
    assert caseload is not None
    kim = caseload.staff_member("m-kim")
    assert kim is not None and kim.is_bureau_program_manager
    c2003 = caseload.matter("C-2003")
    assert isinstance(c2003, Case) and c2003.jurisdiction_terminated_at is not None
    assert c2003.jurisdiction_terminated_at.astimezone(TZ).strftime("%H:%M") == "09:30"
    c2002 = caseload.matter("C-2002")
    assert c2002 is not None
    assert [p.id for p in c2002.people if p.nytd_cohort] == ["p-skye"]


def test_server_recheck_allows_the_clients_call_after_closure_and_refuses_the_workers(org: Org) -> None:
    """CLS-CLOSED on the server: R-1002 closed 10 Nov; a call the client initiated on the 12th is
    accepted, the same call initiated by the worker is refused with the rule's finding.

    Seed 001: "If a client initiates contact with the SW ... after the referral/case is closed, the SW will
    provide good customer service by listening to the client"."""
    call = dict(
        context_id="R-1002",
        participant_ids=("p-rowan",),
        on_behalf_of_child_ids=("p-ivy",),
        method="TELEPHONE",
        location=None,
        **_on(date(2026, 11, 12), 10),
    )
    by_client = final_contact(ContactKind.PARENT_REFERRAL, **call, initiated_by=Initiator.CLIENT)
    by_worker = final_contact(ContactKind.PARENT_REFERRAL, **call, initiated_by=Initiator.WORKER)
    with org.client("w-ana") as ana:
        result = push_ok(ana, "w-ana", by_client, by_worker)
    outcomes = {r.id: r for r in result.results}
    assert outcomes[by_client.id].outcome is Outcome.ACCEPTED
    assert outcomes[by_client.id].content_hash == content_hash(by_client)
    refused = outcomes[by_worker.id]
    assert refused.outcome is Outcome.REFUSED
    assert ("CLS-CLOSED", "started_at") in {(f.rule_id, f.field) for f in refused.findings}


def test_server_keeps_the_approvers_staff_id_and_refuses_after_the_hearing(org: Org) -> None:
    """SEL-PRIMARY: the approver's staff ID reaches the server as pushed (same hash); CLS-CLOSED: a visit
    after C-2003's 09:30 hearing the same day is refused there too."""
    approved = final_contact(
        ContactKind.CHILD_CASE,
        staff_person_id="w-ben",
        primary_exception=PrimaryWorkerException(
            approver_id="m-kim", approver_name="Kim Ostrander", approved_on=date(2026, 11, 20)
        ),
    )
    afternoon = final_contact(
        ContactKind.PARENT_CASE,
        context_id="C-2003",
        participant_ids=("p-blair",),
        on_behalf_of_child_ids=("p-wren",),
        sop_components=("THREE_QUESTIONS",),
        **_on(date(2026, 10, 28), 14),
    )
    with org.client("w-ana") as ana:
        result = push_ok(ana, "w-ana", approved, afternoon)
    first, second = result.results
    assert first.outcome is Outcome.ACCEPTED and first.content_hash == content_hash(approved)
    assert second.outcome is Outcome.REFUSED
    assert any("after the hearing at 09:30" in f.message for f in second.findings)
