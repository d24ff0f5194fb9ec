"""The console in a real browser (Debian's Chromium through Playwright) against the real server, with a
worker's real encrypted profile syncing through the real client: what a supervisor does reaches the
worker's laptop. Every page is checked with axe-core (WCAG 2.1 A/AA: 0 violations) and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.app.contacts import SqlContactService
from fieldapp.domain.records import ContactKind, ContactState
from fieldapp.server.caseload import load_caseload
from fieldapp.store.profile import Profile, open_profile
from fieldapp.sync import enrollment
from fieldapp.sync.client import SyncClient
from tests.console.conftest import ConsoleOrg, start_console_org
from tests.console.support import PASSWORD
from tests.factories import NOW, demo_caseload, valid_contact
from tests.server.helpers import frozen_draft, report_frozen
from tests.support.browser import axe_violations, chromium, screenshot
from tests.support.memory_keyring import MemoryKeyring

UNIT = "/console/units/Unit%207%20%28demo%29"
COURT_IN_DAYS = 4


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleOrg]:
    started = start_console_org(tmp_path_factory.mktemp("console-browser"))
    demo = demo_caseload()
    court = date.today() + timedelta(days=COURT_IN_DAYS)
    cases = tuple(
        c.model_copy(update={"next_court_date": court}) if c.id == "C-2001" else c for c in demo.cases
    )
    load_caseload(started.server.database_handle(), demo.model_copy(update={"cases": cases}))
    today = datetime.now(NOW.tzinfo).replace(hour=10, minute=0, second=0, microsecond=0)
    draft = frozen_draft(
        started_at=today, ended_at=today.replace(hour=11), first_saved_at=today.replace(hour=11)
    )
    with started.server.client(started.tokens["w-ana"]) as device:
        assert report_frozen(device, "w-ana", draft).status_code == 200
    try:
        yield started
    finally:
        started.server.close()


class Laptop:
    """Ana's laptop: her encrypted profile, enrolled with the server, and the real sync client."""

    def __init__(self, org: ConsoleOrg, folder: Path) -> None:
        self.profile: Profile = open_profile(folder, create_with_caseload=demo_caseload(), clock=lambda: NOW)
        self.service = SqlContactService(self.profile, clock=lambda: NOW)
        self.enrolled = enrollment.enroll(
            org.server.url, org.server.issue_code("w-ana"), device_name="Ana's laptop", vault=MemoryKeyring()
        )

    def sync(self) -> None:
        with SyncClient(
            self.enrolled.server_url, self.enrolled.token, self.enrolled.worker_id, self.profile.sync_store()
        ) as client:
            report = client.sync()
        assert report.ok, report.error


@pytest.fixture(scope="module")
def laptop(org: ConsoleOrg, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Laptop]:
    made = Laptop(org, tmp_path_factory.mktemp("laptop"))
    for kind in ContactKind:
        made.service.finalize(valid_contact(kind))
    made.sync()
    try:
        yield made
    finally:
        made.profile.close()


def _page(browser: Any, org: ConsoleOrg, staff_id: str = "s-lee") -> Any:
    context = browser.new_context(base_url=org.server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(UNIT if staff_id != "m-kim" else "/console/")
    assert "/console/sign-in" in page.url
    page.get_by_label("Staff ID").fill(staff_id)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def _no_violations(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"


def test_sign_in_and_the_dashboard_shows_the_units_alerts_court_case_first(
    browser: Any, org: ConsoleOrg, laptop: Laptop
) -> None:
    page = _page(browser, org)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Unit 7 (demo): what needs you")
    court = page.locator("section", has=page.locator("#court-h"))
    assert "Quillfeather (C-2001)" in court.inner_text()
    assert f"in {COURT_IN_DAYS} days" in court.inner_text()  # before the court date, nearest first
    workers = page.locator("section", has=page.locator("#workers-h")).inner_text()
    assert "Ana Brightfield" in workers and ("Overdue" in workers or "Due this month" in workers)
    assert "NAR-SAMEDAY" in page.locator("#frozen-h").inner_text()
    assert "The text as it stood" in page.content()
    page.context.close()


def test_an_approval_in_the_console_arrives_in_the_workers_profile(
    browser: Any, org: ConsoleOrg, laptop: Laptop
) -> None:
    contact = next(
        s.contact for s in laptop.service.recent_contacts("C-2001") if s.contact.kind is ContactKind.SCP_CASE
    )
    page = _page(browser, org)
    page.goto(f"/console/contacts/{contact.id}")
    assert "Awaiting approval" in page.inner_text("#main")
    page.get_by_role("button", name="Approve this contact").click()
    assert "Approved by Lee Harrowgate" in page.inner_text("#main")
    laptop.sync()
    stored = laptop.service.get(contact.id)
    assert stored.state is ContactState.APPROVED
    assert stored.approval is not None and stored.approval.approved_by == "s-lee"
    page.context.close()


def test_an_amendment_in_the_console_arrives_in_the_workers_profile(
    browser: Any, org: ConsoleOrg, laptop: Laptop
) -> None:
    contact = next(
        s.contact
        for s in laptop.service.recent_contacts("C-2001")
        if s.contact.kind is ContactKind.CHILD_CASE
    )
    page = _page(browser, org)
    page.goto(f"/console/contacts/{contact.id}")
    page.get_by_label("New information").fill("The child also said she feels safe at home.")
    page.get_by_label("Reason for the amendment").fill("Left out of the narrative")
    page.get_by_role("button", name="Add the amendment").click()
    assert "Amendment saved" in page.inner_text("#main")
    laptop.sync()
    amendments = laptop.service.get(contact.id).amendments
    assert [(a.new_information, a.modifier_full_name) for a in amendments] == [
        ("The child also said she feels safe at home.", "Lee Harrowgate")
    ]
    assert laptop.service.get(contact.id).contact == contact  # the original is never changed
    page.context.close()


def test_forged_csrf_and_another_units_supervisor_are_refused(
    browser: Any, org: ConsoleOrg, laptop: Laptop
) -> None:
    contact = next(
        s.contact
        for s in laptop.service.recent_contacts("C-2001")
        if s.contact.kind is ContactKind.PARENT_CASE
    )
    page = _page(browser, org)
    page.goto(f"/console/contacts/{contact.id}")
    page.evaluate("() => document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')")
    with page.expect_response(lambda r: r.url.endswith("/console/approve")) as answer:
        page.get_by_role("button", name="Approve this contact").click()
    assert answer.value.status == 403
    assert "This form could not be accepted" in page.inner_text("#main")
    page.goto(f"/console/contacts/{contact.id}")
    assert "Awaiting approval" in page.inner_text("#main")  # nothing was changed
    page.context.close()

    other = _page(browser, org, "s-other")
    response = other.goto(f"/console/contacts/{contact.id}")
    assert response is not None and response.status == 403
    assert "Not yours to see" in other.inner_text("#main") and "top bunk" not in other.content()
    response = other.goto(UNIT)
    assert response is not None and response.status == 403
    other.context.close()


def test_every_page_has_no_wcag_a_or_aa_violations(
    browser: Any, org: ConsoleOrg, laptop: Laptop, tmp_path: Path
) -> None:
    contact = next(s.contact for s in laptop.service.recent_contacts("C-2001"))
    context = browser.new_context(base_url=org.server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/console/sign-in")
    pages = [("01_sign_in", None)]
    _no_violations(page)
    screenshot(page, "01_sign_in", tmp_path)
    page.get_by_label("Staff ID").fill("s-lee")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    _no_violations(page)
    screenshot(page, "02_sign_in_refused", tmp_path)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    pages = [
        ("03_dashboard", UNIT),
        ("04_approvals", f"{UNIT}/approvals?month=2026-11"),
        ("05_confirm_month", "/console/approve?worker=w-ana&month=2026-11"),
        ("06_contact", f"/console/contacts/{contact.id}"),
        ("07_case_and_mvr", "/console/matters/C-2001"),
        ("08_referral", "/console/matters/R-1001"),
        ("09_report", f"{UNIT}/report?month=2026-11"),
        ("10_drill_measure", f"{UNIT}/report/measure?month=2026-11&measure=CMP-CHILD-MONTH&status=met"),
        ("11_drill_contacts", f"{UNIT}/report/contacts?month=2026-11&figure=face_to_face_child_contacts"),
        ("12_error_bad_month", f"{UNIT}?month=0000-01"),
        ("13_error_other_unit", "/console/units/Unit%209%20%28test%29"),
    ]
    for name, path in pages:
        page.goto(path)
        if name == "09_report":
            page.locator("details").first.evaluate("d => d.open = true")
        _no_violations(page)
        screenshot(page, name, tmp_path)
    page.goto(f"/console/contacts/{contact.id}")
    page.get_by_role("button", name="Add the amendment").evaluate("b => b.form.noValidate = true")
    page.get_by_role("button", name="Add the amendment").click()
    assert "The amendment was not saved" in page.inner_text("#main")
    _no_violations(page)
    screenshot(page, "14_amendment_refused", tmp_path)
    page.keyboard.press("Tab")  # keyboard: the first stop is the skip link, visibly focused
    assert page.evaluate("() => document.activeElement.className") == "skip"
    screenshot(page, "15_keyboard_focus", tmp_path)
    context.close()

    manager = _page(browser, org, "m-kim")
    assert "Your units" in manager.inner_text("h1")
    assert manager.get_by_role("link", name="Unit 7 (demo)").count() == 1  # s-lee reports to m-kim
    assert manager.get_by_role("link", name="Unit 9 (test)").count() == 0  # s-other does not
    _no_violations(manager)
    screenshot(manager, "16_manager_units", tmp_path)
    manager.goto("/console/matters/C-2001")
    assert "Release a copy outside the agency" in manager.inner_text("#main")
    _no_violations(manager)
    screenshot(manager, "17_manager_case_release", tmp_path)
    manager.context.close()


def test_the_idle_timeout_signs_out_and_shows_nothing_of_a_case(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    quick = start_console_org(tmp_path_factory.mktemp("idle"), extra=["--console-idle-minutes", "0.05"])
    try:
        page = _page(browser, quick)
        page.goto("/console/matters/C-2001")
        assert "Quillfeather" in page.inner_text("h1")
        page.wait_for_timeout(3500)
        page.goto("/console/matters/C-2001")
        assert "/console/sign-in" in page.url
        assert "Your session ended after 3 seconds without activity" in page.inner_text("#main")
        assert "Quillfeather" not in page.content()
        page.go_back()  # the browser's Back button shows no cached case page either
        assert "Quillfeather" not in page.content() or "/console/sign-in" in page.url
        page.context.close()
    finally:
        quick.server.close()
