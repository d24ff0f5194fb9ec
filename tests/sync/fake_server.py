"""An in-process stand-in for the office server's push/pull endpoints, served through httpx.MockTransport.

It follows the wire protocol (fieldapp.sync.protocol) and the server's dedup contract: one record per ID,
a repeat with the same content is DUPLICATE, different content is CONFLICT. Client unit tests use it to
script the network (faults before or after the "commit") without sockets; the real server is used by the
ledger test in test_ledger.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from fieldapp.domain.canonical import content_hash
from fieldapp.domain.findings import Severity
from fieldapp.sync.protocol import ItemResult, Outcome, PullResponse, PushRequest, PushResponse, WireFinding

Fault = Callable[[httpx.Request], httpx.Response | None]


class FakeServer:
    def __init__(self, pull_pages: int = 1) -> None:
        self.stored: dict[str, str] = {}  # id -> content hash
        self.store_count: dict[str, int] = {}  # how many times each id was written (must stay 1)
        self.requests: list[httpx.Request] = []
        self.pull_pages = pull_pages
        self.refuse_marker = "REFUSE-ME"
        # Called before handling: return a response to short-circuit (e.g. a 503), or raise to fail.
        self.before: list[Fault] = []
        # Called after the server committed: may raise (a lost reply) or replace the response.
        self.after: list[Callable[[httpx.Request, httpx.Response], httpx.Response]] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before:
            early = self.before.pop(0)(request)
            if early is not None:
                return early
        if request.headers.get("Authorization") != "Bearer good-token":
            return httpx.Response(401, json={"detail": "unknown device token"})
        if request.url.path == "/v1/workers/w-ana/push":
            response = self._push(request)
        elif request.url.path == "/v1/workers/w-ana/pull":
            response = self._pull(request)
        else:
            response = httpx.Response(404, json={"detail": "no such endpoint"})
        if self.after:
            response = self.after.pop(0)(request, response)
        return response

    def _push(self, request: httpx.Request) -> httpx.Response:
        push = PushRequest.model_validate_json(request.content)
        results = []
        for record in (*push.contacts, *push.amendments):
            digest = content_hash(record)
            known = self.stored.get(record.id)
            if known == digest:
                results.append(ItemResult(id=record.id, outcome=Outcome.DUPLICATE, content_hash=digest))
            elif known is not None:
                results.append(
                    ItemResult(id=record.id, outcome=Outcome.CONFLICT, content_hash=known, message="changed")
                )
            elif self.refuse_marker in getattr(record, "narrative", ""):
                finding = WireFinding(
                    rule_id="NAR-STYLE",
                    severity=Severity.BLOCK,
                    field="narrative",
                    message="Plain words, please.",
                )
                results.append(
                    ItemResult(
                        id=record.id, outcome=Outcome.REFUSED, content_hash=digest, findings=(finding,)
                    )
                )
            else:
                self.stored[record.id] = digest
                self.store_count[record.id] = self.store_count.get(record.id, 0) + 1
                results.append(ItemResult(id=record.id, outcome=Outcome.ACCEPTED, content_hash=digest))
        return httpx.Response(200, content=PushResponse(results=tuple(results)).model_dump_json())

    def _pull(self, request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        index = 0 if cursor is None else int(json.loads(cursor)["page"]) + 1
        page = PullResponse(cursor=json.dumps({"page": index}), has_more=index + 1 < self.pull_pages)
        return httpx.Response(200, content=page.model_dump_json())


def status(code: int) -> Fault:
    return lambda _request: httpx.Response(code, json={"detail": f"scripted {code}"})


def raise_(exc: type[httpx.TransportError]) -> Fault:
    def fault(request: httpx.Request) -> httpx.Response | None:
        raise exc("scripted", request=request)

    return fault


def lose_reply(request: httpx.Request, _response: httpx.Response) -> httpx.Response:
    """The server committed, then the connection dropped before the reply arrived."""
    raise httpx.ReadError("connection reset after commit", request=request)
