"""The push route parses its body itself (pydantic's JSON parser, one request thread: the hot path of a
burst of laptops). A body that does not validate is refused exactly as the framework refuses one: 422
ErrorResponse naming each field as `body.<field>`, never echoing what was sent; the token is checked
before the body, and the body before whose caseload it is."""

from __future__ import annotations

import json

from fieldapp.sync.protocol import ErrorResponse, PushRequest
from tests.server.conftest import Org
from tests.server.helpers import final_contact

SECRET = "Secret-narrative-text"


def _post(org: Org, who: str | None, worker_id: str, content: bytes) -> tuple[int, ErrorResponse]:
    with org.client(who) as client:
        r = client.post(
            f"/v1/workers/{worker_id}/push", content=content, headers={"Content-Type": "application/json"}
        )
    assert SECRET not in r.text
    return r.status_code, ErrorResponse.model_validate_json(r.content)


def _bad_batch() -> bytes:
    good = json.loads(PushRequest(contacts=(final_contact(),)).model_dump_json())
    bad = dict(good["contacts"][0], narrative=SECRET * 3, started_at=SECRET)
    del bad["context_id"]
    return json.dumps({"contacts": [good["contacts"][0], bad]}).encode()


def test_an_invalid_push_body_is_422_naming_each_field_without_echoing_it(org: Org) -> None:
    status, error = _post(org, "w-ana", "w-ana", _bad_batch())
    assert status == 422 and error.error == "invalid"
    assert {d.field for d in error.details} == {"body.contacts.1.context_id", "body.contacts.1.started_at"}
    assert error.message.startswith("body.contacts.1.")


def test_a_push_body_that_is_not_json_is_422(org: Org) -> None:
    status, error = _post(org, "w-ana", "w-ana", b'{"contacts": [' + SECRET.encode())
    assert status == 422 and error.error == "invalid"
    assert error.details and all(d.field.startswith("body") for d in error.details)


def test_the_token_is_checked_before_the_body_and_the_body_before_the_caseload(org: Org) -> None:
    assert _post(org, None, "w-ana", _bad_batch())[0] == 401
    assert _post(org, "revoked", "w-ana", _bad_batch())[0] == 401
    assert _post(org, "w-ben", "w-ana", _bad_batch())[0] == 422
    empty = PushRequest().model_dump_json().encode()
    assert _post(org, "w-ben", "w-ana", empty)[0] == 403


def test_a_bad_worker_id_in_the_path_is_checked_after_the_token_and_with_the_body(org: Org) -> None:
    too_long = "w" * 65
    assert _post(org, None, too_long, _bad_batch())[0] == 401
    status, error = _post(org, "w-ana", too_long, _bad_batch())
    assert status == 422
    assert {d.field for d in error.details} == {
        "path.worker_id",
        "body.contacts.1.context_id",
        "body.contacts.1.started_at",
    }
