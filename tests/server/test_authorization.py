"""The authorization matrix: every authenticated endpoint × (no token, revoked token, another worker's
token, a supervisor of another unit) is refused, with nothing written, and every status the server
answered is documented in its OpenAPI document with the ErrorResponse model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from fieldapp.domain.records import Contact
from fieldapp.sync.protocol import ErrorResponse, FrozenDraftsRequest, Outcome, PushRequest
from tests.server.conftest import Org
from tests.server.helpers import final_contact, frozen_draft, push_ok

UNIT = "Unit 7 (demo)"


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # as in the OpenAPI document
    path: str
    body: Callable[[], object] | None = None
    params: dict[str, str] | None = None
    scoped: bool = True  # names a resource of w-ana / unit 7 (so other callers must be refused)

    def call(self, client: httpx.Client) -> httpx.Response:
        content = None
        if self.body is not None:
            body = self.body()
            content = (
                body.model_dump_json()
                if hasattr(body, "model_dump_json")
                else httpx.Request("POST", "/", json=body).content
            )
        return client.request(
            self.method,
            self.path,
            content=content,
            params=self.params,
            headers={"content-type": "application/json"},
        )


def endpoints(stored: Contact) -> list[Endpoint]:
    fresh = lambda: PushRequest(contacts=(final_contact(),))  # noqa: E731 - a new contact per call
    return [
        Endpoint("GET", "/v1/me", "/v1/me", scoped=False),
        Endpoint("POST", "/v1/workers/{worker_id}/push", "/v1/workers/w-ana/push", fresh),
        Endpoint("GET", "/v1/workers/{worker_id}/pull", "/v1/workers/w-ana/pull"),
        Endpoint(
            "POST",
            "/v1/workers/{worker_id}/frozen-drafts",
            "/v1/workers/w-ana/frozen-drafts",
            lambda: FrozenDraftsRequest(drafts=(frozen_draft(),)),
        ),
        Endpoint(
            "GET", "/v1/units/{unit}/contacts", f"/v1/units/{UNIT}/contacts", params={"month": "2026-11"}
        ),
        Endpoint(
            "GET",
            "/v1/units/{unit}/frozen-drafts",
            f"/v1/units/{UNIT}/frozen-drafts",
            params={"month": "2026-11"},
        ),
        Endpoint(
            "POST",
            "/v1/workers/{worker_id}/approvals",
            "/v1/workers/w-ana/approvals",
            lambda: {"month": "2026-11"},
        ),
        Endpoint(
            "POST",
            "/v1/contacts/{contact_id}/amendments",
            f"/v1/contacts/{stored.id}/amendments",
            lambda: {"new_information": "changed", "reason": "test"},
        ),
    ]


RIGHTFUL = {
    "/v1/me": "w-ana",
    "/v1/workers/{worker_id}/push": "w-ana",
    "/v1/workers/{worker_id}/pull": "w-ana",
    "/v1/workers/{worker_id}/frozen-drafts": "w-ana",
    "/v1/units/{unit}/contacts": "s-lee",
    "/v1/units/{unit}/frozen-drafts": "s-lee",
    "/v1/units/{unit}/report": "s-lee",
    "/v1/workers/{worker_id}/approvals": "s-lee",
    "/v1/contacts/{contact_id}/amendments": "s-lee",
}


@pytest.fixture(scope="module")
def stored_contact(org: Org) -> Contact:
    contact = final_contact()
    with org.client("w-ana") as ana:
        assert push_ok(ana, "w-ana", contact).results[0].outcome is Outcome.ACCEPTED
    return contact


def test_every_endpoint_refuses_every_wrong_caller_and_documents_it(
    org: Org, stored_contact: Contact
) -> None:
    observed: dict[tuple[str, str], set[int]] = {}
    failures: list[str] = []
    callers = {
        "no token": None,
        "revoked token": "revoked",
        "other worker": "w-ben",
        "other unit supervisor": "s-other",
    }
    for endpoint in endpoints(stored_contact):
        for label, who in callers.items():
            if not endpoint.scoped and who in ("w-ben", "s-other"):
                continue  # /v1/me answers about the caller themself: nothing of w-ana's to refuse
            with org.client(who) as client:
                response = endpoint.call(client)
            observed.setdefault((endpoint.method, endpoint.template), set()).add(response.status_code)
            expected = 401 if who in (None, "revoked") else 403
            if response.status_code != expected:
                failures.append(
                    f"{endpoint.method} {endpoint.path} as {label}: {response.status_code} {response.text[:200]}"
                )
                continue
            error = ErrorResponse.model_validate_json(response.content)
            assert error.error in ("unauthenticated", "forbidden")
            if expected == 401:
                assert response.headers.get("www-authenticate") == "Bearer"
        # Positive control: the rightful caller gets through (the matrix is not refusing everyone).
        with org.client(RIGHTFUL[endpoint.template]) as client:
            response = endpoint.call(client)
        observed.setdefault((endpoint.method, endpoint.template), set()).add(response.status_code)
        assert response.status_code in (200, 201), f"{endpoint.path} as rightful caller: {response.text}"
    assert not failures, "\n".join(failures)

    with org.client(None) as anon:
        document = anon.get("/openapi.json").json()
    for (method, template), statuses in observed.items():
        documented = document["paths"][template][method.lower()]["responses"]
        for status in statuses:
            assert str(status) in documented, (
                f"{method} {template} answered {status} but does not document it"
            )


def test_refused_push_writes_nothing(org: Org) -> None:
    """A push to w-ana's path with another worker's or another unit's token stores nothing."""
    contact = final_contact()
    for who in ("w-ben", "s-other", "revoked", None):
        with org.client(who) as client:
            r = client.post(
                "/v1/workers/w-ana/push",
                content=PushRequest(contacts=(contact,)).model_dump_json(),
                headers={"content-type": "application/json"},
            )
        assert r.status_code in (401, 403)
    with org.client("w-ana") as ana:
        assert push_ok(ana, "w-ana", contact).results[0].outcome is Outcome.ACCEPTED  # first time stored


def test_health_and_enroll_reveal_nothing(org: Org) -> None:
    with org.client(None) as anon:
        health = anon.get("/v1/health")
        bad = anon.post("/v1/enroll", json={"code": "AAAA-BBBB-CCCC-DDDD"})
    assert health.json() == {"status": "ok", "protocol": 1}
    assert "server" not in health.headers  # no software banner
    assert bad.status_code == 401
    assert (
        ErrorResponse.model_validate_json(bad.content).message
        == "the enrollment code is unknown, used or expired"
    )
