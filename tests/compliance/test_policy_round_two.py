"""Issue 17, items 6-9: monthly measures and supervision as the seeds say them (../shared/seeds/).

Each test names its rule ID and quotes the seed sentence it holds the product to.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from fieldapp.domain.agency_time import Month
from fieldapp.domain.compliance import (
    MeasureStatus,
    alert_months,
    approval_coverage,
    evaluate_months,
    supervisor_alerts,
    worker_due_list,
)
from fieldapp.domain.records import Approval, CasePlan, ContactKind, CourtHearing, Placement
from tests.compliance.helpers import at, case, report, visit, with_case
from tests.factories import NOW, TZ, demo_caseload, tables

K = ContactKind
S = MeasureStatus
ROOT = Path(__file__).resolve().parents[2]
NOV = Month(2026, 11)


def approve(*contacts, on: date, approval_id: str = "ap-1") -> Approval:
    return Approval(
        id=approval_id,
        worker_id="w-ana",
        approved_by="s-lee",
        approved_at=at(on, 15),
        contact_ids=tuple(c.id for c in contacts),
    )


def cli(
    caseload: Path, *args: str, now: str = "2026-11-23T16:00:00-08:00"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldapp", "compliance", "--caseload", str(caseload), "--now", now, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- item 6: SUP-REVIEW


def test_sup_review_court_date_ahead_is_first_in_the_supervisors_alerts(tmp_path: Path) -> None:
    """SUP-REVIEW before the court date, at the top of the alerts (JSON and --text).

    Seed 004: "However, if the case is court-involved, the Supervisor reviews and approves all Contact
    Sheet entries prior to the next court date."
    """
    entry = visit(K.CHILD_CASE, date(2026, 11, 3))  # C-2001 is court-involved; its court date is 8 Dec
    review = approval_coverage(demo_caseload(), [entry], [], NOV, tables=tables(), now=NOW)
    alerts = supervisor_alerts([report([entry])], [review])
    (court,) = alerts.court_dates
    assert court.rule_id == "SUP-REVIEW" and court.case_id == "C-2001"
    assert court.court_date == date(2026, 12, 8) and court.approve_by == date(2026, 12, 7)
    assert court.days_left == 14 and court.unapproved_contact_ids == (entry.id,)
    assert "approve them by 7 Dec 2026" in court.message
    # nothing about it is overdue yet: it is ahead
    assert not [i for i in alerts.items if i.source_id == "SUP-REVIEW"]

    contacts = write(tmp_path, "contacts.json", [entry.model_dump(mode="json")])
    done = cli(ROOT / "resources" / "demo_caseload.json", "--contacts", str(contacts))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out)[:4] == ["month", "as_of", "worker_id", "court_dates"]  # before due and overdue
    assert out["court_dates"][0]["case_id"] == "C-2001" and out["court_dates"][0]["days_left"] == 14
    assert out["overdue"]["court_dates"][0]["court_date"] == "2026-12-08"
    text = cli(ROOT / "resources" / "demo_caseload.json", "--contacts", str(contacts), "--text").stdout
    assert (
        text.index("Approve before court (SUP-REVIEW):") < text.index("Overdue:") < text.index("Still due:")
    )
    assert (
        "  Before court (SUP-REVIEW): 1 of 1 entries of Quillfeather (C-2001) are not approved before the "
        "court date 8 Dec 2026; approve them by 7 Dec 2026 (within 14 days)." in text
    )


def test_sup_review_nearest_court_date_first_and_the_dashboard_window() -> None:
    """SUP-REVIEW: with several court dates ahead, the nearest is first; the console keeps 14 days.

    Seed 004: "... the Supervisor reviews and approves all Contact Sheet entries prior to the next court
    date."
    """
    caseload = with_case("C-2002", court_involved=True, next_court_date=date(2026, 11, 30))
    a = visit(K.CHILD_CASE, date(2026, 11, 3))
    b = visit(K.CHILD_CASE, date(2026, 11, 4), context_id="C-2002", participant_ids=("p-june",))
    review = approval_coverage(caseload, [a, b], [], NOV, tables=tables(), now=NOW)
    alerts = supervisor_alerts([], [review])
    assert [c.case_id for c in alerts.court_dates] == ["C-2002", "C-2001"]
    assert [c.days_left for c in alerts.court_dates] == [6, 14]
    near = supervisor_alerts([], [review], court_within_days=10)
    assert [c.case_id for c in near.court_dates] == ["C-2002"]


def test_sup_review_a_past_hearing_is_kept_with_whether_it_was_prepared_in_time() -> None:
    """SUP-REVIEW: a hearing held keeps its verdict (late approvals stay late); the next one is judged
    on its own.

    Seed 004: "if the case is court-involved, the Supervisor reviews and approves all Contact Sheet entries
    prior to the next court date."
    """
    caseload = with_case("C-2001", court_hearings=(CourtHearing(held_on=date(2026, 11, 10)),))
    entry = visit(K.CHILD_CASE, date(2026, 11, 3))
    approved_late = [approve(entry, on=date(2026, 11, 12))]
    review = approval_coverage(caseload, [entry], approved_late, NOV, tables=tables(), now=NOW)
    held, upcoming = review.court_reviews
    assert held.court_date == date(2026, 11, 10) and held.held and held.status is S.MISSED
    assert held.approved_late_contact_ids == (entry.id,) and held.entry_ids == (entry.id,)
    assert "were not approved before the court date 10 Nov 2026" in held.detail
    assert "1 approved only on or after that day" in held.detail
    assert upcoming.court_date == date(2026, 12, 8) and not upcoming.held and upcoming.status is S.MET
    overdue = supervisor_alerts([], [review]).items
    assert [(i.source_id, i.was_due) for i in overdue] == [("SUP-REVIEW", date(2026, 11, 9))]
    # December's report still shows December's hearing, not November's
    december = approval_coverage(
        caseload, [entry], approved_late, Month(2026, 12), tables=tables(), now=at(date(2026, 12, 2))
    )
    assert [c.court_date for c in december.court_reviews] == [date(2026, 12, 8)]


# --------------------------------------------------------------------------- item 7: what happened


def test_cls_caseplan_visit_made_without_an_approved_plan_says_the_visit_happened() -> None:
    """CLS-CASEPLAN: the visit is reported as made; the plan (named, with its own period) is what is
    missing.

    Seed 000: "Case Plans must be "Approved" in CWS/CMS in order to be considered as in compliance and in
    order for contacts to be in compliance."
    """
    draft = CasePlan(
        id="CP-2002-4",
        approved_on=None,
        covers_from=date(2026, 12, 1),
        covers_to=date(2027, 5, 31),
    )
    caseload = with_case("C-2002", case_plans=(*case(demo_caseload(), "C-2002").case_plans, draft))
    seen = visit(
        K.PARENT_CASE,
        date(2026, 12, 8),
        context_id="C-2002",
        participant_ids=("p-june",),
        on_behalf_of_child_ids=("p-rio", "p-skye"),
    )
    december = report([seen], month=Month(2026, 12), now=at(date(2026, 12, 10)), caseload=caseload)
    june = december.result("CMP-PARENT-MONTH", "p-june")
    assert june.status is S.DUE and june.reason_rule_id == "CLS-CASEPLAN"
    assert june.detail.startswith("June Marigold was visited on 8 Dec 2026, but it does not count")
    assert "The case plan CP-2002-4 (1 Dec 2026 to 31 May 2027) is not approved yet." in june.detail
    assert june.contact_ids == (seen.id,)


def test_cmp_placement_5_child_seen_one_day_late_says_so() -> None:
    """CMP-PLACEMENT-5: seen the day after the deadline reads "seen on 16 Nov, one day late".

    Seed 004: "Ensuring Workers see the child within five (5) days of placement".
    """
    placed = Placement(child_id="p-kit", placed_on=date(2026, 11, 10), scp_id="p-morgan")
    caseload = with_case("C-2001", placements=(placed,))
    late = visit(K.CHILD_CASE, date(2026, 11, 16), participant_ids=("p-kit",))
    result = report([late], caseload=caseload).result("CMP-PLACEMENT-5", "p-kit")
    assert result.status is S.MISSED and result.due_by == date(2026, 11, 15)
    assert "Kit Quillfeather was seen on 16 Nov 2026, one day late" in result.detail
    assert result.contact_ids == (late.id,)
    never = report([], caseload=caseload).result("CMP-PLACEMENT-5", "p-kit")
    assert "has not been seen in person since the deadline" in never.detail
    assert "(eight days ago)" in never.detail


def test_cmp_scp_6month_not_seen_for_seven_months_says_how_long() -> None:
    """CMP-SCP-6MONTH: the sentence says how long since the last in-person visit.

    Seed 000: "In-person contact between the social worker and SCP is required as determined in the child's
    case plan, but not less than 1x (once) every 6 (six) calendar months."
    """
    april = visit(K.SCP_CASE, date(2026, 4, 14))
    result = report([april]).result("CMP-SCP-6MONTH", "p-morgan")
    assert result.status is S.DUE
    assert result.detail.startswith(
        "Morgan Thistledown was last visited in person on 14 Apr 2026, seven months ago"
    )
    assert "needed at least every 3 months, by 30 Nov 2026" in result.detail


def test_sup_alerts_text_gives_reasons_days_overdue_and_no_item_twice(tmp_path: Path) -> None:
    """SUP-ALERTS / CLS-SCHEDULE in --text: each exemption's reason, days overdue on overdue lines, an item
    never both due and overdue, and a past month with no deadline in the future.

    Seed 002: "Review all e-mail alerts generated by SafeMeasures and ensure CSWs are in compliance with
    department standards." Seed 000: "Specific entries must be made in the Schedule for Services field ...
    when: There is a contact waiver. The child is on runaway status. The child is in an ICPC placement."
    """
    demo = ROOT / "resources" / "demo_caseload.json"
    december = cli(demo, "--month", "2026-12", "--text", now="2026-12-10T09:00:00-08:00").stdout
    overdue, due = december.split("Overdue:")[1].split("Still due:")
    due = due.split("Exempt")[0]
    assert "[nine days overdue]" not in overdue  # numbers are figures on these lines
    assert "[9 days overdue] No approved case plan (CLS-CASEPLAN) for Marigold (C-2002)" in overdue
    assert "CLS-CASEPLAN" not in due  # overdue already; not listed twice
    exempt = december.split("Exempt (why nothing is required):")[1].split("Clinician reminders:")[0]
    assert (
        "[CMP-CHILD-MONTH, CLS-SCHEDULE] No monthly visit is required for Skye Marigold in December: "
        in exempt
    )
    assert "runaway status since 20 Oct 2026" in exempt

    placed = Placement(child_id="p-kit", placed_on=date(2026, 10, 30), scp_id="p-morgan")
    caseload = with_case("C-2001", placements=(placed,))
    now = datetime(2026, 11, 2, 9, tzinfo=TZ)
    october, _ = evaluate_months(caseload, [], [Month(2026, 10), NOV], tables=tables(), now=now)
    assert not [i for i in worker_due_list(october, "w-ana").items if i.due_by and i.due_by > now.date()]
    path = write(tmp_path, "caseload.json", caseload.model_dump(mode="json"))
    past = cli(path, "--month", "2026-10", "--text", now=now.isoformat()).stdout
    assert "nothing: October 2026 is over" in past.split("Still due:")[1].split("Exempt")[0]


# --------------------------------------------------------------------------- item 8: previous month


def test_sup_alerts_early_in_a_month_still_show_what_the_previous_month_left_overdue(tmp_path: Path) -> None:
    """SUP-ALERTS without --month on 2 December: November's misses are still listed as overdue.

    Seed 002: "SCSWs are to use SafeMeasures at least once a month to monitor the performance of each CSW
    in their unit."
    """
    assert alert_months(date(2026, 12, 2)) == (NOV, Month(2026, 12))
    done = cli(ROOT / "resources" / "demo_caseload.json", now="2026-12-02T09:00:00-08:00")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["month"] == "2026-12"
    overdue = [(i["source_id"], i["person_name"], i["message"]) for i in out["overdue"]["items"]]
    assert (
        "CMP-CHILD-MONTH",
        "Kit Quillfeather",
        "Overdue (CMP-CHILD-MONTH): Kit Quillfeather still needs November's monthly visit.",
    ) in overdue
    kit = next(i for i in out["overdue"]["items"] if i["person_name"] == "Kit Quillfeather")
    assert kit["days_overdue"] == 2
    # with an explicit --month only that month is judged
    only = json.loads(
        cli(
            ROOT / "resources" / "demo_caseload.json", "--month", "2026-12", now="2026-12-02T09:00:00-08:00"
        ).stdout
    )
    assert not [i for i in only["overdue"]["items"] if "November" in i["message"]]


# --------------------------------------------------------------------------- item 9: plan frequency


def test_cmp_scp_6month_case_plan_can_set_visits_more_often_than_monthly() -> None:
    """CMP-SCP-6MONTH: a plan setting two in-person visits a month needs two in November.

    Seed 000: "In-person contact between the social worker and SCP is required as determined in the child's
    case plan, but not less than 1x (once) every 6 (six) calendar months."
    """
    plans = case(demo_caseload(), "C-2001").case_plans
    twice = tuple(
        p.model_copy(update={"scp_in_person_visits_per_month": 2}) if p.id == "CP-2001-2" else p
        for p in plans
    )
    caseload = with_case("C-2001", case_plans=twice)
    first = visit(K.SCP_CASE, date(2026, 11, 4))
    one = report([first], caseload=caseload).result("CMP-SCP-6MONTH", "p-morgan")
    assert one.status is S.DUE and (one.numerator, one.denominator) == (1, 2)
    assert (
        "needs 2 in-person visits in November, as the case plan sets; 1 of 2 (on 4 Nov 2026) made"
        in one.detail
    )
    second = visit(K.SCP_CASE, date(2026, 11, 18))
    both = report([first, second], caseload=caseload).result("CMP-SCP-6MONTH", "p-morgan")
    assert both.status is S.MET and both.contact_ids == (first.id, second.id)
    missed = report([first], caseload=caseload, now=at(date(2026, 12, 1))).result(
        "CMP-SCP-6MONTH", "p-morgan"
    )
    assert missed.status is S.MISSED
    assert CasePlan.model_json_schema()["properties"]["scp_in_person_visits_per_month"]


def test_scp_plan_frequency_reaches_the_counts_toward_sentence() -> None:
    """CMP-SCP-6MONTH: the review page's verdict names the plan's monthly frequency.

    Seed 000: "In-person contact between the social worker and SCP is required as determined in the child's
    case plan".
    """
    from fieldapp.domain.rules import counts_toward
    from tests.factories import context_for

    plans = case(demo_caseload(), "C-2001").case_plans
    caseload = with_case(
        "C-2001",
        case_plans=tuple(
            p.model_copy(update={"scp_in_person_visits_per_month": 3}) if p.id == "CP-2001-2" else p
            for p in plans
        ),
    )
    contact = visit(K.SCP_CASE, date(2026, 11, 4))
    verdict = next(
        v
        for v in counts_toward(contact, context_for(contact, caseload=caseload))
        if v.measure_id == "CMP-SCP-6MONTH"
    )
    assert verdict.counts
    assert (
        verdict.reason
        == "Counts toward the 3 in-person visits a month the case plan sets for Morgan Thistledown."
    )


def test_sup_alerts_a_rolling_look_back_is_not_both_overdue_and_due() -> None:
    """SUP-ALERTS with CMP-SCP-6MONTH: Morgan's every-3-months visit missed in October and due in November
    is one obligation: listed as November judges it (due), not also as October's miss.

    Seed 000: "In-person contact between the social worker and SCP is required as determined in the child's
    case plan, but not less than 1x (once) every 6 (six) calendar months."
    """
    october, november = evaluate_months(
        demo_caseload(), [], alert_months(NOW.date()), tables=tables(), now=NOW
    )
    assert october.result("CMP-SCP-6MONTH", "p-morgan").status is S.MISSED
    assert november.result("CMP-SCP-6MONTH", "p-morgan").status is S.DUE
    alerts = supervisor_alerts([october, november])
    assert not [i for i in alerts.items if i.source_id == "CMP-SCP-6MONTH"]
    due = worker_due_list(november, "w-ana")
    assert [i.person_name for i in due.items if i.measure_id == "CMP-SCP-6MONTH"] == [
        "Morgan Thistledown",
        "Sol Brambleton",
    ]
    # October's monthly visits are October's own: still overdue next to November's
    october_children = {i.person_name for i in alerts.items if i.source_id == "CMP-CHILD-MONTH"}
    assert {"Kit Quillfeather", "Nova Quillfeather"} <= october_children
