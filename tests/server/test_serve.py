"""`fieldapp-server serve`: the TLS rule for non-loopback addresses, serving HTTPS, the failed-
authentication limiter (429), and no secret or narrative in the server's logs."""

from __future__ import annotations

import ssl
import subprocess
import time
from pathlib import Path

import httpx

from fieldapp.sync.protocol import ErrorResponse
from tests.server.helpers import final_contact, push
from tests.support.server import REPO_ROOT, ServerProcess, server_command
from tests.support.tls import self_signed


def _serve(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        server_command("serve", *args), cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_refuses_a_non_loopback_address_without_tls(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.0.2.10", "office.example"):
        result = _serve("--database", str(tmp_path / "s.db"), "--host", host, "--port", "0")
        assert result.returncode == 2, result.stderr
        assert f"refusing to listen on {host} without TLS" in result.stderr
    half = _serve("--database", str(tmp_path / "s.db"), "--tls-cert", "x.pem", "--port", "0")
    assert half.returncode == 2 and "give both --tls-cert and --tls-key" in half.stderr


def test_serves_https_with_the_given_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with ServerProcess.start(tmp_path, extra_args=["--tls-cert", str(cert), "--tls-key", str(key)]) as server:
        assert server.url.startswith("https://127.0.0.1:")
        response = httpx.get(
            f"{server.url}/v1/health", verify=ssl.create_default_context(cafile=str(cert)), timeout=10
        )
        assert response.json()["status"] == "ok"
        try:
            plain = httpx.get(f"http://127.0.0.1:{server.port}/v1/health", timeout=5)
            assert plain.status_code != 200
        except httpx.HTTPError:
            pass  # a TLS server drops a plain-HTTP request: nothing is served in clear


def test_failed_authentication_is_rate_limited_429(server_database: str, tmp_path: Path) -> None:
    extra = ["--auth-failure-limit", "3", "--auth-failure-window", "2"]
    with ServerProcess.start(tmp_path, database=server_database, extra_args=extra) as server:
        good = server.enroll("w-ana")
        for _ in range(2):
            with server.client("fat_wrong") as bad:
                assert bad.get("/v1/me").status_code == 401
        with server.client(None) as anon:
            assert anon.post("/v1/enroll", json={"code": "WRONG-CODE"}).status_code == 401  # third failure
            limited = anon.post("/v1/enroll", json={"code": "WRONG-CODE"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert ErrorResponse.model_validate_json(limited.content).error == "rate_limited"
        # While limited, even a good token is not looked at: a guesser learns nothing.
        with server.client(good) as c:
            assert c.get("/v1/me").status_code == 429
            deadline = time.monotonic() + 10
            while c.get("/v1/me").status_code == 429 and time.monotonic() < deadline:
                time.sleep(0.3)
            assert c.get("/v1/me").status_code == 200  # the window passed
        with server.client(None) as anon:
            assert anon.get("/v1/health").status_code == 200  # never limited


def test_no_token_code_or_narrative_in_the_server_log(tmp_path: Path) -> None:
    extra = ["--access-log", "--log-level", "debug"]
    with ServerProcess.start(tmp_path, extra_args=extra) as server:
        code = server.issue_code("w-ana")
        response = httpx.post(f"{server.url}/v1/enroll", json={"code": code}, timeout=30)
        token = response.json()["token"]
        contact = final_contact(narrative=final_contact().narrative + " Unique-marker-7731.")
        with server.client(token) as c:
            push(c, "w-ana", (contact,))
            conflict = contact.model_copy(update={"narrative": contact.narrative + " Second-marker-9913."})
            assert push(c, "w-ana", (conflict,)).status_code == 409
            push(c, "w-ana", (final_contact(narrative=""),))  # a refusal is recorded too
        with server.client(token + "x") as c:
            c.get("/v1/me")
        log = server.log()
    assert "push conflict" in log  # the conflict is logged...
    for secret in (code, code.replace("-", ""), token, "Unique-marker-7731", "Second-marker-9913"):
        assert secret not in log  # ...without any secret or narrative


def test_several_server_processes_share_the_port_and_the_database(tmp_path: Path) -> None:
    """`--workers 2`: two processes behind one port; a retry landing on the other process is still a
    duplicate, and the pull sees what either stored."""
    with ServerProcess.start(tmp_path, extra_args=["--workers", "2", "--threads", "4"]) as server:
        token = server.enroll("w-ana")
        contacts = tuple(final_contact() for _ in range(5))
        outcomes = []
        for _ in range(4):  # new connections each time: the kernel spreads them over both processes
            with server.client(token) as c:
                outcomes.append([r["outcome"] for r in push(c, "w-ana", contacts).json()["results"]])
        assert outcomes[0] == ["accepted"] * 5
        assert all(o == ["duplicate"] * 5 for o in outcomes[1:])
        with server.client(token) as c:
            assert c.get("/v1/workers/w-ana/pull").json()["caseload"]["worker"]["id"] == "w-ana"


def test_failure_limit_holds_for_the_whole_server_across_worker_processes(tmp_path: Path) -> None:
    """Each process counts failures on its own, so `--workers 2` gives each half the limit: a guesser whose
    connections the kernel spreads over both processes still gets at most the configured limit of tries."""
    from fieldapp.server.asgi import per_process_limit

    assert [per_process_limit(20, n) for n in (1, 2, 3)] == [20, 10, 7]
    assert per_process_limit(1, 4) == 1
    extra = ["--workers", "2", "--auth-failure-limit", "4", "--auth-failure-window", "60"]
    with ServerProcess.start(tmp_path, extra_args=extra) as server:
        statuses: list[int] = []
        # A new connection each time; the kernel spreads them over both processes unevenly, so keep going
        # until both have refused for a while (each stops after its share of 2 failures).
        while len(statuses) < 80 and statuses[-8:] != [429] * 8:
            with server.client("guessed-token") as bad:
                statuses.append(bad.get("/v1/me").status_code)
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= 4, statuses
    assert statuses[-8:] == [429] * 8, statuses


def test_docs_are_off_unless_on_loopback_or_asked_for(tmp_path: Path) -> None:
    """An agency's server does not describe itself to whoever asks: /docs, /redoc and /openapi.json are
    served by default only on loopback (where the tests and a developer read them), else with --docs."""
    with ServerProcess.start(tmp_path, extra_args=["--no-docs"]) as server, server.client(None) as anon:
        assert anon.get("/v1/health").status_code == 200
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert anon.get(path).status_code == 404, path
    with ServerProcess.start(tmp_path / "default") as server, server.client(None) as anon:
        assert anon.get("/openapi.json").status_code == 200  # 127.0.0.1: on by default


def _guesses_until_429(server: ServerProcess, guesses: int) -> list[int]:
    statuses = []
    with server.client() as c:
        for i in range(guesses):
            r = c.get(
                "/v1/me",
                headers={"Authorization": f"Bearer guess-{i}", "X-Forwarded-For": f"203.0.113.{i % 250 + 1}"},
            )
            statuses.append(r.status_code)
            if r.status_code == 429:
                break
    return statuses


def test_a_rotated_x_forwarded_for_does_not_escape_the_failed_login_limit(tmp_path: Path) -> None:
    """Forwarded headers are ignored unless --trust-forwarded-from names the proxy (not even from loopback,
    which uvicorn trusts by default): every guess counts against the connecting address."""
    extra = ["--auth-failure-limit", "5", "--auth-failure-window", "60"]
    with ServerProcess.start(tmp_path / "plain", demo=False, extra_args=extra) as server:
        statuses = _guesses_until_429(server, 40)
    assert statuses == [401] * 5 + [429], statuses


def test_a_named_proxy_passes_the_client_address_on(tmp_path: Path) -> None:
    """Behind the agency's TLS proxy (named by --trust-forwarded-from) each client has its own count."""
    extra = ["--auth-failure-limit", "5", "--trust-forwarded-from", "127.0.0.1"]
    with ServerProcess.start(tmp_path / "proxied", demo=False, extra_args=extra) as server:
        statuses = _guesses_until_429(server, 12)
    assert statuses == [401] * 12, statuses


def test_a_new_sqlite_database_is_private_to_the_server_account(tmp_path: Path) -> None:
    """Every narrative is in the server's SQLite file in plain text: folder 0700, files 0600."""
    folder = tmp_path / "data" / "server"
    with ServerProcess.start(tmp_path / "run", database=str(folder / "server.db"), demo=True) as server:
        with server.client(server.enroll("w-ana")) as ana:
            assert push(ana, "w-ana", (final_contact(),)).status_code == 200
        modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
    assert folder.stat().st_mode & 0o777 == 0o700
    assert modes["server.db"] == 0o600 and all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_the_server_refuses_to_start_on_a_database_others_can_read(tmp_path: Path) -> None:
    database = tmp_path / "server.db"
    with ServerProcess.start(tmp_path / "first", database=str(database), demo=False):
        pass
    database.chmod(0o644)
    result = subprocess.run(
        server_command("serve", "--port", "0", "--database", str(database)),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "can be read or written by other users" in result.stderr
    assert f"chmod 600 {database}" in result.stderr
    assert database.stat().st_mode & 0o777 == 0o644  # reported, never changed behind the admin's back
