"""Supervision (RULES.md section 6): alerts, reports, approval coverage and clinician reminders."""

from __future__ import annotations

from datetime import date, timedelta

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance import (
    MeasureStatus,
    approval_coverage,
    clinician_reminders,
    supervisor_alerts,
    unit_report,
    worker_due_list,
    worker_report,
)
from fieldapp.domain.records import Approval, CasePlan, ContactKind
from tests.compliance.helpers import at, case, report, visit, with_case
from tests.factories import NOW, demo_caseload, tables

K = ContactKind
S = MeasureStatus
NOV = Month(2026, 11)


def approve(*contacts, on: date, approval_id: str = "ap-1") -> Approval:
    return Approval(
        id=approval_id,
        worker_id="w-ana",
        approved_by="s-lee",
        approved_at=at(on, 15),
        contact_ids=tuple(c.id for c in contacts),
    )


# --------------------------------------------------------------------------- SUP-ALERTS


def test_sup_alerts_worker_sees_who_still_needs_a_visit_and_days_remaining() -> None:
    """SUP-ALERTS: on Mon 23 Nov Ana sees Kit still needs November's visit, 7 days left; Nova is done."""
    r = report([visit(K.CHILD_CASE, date(2026, 11, 3))])
    due = worker_due_list(r, "w-ana")
    assert due.rule_id == "SUP-ALERTS" and due.as_of == date(2026, 11, 23)
    kit = next(i for i in due.items if i.measure_id == "CMP-CHILD-MONTH" and i.person_id == "p-kit")
    assert kit.days_remaining == 7 and kit.due_by == date(2026, 11, 30)
    assert kit.message == (
        "Kit Quillfeather still needs November's monthly visit. 7 days left (by Mon 30 Nov 2026)."
    )
    assert "Nova Quillfeather" not in due.people_needing_a_visit
    assert {"Kit Quillfeather", "Avery Quillfeather", "June Marigold"} <= set(due.people_needing_a_visit)
    # exempt children (CLS-SCHEDULE) and another worker's case are not on Ana's list
    assert not {"Rio Marigold", "Skye Marigold", "Ezra Ashgrove"} & set(due.people_needing_a_visit)
    assert "Ezra Ashgrove" in worker_due_list(r, "w-ben").people_needing_a_visit
    # soonest first; a referral measure without a fixed date comes last
    dates = [i.due_by for i in due.items]
    assert dates.index(None) > dates.index(date(2026, 11, 30))


def test_sup_alerts_last_day_of_month_says_due_today() -> None:
    r = report([], now=at(date(2026, 11, 30), 9))
    kit = next(i for i in worker_due_list(r, "w-ana").items if i.person_id == "p-kit")
    assert kit.days_remaining == 0 and "Due today" in kit.message


def test_sup_alerts_supervisor_sees_what_is_overdue() -> None:
    """SUP-ALERTS: missed measures (October visits, R-1002's Ivy, C-2003's closing visits) reach s-lee."""
    reports = [report([], month=Month(2026, 10)), report([])]
    alerts = supervisor_alerts(reports)
    assert alerts.rule_id == "SUP-ALERTS"
    by = {(i.source_id, i.person_name) for i in alerts.items}
    assert ("CMP-CHILD-MONTH", "Kit Quillfeather") in by  # October, missed
    assert ("CMP-REF-CHILD", "Ivy Larkspur") in by
    assert ("CMP-CLOSE-30", "Blair Hollowell") in by
    assert ("CMP-CHILD-MONTH", "Ezra Ashgrove") in by  # Ben's October
    ivy = next(i for i in alerts.items if i.person_name == "Ivy Larkspur")
    assert ivy.was_due == date(2026, 11, 10) and ivy.days_overdue == 13
    assert len([i for i in alerts.items if i.person_name == "Ivy Larkspur"]) == 1  # not once per month
    # November's not-yet-due visits are not overdue
    assert ("CMP-CHILD-MONTH", "Kit Quillfeather") not in {
        (i.source_id, i.person_name) for i in supervisor_alerts([report([])]).items
    }
    only_ben = supervisor_alerts(reports, worker_ids=["w-ben"])
    assert only_ben.items and {i.worker_id for i in only_ben.items} == {"w-ben"}


# --------------------------------------------------------------------------- SUP-REPORTS


def test_sup_reports_per_worker_figures_for_a_month() -> None:
    """SUP-REPORTS: face-to-face child/parent contacts, timely entry, referral and referral collateral
    contacts, and the measures, for Ana in November."""
    contacts = [
        visit(K.CHILD_CASE, date(2026, 11, 3)),
        visit(K.CHILD_CASE, date(2026, 11, 4), participant_ids=("p-kit",)),
        visit(K.PARENT_CASE, date(2026, 11, 5)),
        visit(K.CHILD_REFERRAL, date(2026, 11, 17)),
        visit(K.PARENT_REFERRAL, date(2026, 11, 17), status="ATTEMPTED"),
        visit(
            K.COLLATERAL,
            date(2026, 11, 18),
            context_id="R-1001",
            participant_ids=("p-officer",),
            on_behalf_of_child_ids=("p-maya",),
            method="TELEPHONE",
            location=None,
            purposes=("COLLATERAL_INFORMATION",),
            narrative="Officer R. Quade assessed the home as safe tonight: no weapons seen, both parents sober.",
            law_enforcement={"assessment": "safe tonight", "supporting_facts": "no weapons; parents sober"},
        ),
        visit(
            K.PARENT_CASE,
            date(2026, 10, 30),
            first_saved_at=at(date(2026, 11, 2), 9),
            finalized_at=at(date(2026, 11, 2), 10),
        ),
    ]
    r = report(contacts)
    demo = demo_caseload()
    ana = worker_report(r, demo.worker)
    assert ana.rule_id == "SUP-REPORTS" and ana.month == NOV and ana.unit == "Unit 7 (demo)"
    assert ana.contacts.face_to_face_child_contacts == 3
    assert ana.contacts.face_to_face_parent_contacts == 1  # the attempted referral contact is not
    assert ana.contacts.referral_contacts == 1
    assert ana.contacts.referral_collateral_contacts == 1
    child = ana.face_to_face_child
    assert (child.met, child.due, child.exempt) == (2, 0, 2)  # Nova, Kit met; Rio, Skye exempt
    assert child.percent == 100.0
    parent = ana.face_to_face_parent
    assert (parent.met, parent.due) == (1, 1)  # Avery met, June due
    assert ana.timely_entry.met == 6 and ana.timely_entry.missed == 0  # the October one is October's
    october = worker_report(report(contacts, month=Month(2026, 10)), demo.worker)
    assert october.timely_entry.missed == 1
    assert [t.measure_id for t in ana.measures][:3] == ["CMP-REF-CHILD", "CMP-REF-PERP", "CMP-CHILD-MONTH"]
    assert ana.tally("CMP-REF-PERP").due == 1  # attempted contact with Dana does not count


def test_sup_reports_per_unit_adds_up_its_workers() -> None:
    """SUP-REPORTS: the unit report has a row per worker of the unit and the totals of the rows."""
    demo = demo_caseload()
    r = report([visit(K.CHILD_CASE, date(2026, 11, 3))])
    unit = unit_report([r], [demo], "Unit 7 (demo)")
    assert unit.rule_id == "SUP-REPORTS"
    assert [w.worker_name for w in unit.workers] == ["Ana Brightfield", "Ben Calloway"]
    total = unit.tally("CMP-CHILD-MONTH")
    ana, ben = (w.tally("CMP-CHILD-MONTH") for w in unit.workers)
    assert (total.met, total.due) == (ana.met + ben.met, ana.due + ben.due) == (1, 2)
    assert unit.contacts.face_to_face_child_contacts == 1
    # a report given twice (two caseloads sharing a case) is not counted twice
    assert unit_report([r, r], [demo, demo], "Unit 7 (demo)").tally("CMP-CHILD-MONTH") == total


# --------------------------------------------------------------------------- SUP-REVIEW


def test_sup_review_monthly_approval_coverage() -> None:
    """SUP-REVIEW: which of a month's final contacts are approved; due by the end of the next month."""
    a = visit(K.CHILD_CASE, date(2026, 11, 3))
    b = visit(K.PARENT_CASE, date(2026, 11, 5))
    draft = visit(K.PARENT_CASE, date(2026, 11, 20), final=False)
    demo = demo_caseload()
    review = approval_coverage(
        demo, [a, b, draft], [approve(a, on=date(2026, 11, 10))], NOV, tables=tables(), now=NOW
    )
    (monthly,) = review.monthly
    assert monthly.rule_id == "SUP-REVIEW" and monthly.worker_name == "Ana Brightfield"
    assert monthly.approved_contact_ids == (a.id,) and monthly.unapproved_contact_ids == (b.id,)
    assert monthly.status is S.DUE and monthly.due_by == date(2026, 12, 31)
    (note,) = monthly.approvals
    assert note.contact_id == a.id and note.sentence == "Approved by Lee Harrowgate on 10 Nov 2026."
    done = approval_coverage(
        demo, [a, b], [approve(a, b, on=date(2026, 11, 20))], NOV, tables=tables(), now=NOW
    )
    assert done.monthly[0].status is S.MET
    january = at(date(2027, 1, 4), 9)
    late = approval_coverage(
        demo, [a, b], [approve(a, on=date(2026, 11, 10))], NOV, tables=tables(), now=january
    )
    assert late.monthly[0].status is S.MISSED
    assert any(i.source_id == "SUP-REVIEW" for i in supervisor_alerts([], [late]).items)


def test_sup_review_court_involved_case_approved_before_the_next_court_date() -> None:
    """SUP-REVIEW: every entry of court-involved C-2001 must be approved before its court date, 8 Dec."""
    demo = demo_caseload()
    a = visit(K.CHILD_CASE, date(2026, 11, 3))
    b = visit(K.SCP_CASE, date(2026, 11, 16))
    other_case = visit(K.CHILD_REFERRAL, date(2026, 11, 17))
    args = dict(tables=tables())
    pending = approval_coverage(
        demo, [a, b, other_case], [approve(a, on=date(2026, 11, 10))], NOV, now=NOW, **args
    )
    (court,) = pending.court_reviews
    assert court.case_id == "C-2001" and court.court_date == date(2026, 12, 8)
    assert court.unapproved_contact_ids == (b.id,) and court.status is S.DUE
    assert court.due_by == date(2026, 12, 7)
    in_time = approval_coverage(
        demo, [a, b], [approve(a, b, on=date(2026, 12, 7))], NOV, now=at(date(2026, 12, 9), 9), **args
    )
    assert in_time.court_reviews[0].status is S.MET
    on_the_day = approval_coverage(
        demo, [a, b], [approve(a, b, on=date(2026, 12, 8))], NOV, now=at(date(2026, 12, 9), 9), **args
    )
    assert on_the_day.court_reviews[0].status is S.MISSED
    assert on_the_day.court_reviews[0].approved_late_contact_ids == (a.id, b.id)
    missed = approval_coverage(demo, [a, b], [], NOV, now=at(date(2026, 12, 9), 9), **args)
    alerts = supervisor_alerts([], [missed])
    assert any("court date 8 Dec 2026" in i.message for i in alerts.items)


# --------------------------------------------------------------------------- SUP-CLINICIAN


def test_sup_clinician_reminder_30_days_before_six_month_review_for_parent_in_court_ordered_therapy() -> None:
    """SUP-CLINICIAN: Avery (court-ordered therapy) and C-2001's review hearing on 20 Dec: remind from 20 Nov."""
    demo = demo_caseload()
    (reminder,) = clinician_reminders(demo, [], tables=tables(), now=NOW)
    assert reminder.rule_id == "SUP-CLINICIAN" and reminder.case_id == "C-2001"
    assert reminder.parent_name == "Avery Quillfeather" and reminder.trigger == "six_month_review"
    assert reminder.remind_from == date(2026, 11, 20) and reminder.event_on == date(2026, 12, 20)
    assert reminder.status is S.DUE
    assert reminder.clinician_names == ("Dr. Ellis Vantreight",)
    assert "Contact Dr. Ellis Vantreight about Avery Quillfeather" in reminder.message
    # before the 30 days start there is nothing to remind of
    assert clinician_reminders(demo, [], tables=tables(), now=at(date(2026, 11, 10), 9)) == []
    # a completed contact with the clinician since 20 Nov settles it
    talked = visit(K.COLLATERAL, date(2026, 11, 23))
    (done,) = clinician_reminders(demo, [talked], tables=tables(), now=NOW)
    assert done.status is S.MET and done.contact_ids == (talked.id,)
    # after the hearing without contact: missed
    (missed,) = clinician_reminders(demo, [], tables=tables(), now=at(date(2026, 12, 21), 9))
    assert missed.status is S.MISSED


def test_sup_clinician_reminder_when_case_plan_ends_reunification() -> None:
    """SUP-CLINICIAN: a case plan changed to end reunification reminds the worker to call the clinician."""
    demo = demo_caseload()
    plans = case(demo, "C-2001").case_plans
    ending = CasePlan(
        id="CP-2001-3",
        approved_on=date(2026, 11, 18),
        covers_from=date(2026, 11, 18),
        covers_to=date(2027, 5, 17),
        ends_reunification=True,
    )
    cl = with_case("C-2001", case_plans=(*plans, ending), six_month_review_on=None)
    (reminder,) = clinician_reminders(cl, [], tables=tables(), now=NOW)
    assert reminder.trigger == "reunification_ended" and reminder.status is S.DUE
    assert "ends family reunification" in reminder.message
    # no parent in court-ordered therapy: no reminder
    people = tuple(p.model_copy(update={"court_ordered_therapy": False}) for p in case(cl, "C-2001").people)
    assert clinician_reminders(with_case("C-2001", cl, people=people), [], tables=tables(), now=NOW) == []


def test_sup_clinician_reminder_before_dependency_is_dismissed() -> None:
    cl = with_case("C-2001", six_month_review_on=None, planned_closure_on=NOW.date() + timedelta(days=20))
    (reminder,) = clinician_reminders(cl, [], tables=tables(), now=NOW)
    assert reminder.trigger == "dismissal" and reminder.status is S.DUE


def test_sup_reports_residence_share_over_12_months_and_json_for_the_server() -> None:
    """SUP-REPORTS with CMP-RESIDENCE over 12 months, and the report as plain JSON data."""
    import json

    from fieldapp.domain.compliance import to_json

    contacts = [visit(K.CHILD_CASE, date(2026, m, 5)) for m in (8, 9)]
    contacts.append(visit(K.CHILD_CASE, date(2026, 11, 5), location="SCHOOL"))
    r = report(contacts)
    ana = worker_report(r, demo_caseload().worker)
    assert ana.tally("CMP-RESIDENCE").due == 1  # November: 0 of 1 at home
    assert ana.residence_12_months.met == 1  # 2 of 3 over 12 months
    data = to_json(ana)
    assert isinstance(data, dict)
    json.dumps(data)  # plain data only
    assert data["month"] == "2026-11" and data["rule_id"] == "SUP-REPORTS"
    child = next(t for t in data["measures"] if t["measure_id"] == "CMP-CHILD-MONTH")
    assert child["required"] == 2 and child["percent"] == 50.0
    result = to_json(r.result("CMP-CHILD-MONTH", "p-kit"))
    assert isinstance(result, dict)
    assert result["status"] == "due" and result["due_by"] == "2026-11-30"


def test_sup_alerts_month_without_an_approved_case_plan_is_flagged_to_worker_and_supervisor() -> None:
    """SUP-ALERTS with CLS-CASEPLAN: C-2002's plan ends 30 Nov; on 10 Dec both lists flag December."""
    r = report([], month=Month(2026, 12), now=at(date(2026, 12, 10), 9))
    due = worker_due_list(r, "w-ana")
    flag = next(i for i in due.items if i.measure_id == "CLS-CASEPLAN")
    assert flag.matter_id == "C-2002"
    assert "No approved case plan covers 1 Dec 2026 to 31 Dec 2026." in flag.message
    overdue = supervisor_alerts([r])
    plan = next(i for i in overdue.items if i.source_id == "CLS-CASEPLAN")
    assert plan.matter_id == "C-2002" and plan.was_due == date(2026, 12, 1) and plan.days_overdue == 9
    # November is covered: no flag
    assert not [i for i in worker_due_list(report([]), "w-ana").items if i.measure_id == "CLS-CASEPLAN"]
