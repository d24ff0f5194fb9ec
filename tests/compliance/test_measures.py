"""The monthly compliance measures (RULES.md section 5) on the demo caseload and hand-built variants."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance import MeasureStatus
from fieldapp.domain.records import ContactKind, Placement
from tests.compliance.helpers import at, case, report, visit, with_case
from tests.factories import NOW, demo_caseload

K = ContactKind
S = MeasureStatus
NOV, OCT, DEC = Month(2026, 11), Month(2026, 10), Month(2026, 12)


def nova(day: date, **changes: object):
    return visit(K.CHILD_CASE, day, **changes)


def test_cmp_child_month_met_by_a_counted_visit_and_due_for_a_child_not_seen() -> None:
    """CMP-CHILD-MONTH: Nova seen on 3 Nov is met; Kit still due, with the month's last day as deadline."""
    seen = nova(date(2026, 11, 3))
    r = report([seen])
    met = r.result("CMP-CHILD-MONTH", "p-nova")
    assert met.status is S.MET and met.contact_ids == (seen.id,)
    assert "made on 3 Nov 2026" in met.detail
    kit = r.result("CMP-CHILD-MONTH", "p-kit")
    assert kit.status is S.DUE and kit.due_by == date(2026, 11, 30)
    assert kit.detail == "Kit Quillfeather still needs November's monthly visit."
    assert kit.worker_id == "w-ana"


def test_cmp_child_month_missed_when_the_month_is_over() -> None:
    """CMP-CHILD-MONTH: judged on 23 Nov, October without a visit is missed."""
    r = report([nova(date(2026, 11, 3))], month=OCT)
    assert r.result("CMP-CHILD-MONTH", "p-nova").status is S.MISSED


def test_cmp_child_month_attempted_or_phone_visit_leaves_the_child_due() -> None:
    """CMP-CHILD-MONTH with SEL-STATUS / SEL-METHOD: only counted contacts meet the month."""
    attempted = nova(date(2026, 11, 3), status="ATTEMPTED")
    phone = nova(date(2026, 11, 4), method="TELEPHONE", location=None)
    assert report([attempted, phone]).result("CMP-CHILD-MONTH", "p-nova").status is S.DUE


def test_drafts_never_count() -> None:
    draft = nova(date(2026, 11, 3), final=False)
    assert report([draft]).result("CMP-CHILD-MONTH", "p-nova").status is S.DUE


def test_cls_schedule_exempts_runaway_waiver_and_icpc_children_and_says_why() -> None:
    """CLS-SCHEDULE: C-2002's Rio (ICPC) and Skye (runaway + waiver) are exempt, with the reason shown."""
    r = report([])
    rio = r.result("CMP-CHILD-MONTH", "p-rio")
    assert rio.status is S.EXEMPT and rio.reason_rule_id == "CLS-SCHEDULE"
    assert "ICPC placement" in rio.detail
    skye = r.result("CMP-CHILD-MONTH", "p-skye")
    assert skye.status is S.EXEMPT and skye.reason_rule_id == "CLS-SCHEDULE"
    assert "runaway status since 20 Oct 2026" in skye.detail and "contact waiver" in skye.detail
    # before the runaway status began, Skye needed her visit
    september = report([], month=Month(2026, 9))
    assert september.result("CMP-CHILD-MONTH", "p-skye").status is S.MISSED
    # the ICPC family's substitute care provider is supervised by the receiving state
    assert r.result("CMP-SCP-MONTH", "p-hale").status is S.EXEMPT
    assert r.result("CMP-SCP-MONTH", "p-sol").status is S.DUE


def test_cls_caseplan_month_without_an_approved_plan_is_flagged_and_visits_do_not_count() -> None:
    """CLS-CASEPLAN: C-2002's plan ends 30 Nov; in December a visit to June does not count."""
    now = at(date(2026, 12, 10), 16)
    june = visit(
        K.PARENT_CASE,
        date(2026, 12, 8),
        context_id="C-2002",
        participant_ids=("p-june",),
        on_behalf_of_child_ids=("p-rio", "p-skye"),
    )
    r = report([june], month=DEC, now=now)
    result = r.result("CMP-PARENT-MONTH", "p-june")
    assert result.status is S.DUE
    assert result.reason_rule_id == "CLS-CASEPLAN"
    assert "No approved case plan covers 1 Dec 2026 to 31 Dec 2026." in result.detail
    coverage = {c.case_id: c for c in r.plan_coverage}
    assert coverage["C-2002"].fully_uncovered and coverage["C-2002"].rule_id == "CLS-CASEPLAN"
    assert coverage["C-2001"].covered
    # November is covered: the same kind of visit counts there
    nov = visit(
        K.PARENT_CASE,
        date(2026, 11, 18),
        context_id="C-2002",
        participant_ids=("p-june",),
        on_behalf_of_child_ids=("p-rio", "p-skye"),
    )
    assert report([nov]).result("CMP-PARENT-MONTH", "p-june").status is S.MET


def test_closed_case_c2003_has_no_monthly_requirement_after_closing() -> None:
    """C-2003 (court terminated jurisdiction 28 Oct) needs no November visit; October it did."""
    r = report([])
    assert not [m for m in r.measures if m.matter_id == "C-2003" and m.measure_id == "CMP-CHILD-MONTH"]
    october = report([], month=OCT)
    assert october.result("CMP-CHILD-MONTH", "p-wren").due_by == date(2026, 10, 28)


def test_cmp_residence_more_than_half_in_the_child_residence_month_and_12_months() -> None:
    """CMP-RESIDENCE: 2 of 3 at home is met; 1 of 2 is not (more than half is required)."""
    home1, home2 = nova(date(2026, 11, 2)), nova(date(2026, 11, 9))
    school = nova(date(2026, 11, 16), location="SCHOOL")
    r = report([home1, home2, school])
    month = next(m for m in r.for_person("p-nova") if m.measure_id == "CMP-RESIDENCE" and m.window == "month")
    assert month.status is S.MET and (month.numerator, month.denominator) == (2, 3)
    r = report([home1, school])
    month = next(m for m in r.for_person("p-nova") if m.measure_id == "CMP-RESIDENCE" and m.window == "month")
    assert month.status is S.DUE and (month.numerator, month.denominator) == (1, 2)
    assert "more than half must be" in month.detail
    # over 12 months, earlier home visits carry the share
    earlier = [nova(date(2026, m, 5)) for m in (6, 7, 8)]
    r = report([*earlier, school])
    year = next(
        m for m in r.for_person("p-nova") if m.measure_id == "CMP-RESIDENCE" and m.window == "last_12_months"
    )
    assert year.status is S.MET and (year.numerator, year.denominator) == (3, 4)
    assert year.period_start == date(2025, 12, 1)


def test_cmp_parent_month_met_and_due() -> None:
    """CMP-PARENT-MONTH: Avery visited is met; June (C-2002) and Noor (C-2004, Ben's case) due."""
    r = report([visit(K.PARENT_CASE, date(2026, 11, 12))])
    assert r.result("CMP-PARENT-MONTH", "p-avery").status is S.MET
    assert r.result("CMP-PARENT-MONTH", "p-june").status is S.DUE
    noor = r.result("CMP-PARENT-MONTH", "p-noor")
    assert noor.status is S.DUE and noor.worker_id == "w-ben"


def test_cmp_scp_month_phone_counts_and_cmp_scp_6month_follows_the_plan_frequency() -> None:
    """CMP-SCP-MONTH by telephone; CMP-SCP-6MONTH every 3 months as C-2001's plan sets."""
    phone = visit(K.SCP_CASE, date(2026, 11, 5), method="TELEPHONE", location=None)
    r = report([phone])
    assert r.result("CMP-SCP-MONTH", "p-morgan").status is S.MET
    six = r.result("CMP-SCP-6MONTH", "p-morgan")
    assert six.status is S.DUE and six.period_start == date(2026, 9, 1)
    assert "at least every 3 months" in six.detail
    august = visit(K.SCP_CASE, date(2026, 8, 20))
    assert report([phone, august]).result("CMP-SCP-6MONTH", "p-morgan").status is S.DUE
    september = visit(K.SCP_CASE, date(2026, 9, 20))
    met = report([phone, september]).result("CMP-SCP-6MONTH", "p-morgan")
    assert met.status is S.MET and met.due_by == date(2026, 12, 31)
    # C-2002's plan keeps the default: at least once every 6 months
    assert report([]).result("CMP-SCP-6MONTH", "p-sol").period_start == date(2026, 6, 1)


def test_cmp_timely_final_saved_by_the_month_last_day_in_agency_time() -> None:
    """CMP-TIMELY: 31 Oct 23:30 in California is on time although it is 1 Nov in UTC; 2 Nov is late."""
    late_night = visit(
        K.CHILD_CASE,
        date(2026, 10, 31),
        started_at=at(date(2026, 10, 31), 21),
        ended_at=at(date(2026, 10, 31), 22),
        first_saved_at=at(date(2026, 10, 31), 22, 30),
        finalized_at=at(date(2026, 10, 31), 23, 30),
    )
    assert late_night.finalized_at is not None
    assert late_night.finalized_at.astimezone(UTC).date() == date(2026, 11, 1)
    late = visit(
        K.PARENT_CASE,
        date(2026, 10, 30),
        first_saved_at=at(date(2026, 11, 2), 9),
        finalized_at=at(date(2026, 11, 2), 10),
    )
    r = report([late_night, late], month=OCT)
    timely = {m.contact_ids[0]: m for m in r.for_measure("CMP-TIMELY")}
    assert timely[late_night.id].status is S.MET
    assert timely[late.id].status is S.MISSED
    assert "final-saved on 2 Nov 2026, after 31 Oct 2026" in timely[late.id].detail
    draft = visit(K.CHILD_CASE, date(2026, 11, 20), final=False)
    now_timely = report([draft]).for_measure("CMP-TIMELY")
    assert [m.status for m in now_timely] == [S.DUE]


def test_cmp_mvr_visits_per_period_from_the_supervisor_requirement() -> None:
    """CMP-MVR: C-2001 requires 2 in-person visits per 30 days (high risk), periods from 20 Mar 2026."""
    one = nova(date(2026, 11, 16))
    r = report([one])
    periods = {m.period_start: m for m in r.for_measure("CMP-MVR")}
    current = periods[date(2026, 11, 15)]
    assert current.period_end == date(2026, 12, 14)
    assert current.status is S.DUE and (current.numerator, current.denominator) == (1, 2)
    assert "1 more in-person visit needed" in current.detail  # plain words, never "visit(s)"
    missed = periods[date(2026, 10, 16)]
    assert missed.status is S.MISSED
    assert "2 more in-person visits needed" in missed.detail
    two = report([one, visit(K.PARENT_CASE, date(2026, 11, 20))])
    assert {m.period_start: m for m in two.for_measure("CMP-MVR")}[date(2026, 11, 15)].status is S.MET


def test_cmp_placement_5_child_seen_within_5_days_of_placement() -> None:
    """CMP-PLACEMENT-5: Kit placed on 19 Nov must be seen by 24 Nov."""
    demo = demo_caseload()
    placed = (*case(demo, "C-2001").placements, Placement(child_id="p-kit", placed_on=date(2026, 11, 19)))
    cl = with_case("C-2001", placements=placed)
    pending = report([], caseload=cl).result("CMP-PLACEMENT-5", "p-kit")
    assert pending.status is S.DUE and pending.due_by == date(2026, 11, 24)
    seen = visit(K.CHILD_CASE, date(2026, 11, 21), participant_ids=("p-kit",))
    assert report([seen], caseload=cl).result("CMP-PLACEMENT-5", "p-kit").status is S.MET
    later = report([], caseload=cl, now=NOW + timedelta(days=2)).result("CMP-PLACEMENT-5", "p-kit")
    assert later.status is S.MISSED
    icpc = with_case(
        "C-2001", placements=(Placement(child_id="p-kit", placed_on=date(2026, 11, 19), icpc=True),)
    )
    exempt = report([], caseload=icpc).result("CMP-PLACEMENT-5", "p-kit")
    assert exempt.status is S.EXEMPT and exempt.reason_rule_id == "CLS-SCHEDULE"


def test_cmp_assign_10_family_seen_within_10_working_days_of_assignment() -> None:
    """CMP-ASSIGN-10: C-2002 assigned 16 Nov (Mon): 10 working days end on 30 Nov."""
    r = report([])
    june = r.result("CMP-ASSIGN-10", "p-june")
    assert june.status is S.DUE and june.due_by == date(2026, 11, 30)
    assert r.result("CMP-ASSIGN-10", "p-skye").status is S.EXEMPT  # runaway: CLS-SCHEDULE
    seen = visit(
        K.PARENT_CASE,
        date(2026, 11, 18),
        context_id="C-2002",
        participant_ids=("p-june",),
        on_behalf_of_child_ids=("p-rio", "p-skye"),
    )
    assert report([seen]).result("CMP-ASSIGN-10", "p-june").status is S.MET
    after = report([], now=at(date(2026, 12, 1), 9), month=NOV).result("CMP-ASSIGN-10", "p-june")
    assert after.status is S.MISSED


def test_cmp_close_30_children_and_family_seen_in_the_30_days_before_closing() -> None:
    """CMP-CLOSE-30: C-2003 closed 2 Nov; Wren seen 20 Oct is met, Blair never seen is missed."""
    wren = visit(
        K.CHILD_CASE,
        date(2026, 10, 20),
        context_id="C-2003",
        participant_ids=("p-wren",),
        on_behalf_of_child_ids=("p-wren",),
    )
    r = report([wren])
    assert r.result("CMP-CLOSE-30", "p-wren").status is S.MET
    blair = r.result("CMP-CLOSE-30", "p-blair")
    assert blair.status is S.MISSED and blair.period_start == date(2026, 10, 3)
    too_early = visit(
        K.CHILD_CASE,
        date(2026, 9, 20),
        context_id="C-2003",
        participant_ids=("p-wren",),
        on_behalf_of_child_ids=("p-wren",),
    )
    assert report([too_early]).result("CMP-CLOSE-30", "p-wren").status is S.MISSED


def test_cmp_ref_child_every_named_child_seen_in_person() -> None:
    """CMP-REF-CHILD: R-1001's Maya seen is met, Leo still due; closed R-1002's Ivy never seen is missed."""
    maya = visit(K.CHILD_REFERRAL, date(2026, 11, 17))
    r = report([maya])
    assert r.result("CMP-REF-CHILD", "p-maya").status is S.MET
    assert r.result("CMP-REF-CHILD", "p-leo").status is S.DUE
    ivy = r.result("CMP-REF-CHILD", "p-ivy")
    assert ivy.status is S.MISSED and "the referral closed on 10 Nov 2026" in ivy.detail


def test_cmp_ref_perp_caci_flagged_perpetrator_participant_in_a_completed_contact() -> None:
    """CMP-REF-PERP: R-1001's Dana (to be listed on CACI) is due until a Completed contact includes her."""
    assert report([]).result("CMP-REF-PERP", "p-dana").status is S.DUE
    attempted = visit(K.PARENT_REFERRAL, date(2026, 11, 18), status="ATTEMPTED")
    assert report([attempted]).result("CMP-REF-PERP", "p-dana").status is S.DUE
    phone = visit(K.PARENT_REFERRAL, date(2026, 11, 19), method="TELEPHONE", location=None)
    assert report([phone]).result("CMP-REF-PERP", "p-dana").status is S.MET


def test_a_contact_that_was_valid_when_final_saved_still_counts_later() -> None:
    """Verdicts are judged as of the final save: a month later the same visit still counts."""
    seen = nova(date(2026, 11, 3))
    later = report([seen], now=at(date(2026, 12, 20), 9))
    assert later.result("CMP-CHILD-MONTH", "p-nova").status is S.MET


def test_cls_caseplan_missing_sw_plan_contact_setup_is_named_in_the_monthly_result() -> None:
    """CLS-CASEPLAN: the month's result says the plan lacks Kit's SW Plan Contact, and Kit's visit fails."""
    demo = demo_caseload()
    plans = case(demo, "C-2001").case_plans
    current = plans[1]
    without_kit = current.model_copy(
        update={"sw_plan_contacts": tuple(s for s in current.sw_plan_contacts if s.person_id != "p-kit")}
    )
    cl = with_case("C-2001", case_plans=(plans[0], without_kit))
    kit = nova(date(2026, 11, 3), participant_ids=("p-kit",))
    result = report([kit], caseload=cl).result("CMP-CHILD-MONTH", "p-kit")
    assert result.status is S.DUE and result.reason_rule_id == "CLS-CASEPLAN"
    assert "no SW Plan Contact set up for Kit Quillfeather" in result.detail
