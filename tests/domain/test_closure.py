"""CLS-* rules: contact after closure, and the case plan covering the contact's date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fieldapp.domain.findings import Severity
from fieldapp.domain.records import Caseload, CasePlan, ClosureException, ClosureExceptionKind, ContactKind
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


def test_cls_closed_nytd_exception_needs_a_nytd_cohort() -> None:
    """CLS-CLOSED: the NYTD exception is recorded and valid only for a case in a NYTD cohort."""
    nytd = ClosureException(kind=ClosureExceptionKind.NYTD, note="NYTD survey follow-up")
    after = {**BLAIR, **at(date(2026, 11, 5)), "closure_exception": nytd}
    bad = valid_contact(K.PARENT_CASE, **after)
    assert [(f.severity, f.field) for f in of_rule(bad, "CLS-CLOSED")] == [(BLOCK, "closure_exception")]
    cohort = with_case("C-2003", nytd_cohort=True)
    assert of_rule(bad, "CLS-CLOSED", caseload=cohort) == []


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
