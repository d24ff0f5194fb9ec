"""A fault-injecting HTTP proxy on 127.0.0.1, to stand between the real sync client and a real server.

For each request it draws one fault from a seeded random generator (so a failing run can be replayed from
its seed; the decisions come in request-arrival order, which the single sync client makes deterministic):

- DROP_REQUEST       close the client's connection without forwarding: the server never saw it
- DROP_RESPONSE      forward, let the server commit, then close without answering: a lost reply
- DELAY              hold the request past the client's timeout, then forward it anyway: the client has
                     already retried, so the stale copy reaches the server late (and maybe concurrently)
- ERROR_5XX          answer 500/502/503/504 without forwarding
- ERROR_5XX_AFTER    forward (the server commits), then answer 500 instead of the real reply
- DUPLICATE          forward the same request twice, answer with the second reply
- RESTART            start forwarding, then kill the server mid-request and start it again (via `restart`)

Nothing here knows the protocol: it moves bytes and counts what it did, so it serves any HTTP test.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Fault(StrEnum):
    NONE = "none"
    DROP_REQUEST = "drop_request"
    DROP_RESPONSE = "drop_response"
    DELAY = "delay"
    ERROR_5XX = "error_5xx"
    ERROR_5XX_AFTER = "error_5xx_after_commit"
    DUPLICATE = "duplicate"
    RESTART = "restart"


DEFAULT_RATES: Mapping[Fault, float] = {
    Fault.DROP_REQUEST: 0.05,
    Fault.DROP_RESPONSE: 0.06,
    Fault.DELAY: 0.012,
    Fault.ERROR_5XX: 0.05,
    Fault.ERROR_5XX_AFTER: 0.04,
    Fault.DUPLICATE: 0.05,
    Fault.RESTART: 0.006,
}

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
}


class FaultProxy:
    """Listens on 127.0.0.1:<free port> and forwards to `upstream()` (host, port) with injected faults.

    `upstream` is a callable so a restarted server may come back on another port. `restart` kills and
    restarts the server (blocking until it is healthy). `paths` limits faults to requests whose path starts
    with one of them (others pass straight through).
    """

    def __init__(
        self,
        upstream: Callable[[], tuple[str, int]],
        *,
        seed: int,
        rates: Mapping[Fault, float] = DEFAULT_RATES,
        delay: float = 1.0,
        restart: Callable[[], None] | None = None,
        paths: tuple[str, ...] = ("/",),
        upstream_timeout: float = 30.0,
    ) -> None:
        if sum(rates.values()) >= 1:
            raise ValueError("fault rates must leave room for requests that pass")
        if Fault.RESTART in rates and rates[Fault.RESTART] > 0 and restart is None:
            raise ValueError("RESTART faults need a restart callable")
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.rates = dict(rates)
        self.delay = delay
        self.restart = restart
        self.paths = paths
        self.upstream_timeout = upstream_timeout
        self.enabled = True
        self.script: list[Fault] = []  # faults to use, in order, before drawing at random (for tests)
        self.counts: Counter[Fault] = Counter()
        self.forwarded = 0  # requests that reached the server (a duplicate counts twice)
        self._lock = threading.Lock()
        self._restart_lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() would wait forever for a loop that never started
            self._server.shutdown()
            self._thread.join(10)
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ decisions

    def choose(self, path: str) -> Fault:
        with self._lock:
            if self.script:
                fault = self.script.pop(0)
            elif not self.enabled or not path.startswith(self.paths):
                fault = Fault.NONE
            else:
                draw = self.rng.random()
                fault = Fault.NONE
                for kind, rate in self.rates.items():
                    if draw < rate:
                        fault = kind
                        break
                    draw -= rate
            self.counts[fault] += 1
            return fault

    # ------------------------------------------------------------------ forwarding

    def forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        host, port = self.upstream()
        conn = http.client.HTTPConnection(host, port, timeout=self.upstream_timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers))
            response = conn.getresponse()
            data = response.read()
            with self._lock:
                self.forwarded += 1
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return response.status, kept, data
        finally:
            conn.close()

    def _restart_mid_request(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Send the request, kill the server a moment later (maybe mid-transaction), bring it back."""
        outcome: list[tuple[int, list[tuple[str, str]], bytes] | None] = [None]

        def send() -> None:
            try:
                outcome[0] = self.forward(method, path, headers, body)
            except (OSError, http.client.HTTPException):  # killed mid-reply: an incomplete read
                outcome[0] = None

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        time.sleep(self.rng.uniform(0.0, 0.02))
        assert self.restart is not None
        with self._restart_lock:
            self.restart()
        sender.join(self.upstream_timeout)
        return outcome[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK wait

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                return None

            def do_GET(self) -> None:
                self._proxy()

            def do_POST(self) -> None:
                self._proxy()

            def do_DELETE(self) -> None:
                self._proxy()

            def do_PUT(self) -> None:
                self._proxy()

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                try:
                    self.send_response(status)
                    for key, value in headers:
                        if key.lower() != "content-length":
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    self.close_connection = True  # the client gave up (timed out) meanwhile

            def _hang_up(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def _proxy(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
                fault = proxy.choose(self.path)
                try:
                    if fault is Fault.DROP_REQUEST:
                        self._hang_up()
                        return
                    if fault is Fault.ERROR_5XX:
                        code = proxy.rng.choice([500, 502, 503, 504])
                        self._answer(code, [("Content-Type", "text/plain")], b"injected fault")
                        return
                    if fault is Fault.DELAY:
                        time.sleep(proxy.delay)
                    if fault is Fault.RESTART:
                        reply = proxy._restart_mid_request(self.command, self.path, headers, body)
                        if reply is None:
                            self._hang_up()
                        else:
                            self._answer(*reply)
                        return
                    status, out_headers, data = proxy.forward(self.command, self.path, headers, body)
                    if fault is Fault.DUPLICATE:
                        status, out_headers, data = proxy.forward(self.command, self.path, headers, body)
                    if fault is Fault.DROP_RESPONSE:
                        self._hang_up()
                        return
                    if fault is Fault.ERROR_5XX_AFTER:
                        self._answer(500, [("Content-Type", "text/plain")], b"injected fault after commit")
                        return
                    self._answer(status, out_headers, data)
                except (OSError, http.client.HTTPException):
                    # the server is down (being restarted) or died mid-reply: what a reverse proxy would say
                    self._answer(502, [("Content-Type", "text/plain")], b"upstream unavailable")

        return Handler
