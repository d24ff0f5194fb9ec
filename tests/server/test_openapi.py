"""The OpenAPI document the server serves is complete: every operation documents its errors (401, 403,
422, 429, 500... as they apply) with the ErrorResponse model, and every model it names exists. The
authorization matrix test also checks that each status it observed is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fieldapp.domain.codetables import load_codetables
from fieldapp.server import migrate
from fieldapp.server.api import ServerState, create_app
from fieldapp.server.auth import FailureLimiter
from fieldapp.server.db import Database
from fieldapp.sync.protocol import ErrorResponse


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    db = Database(str(tmp_path_factory.mktemp("openapi") / "s.db"))
    migrate.upgrade(db)
    app = create_app(ServerState(db, load_codetables(), FailureLimiter(5, 60), db.server_id()))
    with TestClient(app) as client:
        doc = client.get("/openapi.json").json()
    db.dispose()
    return doc  # type: ignore[no-any-return]


OPEN = {("get", "/v1/health"), ("post", "/v1/enroll")}


def _operations(document: dict) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    return [(m, p, op) for p, item in document["paths"].items() for m, op in item.items()]


def _ref(response: dict) -> str:  # type: ignore[type-arg]
    return str(response["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[-1]


def test_every_operation_documents_its_errors_with_the_error_model(document: dict) -> None:  # type: ignore[type-arg]
    operations = _operations(document)
    assert {(m, p) for m, p, _ in operations} == {
        ("get", "/v1/health"),
        ("post", "/v1/enroll"),
        ("get", "/v1/me"),
        ("post", "/v1/workers/{worker_id}/push"),
        ("post", "/v1/workers/{worker_id}/frozen-drafts"),
        ("get", "/v1/workers/{worker_id}/pull"),
        ("get", "/v1/workers/{worker_id}/audit-anchor"),
        ("post", "/v1/workers/{worker_id}/audit-anchor"),
        ("get", "/v1/units/{unit}/contacts"),
        ("get", "/v1/units/{unit}/frozen-drafts"),
        ("get", "/v1/units/{unit}/report"),
        ("post", "/v1/workers/{worker_id}/approvals"),
        ("post", "/v1/contacts/{contact_id}/amendments"),
    }
    for method, path, op in operations:
        codes = set(op["responses"])
        assert "500" in codes, (method, path)
        if (method, path) not in OPEN:
            assert {"401", "429"} <= codes, (method, path)
            if path != "/v1/me":
                assert {"403", "422"} <= codes, (method, path)
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                batch = path.endswith(("/push", "/frozen-drafts")) and method == "post"
                expected = "PushResponse" if (batch and code == "409") else "ErrorResponse"
                assert _ref(response) == expected, (method, path, code)
                assert response["description"], (method, path, code)
            else:
                assert "content" in response, (method, path, code)


def test_the_documented_error_model_is_the_one_the_server_sends(document: dict) -> None:  # type: ignore[type-arg]
    schema = document["components"]["schemas"]["ErrorResponse"]
    assert set(schema["properties"]) == set(ErrorResponse.model_fields)
    assert set(schema["required"]) == {"error", "message"}
    assert "HTTPValidationError" not in document["components"]["schemas"]  # 422 uses ErrorResponse too


def test_every_referenced_schema_exists(document: dict) -> None:  # type: ignore[type-arg]
    import json

    text = json.dumps(document)
    names = {part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]}
    assert names <= set(document["components"]["schemas"]), names - set(document["components"]["schemas"])


def test_validation_errors_name_the_field_and_never_echo_the_input(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "s.db"))
    migrate.upgrade(db)
    app = create_app(ServerState(db, load_codetables(), FailureLimiter(5, 60), db.server_id()))
    with TestClient(app) as client:
        r = client.post("/v1/enroll", json={"code": "", "device_name": "Secret-narrative-text" * 20})
    db.dispose()
    assert r.status_code == 422
    body = ErrorResponse.model_validate_json(r.content)
    assert {d.field for d in body.details} == {"body.code", "body.device_name"}
    assert "Secret-narrative-text" not in r.text


def test_an_oversized_body_is_refused_413_before_it_is_read(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "s.db"))
    migrate.upgrade(db)
    app = create_app(ServerState(db, load_codetables(), FailureLimiter(5, 60), db.server_id()))
    with TestClient(app) as client:
        r = client.post("/v1/enroll", content=b"{}", headers={"content-length": str(64 * 1024 * 1024)})
    db.dispose()
    assert r.status_code == 413
    assert ErrorResponse.model_validate_json(r.content).error == "too_large"


def test_an_unexpected_failure_is_a_bare_500_and_the_log_never_quotes_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The crash guard (a plain ASGI middleware) answers ErrorResponse 500 and logs only type and place."""
    from fieldapp.domain.records import StaffRole, Worker
    from fieldapp.server import auth, feed
    from fieldapp.server.caseload import add_staff

    db = Database(str(tmp_path / "s.db"))
    migrate.upgrade(db)
    add_staff(db, Worker(id="w-x", full_name="X Y", title="SW", role=StaffRole.WORKER, unit="U"))
    token = auth.enroll(db, auth.issue_code(db, "w-x"), "laptop")[0]

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("-".join(("Secret", "narrative", "text")))  # the traceback's source line differs

    monkeypatch.setattr(feed, "pull", broken)
    app = create_app(ServerState(db, load_codetables(), FailureLimiter(5, 60), db.server_id()))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/v1/workers/w-x/pull", headers={"Authorization": f"Bearer {token}"})
        healthy = client.get("/v1/health")
    db.dispose()
    assert r.status_code == 500
    assert ErrorResponse.model_validate_json(r.content).error == "internal"
    assert "Secret-narrative-text" not in r.text
    assert "ValueError" in caplog.text and "Secret-narrative-text" not in caplog.text
    assert healthy.status_code == 200
