"""The fault proxy does what the ledger test relies on: each fault reaches (or not) the server as described."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.support.fault_proxy import Fault, FaultProxy


class Upstream:
    def __init__(self) -> None:
        self.hits = 0
        self.restarts = 0
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                upstream.hits += 1
                body = str(upstream.hits).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def address(self) -> tuple[str, int]:
        return "127.0.0.1", int(self.server.server_address[1])

    def restart(self) -> None:
        self.restarts += 1


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    up = Upstream()
    yield up
    up.server.shutdown()
    up.server.server_close()


def post(proxy: FaultProxy, timeout: float = 2.0) -> httpx.Response:
    return httpx.post(proxy.url + "/v1/push", content=b"{}", timeout=timeout)


@pytest.mark.parametrize(
    ("fault", "reaches_server", "client_sees"),
    [
        (Fault.NONE, 1, 200),
        (Fault.DROP_REQUEST, 0, httpx.RemoteProtocolError),
        (Fault.DROP_RESPONSE, 1, httpx.RemoteProtocolError),
        (Fault.ERROR_5XX, 0, "5xx"),
        (Fault.ERROR_5XX_AFTER, 1, 500),
        (Fault.DUPLICATE, 2, 200),
        (Fault.RESTART, 1, 200),
    ],
)
def test_each_fault(upstream: Upstream, fault: Fault, reaches_server: int, client_sees: object) -> None:
    with FaultProxy(upstream.address, seed=1, restart=upstream.restart) as proxy:
        proxy.script.append(fault)
        if isinstance(client_sees, type):
            with pytest.raises(client_sees):
                post(proxy)
        else:
            response = post(proxy)
            if client_sees == "5xx":
                assert response.status_code >= 500
            else:
                assert response.status_code == client_sees
        assert upstream.hits == reaches_server
        assert proxy.counts[fault] == 1
        assert upstream.restarts == (1 if fault is Fault.RESTART else 0)


def test_delay_outlasts_the_client_timeout_and_still_reaches_the_server(upstream: Upstream) -> None:
    with FaultProxy(upstream.address, seed=1, delay=0.5, restart=upstream.restart) as proxy:
        proxy.script.append(Fault.DELAY)
        with pytest.raises(httpx.ReadTimeout):
            post(proxy, timeout=0.2)
        for _ in range(50):
            if upstream.hits:
                break
            threading.Event().wait(0.05)
        assert upstream.hits == 1


def test_same_seed_same_faults(upstream: Upstream) -> None:
    def draws(seed: int) -> list[Fault]:
        proxy = FaultProxy(upstream.address, seed=seed, restart=upstream.restart)
        try:
            return [proxy.choose("/v1/push") for _ in range(500)]
        finally:
            proxy.stop()

    first = draws(42)
    assert first == draws(42) and first != draws(43)
    assert set(first) == set(Fault)  # every kind shows up in 500 draws at the default rates
