"""The console's pages against a real server: approvals (one contact, a worker's month), amendments and
the minimum visitation requirement reach the worker on pull; the dashboard surfaces a court-involved case
before its court date; every report number drills down to as many rows; CSV downloads."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from fieldapp.domain.records import Caseload, ContactKind
from fieldapp.server.caseload import load_caseload
from fieldapp.server.console.csvout import csv_response
from fieldapp.server.models import AmendmentRow, ApprovalRow
from tests.compliance.helpers import with_case
from tests.console.conftest import ConsoleOrg, push_contacts
from tests.factories import demo_caseload
from tests.server.helpers import final_contact, pull_all

UNIT = "/console/units/Unit%207%20%28demo%29"


def _pulled(org: ConsoleOrg, worker_id: str) -> tuple[list[object], list[object], Caseload | None]:
    with org.server.client(org.tokens[worker_id]) as device:
        _cursor, pages = pull_all(device, worker_id)
    caseload = next((p.caseload for p in reversed(pages) if p.caseload is not None), None)
    return (
        [a for p in pages for a in p.approvals],
        [a for p in pages for a in p.amendments],
        caseload,
    )


def _count(org: ConsoleOrg, table: type[ApprovalRow] | type[AmendmentRow]) -> int:
    with org.server.database_handle().read() as session:
        return session.query(table).count()


def test_a_workers_month_is_approved_after_a_confirmation_that_counts_the_entries(
    console_org: ConsoleOrg,
) -> None:
    child = final_contact(ContactKind.CHILD_CASE)
    parent = final_contact(ContactKind.PARENT_CASE)
    push_contacts(console_org, "w-ana", child, parent)
    with console_org.user("s-lee") as lee:
        listing = lee.get(f"{UNIT}/approvals?month=2026-11")
        assert listing.status_code == 200
        assert "Ana Brightfield" in listing.text and "Quillfeather" in listing.text
        assert "Approve Ana Brightfield's November 2026 contact sheet" in unescape(listing.text)
        confirm = lee.get("/console/approve?worker=w-ana&month=2026-11")
        waiting = len(re.findall(r'name="contact_id" value="', confirm.text))
        assert waiting >= 1
        assert f"Approve {waiting} entr" in confirm.text and "cannot be taken back" in confirm.text
        csrf, key = lee.form_tokens("/console/approve?worker=w-ana&month=2026-11")
        ids = re.findall(r'name="contact_id" value="([^"]+)"', confirm.text)
        form = {"csrf": csrf, "key": key, "contact_id": ids, "back": f"{UNIT}/approvals?month=2026-11"}
        done = lee.post("/console/approve", form)
        assert done.status_code == 303 and f"done=approved-{waiting}" in done.headers["location"]
        before = _count(console_org, ApprovalRow)
        again = lee.post("/console/approve", form)  # the same form twice: approved once
        assert again.status_code == 303 and _count(console_org, ApprovalRow) == before
        page = lee.get(f"/console/contacts/{child.id}")
        assert "Approved by Lee Harrowgate" in page.text
    with console_org.user("m-kim") as kim:  # another form for the same entries approves nothing twice
        csrf, _ = kim.form_tokens(f"/console/contacts/{child.id}")
        twice = kim.post(
            "/console/approve", {"csrf": csrf, "key": "0ther", "contact_id": [child.id, parent.id]}
        )
        assert twice.status_code == 409 and "already approved" in twice.text
        assert _count(console_org, ApprovalRow) == before
    approvals, _, _ = _pulled(console_org, "w-ana")
    approved = {cid for a in approvals for cid in a.contact_ids if a.approved_by == "s-lee"}  # type: ignore[attr-defined]
    assert {child.id, parent.id} <= approved


def test_one_contact_is_approved_from_its_page(console_org: ConsoleOrg) -> None:
    contact = final_contact(ContactKind.SCP_CASE)
    push_contacts(console_org, "w-ana", contact)
    with console_org.user("s-lee") as lee:
        page = lee.get(f"/console/contacts/{contact.id}")
        assert "Awaiting approval" in page.text and "Approve this contact" in page.text
        csrf, key = lee.form_tokens(f"/console/contacts/{contact.id}")
        done = lee.post("/console/approve", {"csrf": csrf, "key": key, "contact_id": contact.id})
        assert done.status_code == 303
        assert "Approved by Lee Harrowgate" in lee.get(done.headers["location"]).text
    approvals, _, _ = _pulled(console_org, "w-ana")
    assert any(a.contact_ids == (contact.id,) for a in approvals)  # type: ignore[attr-defined]


def test_contact_page_shows_selections_in_plain_words_counts_and_findings(console_org: ConsoleOrg) -> None:
    contact = final_contact(ContactKind.CHILD_CASE)
    push_contacts(console_org, "w-ana", contact)
    with console_org.user("s-lee") as lee:
        text = unescape(lee.get(f"/console/contacts/{contact.id}").text)
    assert "In-Person" in text  # the method's label, not its code
    assert "IN_PERSON" not in text
    assert "Nova Quillfeather" in text  # on-behalf-of child by name
    assert "sleeps in the top bunk" in text  # the narrative
    assert "What it counted toward" in text and "Counts as November" in text
    assert "Findings at its final save" in text
    assert 'class="rule">SEL-METHOD<' in text


def test_an_amendment_names_the_signed_in_supervisor_and_reaches_the_worker(console_org: ConsoleOrg) -> None:
    contact = final_contact(ContactKind.CHILD_CASE)
    push_contacts(console_org, "w-ana", contact)
    path = f"/console/contacts/{contact.id}"
    with console_org.user("s-lee") as lee:
        csrf, key = lee.form_tokens(path)
        before = _count(console_org, AmendmentRow)
        missing = lee.post(
            f"{path}/amendments",
            {"csrf": csrf, "key": key, "new_information": "Seen at 10:15.", "reason": " "},
        )
        assert missing.status_code == 422 and "Reason: say why the contact is amended" in missing.text
        assert "Seen at 10:15." in missing.text  # nothing typed is lost
        assert _count(console_org, AmendmentRow) == before
        done = lee.post(
            f"{path}/amendments",
            {
                "csrf": csrf,
                "key": key,
                "new_information": "The visit began at 10:15.",
                "reason": "Time corrected",
            },
        )
        assert done.status_code == 303
        page = unescape(lee.get(path).text)
        assert "Lee Harrowgate</strong>, Supervising Social Worker" in page
        assert "The visit began at 10:15." in page and "sleeps in the top bunk" in page  # both show
    _, amendments, _ = _pulled(console_org, "w-ana")
    mine = [a for a in amendments if a.contact_id == contact.id]  # type: ignore[attr-defined]
    assert len(mine) == 1
    assert (
        mine[0].modifier_full_name == "Lee Harrowgate"
        and mine[0].modifier_title == "Supervising Social Worker"
    )  # type: ignore[attr-defined]
    assert mine[0].modified_on == date.today() or abs((mine[0].modified_on - date.today()).days) <= 1  # type: ignore[attr-defined]


def test_the_minimum_visitation_requirement_reaches_the_worker_on_pull(console_org: ConsoleOrg) -> None:
    path = "/console/matters/C-2002"
    with console_org.user("s-lee") as lee:
        csrf, _ = lee.form_tokens(path)
        wrong = lee.post(
            f"{path}/mvr", {"csrf": csrf, "risk_level": "high", "in_person_visits": "0", "period_days": "30"}
        )
        assert wrong.status_code == 422 and "In-person visits: a whole number from 1 to 31" in wrong.text
        done = lee.post(
            f"{path}/mvr", {"csrf": csrf, "risk_level": "high", "in_person_visits": "3", "period_days": "30"}
        )
        assert done.status_code == 303
        assert "3 in-person visits every 30 days, for high risk; set by Lee Harrowgate" in lee.get(path).text
    _, _, caseload = _pulled(console_org, "w-ana")
    assert caseload is not None
    matter = caseload.matter("C-2002")
    requirement = getattr(matter, "visitation_requirement", None)
    assert requirement is not None and requirement.in_person_visits == 3 and requirement.set_by == "s-lee"
    # the state system's feed (a caseload load) bringing the case without one keeps the supervisor's
    load_caseload(console_org.server.database_handle(), demo_caseload())
    _, _, reloaded = _pulled(console_org, "w-ana")
    assert (
        reloaded is not None
        and getattr(reloaded.matter("C-2002"), "visitation_requirement", None) == requirement
    )


def test_a_court_involved_case_surfaces_before_its_court_date(console_org: ConsoleOrg) -> None:
    court_day = date.today() + timedelta(days=5)
    demo = demo_caseload()
    moved = tuple(
        c.model_copy(update={"next_court_date": court_day}) if c.id == "C-2001" else c for c in demo.cases
    )
    load_caseload(console_org.server.database_handle(), demo.model_copy(update={"cases": moved}))
    entry = final_contact(ContactKind.CHILD_CASE)
    push_contacts(console_org, "w-ana", entry)
    with console_org.user("s-lee") as lee:
        page = unescape(lee.get(UNIT).text)
        court = page.split('id="court-h"')[1].split('id="workers-h"')[0]
        assert "Quillfeather (C-2001)" in court and "in 5 days" in court
        assert "are not approved before the court date" in court and "approve them by" in court
        confirm = lee.get("/console/approve?case=C-2001")
        ids = re.findall(r'name="contact_id" value="([^"]+)"', confirm.text)
        assert entry.id in ids
        csrf, key = lee.form_tokens("/console/approve?case=C-2001")
        assert lee.post("/console/approve", {"csrf": csrf, "key": key, "contact_id": ids}).status_code == 303
        after = lee.get(UNIT).text.split('id="court-h"')[1].split('id="workers-h"')[0]
        assert "Quillfeather" not in after


def test_a_caseload_change_reaches_the_report_although_judgments_are_kept(console_org: ConsoleOrg) -> None:
    """The console keeps each worker's judged contacts between pages; a caseload load from the state system
    (here C-2001's plan loses Kit's SW Plan Contact: CLS-CASEPLAN) is on the next page all the same."""
    kit = final_contact(ContactKind.CHILD_CASE, participant_ids=("p-kit",), on_behalf_of_child_ids=("p-kit",))
    push_contacts(console_org, "w-ana", kit)
    drill = f"{UNIT}/report/measure?month=2026-11&measure=CMP-CHILD-MONTH&status="
    db = console_org.server.database_handle()
    demo = demo_caseload()
    with console_org.user("s-lee") as lee:
        assert "Kit Quillfeather" in _rows(lee.get(drill + "met").text)
        plans = next(c for c in demo.cases if c.id == "C-2001").case_plans
        without_kit = plans[1].model_copy(
            update={"sw_plan_contacts": tuple(s for s in plans[1].sw_plan_contacts if s.person_id != "p-kit")}
        )
        load_caseload(db, with_case("C-2001", demo, case_plans=(plans[0], without_kit)))
        try:
            assert "Kit Quillfeather" not in _rows(lee.get(drill + "met").text)
            missed = unescape(_rows(lee.get(drill + "missed").text))  # November has passed
            assert "no SW Plan Contact set up for Kit Quillfeather" in missed
        finally:
            load_caseload(db, demo)
        assert "Kit Quillfeather" in _rows(lee.get(drill + "met").text)


def _rows(page: str) -> str:
    return page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""


def test_every_report_number_drills_down_to_as_many_rows(console_org: ConsoleOrg) -> None:
    with console_org.user("m-kim") as kim:
        units = kim.get("/console/")
        assert units.status_code == 200 and "Unit 7 (demo)" in units.text  # a manager chooses a unit
        report = kim.get(f"{UNIT}/report?month=2026-11")
        assert report.status_code == 200 and "<svg" in report.text and "Met against missed" in report.text
        links = re.findall(
            r'href="(/console/units/[^"]+/report/(?:measure|contacts)\?[^"]+)">(\d+)</a>', report.text
        )
        assert len(links) >= 5
        for href, number in links[:25]:
            drill = kim.get(unescape(href))
            assert drill.status_code == 200
            rows = drill.text.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
            assert rows == int(number), (href, rows, number)
        csv = kim.get(f"{UNIT}/report.csv?month=2026-11&table=measures")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.text.lstrip("\ufeff").startswith("worker_id,worker,measure_id")
        assert "CMP-CHILD-MONTH" in csv.text
        drill_csv = kim.get(
            f"{UNIT}/report/measure?month=2026-11&measure=CMP-CHILD-MONTH&status=due&format=csv"
        )
        assert drill_csv.status_code == 200 and "sentence" in drill_csv.text.splitlines()[0]
        unit_rows = [
            line.split(",")
            for line in csv.text.lstrip("\ufeff").splitlines()[1:]
            if ",Unit 7 (demo) (unit)," in line
        ]
        exempt = sum(int(row[-2]) for row in unit_rows)
        assert exempt > 0
        listed = report.text.split('id="exempt-h"')[1].split("</table>")[0].split("<tbody>")[1].count("<tr>")
        assert listed == exempt  # every exemption is listed with its reason
        assert "CLS-SCHEDULE" in report.text.split('id="exempt-h"')[1].split("</table>")[0]
        contacts_csv = kim.get(f"{UNIT}/report.csv?month=2026-11&table=contacts")
        assert contacts_csv.status_code == 200 and "Face-to-face child contacts" in contacts_csv.text


def test_csv_cells_never_run_as_formulas() -> None:
    response = csv_response("x.csv", ["a", "b"], [["=HYPERLINK(1)", "-2"], ["plain", "@SUM"]])
    body = bytes(response.body).decode("utf-8-sig")
    assert body.splitlines() == ["a,b", "'=HYPERLINK(1),'-2", "plain,'@SUM"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        (f"{UNIT}?month=0000-01", 400, "Month: write it as YYYY-MM between 2000-01 and 2100-12"),
        (f"{UNIT}/report?month=2026-13", 400, "Month: write it as YYYY-MM"),
        (f"{UNIT}/approvals?month=garbage", 400, "Month: write it as YYYY-MM"),
        ("/console/units/Unit%209%20%28test%29", 403, "A supervisor sees their own unit only"),
        ("/console/units/No%20such%20unit", 403, "A supervisor sees their own unit only"),
        ("/console/contacts/no-such-contact", 404, "There is no contact with that ID"),
        ("/console/matters/no-such-case", 404, "There is no referral or case with that ID"),
        (f"{UNIT}/report/measure?measure=CMP-NOPE", 400, "Measure and status must be ones the report lists"),
        (f"{UNIT}/report/contacts?figure=evil", 400, "Choose one of the report"),
        (f"{UNIT}/report.csv?table=secrets", 404, "Choose the contacts or the measures table"),
        ("/console/approve", 400, "Choose a worker and month, a case, or contacts"),
        ("/console/nowhere", 404, "There is no such page in the console"),
    ],
)
def test_bad_requests_get_a_clear_page_never_a_500(
    console_org: ConsoleOrg, path: str, status: int, words: str
) -> None:
    with console_org.user("s-lee") as lee:
        answer = lee.get(path)
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert words in unescape(answer.text)
    assert "Lee Harrowgate" in answer.text and "Sign out" in answer.text  # still signed in, with the header


def test_forged_and_csrf_less_forms_change_nothing(console_org: ConsoleOrg) -> None:
    contact = final_contact(ContactKind.CHILD_CASE)
    push_contacts(console_org, "w-ana", contact)
    approvals, amendments = _count(console_org, ApprovalRow), _count(console_org, AmendmentRow)
    path = f"/console/contacts/{contact.id}"
    with console_org.user("s-lee") as lee:
        csrf, key = lee.form_tokens(path)
        cases = [
            ("/console/approve", {"key": key, "contact_id": contact.id}, 403),  # no CSRF token
            ("/console/approve", {"csrf": "forged", "key": key, "contact_id": contact.id}, 403),
            ("/console/approve", {"csrf": csrf, "key": key}, 400),  # names no contact
            ("/console/approve", {"csrf": csrf, "key": key, "contact_id": "not-a-contact"}, 404),
            ("/console/approve", {"csrf": csrf, "key": "../x", "contact_id": contact.id}, 400),
            (f"{path}/amendments", {"new_information": "x", "reason": "y", "key": key}, 403),
            (
                f"{path}/amendments",
                {"csrf": csrf, "new_information": "x" * 50_000, "reason": "y", "key": key},
                422,
            ),
            (
                "/console/matters/C-2001/mvr",
                {"csrf": csrf, "risk_level": "extreme", "in_person_visits": "2", "period_days": "30"},
                422,
            ),
            (
                "/console/matters/C-2001/mvr",
                {"risk_level": "low", "in_person_visits": "2", "period_days": "30"},
                403,
            ),
            ("/console/sign-out", {}, 403),
        ]
        for target, form, expected in cases:
            answer = lee.post(target, form)
            assert answer.status_code == expected, (target, form, answer.text[:300])
            assert answer.headers["content-type"].startswith("text/html")
        bad_json = lee.client.post(
            "/console/approve", content=b"\xff\xfe", headers={"content-type": "multipart/form-data"}
        )
        assert 400 <= bad_json.status_code < 500
    assert (_count(console_org, ApprovalRow), _count(console_org, AmendmentRow)) == (approvals, amendments)


def test_a_case_changed_by_another_unit_supervisor_is_refused(console_org: ConsoleOrg) -> None:
    contact = final_contact(ContactKind.CHILD_CASE)
    push_contacts(console_org, "w-ana", contact)
    approvals = _count(console_org, ApprovalRow)
    with console_org.user("s-other") as olive:
        csrf, _ = olive.form_tokens("/console/units/Unit%209%20%28test%29")
        key = "0123456789abcdef"
        refused = olive.post("/console/approve", {"csrf": csrf, "key": key, "contact_id": contact.id})
        assert refused.status_code == 403 and "outside your unit" in refused.text
        assert (
            olive.post(
                "/console/matters/C-2001/mvr",
                {"csrf": csrf, "risk_level": "low", "in_person_visits": "1", "period_days": "7"},
            ).status_code
            == 403
        )
    assert _count(console_org, ApprovalRow) == approvals


def test_contact_sheet_pdf_and_a_managers_release(console_org: ConsoleOrg) -> None:
    from fieldapp.server.models import ReleaseRow

    contact = final_contact(ContactKind.CHILD_CASE)
    push_contacts(console_org, "w-ana", contact)
    with console_org.user("s-lee") as lee:
        listing = lee.get(f"{UNIT}/approvals?month=2026-11").text
        assert "/console/matters/C-2001/contact-sheet.pdf?month=2026-11" in listing
        sheet = lee.get("/console/matters/C-2001/contact-sheet.pdf?month=2026-11")
        assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
        assert sheet.content.startswith(b"%PDF") and "attachment" in sheet.headers["content-disposition"]
        assert lee.get("/console/matters/C-2001/contact-sheet.pdf?month=0000-01").status_code == 400
        csrf, _ = lee.form_tokens("/console/matters/C-2001")
        assert "Release a copy" not in lee.get("/console/matters/C-2001").text  # managers only
        refused = lee.post("/console/matters/C-2001/release", {"csrf": csrf})
        assert refused.status_code == 403 and "Only a manager may release" in refused.text
    with console_org.user("s-other") as olive:
        assert olive.get("/console/matters/C-2001/contact-sheet.pdf?month=2026-11").status_code == 403
    with console_org.server.database_handle().read() as session:
        before = session.query(ReleaseRow).count()
    with console_org.user("m-kim") as kim:
        csrf, _ = kim.form_tokens("/console/matters/C-2001")
        assert "Release a copy outside the agency" in kim.get("/console/matters/C-2001").text
        bad = kim.post("/console/matters/C-2001/release", {"csrf": csrf, "start": "2026-13-01"})
        assert bad.status_code == 422 and "From: write a date as YYYY-MM-DD" in bad.text
        assert (
            kim.post("/console/matters/C-2001/release", {"start": "2026-11-01"}).status_code == 403
        )  # no CSRF
        made = kim.post(
            "/console/matters/C-2001/release", {"csrf": csrf, "start": "2026-11-01", "end": "2026-11-30"}
        )
        assert made.status_code == 200 and made.content.startswith(b"%PDF")
    with console_org.server.database_handle().read() as session:
        assert session.query(ReleaseRow).count() == before + 1


def test_the_dashboard_counts_each_workers_items_at_a_glance(console_org: ConsoleOrg) -> None:
    """A unit of fifteen lists thousands of due items early in a month: the table on top gives each worker's
    counts, as many as their section lists, and leads to that section."""
    with console_org.user("s-lee") as lee:
        page = unescape(lee.get(UNIT).text)
    glance = page.split("<caption>At a glance</caption>")[1].split("</table>")[0]
    rows = re.findall(r'<a href="#(w-\d+)">([^<]+)</a></th>\s*<td[^>]*>(\d+)</td><td>(\d+)</td>', glance)
    assert {name for _, name, _, _ in rows} == {"Ana Brightfield", "Ben Calloway"}
    for anchor, name, overdue, due in rows:
        section = page.split(f'id="{anchor}"')[1].split("</article>")[0]
        assert section.lstrip(">").startswith(name)
        assert section.count('<li class="overdue">') == int(overdue)
        listed_due = section.split("Due this month")[1].count("<li>") if "Due this month" in section else 0
        assert listed_due == int(due), name
