"""Console sign-in: passwords set by `fieldapp-server set-password`, the session cookie, sign-out, the
idle timeout, the shared failed-authentication limit, and who may never use the console."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.server.console.accounts import verify
from fieldapp.server.models import StaffPassword
from tests.console.conftest import ConsoleOrg, start_console_org
from tests.console.support import PASSWORD, ConsoleUser
from tests.support.server import server_command

UNIT_PAGE = "/console/units/Unit%207%20%28demo%29"


def test_sign_in_sets_a_strict_http_only_cookie_and_opens_the_unit(console_org: ConsoleOrg) -> None:
    with ConsoleUser(console_org.server.url) as user:
        first = user.get(UNIT_PAGE)
        assert first.status_code == 303 and first.headers["location"].startswith("/console/sign-in?next=")
        signed = user.sign_in("s-lee", PASSWORD, next_path=UNIT_PAGE)
        assert signed.status_code == 303 and signed.headers["location"] == UNIT_PAGE
        cookie = next(h for h in signed.headers.get_list("set-cookie") if h.startswith("fieldapp_console="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie  # plain HTTP on loopback; under TLS the cookie is Secure
        page = user.get(UNIT_PAGE)
        assert page.status_code == 200
        assert "Unit 7 (demo): what needs you" in page.text and "Lee Harrowgate" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        home = user.get("/console/")
        assert home.status_code == 303 and home.headers["location"] == UNIT_PAGE  # a supervisor: their unit


def test_sign_out_ends_the_session_for_good(console_org: ConsoleOrg) -> None:
    with ConsoleUser(console_org.server.url) as user:
        user.sign_in("s-lee", PASSWORD)
        cookie = user.client.cookies.get("fieldapp_console")
        csrf, _ = user.form_tokens(UNIT_PAGE)
        out = user.post("/console/sign-out", {"csrf": csrf})
        assert out.status_code == 303 and out.headers["location"].startswith("/console/sign-in")
        assert user.get(UNIT_PAGE).status_code == 303
    with ConsoleUser(console_org.server.url) as replay:  # the old cookie, replayed, opens nothing
        replay.client.cookies.set("fieldapp_console", cookie or "", path="/console")
        assert replay.get(UNIT_PAGE).status_code == 303


def test_wrong_password_unknown_id_and_worker_are_refused_alike(console_org: ConsoleOrg) -> None:
    with ConsoleUser(console_org.server.url) as user:
        for staff_id, password in (("s-lee", "not the password"), ("nobody", PASSWORD), ("w-ana", PASSWORD)):
            refused = user.sign_in(staff_id, password)
            assert refused.status_code == 401
            assert "The staff ID or the password is not right" in refused.text
            assert "fieldapp_console=" not in refused.headers.get("set-cookie", "").split(";")[0]
        assert user.get(UNIT_PAGE).status_code == 303


def test_a_device_token_never_opens_the_console(console_org: ConsoleOrg) -> None:
    for who in ("s-lee", "w-ana"):
        with console_org.server.client(console_org.tokens[who]) as device:
            answer = device.get(UNIT_PAGE)
            assert answer.status_code == 303 and "/console/sign-in" in answer.headers["location"]
            assert device.get("/console/contacts/anything").status_code == 303


def test_a_forged_sign_in_form_is_refused(console_org: ConsoleOrg) -> None:
    with ConsoleUser(console_org.server.url) as user:
        forged = user.post(
            "/console/sign-in", {"staff_id": "s-lee", "password": PASSWORD, "sign_in_token": "made-up"}
        )
        assert forged.status_code == 403 and "Reload the sign-in page" in forged.text
        assert user.sign_in("s-lee", PASSWORD, next_path="https://evil.example/").headers["location"] == (
            "/console/"
        )  # never an open redirect


def test_set_password_reads_one_line_from_a_pipe_and_refuses_workers(console_org: ConsoleOrg) -> None:
    def run(staff_id: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            server_command("set-password", staff_id, "--database", console_org.server.database),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )

    ok = run("m-kim", "a brand new manager password\n")
    assert ok.returncode == 0, ok.stderr
    assert "console password set for m-kim (Kim Ostrander)" in ok.stdout
    assert "brand new" not in ok.stdout + ok.stderr  # never echoed
    db = console_org.server.database_handle()
    assert verify(db, "m-kim", "a brand new manager password") is not None
    with db.read() as session:
        stored = session.get(StaffPassword, "m-kim")
        assert stored is not None and stored.password_hash.startswith("$argon2id$")
    short = run("m-kim", "short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    worker = run("w-ana", "a long enough password\n")
    assert worker.returncode == 1 and "only supervisors and managers" in worker.stderr
    unknown = run("nobody", "a long enough password\n")
    assert unknown.returncode == 1 and "no staff member" in unknown.stderr
    assert run("m-kim", PASSWORD + "\n").returncode == 0


@pytest.fixture(scope="module")
def strict_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleOrg]:
    """A server with a tiny idle timeout (about 1.5 s) and a failed-authentication limit of 4."""
    org = start_console_org(
        tmp_path_factory.mktemp("strict"),
        extra=["--console-idle-minutes", "0.025", "--auth-failure-limit", "4"],
    )
    try:
        yield org
    finally:
        org.server.close()


def test_idle_timeout_asks_to_sign_in_again_and_shows_nothing_of_a_case(strict_org: ConsoleOrg) -> None:
    with ConsoleUser(strict_org.server.url) as user:
        user.sign_in("s-lee", PASSWORD)
        assert user.get("/console/matters/C-2001").status_code == 200
        time.sleep(2.0)
        after = user.get("/console/matters/C-2001")
        assert after.status_code == 303
        assert "ended=1" in after.headers["location"]
        assert "Quillfeather" not in after.text
        page = user.get(after.headers["location"])
        assert "Your session ended after 2 seconds without activity. Sign in again" in page.text
        assert "Quillfeather" not in page.text
        # a form sent after the timeout changes nothing and says so
        late = user.post("/console/matters/C-2001/mvr", {"csrf": "x", "risk_level": "low"})
        assert late.status_code == 401 and "Nothing was changed" in late.text


def test_failed_sign_ins_share_the_api_limit(strict_org: ConsoleOrg) -> None:
    with ConsoleUser(strict_org.server.url) as user:
        for _ in range(4):
            assert user.sign_in("s-lee", "wrong password!").status_code == 401
        limited = user.sign_in("s-lee", PASSWORD)
        assert limited.status_code == 429 and "Try again in" in limited.text
        assert int(limited.headers["retry-after"]) >= 1
    # the same address is limited on the API too: one limiter for every way of signing in
    with strict_org.server.client(strict_org.tokens["w-ana"]) as device:
        assert device.get("/v1/me").status_code == 429


def test_under_tls_the_session_cookie_is_secure(tmp_path: Path) -> None:
    from tests.support.tls import self_signed

    cert, key = self_signed(tmp_path)
    org = start_console_org(tmp_path / "tls", extra=["--tls-cert", str(cert), "--tls-key", str(key)])
    try:
        with ConsoleUser(org.server.url) as user:
            signed = user.sign_in("s-lee", PASSWORD)
            assert signed.status_code == 303
            cookie = next(
                h for h in signed.headers.get_list("set-cookie") if h.startswith("fieldapp_console=")
            )
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    finally:
        org.server.close()


def test_serve_demo_prints_the_demo_passwords_once_and_they_work(tmp_path: Path) -> None:
    from tests.support.server import ServerProcess

    with ServerProcess.start(tmp_path, demo=True, extra_args=["--workers", "2"]) as server:
        lines = [
            line for line in server.log().splitlines() if line.startswith("console sign-in for the demo")
        ]
        assert len(lines) == 1
        passwords = dict(pair.split(" / ") for pair in lines[0].split(": ", 1)[1].split(", "))
        assert set(passwords) == {"s-lee", "m-kim"} and all(len(p) >= 12 for p in passwords.values())
        with ConsoleUser(server.url) as user:
            assert user.sign_in("s-lee", passwords["s-lee"]).status_code == 303
            # two server processes share the sessions (they live in the database): every request gets in
            assert {user.get(UNIT_PAGE).status_code for _ in range(8)} == {200}
        server.restart()
        again = [
            line for line in server.log().splitlines() if line.startswith("console sign-in for the demo")
        ]
        assert again == lines  # printed once: a restart keeps the passwords and says nothing


def test_set_password_on_a_terminal_asks_twice_without_echo(console_org: ConsoleOrg) -> None:
    """On a terminal the password is asked for twice and not echoed; two different answers change nothing."""
    import fcntl
    import os
    import pty
    import termios

    def run(*answers: str) -> tuple[int, str]:
        master, slave = pty.openpty()

        def controlling_terminal() -> None:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

        proc = subprocess.Popen(
            server_command("set-password", "m-kim", "--database", console_org.server.database),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=Path(__file__).resolve().parents[2],
            preexec_fn=controlling_terminal,  # the child needs the pty as its controlling terminal
        )
        os.close(slave)
        seen = b""
        pending = list(answers)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if pending and seen.rstrip().endswith(b":"):
                os.write(master, pending.pop(0).encode() + b"\n")
                seen += b"<answered>"
        proc.wait(timeout=60)
        os.close(master)
        return proc.returncode, seen.decode(errors="replace")

    code, text = run("first terminal password", "second terminal password")
    assert code == 2 and "the two passwords differ; nothing was changed" in text
    assert verify(console_org.server.database_handle(), "m-kim", "first terminal password") is None
    code, text = run("a terminal password", "a terminal password")
    assert code == 0 and "console password set for m-kim" in text
    assert "a terminal password" not in text  # never echoed
    assert verify(console_org.server.database_handle(), "m-kim", "a terminal password") is not None
    assert run(PASSWORD, PASSWORD)[0] == 0
