"""The "counts toward" verdicts of one contact, as the wizard's review page shows them."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.domain.findings import CountVerdict, Severity
from fieldapp.domain.records import CasePlan, ContactKind, PrimaryWorkerException
from fieldapp.domain.rules import counts_toward, engine
from tests.compliance.helpers import case, with_case
from tests.factories import NOW, context_for, demo_caseload, valid_contact

K = ContactKind


def verdict(contact, measure_id: str, person_id: str, caseload=None) -> CountVerdict:
    found = [
        v
        for v in counts_toward(contact, context_for(contact, caseload=caseload))
        if v.measure_id == measure_id and v.person_id == person_id
    ]
    assert len(found) == 1, found
    return found[0]


def test_cmp_child_month_counts_for_each_on_behalf_child_who_is_a_participant() -> None:
    """CMP-CHILD-MONTH: the visit counts for the child seen, not for a child only named on behalf of."""
    contact = valid_contact(K.CHILD_CASE)
    nova = verdict(contact, "CMP-CHILD-MONTH", "p-nova")
    assert nova.counts and nova.blocking_rule_id is None
    assert nova.reason == "Counts as November's monthly visit for Nova Quillfeather."
    kit = verdict(contact, "CMP-CHILD-MONTH", "p-kit")
    assert not kit.counts and kit.blocking_rule_id == "SEL-PARTICIPANT"
    assert "Kit Quillfeather is not a participant" in kit.reason
    both = valid_contact(K.CHILD_CASE, participant_ids=("p-nova", "p-kit"))
    assert verdict(both, "CMP-CHILD-MONTH", "p-kit").counts


def test_cmp_child_month_participant_not_on_behalf_of_does_not_count() -> None:
    contact = valid_contact(
        K.CHILD_CASE, participant_ids=("p-nova", "p-kit"), on_behalf_of_child_ids=("p-nova",)
    )
    kit = verdict(contact, "CMP-CHILD-MONTH", "p-kit")
    assert not kit.counts and kit.blocking_rule_id == "SEL-ONBEHALF"


def test_sel_status_attempted_contact_never_counts() -> None:
    """SEL-STATUS (count part): an Attempted contact never counts as a mandatory contact."""
    for kind, measure, person in (
        (K.CHILD_CASE, "CMP-CHILD-MONTH", "p-nova"),
        (K.PARENT_CASE, "CMP-PARENT-MONTH", "p-avery"),
        (K.SCP_CASE, "CMP-SCP-MONTH", "p-morgan"),
        (K.CHILD_REFERRAL, "CMP-REF-CHILD", "p-maya"),
        (K.PARENT_REFERRAL, "CMP-REF-PERP", "p-dana"),
    ):
        v = verdict(valid_contact(kind, status="ATTEMPTED"), measure, person)
        assert not v.counts
        assert v.blocking_rule_id == "SEL-STATUS"
        assert v.reason == "Attempted contacts never count."


def test_sel_method_child_and_parent_contacts_must_be_in_person() -> None:
    """SEL-METHOD (count part): CHILD_* and PARENT_* mandatory contacts count only when In-Person."""
    for kind, measure, person in (
        (K.CHILD_CASE, "CMP-CHILD-MONTH", "p-nova"),
        (K.PARENT_CASE, "CMP-PARENT-MONTH", "p-avery"),
        (K.CHILD_REFERRAL, "CMP-REF-CHILD", "p-maya"),
    ):
        v = verdict(valid_contact(kind, method="TELEPHONE", location=None), measure, person)
        assert not v.counts and v.blocking_rule_id == "SEL-METHOD"
        assert v.reason == "Not In-Person (Telephone); only an in-person visit counts."
        assert verdict(valid_contact(kind), measure, person).counts


def test_cmp_scp_month_accepts_telephone_but_cmp_scp_6month_needs_in_person() -> None:
    """CMP-SCP-MONTH: in-person, written or telephone; CMP-SCP-6MONTH: in person only."""
    phone = valid_contact(K.SCP_CASE, method="TELEPHONE", location=None)
    assert verdict(phone, "CMP-SCP-MONTH", "p-morgan").counts
    six = verdict(phone, "CMP-SCP-6MONTH", "p-morgan")
    assert not six.counts and six.blocking_rule_id == "SEL-METHOD"
    in_person = valid_contact(K.SCP_CASE)
    month = verdict(in_person, "CMP-SCP-MONTH", "p-morgan")
    assert (
        month.reason
        == "Counts as November's monthly contact with Morgan Thistledown (substitute care provider)."
    )
    # C-2001's current plan sets the SCP in-person frequency to every 3 months
    assert verdict(in_person, "CMP-SCP-6MONTH", "p-morgan").reason.endswith("at least every 3 months.")
    text = verdict(valid_contact(K.SCP_CASE, method="TEXT", location=None), "CMP-SCP-MONTH", "p-morgan")
    assert not text.counts and text.blocking_rule_id == "SEL-METHOD"


def test_cmp_ref_child_case_purpose_in_a_referral_is_kept_but_does_not_count() -> None:
    """CMP-REF-CHILD: a referral contact coded only with a case purpose is accepted and does not count.

    Seed 000: ""Investigate referral" must be selected for at least one Contact Purpose for each child.
    Additional contacts and Contact Purposes may occur during the course of the Emergency Response
    investigation and should be coded accordingly."
    """
    contact = valid_contact(K.CHILD_REFERRAL, purposes=("DELIVERED_SERVICES",))
    assert [f for f in engine.check(contact, context_for(contact)) if f.severity is Severity.BLOCK] == []
    v = verdict(contact, "CMP-REF-CHILD", "p-maya")
    assert not v.counts and v.blocking_rule_id == "SEL-PURPOSE"
    assert v.reason == "The mandatory purpose 'Investigate Referral' is missing."
    both = valid_contact(K.CHILD_REFERRAL, purposes=("INVESTIGATE_REFERRAL", "CLIENT_EVALUATION"))
    assert verdict(both, "CMP-REF-CHILD", "p-maya").counts


def test_sel_purpose_mandatory_purpose_missing_does_not_count() -> None:
    """SEL-PURPOSE (count part): the kind's mandatory purpose must be among the purposes."""
    contact = valid_contact(K.CHILD_CASE, purposes=("ARRANGE_SERVICES",))
    v = verdict(contact, "CMP-CHILD-MONTH", "p-nova")
    assert not v.counts and v.blocking_rule_id == "SEL-PURPOSE"
    assert "'Delivered Services to Client' or 'Conduct Client Evaluation'" in v.reason
    ref = verdict(valid_contact(K.CHILD_REFERRAL, purposes=("ARRANGE_SERVICES",)), "CMP-REF-CHILD", "p-maya")
    assert not ref.counts and ref.blocking_rule_id == "SEL-PURPOSE"
    either = valid_contact(K.CHILD_CASE, purposes=("ARRANGE_SERVICES", "CLIENT_EVALUATION"))
    assert verdict(either, "CMP-CHILD-MONTH", "p-nova").counts


def test_sel_services_sw_plan_contact_must_be_marked_in_a_case() -> None:
    """SEL-SERVICES (count part): a case's mandatory contact counts only when marked SW Plan Contact."""
    for kind, measure, person in (
        (K.CHILD_CASE, "CMP-CHILD-MONTH", "p-nova"),
        (K.PARENT_CASE, "CMP-PARENT-MONTH", "p-avery"),
        (K.SCP_CASE, "CMP-SCP-MONTH", "p-morgan"),
    ):
        v = verdict(valid_contact(kind, services=("FEE_CFT",)), measure, person)
        assert not v.counts and v.blocking_rule_id == "SEL-SERVICES"
        assert "'SW Plan Contact' is not marked" in v.reason


def test_sel_primary_other_worker_counts_only_with_an_approved_exception() -> None:
    """SEL-PRIMARY (count part): not the primary worker and no approved exception -> does not count."""
    by_ben = valid_contact(K.CHILD_CASE, staff_person_id="w-ben")
    v = verdict(by_ben, "CMP-CHILD-MONTH", "p-nova")
    assert not v.counts and v.blocking_rule_id == "SEL-PRIMARY"
    assert "Ben Calloway" in v.reason and "Ana Brightfield" in v.reason
    half = by_ben.model_copy(update={"primary_exception": PrimaryWorkerException(approver_id="m-kim")})
    assert verdict(half, "CMP-CHILD-MONTH", "p-nova").blocking_rule_id == "SEL-PRIMARY"
    approved = by_ben.model_copy(
        update={
            "primary_exception": PrimaryWorkerException(approver_id="m-kim", approved_on=date(2026, 11, 20))
        }
    )
    assert verdict(approved, "CMP-CHILD-MONTH", "p-nova").counts


def test_sel_primary_typed_name_or_a_supervisor_does_not_make_the_visit_count() -> None:
    """SEL-PRIMARY (count part): only the bureau program manager, by staff ID, approves the exception.

    Seed 000: "Exceptions to this requirement should be rare and must be approved by the bureau program
    manager." Today's main counts any typed name with a date: the unit supervisor, the worker, "x".
    """
    by_ben = valid_contact(K.CHILD_CASE, staff_person_id="w-ben")
    on = date(2026, 11, 20)
    for exception, why in (
        (PrimaryWorkerException(approver_name="x", approved_on=on), "only a typed name"),
        (PrimaryWorkerException(approver_id="s-lee", approved_on=on), "is not a bureau program manager"),
        (PrimaryWorkerException(approver_id="w-ben", approved_on=on), "cannot approve their own exception"),
        (PrimaryWorkerException(approver_id="m-kim", approved_on=date(2026, 11, 30)), "after today"),
    ):
        v = verdict(by_ben.model_copy(update={"primary_exception": exception}), "CMP-CHILD-MONTH", "p-nova")
        assert not v.counts and v.blocking_rule_id == "SEL-PRIMARY", exception
        assert why in v.reason, v.reason


def test_cls_caseplan_no_approved_plan_covering_the_day_does_not_count() -> None:
    """CLS-CASEPLAN (count part): contacts count only while an approved case plan covers the month."""
    demo = demo_caseload()
    plans = case(demo, "C-2001").case_plans
    draft = with_case("C-2001", case_plans=(plans[0], plans[1].model_copy(update={"approved_on": None})))
    v = verdict(valid_contact(K.CHILD_CASE), "CMP-CHILD-MONTH", "p-nova", caseload=draft)
    assert not v.counts and v.blocking_rule_id == "CLS-CASEPLAN"
    assert "not approved" in v.reason
    stale = with_case(
        "C-2001",
        case_plans=(
            CasePlan(
                id="CP-old",
                approved_on=date(2026, 3, 20),
                covers_from=date(2026, 3, 2),
                covers_to=date(2027, 3, 1),
            ),
        ),
    )
    v = verdict(valid_contact(K.PARENT_CASE), "CMP-PARENT-MONTH", "p-avery", caseload=stale)
    assert not v.counts and v.blocking_rule_id == "CLS-CASEPLAN"
    assert "more than 6 months" in v.reason
    gap = with_case("C-2001", case_plans=(plans[0],))
    v = verdict(valid_contact(K.SCP_CASE), "CMP-SCP-MONTH", "p-morgan", caseload=gap)
    assert not v.counts and v.blocking_rule_id == "CLS-CASEPLAN"
    assert "No approved case plan covers 23 Nov 2026" in v.reason


def test_cls_schedule_runaway_waiver_and_icpc_change_what_is_required() -> None:
    """CLS-SCHEDULE (count part): C-2002's ICPC child Rio and runaway child Skye need no monthly visit."""
    contact = valid_contact(
        K.CHILD_CASE,
        context_id="C-2002",
        participant_ids=("p-rio", "p-skye"),
        on_behalf_of_child_ids=("p-rio", "p-skye"),
    )
    rio = verdict(contact, "CMP-CHILD-MONTH", "p-rio")
    assert not rio.counts and rio.blocking_rule_id == "CLS-SCHEDULE"
    assert "ICPC placement" in rio.reason and "Rio Marigold" in rio.reason
    skye = verdict(contact, "CMP-CHILD-MONTH", "p-skye")
    assert not skye.counts and skye.blocking_rule_id == "CLS-SCHEDULE"
    assert "runaway status since 20 Oct 2026" in skye.reason and "contact waiver" in skye.reason
    hale = valid_contact(
        K.SCP_CASE, context_id="C-2002", participant_ids=("p-hale",), on_behalf_of_child_ids=("p-rio",)
    )
    assert verdict(hale, "CMP-SCP-MONTH", "p-hale").blocking_rule_id == "CLS-SCHEDULE"


def test_cmp_residence_counts_only_visits_in_the_child_residence() -> None:
    """CMP-RESIDENCE: a school visit is still the monthly visit but not a visit in the child's residence."""
    home = valid_contact(K.CHILD_CASE)
    assert verdict(home, "CMP-RESIDENCE", "p-nova").counts
    school = valid_contact(K.CHILD_CASE, location="SCHOOL")
    assert verdict(school, "CMP-CHILD-MONTH", "p-nova").counts
    v = verdict(school, "CMP-RESIDENCE", "p-nova")
    assert not v.counts and v.blocking_rule_id == "SEL-LOCATION" and "'School'" in v.reason


def test_cmp_parent_month_counts_for_the_parent_seen() -> None:
    """CMP-PARENT-MONTH: a counted PARENT_CASE contact for each parent who took part."""
    v = verdict(valid_contact(K.PARENT_CASE), "CMP-PARENT-MONTH", "p-avery")
    assert v.counts and v.reason == "Counts as November's monthly visit with Avery Quillfeather."


def test_cmp_ref_child_counts_for_a_named_child_seen_in_person() -> None:
    """CMP-REF-CHILD: Completed, In-Person, Investigate Referral, the named child a participant."""
    contact = valid_contact(K.CHILD_REFERRAL)
    v = verdict(contact, "CMP-REF-CHILD", "p-maya")
    assert v.counts and "Maya Brightwater" in v.reason
    ids = {
        x.person_id for x in counts_toward(contact, context_for(contact)) if x.measure_id == "CMP-REF-CHILD"
    }
    assert ids == {"p-maya"}  # Leo is on behalf of but was not seen


def test_cmp_ref_perp_any_completed_contact_with_the_caci_flagged_perpetrator() -> None:
    """CMP-REF-PERP: R-1001's p-dana (CACI) counts once a participant in a Completed contact, by any method."""
    phone = valid_contact(K.PARENT_REFERRAL, method="TELEPHONE", location=None)
    v = verdict(phone, "CMP-REF-PERP", "p-dana")
    assert v.counts and "alleged perpetrator Dana Brightwater" in v.reason
    assert not verdict(valid_contact(K.PARENT_REFERRAL, status="ATTEMPTED"), "CMP-REF-PERP", "p-dana").counts
    sam = valid_contact(K.PARENT_REFERRAL, participant_ids=("p-sam",))
    assert not [x for x in counts_toward(sam, context_for(sam)) if x.measure_id == "CMP-REF-PERP"]


def test_collateral_contact_counts_toward_nothing() -> None:
    contact = valid_contact(K.COLLATERAL)
    assert counts_toward(contact, context_for(contact)) == []


def test_block_finding_means_no_verdict_counts_and_names_the_first_blocking_rule() -> None:
    """A contact with any block finding never counts; the verdict names the first blocking rule."""
    for kind in (K.CHILD_CASE, K.PARENT_CASE, K.SCP_CASE, K.CHILD_REFERRAL, K.PARENT_REFERRAL):
        contact = valid_contact(kind, narrative="", staff_person_id="w-nobody")
        ctx = context_for(contact)
        first = next(f for f in engine.check(contact, ctx) if f.severity is Severity.BLOCK)
        found = counts_toward(contact, ctx)
        assert found
        for v in found:
            assert not v.counts
            assert v.blocking_rule_id == first.rule_id
            assert first.message in v.reason


def test_valid_demo_contacts_count_somewhere() -> None:
    """The demo's valid contacts are the baseline the other tests break."""
    for kind in (K.CHILD_CASE, K.PARENT_CASE, K.SCP_CASE, K.CHILD_REFERRAL, K.PARENT_REFERRAL):
        contact = valid_contact(kind)
        assert any(v.counts for v in counts_toward(contact, context_for(contact))), kind


def test_cls_caseplan_sw_plan_contact_must_be_set_up_for_the_person_in_the_plan() -> None:
    """CLS-CASEPLAN (count part): reports match visits against the SW Plan Contact set up in the case plan
    for the child, each parent and the SCP; without Kit's entry Kit's visit cannot count."""
    demo = demo_caseload()
    plans = case(demo, "C-2001").case_plans
    current = plans[1]
    without_kit = current.model_copy(
        update={"sw_plan_contacts": tuple(s for s in current.sw_plan_contacts if s.person_id != "p-kit")}
    )
    cl = with_case("C-2001", case_plans=(plans[0], without_kit))
    kit = valid_contact(K.CHILD_CASE, participant_ids=("p-kit",))
    v = verdict(kit, "CMP-CHILD-MONTH", "p-kit", caseload=cl)
    assert not v.counts and v.blocking_rule_id == "CLS-CASEPLAN"
    assert v.reason == "The approved case plan CP-2001-2 has no SW Plan Contact set up for Kit Quillfeather."
    assert verdict(valid_contact(K.CHILD_CASE), "CMP-CHILD-MONTH", "p-nova", caseload=cl).counts


@settings(max_examples=120, deadline=None)
@given(
    staff=st.sampled_from(["w-ben", "s-lee", "m-kim"]),
    approver=st.one_of(st.none(), st.sampled_from(["w-ana", "w-ben", "s-lee", "m-kim", "x"])),
    approved_on=st.one_of(st.none(), st.dates(min_value=date(2026, 11, 1), max_value=date(2026, 12, 31))),
)
def test_sel_primary_exception_counts_exactly_when_the_bureau_program_manager_approved_in_time(
    staff: str, approver: str | None, approved_on: date | None
) -> None:
    """SEL-PRIMARY (count part), as a property: the visit by someone else counts if and only if the
    approver is the bureau program manager (m-kim), is not who made the contact, and approved no later
    than the final save (23 Nov)."""
    contact = valid_contact(
        K.CHILD_CASE,
        staff_person_id=staff,
        primary_exception=PrimaryWorkerException(approver_id=approver, approved_on=approved_on),
        finalized_at=NOW.replace(hour=12),
    )
    expected = (
        approver == "m-kim" and staff != "m-kim" and approved_on is not None and approved_on <= NOW.date()
    )
    v = verdict(contact, "CMP-CHILD-MONTH", "p-nova")
    assert v.counts is expected, v.reason
    if not expected:
        assert v.blocking_rule_id == "SEL-PRIMARY"
