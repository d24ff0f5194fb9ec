"""CLS-* rules: contact after closure, and the case plan covering the contact's date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from fieldapp.domain.findings import Severity
from fieldapp.domain.records import (
    Case,
    Caseload,
    CasePlan,
    ClosureException,
    ClosureExceptionKind,
    ContactKind,
    Initiator,
)
from tests.domain.support import assert_breaks, blocks, of_rule
from tests.factories import TZ, demo_caseload, valid_contact

BLOCK, WARN = Severity.BLOCK, Severity.WARN
K = ContactKind


def with_case(case_id: str, **update: object) -> Caseload:
    caseload = demo_caseload()
    cases = tuple(c.model_copy(update=update) if c.id == case_id else c for c in caseload.cases)
    return caseload.model_copy(update={"cases": cases})


def at(day: date, hour: int = 10) -> dict[str, object]:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
    """A contact on `day`, saved and finalized that same day (so the past date is not a NAR-SAMEDAY issue)."""
    return {
        "started_at": start,
        "ended_at": start + timedelta(minutes=20),
        "first_saved_at": start + timedelta(minutes=25),
        "finalized_at": start + timedelta(minutes=30),
    }


IVY = dict(context_id="R-1002", participant_ids=("p-ivy",), on_behalf_of_child_ids=("p-ivy",))
BLAIR = dict(
    context_id="C-2003",
    participant_ids=("p-blair",),
    on_behalf_of_child_ids=("p-wren",),
    sop_components=("THREE_QUESTIONS",),
)


# --------------------------------------------------------------------------- CLS-CLOSED


def test_cls_closed_contact_after_the_referral_closed_blocks() -> None:
    """CLS-CLOSED: no contact dated after the referral was closed (R-1002 closed 2026-11-10)."""
    f = assert_breaks(
        K.CHILD_REFERRAL,
        "CLS-CLOSED",
        BLOCK,
        "started_at",
        base={**IVY, **at(date(2026, 11, 5))},
        **at(date(2026, 11, 12)),
    )
    assert "2026-11-10" in f.message and "closed" in f.message


def test_cls_closed_phone_call_after_closure_blocks_too() -> None:
    """CLS-CLOSED: phone, written and electronic case-management contacts are prohibited as well."""
    late = valid_contact(
        K.PARENT_REFERRAL,
        **{**IVY, "participant_ids": ("p-rowan",)},
        method="TELEPHONE",
        location=None,
        **at(date(2026, 11, 12)),
    )
    assert [(f.severity, f.field) for f in of_rule(late, "CLS-CLOSED")] == [(BLOCK, "started_at")]


def test_cls_closed_ends_when_the_court_terminates_jurisdiction() -> None:
    """CLS-CLOSED: C-2003's court terminated jurisdiction 2026-10-28, before the case closed (11-02)."""
    f = assert_breaks(
        K.PARENT_CASE,
        "CLS-CLOSED",
        BLOCK,
        "started_at",
        base={**BLAIR, **at(date(2026, 10, 27))},
        **at(date(2026, 10, 30)),
    )
    assert "terminated jurisdiction" in f.message


def test_cls_closed_day_is_the_agency_day() -> None:
    """CLS-CLOSED: 23:30 local on the closure day is still that day (UTC is already the next)."""
    last = valid_contact(K.CHILD_REFERRAL, **IVY, **at(date(2026, 11, 10), hour=23))
    assert of_rule(last, "CLS-CLOSED") == []


def test_cls_closed_nytd_exception_belongs_to_the_youth_not_the_case() -> None:
    """CLS-CLOSED: the NYTD exception is the cohort youth's own; a sibling's cohort does not open it.

    Seed 001: "If a youth is part of a National Youth in Transition Database (NYTD) cohort, the SW will
    follow the National Youth In Transition Database (NYTD) policy." C-2002's Skye is in a cohort, Rio is not.
    """
    nytd = ClosureException(kind=ClosureExceptionKind.NYTD, note="NYTD survey follow-up")
    closed = with_case("C-2002", closed_on=date(2026, 11, 10))
    after = {"context_id": "C-2002", **at(date(2026, 11, 12)), "closure_exception": nytd}
    skye = valid_contact(
        K.CHILD_CASE, **after, participant_ids=("p-skye",), on_behalf_of_child_ids=("p-skye",)
    )
    assert of_rule(skye, "CLS-CLOSED", caseload=closed) == []
    rio = valid_contact(K.CHILD_CASE, **after, participant_ids=("p-rio",), on_behalf_of_child_ids=("p-rio",))
    [f] = of_rule(rio, "CLS-CLOSED", caseload=closed)
    assert (f.severity, f.field) == (BLOCK, "closure_exception")
    assert "belongs to the youth in the cohort (Skye Marigold)" in f.message
    both = skye.model_copy(update={"on_behalf_of_child_ids": ("p-skye", "p-rio")})
    [f] = of_rule(both, "CLS-CLOSED", caseload=closed)
    assert "on behalf of Rio Marigold, who is not in the cohort" in f.message
    # A case marked as a whole (the old flag) opens nothing: the cohort is a youth's.
    bad = valid_contact(K.PARENT_CASE, **{**BLAIR, **at(date(2026, 11, 5)), "closure_exception": nytd})
    [f] = of_rule(bad, "CLS-CLOSED", caseload=with_case("C-2003", nytd_cohort=True))
    assert (f.severity, f.field) == (BLOCK, "closure_exception") and "no youth" in f.message


def test_cls_closed_client_initiated_call_after_closure_is_allowed_and_noted() -> None:
    """CLS-CLOSED: the worker initiates nothing after closure, but a client who calls is listened to.

    Seed 001: "Initiating any phone/written/electronic case management activities post-closure/dismissal/
    termination is also prohibited. If a client initiates contact with the SW or stops by the SW's office
    after the referral/case is closed, the SW will provide good customer service by listening to the client
    and providing community referrals if requested."
    """
    call = dict(
        IVY, participant_ids=("p-rowan",), method="TELEPHONE", location=None, **at(date(2026, 11, 12))
    )
    by_client = valid_contact(K.PARENT_REFERRAL, **call, initiated_by=Initiator.CLIENT)
    [f] = of_rule(by_client, "CLS-CLOSED")
    assert (f.severity, f.field) == (WARN, "initiated_by")
    assert "recorded as initiated by the client (Telephone): allowed" in f.message
    assert blocks(by_client) == []
    by_worker = valid_contact(K.PARENT_REFERRAL, **call, initiated_by=Initiator.WORKER)
    [f] = of_rule(by_worker, "CLS-CLOSED")
    assert (f.severity, f.field) == (BLOCK, "started_at")
    assert "record that the client initiated the contact" in f.message
    visit = valid_contact(
        K.PARENT_REFERRAL,
        **{**call, "method": "IN_PERSON", "location": "OFFICE"},
        initiated_by=Initiator.CLIENT,
    )
    [f] = of_rule(visit, "CLS-CLOSED")
    assert f.severity is BLOCK and "even if the family requests it" in f.message


def test_cls_closed_no_contact_after_the_terminating_hearing_the_same_day() -> None:
    """CLS-CLOSED: the case records the hearing's time; a contact after it, that same day, is refused.

    Seed 001: "This policy applies even when the Court dismisses a petition or terminates jurisdiction
    against the Agency's recommendation (i.e. Court terminates jurisdiction, the SW cannot have contact
    after that hearing in the same day)." C-2003's hearing was 28 Oct at 09:30.
    """
    afternoon = valid_contact(K.PARENT_CASE, **BLAIR, **at(date(2026, 10, 28), hour=14))
    [f] = of_rule(afternoon, "CLS-CLOSED")
    assert (f.severity, f.field) == (BLOCK, "started_at")
    assert "after the hearing at 09:30 on 2026-10-28" in f.message
    morning = valid_contact(K.PARENT_CASE, **BLAIR, **at(date(2026, 10, 28), hour=8))
    assert of_rule(morning, "CLS-CLOSED") == []
    untimed = with_case("C-2003", jurisdiction_terminated_at=None)
    [w] = of_rule(afternoon, "CLS-CLOSED", caseload=untimed)
    assert w.severity is WARN and "the hearing's time is not recorded" in w.message


def test_cls_closed_hearing_time_falls_on_the_termination_day() -> None:
    """CLS-CLOSED: a hearing time on another day than the recorded termination is refused as bad input."""
    case = demo_caseload().matter("C-2003")
    assert case is not None
    data = case.model_dump(mode="json") | {"jurisdiction_terminated_at": "2026-10-29T09:30:00-07:00"}
    with pytest.raises(ValidationError, match="must fall on jurisdiction_terminated_on"):
        Case.model_validate(data)


def test_cls_closed_payment_document_exception_needs_the_purpose_and_a_written_method() -> None:
    """CLS-CLOSED: a payment/renewal document (AAP, Kin-GAP) may be sent after closure, in writing."""
    doc = ClosureException(kind=ClosureExceptionKind.PAYMENT_DOCUMENT, note="Kin-GAP renewal")
    letter = {
        **BLAIR,
        **at(date(2026, 11, 5)),
        "closure_exception": doc,
        "method": "WRITTEN",
        "location": None,
    }
    ok = valid_contact(K.PARENT_CASE, **letter, purposes=("PAYMENT_RENEWAL",))
    assert of_rule(ok, "CLS-CLOSED") == []
    visit = valid_contact(
        K.PARENT_CASE,
        **{**letter, "method": "IN_PERSON", "location": "PARENT_RESIDENCE"},
        purposes=("PAYMENT_RENEWAL",),
    )
    assert [(f.severity, f.field) for f in of_rule(visit, "CLS-CLOSED")] == [(BLOCK, "closure_exception")]
    no_purpose = valid_contact(K.PARENT_CASE, **letter, purposes=("ARRANGE_SERVICES",))
    [f] = of_rule(no_purpose, "CLS-CLOSED")
    assert f.field == "closure_exception" and "Payment/Renewal" in f.message


# --------------------------------------------------------------------------- CLS-CASEPLAN


def test_cls_caseplan_no_approved_plan_covering_the_date_warns() -> None:
    """CLS-CASEPLAN: a case's contacts are in compliance only while an approved plan covers the month."""
    no_plan = with_case("C-2001", case_plans=())
    assert of_rule(valid_contact(K.CHILD_CASE), "CLS-CASEPLAN") == []
    [w] = of_rule(valid_contact(K.CHILD_CASE), "CLS-CASEPLAN", caseload=no_plan)
    assert (
        w.severity is WARN
        and w.field == "started_at"
        and "No approved case plan covers 23 Nov 2026" in w.message
    )
    assert blocks(valid_contact(K.CHILD_CASE), caseload=no_plan) == []


def test_cls_caseplan_draft_plan_is_not_approved() -> None:
    """CLS-CASEPLAN: a plan that is not approved does not count."""
    plan = CasePlan(id="CP-draft", approved_on=None, covers_from=date(2026, 9, 2), covers_to=date(2027, 3, 1))
    [w] = of_rule(valid_contact(K.SCP_CASE), "CLS-CASEPLAN", caseload=with_case("C-2001", case_plans=(plan,)))
    assert "not approved" in w.message


def test_cls_caseplan_plan_approved_more_than_six_months_before_warns() -> None:
    """CLS-CASEPLAN: a plan older than 6 months is flagged."""
    old = CasePlan(
        id="CP-old", approved_on=date(2026, 3, 20), covers_from=date(2026, 3, 2), covers_to=date(2027, 3, 1)
    )
    [w] = of_rule(
        valid_contact(K.PARENT_CASE), "CLS-CASEPLAN", caseload=with_case("C-2001", case_plans=(old,))
    )
    assert w.severity is WARN and "more than 6 months" in w.message
    fresh = old.model_copy(update={"approved_on": date(2026, 5, 23)})  # exactly 6 months before 11-23
    assert (
        of_rule(
            valid_contact(K.PARENT_CASE), "CLS-CASEPLAN", caseload=with_case("C-2001", case_plans=(fresh,))
        )
        == []
    )


def test_cls_caseplan_gap_between_plans_warns() -> None:
    """CLS-CASEPLAN: a break between plan dates is flagged."""
    first = CasePlan(
        id="CP-a", approved_on=date(2026, 3, 20), covers_from=date(2026, 3, 2), covers_to=date(2026, 6, 30)
    )
    second = CasePlan(
        id="CP-b", approved_on=date(2026, 8, 25), covers_from=date(2026, 8, 1), covers_to=date(2027, 3, 1)
    )
    [w] = of_rule(
        valid_contact(K.CHILD_CASE), "CLS-CASEPLAN", caseload=with_case("C-2001", case_plans=(first, second))
    )
    assert "2026-07-01 to 2026-07-31" in w.message


def test_cls_caseplan_does_not_apply_to_referrals() -> None:
    """CLS-CASEPLAN: referrals have no case plan."""
    assert of_rule(valid_contact(K.CHILD_REFERRAL), "CLS-CASEPLAN") == []
