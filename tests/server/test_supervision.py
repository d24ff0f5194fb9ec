"""Supervisors on the server: a unit's contacts for a month, SUP-REVIEW approvals that reach the worker,
NAR-AMEND amendments (supervisor/manager only, append-only, name and title from the staff list)."""

from __future__ import annotations

from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Amendment, Approval
from fieldapp.sync.protocol import ErrorResponse, Outcome, UnitContacts
from tests.server.conftest import Org
from tests.server.helpers import final_contact, pull_all, push, push_ok

UNIT = "Unit 7 (demo)"


def test_supervisor_lists_the_units_contacts_for_the_month(org: Org) -> None:
    contact = final_contact()
    with org.client("w-ana") as ana:
        push_ok(ana, "w-ana", contact)
    with org.client("s-lee") as lee:
        r = lee.get(f"/v1/units/{UNIT}/contacts", params={"month": "2026-11"})
        assert r.status_code == 200, r.text
        listed = UnitContacts.model_validate_json(r.content)
        r_other_month = lee.get(f"/v1/units/{UNIT}/contacts", params={"month": "2026-10"})
    assert contact.id in {s.contact.id for s in listed.contacts}
    stored = next(s for s in listed.contacts if s.contact.id == contact.id)
    assert stored.contact == contact and stored.worker_id == "w-ana"
    assert contact.id not in {
        s.contact.id for s in UnitContacts.model_validate_json(r_other_month.content).contacts
    }


def test_sup_review_approval_records_who_and_when_and_reaches_the_worker(org: Org) -> None:
    """SUP-REVIEW: the supervisor approves the month's contact sheet; who and when are recorded and the
    approval arrives on the worker's next pull."""
    contact = final_contact()
    with org.client("w-ana") as ana:
        cursor, _ = pull_all(ana, "w-ana")
        push_ok(ana, "w-ana", contact)
    approval_id = new_id()
    with org.client("s-lee") as lee:
        r = lee.post(
            "/v1/workers/w-ana/approvals", json={"id": approval_id, "month": "2026-11", "note": "ok"}
        )
        assert r.status_code == 201, r.text
        approval = Approval.model_validate_json(r.content)
        retry = lee.post(
            "/v1/workers/w-ana/approvals", json={"id": approval_id, "month": "2026-11", "note": "ok"}
        )
        assert retry.status_code == 200 and Approval.model_validate_json(retry.content) == approval
    assert approval.approved_by == "s-lee" and approval.worker_id == "w-ana"
    assert contact.id in approval.contact_ids and approval.approved_at.tzinfo is not None
    with org.client("w-ana") as ana:
        _, pages = pull_all(ana, "w-ana", cursor)
    assert [a.id for p in pages for a in p.approvals] == [approval.id]
    with org.client("s-lee") as lee:
        listed = UnitContacts.model_validate_json(
            lee.get(f"/v1/units/{UNIT}/contacts", params={"month": "2026-11"}).content
        )
    assert approval.id in next(s for s in listed.contacts if s.contact.id == contact.id).approval_ids


def test_approval_of_contacts_not_in_the_month_names_the_field(org: Org) -> None:
    with org.client("s-lee") as lee:
        r = lee.post("/v1/workers/w-ana/approvals", json={"month": "2026-11", "contact_ids": ["nope"]})
        empty = lee.post("/v1/workers/w-ana/approvals", json={"month": "2019-01"})
        bad_month = lee.post("/v1/workers/w-ana/approvals", json={"month": "2026-13"})
    assert (
        r.status_code == 422
        and ErrorResponse.model_validate_json(r.content).details[0].field == "contact_ids"
    )
    assert (
        empty.status_code == 422
        and ErrorResponse.model_validate_json(empty.content).details[0].field == "month"
    )
    assert bad_month.status_code == 422
    assert "month" in ErrorResponse.model_validate_json(bad_month.content).details[0].field


def test_nar_amend_supervisor_amendment_is_append_only_and_reaches_the_worker(org: Org) -> None:
    """NAR-AMEND: the supervisor's correction carries their full name and title (from the server's staff
    list) and the date; the original contact is unchanged; the worker gets it on pull."""
    contact = final_contact()
    with org.client("w-ana") as ana:
        cursor, _ = pull_all(ana, "w-ana")
        push_ok(ana, "w-ana", contact)
    body = {"id": new_id(), "new_information": "The child seen was Kit, not Nova.", "reason": "Wrong child"}
    with org.client("s-lee") as lee:
        r = lee.post(f"/v1/contacts/{contact.id}/amendments", json=body)
        assert r.status_code == 201, r.text
        amendment = Amendment.model_validate_json(r.content)
        assert lee.post(f"/v1/contacts/{contact.id}/amendments", json=body).status_code == 200  # retry
        changed = lee.post(f"/v1/contacts/{contact.id}/amendments", json={**body, "reason": "other"})
        assert changed.status_code == 409
    assert (amendment.modifier_id, amendment.modifier_full_name, amendment.modifier_title) == (
        "s-lee",
        "Lee Harrowgate",
        "Supervising Social Worker",
    )
    with org.client("w-ana") as ana:
        _, pages = pull_all(ana, "w-ana", cursor)
        assert [a.id for p in pages for a in p.amendments] == [amendment.id]
        # The original is untouched: pushing it again is a duplicate of identical content.
        assert push_ok(ana, "w-ana", contact).results[0].outcome is Outcome.DUPLICATE


def test_nar_amend_a_worker_cannot_amend_not_even_their_own_contact(org: Org) -> None:
    """NAR-AMEND: only a supervisor or manager amends, through the endpoint or through push."""
    contact = final_contact()
    with org.client("w-ana") as ana:
        push_ok(ana, "w-ana", contact)
        r = ana.post(f"/v1/contacts/{contact.id}/amendments", json={"new_information": "x", "reason": "y"})
        assert r.status_code == 403
        forged = Amendment(
            id=new_id(),
            contact_id=contact.id,
            new_information="x",
            reason="y",
            modifier_id="w-ana",
            modifier_full_name="Ana Brightfield",
            modifier_title="Social Worker III",
            modified_on=contact.started_at.date(),  # type: ignore[union-attr]
        )
        result = push(ana, "w-ana", amendments=(forged,))
    assert result.status_code == 200
    assert result.json()["results"][0]["outcome"] == "forbidden"


def test_nar_amend_pushed_by_the_supervisor_must_carry_their_name_and_title(org: Org) -> None:
    contact = final_contact()
    with org.client("w-ana") as ana:
        push_ok(ana, "w-ana", contact)
    good = Amendment(
        id=new_id(),
        contact_id=contact.id,
        new_information="Address corrected.",
        reason="Typo",
        modifier_id="s-lee",
        modifier_full_name="Lee Harrowgate",
        modifier_title="Supervising Social Worker",
        modified_on=contact.started_at.date(),  # type: ignore[union-attr]
    )
    wrong_title = good.model_copy(update={"id": new_id(), "modifier_title": "Director"})
    with org.client("s-lee") as lee:
        r = push(lee, "s-lee", amendments=(good, wrong_title))
    results = r.json()["results"]
    assert [x["outcome"] for x in results] == ["accepted", "refused"]
    assert results[1]["findings"][0]["rule_id"] == "NAR-AMEND"


def test_a_manager_sees_only_the_units_whose_supervisors_report_to_them(org: Org) -> None:
    """Unit 7's supervisor (s-lee) reports to m-kim; Unit 9's (s-other) to nobody: m-kim sees Unit 7 only."""
    with org.client("m-kim") as kim:
        assert kim.get(f"/v1/units/{UNIT}/contacts", params={"month": "2026-11"}).status_code == 200
        other = kim.get("/v1/units/Unit 9 (test)/contacts", params={"month": "2026-11"})
        assert other.status_code == 403
        assert "units whose supervisors report to them" in other.text


def test_sup_reports_unit_report_counts_the_stored_face_to_face_contacts(org: Org) -> None:
    """SUP-REPORTS on the server: the unit's report for the month counts w-ana's stored in-person child
    contact (as of the end of the month, so the fixed test day is in the past)."""
    from fieldapp.sync.protocol import UnitReportView

    with org.client("s-lee") as lee:
        before = lee.get(
            f"/v1/units/{UNIT}/report", params={"month": "2026-11", "as_of": "2026-11-30T23:00:00-08:00"}
        )
        assert before.status_code == 200, before.text
        with org.client("w-ana") as ana:
            push_ok(ana, "w-ana", final_contact())
        after = lee.get(
            f"/v1/units/{UNIT}/report", params={"month": "2026-11", "as_of": "2026-11-30T23:00:00-08:00"}
        )
    first = UnitReportView.model_validate_json(before.content)
    second = UnitReportView.model_validate_json(after.content)
    assert second.rule_id == "SUP-REPORTS" and second.unit == UNIT and second.month == "2026-11"
    assert {w.worker_id for w in second.workers} == {"w-ana", "w-ben"}
    ana_before = next(w for w in first.workers if w.worker_id == "w-ana")
    ana_after = next(w for w in second.workers if w.worker_id == "w-ana")
    assert (
        ana_after.contacts.face_to_face_child_contacts == ana_before.contacts.face_to_face_child_contacts + 1
    )
    assert second.contacts.face_to_face_child_contacts >= 1
    with org.client("s-other") as other, org.client("w-ana") as ana:
        assert other.get(f"/v1/units/{UNIT}/report", params={"month": "2026-11"}).status_code == 403
        assert ana.get(f"/v1/units/{UNIT}/report", params={"month": "2026-11"}).status_code == 403
