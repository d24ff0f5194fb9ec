"""Request bodies are counted as they stream in, chunked ones too, and refused with 413 as soon as the count
passes the route's limit, before anyone is authenticated: an anonymous caller cannot make the server hold
an upload in memory (the probe that found it: four concurrent 200 MiB chunked POST /v1/enroll took a
server from 133 to 1,715 MiB resident)."""

from __future__ import annotations

import select
import socket
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fieldapp.domain.codetables import load_codetables
from fieldapp.server import migrate
from fieldapp.server.api import MAX_BODY_BYTES, MAX_SMALL_BODY_BYTES, ServerState, create_app
from fieldapp.server.auth import FailureLimiter
from fieldapp.server.db import Database
from fieldapp.sync.protocol import ErrorResponse
from tests.support.server import ServerProcess

MiB = 1024 * 1024
CHUNK = 64 * 1024


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _stream_chunked(port: int, path: str, total: int, outcome: dict[str, object]) -> None:
    """POST `total` bytes in HTTP/1.1 chunks, stopping as soon as the server answers or hangs up; records the
    status line and how many body bytes were sent before that."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sent = 0
    try:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        frame = f"{CHUNK:x}\r\n".encode() + b"7" * CHUNK + b"\r\n"
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        reply = b""
        with_deadline = time.monotonic() + 30
        while b"\r\n" not in reply and time.monotonic() < with_deadline:
            try:
                part = sock.recv(4096)
            except ConnectionResetError:
                break
            if not part:
                break
            reply += part
        outcome["status"] = reply.split(b"\r\n", 1)[0].decode("latin-1")
        outcome["sent"] = sent
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v1/enroll", "413"), ("/v1/workers/w-ana/push", "401"), ("/v1/workers/w-ana/frozen-drafts", "401")],
)
def test_four_anonymous_200_mib_chunked_bodies_are_refused_early_and_memory_stays_flat(
    tmp_path: Path, path: str, status: str
) -> None:
    """413 past the 1 MiB limit of enrollment; on the batch routes (32 MiB for an enrolled laptop) the
    token is checked before the second MiB is read, so an anonymous caller gets 401 just as early."""
    with ServerProcess.start(tmp_path, demo=False) as server:
        assert server.proc is not None
        before = _rss_mib(server.proc.pid)
        peak = before
        outcomes: list[dict[str, object]] = [{} for _ in range(4)]
        threads = [
            threading.Thread(target=_stream_chunked, args=(server.port, path, 200 * MiB, o)) for o in outcomes
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, _rss_mib(server.proc.pid))
            time.sleep(0.02)
        for thread in threads:
            thread.join()
        assert server.client().get("/v1/health").status_code == 200
    for outcome in outcomes:
        assert str(outcome["status"]).startswith(f"HTTP/1.1 {status} "), outcome
        # Stopped near the 1 MiB limit, not after 200 MiB (the rest is what the sockets' buffers took).
        assert int(outcome["sent"]) < 16 * MiB, outcome  # type: ignore[call-overload]
    assert peak - before <= 64, (before, peak)


@pytest.fixture
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    from fieldapp.domain.records import StaffRole, Worker
    from fieldapp.server import auth
    from fieldapp.server.caseload import add_staff

    db = Database(str(tmp_path / "s.db"))
    migrate.upgrade(db)
    add_staff(db, Worker(id="w-ana", full_name="Ana B", title="SW", role=StaffRole.WORKER, unit="U"))
    token = auth.enroll(db, auth.issue_code(db, "w-ana"), "laptop")[0]
    app = create_app(ServerState(db, load_codetables(), FailureLimiter(5, 60), db.server_id()))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client
    db.dispose()


def _chunks(total: int):  # type: ignore[no-untyped-def]
    for _ in range(total // CHUNK):
        yield b"x" * CHUNK


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/v1/enroll", MAX_SMALL_BODY_BYTES),
        ("/v1/me", MAX_SMALL_BODY_BYTES),
        ("/v1/health", MAX_SMALL_BODY_BYTES),
        ("/v1/workers/w-ana/approvals", MAX_SMALL_BODY_BYTES),
        ("/v1/contacts/c-1/amendments", MAX_SMALL_BODY_BYTES),
        ("/v1/workers/w-ana/push", MAX_BODY_BYTES),
        ("/v1/workers/w-ana/frozen-drafts", MAX_BODY_BYTES),
    ],
)
def test_every_route_refuses_a_chunked_body_over_its_limit_before_authentication(
    client: TestClient, path: str, limit: int
) -> None:
    r = client.post(path, content=_chunks(limit + 2 * CHUNK))
    assert r.status_code in (413, 405), r.text
    if r.status_code == 413:
        body = ErrorResponse.model_validate_json(r.content)
        assert body.error == "too_large" and str(limit) in body.message
    under = client.post(path, content=_chunks(CHUNK))
    assert under.status_code != 413


def test_an_anonymous_batch_over_the_small_limit_is_401_before_more_is_read(client: TestClient) -> None:
    r = client.post(
        "/v1/workers/w-ana/push",
        content=_chunks(MAX_SMALL_BODY_BYTES + 2 * CHUNK),
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert ErrorResponse.model_validate_json(r.content).error == "unauthenticated"


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    r = client.put("/v1/enroll")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert ErrorResponse.model_validate_json(r.content).error == "method_not_allowed"


def test_an_unreadable_body_is_a_documented_400(client: TestClient) -> None:
    """Bytes that are not UTF-8 JSON text: 400 with the error model, and the document says so."""
    r = client.post(
        "/v1/enroll", content=b'{"code": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert ErrorResponse.model_validate_json(r.content).error == "unreadable"
    documented = client.get("/openapi.json").json()["paths"]["/v1/enroll"]["post"]["responses"]
    assert "400" in documented
