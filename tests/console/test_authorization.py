"""The console's authorization matrix, beside the API's (tests/server/test_authorization.py): every page
and form action × (no session, a device token, a supervisor of another unit, the manager of another unit)
is refused and writes nothing; the unit's supervisor and the manager its supervisor reports to get
through. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fieldapp.domain.records import Contact, ContactKind
from fieldapp.server.models import AmendmentRow, ApprovalRow, MatterRow, ReleaseRow
from tests.console.conftest import ConsoleOrg, push_contacts, start_console_org
from tests.console.support import ConsoleUser
from tests.server.helpers import final_contact
from tests.support.fixtures import BACKENDS, database_for

UNIT = "/console/units/Unit%207%20%28demo%29"


@dataclass(frozen=True)
class Action:
    method: str
    path: str
    form: dict[str, object] | None = None
    scoped: bool = True  # names something of unit 7 (another unit's supervisor must be refused)


def actions(contact: Contact) -> list[Action]:
    c = contact.id
    return [
        Action("GET", "/console/", scoped=False),
        Action("GET", UNIT),
        Action("GET", f"{UNIT}?month=2026-11"),
        Action("GET", f"{UNIT}/approvals?month=2026-11"),
        Action("GET", f"{UNIT}/report?month=2026-11"),
        Action("GET", f"{UNIT}/report.csv?month=2026-11&table=measures"),
        Action("GET", f"{UNIT}/report/measure?month=2026-11&measure=CMP-CHILD-MONTH"),
        Action("GET", f"{UNIT}/report/contacts?month=2026-11&figure=face_to_face_child_contacts"),
        Action("GET", f"/console/contacts/{c}"),
        Action("GET", "/console/matters/C-2001"),
        Action("GET", "/console/approve?worker=w-ana&month=2026-11"),
        Action("GET", "/console/approve?case=C-2001"),
        Action("POST", "/console/approve", {"key": "k1", "contact_id": c}),
        Action(
            "POST", f"/console/contacts/{c}/amendments", {"key": "k2", "new_information": "x", "reason": "y"}
        ),
        Action(
            "POST",
            "/console/matters/C-2001/mvr",
            {"risk_level": "low", "in_person_visits": "1", "period_days": "30"},
        ),
        Action("GET", "/console/matters/C-2001/contact-sheet.pdf?month=2026-11"),
        Action("POST", "/console/matters/C-2001/release", {"start": "2026-11-01"}),
        Action("POST", "/console/sign-out", {}, scoped=False),
    ]


@pytest.fixture(scope="module", params=BACKENDS)
def matrix_org(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleOrg]:
    workdir = tmp_path_factory.mktemp(f"console-matrix-{request.param}")
    org = start_console_org(workdir, database=database_for(request.param, workdir / "db", request))
    try:
        yield org
    finally:
        org.server.close()


def _state(org: ConsoleOrg) -> tuple[int, int, str, int]:
    with org.server.database_handle().read() as session:
        matter = session.get(MatterRow, "C-2001")
        assert matter is not None
        return (
            session.query(ApprovalRow).count(),
            session.query(AmendmentRow).count(),
            matter.content_hash,
            session.query(ReleaseRow).count(),
        )


def _csrf(user: ConsoleUser, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', user.get(page).text)
    assert found is not None
    return found.group(1)


def _call(user: ConsoleUser, action: Action, csrf: str) -> int:
    if action.method == "GET":
        return user.get(action.path).status_code
    form = {**(action.form or {}), "csrf": csrf}
    return user.post(action.path, form).status_code


def test_every_console_page_and_action_refuses_every_wrong_caller(matrix_org: ConsoleOrg) -> None:
    contact = final_contact(ContactKind.CHILD_CASE)
    push_contacts(matrix_org, "w-ana", contact)
    before = _state(matrix_org)
    failures: list[str] = []
    anonymous = ConsoleUser(matrix_org.server.url)
    device = ConsoleUser(matrix_org.server.url)
    device.client.headers["Authorization"] = f"Bearer {matrix_org.tokens['s-lee']}"
    others = [
        (who, user, _csrf(user, "/console/units/Unit%209%20%28test%29"))
        for who, user in (
            ("another unit's supervisor", matrix_org.user("s-other")),
            ("another unit's manager", matrix_org.user("m-other")),
        )
    ]
    for action in actions(contact):
        for label, user, csrf in (("no session", anonymous, ""), ("device token", device, "")):
            status = _call(user, action, csrf)
            expected = 303 if action.method == "GET" else 401
            if status != expected:
                failures.append(f"{action.method} {action.path} as {label}: {status}")
            if action.method == "GET" and status == 303:
                location = user.get(action.path).headers["location"]
                if not location.startswith("/console/sign-in"):
                    failures.append(f"{action.path} as {label} went to {location}")
        if action.scoped:
            for who, other, other_csrf in others:
                status = _call(other, action, other_csrf)
                if status != 403:
                    failures.append(f"{action.method} {action.path} as {who}: {status}")
    units = others[1][1].get("/console/").text  # the other manager chooses among their units only
    if "Unit 9 (test)" not in units or "Unit 7 (demo)" in units:
        failures.append("another unit's manager is offered units that are not theirs")
    assert not failures, "\n".join(failures)
    assert _state(matrix_org) == before  # nothing was written by any refused call

    # Positive control: the unit's supervisor and a manager get through (the matrix is not refusing all).
    for staff_id in ("s-lee", "m-kim"):
        user = matrix_org.user(staff_id)
        csrf = _csrf(user, f"/console/contacts/{contact.id}")
        fresh = final_contact(ContactKind.PARENT_CASE)  # one still to approve for each of them
        push_contacts(matrix_org, "w-ana", fresh)
        for action in actions(contact):
            if action.path == "/console/approve" and action.method == "POST":
                action = Action("POST", action.path, {"key": f"ok{staff_id[0]}", "contact_id": fresh.id})
            if action.path.endswith("/amendments"):
                action = Action("POST", action.path, {**(action.form or {}), "key": f"am{staff_id[0]}"})
            status = _call(user, action, csrf)
            allowed = {200} if action.method == "GET" else {303}
            if action.path == "/console/" and staff_id == "s-lee":
                allowed = {303}  # a supervisor is taken to their unit
            if action.path.endswith("/release"):
                allowed = {200} if staff_id == "m-kim" else {403}  # a release is a manager's (NAR-PRIVILEGE)
            if action.path.startswith("/console/approve?") and staff_id == "m-kim":
                allowed = {200, 409}  # s-lee approved the month just before; m-kim's fresh one may wait
            assert status in allowed, f"{action.method} {action.path} as {staff_id}: {status}"
    after = _state(matrix_org)
    assert after[0] > before[0] and after[1] == before[1] + 2 and after[2] != before[2]
    assert after[3] == before[3] + 1  # m-kim's release only
