"""Simple bad input is refused at the boundary with 422 naming the field, never a 500 from deep inside: a
month the report's calendar arithmetic overflows in, a NUL character (PostgreSQL cannot store one), a
protocol version the server does not speak, `as_of` as a Unix timestamp, an amendment longer than a
narrative may be. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from fieldapp.domain.codetables import load_codetables
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Amendment
from fieldapp.sync.protocol import ErrorResponse, PushRequest
from tests.server.conftest import Org
from tests.server.helpers import final_contact, push, push_ok

UNIT = "Unit 7 (demo)"
MAX_CHARS = load_codetables().agency.narrative_max_chars


def _refused(response, field: str) -> ErrorResponse:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    body = ErrorResponse.model_validate_json(response.content)
    assert field in {d.field for d in body.details}, body
    return body


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12", "3000-01"])
@pytest.mark.parametrize("view", ["report", "contacts", "frozen-drafts"])
def test_a_month_outside_the_calendar_is_422_naming_month(org: Org, month: str, view: str) -> None:
    with org.client("s-lee") as lee:
        _refused(lee.get(f"/v1/units/{UNIT}/{view}", params={"month": month}), "query.month")
        assert lee.get(f"/v1/units/{UNIT}/{view}", params={"month": "2026-11"}).status_code == 200


@pytest.mark.parametrize(
    "as_of", ["1700000000", "0", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
)
def test_as_of_follows_the_schema(org: Org, as_of: str) -> None:
    """`as_of` is a date-time with offset, as documented: a Unix timestamp is not one."""
    with org.client("s-lee") as lee:
        r = lee.get(f"/v1/units/{UNIT}/report", params={"month": "2026-11", "as_of": as_of})
    _refused(r, "query.as_of")


def test_a_nul_in_a_contact_id_or_a_referral_id_is_422_naming_the_field(org: Org) -> None:
    with org.client("w-ana") as ana:
        bad_id = final_contact().model_copy(update={"id": "01\x00x"})
        _refused(push(ana, "w-ana", (bad_id,)), "body.contacts.0.id")
        bad_matter = final_contact().model_copy(update={"context_id": "C-2001\x00"})
        _refused(push(ana, "w-ana", (bad_matter,)), "body.contacts.0.context_id")
        good = final_contact()
        assert push_ok(ana, "w-ana", good).results[0].outcome == "accepted"


def test_a_nul_in_a_path_is_422_naming_it(org: Org) -> None:
    with org.client("s-lee") as lee:
        r = lee.post("/v1/contacts/c%00x/amendments", json={"new_information": "x", "reason": "y"})
        _refused(r, "path.contact_id")
        _refused(lee.get(f"/v1/units/{UNIT}%00/report", params={"month": "2026-11"}), "path.unit")
        _refused(lee.post("/v1/workers/w-ana%00/approvals", json={"month": "2026-11"}), "path.worker_id")
        r = lee.post("/v1/contacts/c-1/amendments", json={"new_information": "seen\x00", "reason": "y"})
        _refused(r, "body.new_information")
    with org.client("w-ana") as ana:
        _refused(ana.get("/v1/workers/w-ana/pull", params={"cursor": "a\x00"}), "query.cursor")


@pytest.mark.parametrize("version", [0, 2, 99, "1", 1.5])
def test_a_protocol_the_server_does_not_speak_says_update_fieldapp(org: Org, version: object) -> None:
    body = json.loads(PushRequest(contacts=(final_contact(),)).model_dump_json())
    body["protocol"] = version
    with org.client("w-ana") as ana:
        r = ana.post("/v1/workers/w-ana/push", json=body)
    refused = _refused(r, "body.protocol")
    if isinstance(version, int):
        assert "update fieldapp" in refused.message


def test_nar_length_an_amendment_gets_the_narratives_limit(org: Org) -> None:
    """An amendment is narrative added to the record: over the narrative's limit it is refused through the
    endpoint (422 naming new_information) and through push (refused with NAR-LENGTH), and never stored."""
    contact = final_contact()
    with org.client("w-ana") as ana:
        push_ok(ana, "w-ana", contact)
    with org.client("s-lee") as lee:
        long = {"new_information": "x" * (MAX_CHARS + 1), "reason": "late detail"}
        refused = _refused(
            lee.post(f"/v1/contacts/{contact.id}/amendments", json=long), "body.new_information"
        )
        assert "NAR-LENGTH" in refused.message and f"{MAX_CHARS:,}" in refused.message
        fits = {"new_information": "x" * MAX_CHARS, "reason": "late detail"}
        assert lee.post(f"/v1/contacts/{contact.id}/amendments", json=fits).status_code == 201
        pushed = Amendment(
            id=new_id(),
            contact_id=contact.id,
            new_information="y" * (MAX_CHARS + 1),
            reason="Typo",
            modifier_id="s-lee",
            modifier_full_name="Lee Harrowgate",
            modifier_title="Supervising Social Worker",
            modified_on=contact.started_at.date(),  # type: ignore[union-attr]
        )
        result = push(lee, "s-lee", amendments=(pushed,)).json()["results"][0]
    assert result["outcome"] == "refused"
    assert [f["rule_id"] for f in result["findings"]] == ["NAR-LENGTH"]
