"""Enrollment: a one-time code becomes a device token that is kept only in the (test) keyring."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from fieldapp.sync import enrollment
from fieldapp.sync.enrollment import KEYRING_SERVICE, EnrollmentError, enroll
from fieldapp.sync.protocol import EnrollResponse
from tests.factories import demo_caseload
from tests.support.memory_keyring import MemoryKeyring

TOKEN = "tok-7f3a9c1e-super-secret-device-token"


def server(codes: dict[str, str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/enroll"
        body = json.loads(request.content)
        if body["code"] not in codes:
            return httpx.Response(401, json={"detail": "unknown or used code"})
        worker = demo_caseload().staff_member(codes.pop(body["code"]))
        assert worker is not None
        answer = EnrollResponse(token=TOKEN, device_id="dev-1", worker=worker, server_id="srv-1")
        return httpx.Response(201, content=answer.model_dump_json())

    return httpx.MockTransport(handle)


def test_enrollment_keeps_the_token_only_in_the_keyring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "TMPDIR"):
        monkeypatch.setenv(var, str(tmp_path))
    vault = MemoryKeyring()
    with caplog.at_level(logging.DEBUG):
        result = enroll(
            "http://127.0.0.1:8765/",
            " ABCD-1234 ",
            device_name="laptop-7",
            vault=vault,
            transport=server({"ABCD-1234": "w-ana"}),
        )
    assert result.worker_id == "w-ana" and result.server_url == "http://127.0.0.1:8765"
    assert TOKEN not in repr(result)
    assert list(vault.secrets) == [(KEYRING_SERVICE, "default")]
    assert TOKEN in vault.secrets[(KEYRING_SERVICE, "default")]
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]

    loaded = enrollment.load(vault)
    assert loaded == result and loaded is not None and loaded.token == TOKEN
    enrollment.forget(vault)
    assert vault.secrets == {} and enrollment.load(vault) is None


def test_a_used_or_wrong_code_is_refused_and_nothing_is_stored() -> None:
    vault = MemoryKeyring()
    transport = server({"GOOD": "w-ana"})
    enroll("http://127.0.0.1:1", "GOOD", device_name="d", vault=vault, transport=transport)
    vault.secrets.clear()
    with pytest.raises(EnrollmentError) as err:
        enroll("http://127.0.0.1:1", "GOOD", device_name="d", vault=vault, transport=transport)
    assert err.value.field == "code" and "not accepted" in str(err.value)
    assert vault.secrets == {}


def test_an_empty_code_names_the_field() -> None:
    with pytest.raises(EnrollmentError) as err:
        enroll("https://office.example", "  ", device_name="d", vault=MemoryKeyring())
    assert err.value.field == "code"


@pytest.mark.parametrize(
    "url", ["http://office.example", "http://10.0.0.5:8000", "office.example", "ftp://x"]
)
def test_a_token_is_never_sent_in_clear_across_a_network(url: str) -> None:
    with pytest.raises(EnrollmentError) as err:
        enroll(url, "CODE", device_name="d", vault=MemoryKeyring())
    assert err.value.field == "server_url"


def test_an_unreachable_server_is_reported_on_the_address_field() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(EnrollmentError) as err:
        enroll(
            "https://office.example",
            "CODE",
            device_name="d",
            vault=MemoryKeyring(),
            transport=httpx.MockTransport(refuse),
        )
    assert err.value.field == "server_url" and "Could not reach" in str(err.value)


def test_plaintext_keyrings_are_not_secure() -> None:
    from keyrings.alt.file import PlaintextKeyring

    assert not enrollment.is_secure(PlaintextKeyring())
    assert enrollment.is_secure(MemoryKeyring())


def test_a_code_too_long_to_be_one_is_refused_before_any_request() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request should be made")

    with pytest.raises(EnrollmentError) as err:
        enroll(
            "https://office.example",
            "x" * 100,
            device_name="d",
            vault=MemoryKeyring(),
            transport=httpx.MockTransport(fail),
        )
    assert err.value.field == "code"
