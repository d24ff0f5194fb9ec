"""The HTTP API (FastAPI): routes, who may call them, and one error body for every failure.

Every route but /v1/health and /v1/enroll needs `Authorization: Bearer <device token>`. Every error is an
ErrorResponse and is listed in the OpenAPI document with that model (a test holds the document to what
the server really answers).
"""

from __future__ import annotations

import gc
import logging
import re
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError
from sqlalchemy import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Amendment, Approval, AwareDatetime
from fieldapp.domain.rules.amendment import amendment_length
from fieldapp.server import anchors, auth, feed, frozen, supervision
from fieldapp.server.auth import Caller, FailureLimiter
from fieldapp.server.console.app import build_console
from fieldapp.server.db import Database
from fieldapp.server.push import Pusher
from fieldapp.sync.protocol import (
    MONTH_DESCRIPTION,
    MONTH_PATTERN,
    PROTOCOL_VERSION,
    AmendmentRequest,
    ApprovalRequest,
    ChainAnchor,
    ChainAnchorRequest,
    EnrollRequest,
    EnrollResponse,
    ErrorResponse,
    FieldError,
    FrozenDraftsRequest,
    HealthResponse,
    ItemStatus,
    PullResponse,
    PushRequest,
    PushResponse,
    UnitContacts,
    UnitFrozenDrafts,
    UnitReportView,
    WhoAmI,
)

log = logging.getLogger("fieldapp.server.api")
T = TypeVar("T")
W = TypeVar("W", bound=BaseModel)

MAX_BATCH = 2000
MAX_BODY_BYTES = 32 * 1024 * 1024  # a full batch of long narratives fits; a memory-filling upload does not
# Every other route (enrollment, an approval, one amendment, the console's forms) takes small bodies: a
# narrative-sized amendment, JSON-escaped, is under 400 KiB. Counted as the bytes stream in (chunked bodies
# too) and refused with 413 as soon as the count passes, before any route authenticates the caller.
MAX_SMALL_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerState:
    db: Database
    tables: CodeTables
    limiter: FailureLimiter
    server_id: str
    threads: int = 0  # request threads (0: the framework's default of 40)
    # /docs, /redoc and /openapi.json answer anyone: on by default only for a loopback server (fieldapp-server
    # serve --docs / --no-docs), so an agency's server does not describe itself to whoever asks.
    public_docs: bool = True
    console_idle_minutes: float = 30.0  # the supervisors' console signs a session out after this long idle


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        details: tuple[FieldError, ...] = (),
        headers: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.details, self.headers, self.retry_after = details, headers or {}, retry_after

    def response(self) -> JSONResponse:
        body = ErrorResponse(
            error=self.error, message=self.message, details=self.details, retry_after_seconds=self.retry_after
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=self.status, headers=self.headers)


Responses = dict[int | str, dict[str, Any]]


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


E400: Responses = {400: _doc("The body could not be read as JSON text (for example, it is not UTF-8).")}
E401: Responses = {401: _doc("No token, an unknown or revoked token (header `WWW-Authenticate: Bearer`).")}
E403: Responses = {403: _doc("Authenticated, but this is not the caller's to read or write.")}
E404: Responses = {404: _doc("No such worker or contact.")}
E409: Responses = {
    409: _doc("The client-made ID is already used for different content; nothing was changed.")
}
E413: Responses = {
    413: _doc(
        f"Body over {MAX_BODY_BYTES} bytes (push and frozen-drafts; {MAX_SMALL_BODY_BYTES} bytes elsewhere), "
        f"or more than {MAX_BATCH} items in a batch."
    )
}
E422: Responses = {422: _doc("The request does not validate; `details` names each field and what is wrong.")}
E429: Responses = {
    429: _doc("Too many failed authentications from this address; `Retry-After` says when to try again.")
}
E500: Responses = {500: _doc("The server failed; nothing was half-written (try again later).")}
AUTHED: Responses = {**E401, **E403, **E422, **E429, **E500}


def state_of(request: Request) -> ServerState:
    state: ServerState = request.app.state.fieldapp
    return state


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_limit(state: ServerState, request: Request) -> None:
    retry = state.limiter.retry_after(_client_key(request))
    if retry is not None:
        raise ApiError(
            429,
            "rate_limited",
            "too many failed authentications from this address; try again later",
            headers={"Retry-After": str(retry)},
            retry_after=retry,
        )


def current_caller(request: Request) -> Caller:
    return _caller(request, None)


def _caller(request: Request, conn: Connection | None) -> Caller:
    """The token check of `current_caller`, on the read connection `conn` if the request goes on using
    one (push), else on a checkout of its own."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    _check_limit(state, request)
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "send the device token as `Authorization: Bearer ...`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = token.strip()
    caller = auth.authenticate(state.db, token) if conn is None else auth.authenticate_in(conn, token)
    if caller is None:
        state.limiter.failed(_client_key(request))
        raise ApiError(
            401,
            "unauthenticated",
            "the device token is unknown or revoked; enroll again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
UnitName = Annotated[str, Path(min_length=1, max_length=200)]
Month = Annotated[str, Query(pattern=MONTH_PATTERN, description=MONTH_DESCRIPTION)]
_ISO_MOMENT = re.compile(r"(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*")


def _iso_moment(value: object) -> object:
    """`as_of` as the schema documents it, a date-time with offset in 1900-2999: never a Unix timestamp
    (pydantic's lax mode would read "1700000000" as one) nor a year the report's arithmetic overflows in."""
    if not isinstance(value, str) or not _ISO_MOMENT.fullmatch(value):
        raise ValueError(
            "must be a date and time with offset from 1900 to 2999, e.g. 2026-11-30T17:00:00-08:00"
        )
    return value


AsOf = Annotated[AwareDatetime, BeforeValidator(_iso_moment)]
WorkerId = Annotated[
    str, Path(min_length=1, max_length=64, description="The worker the resource belongs to.")
]


def _own(caller: Caller, worker_id: str) -> None:
    if caller.worker.id != worker_id:
        raise ApiError(403, "forbidden", "a device reads and writes only its own worker's caseload")


def _nul_fields(value: object, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        if "\x00" in value:
            yield loc
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _nul_fields(getattr(value, name), (*loc, name))
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _nul_fields(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_fields(item, (*loc, str(key)))


def refuse_nul(**parts: object) -> None:
    """422 naming every field (`path.contact_id`, `body.contacts.0.context_id`...) that holds a NUL character.

    No text of a record has one, and PostgreSQL cannot store it in a text column: refused here, at the
    boundary, rather than failing in the database."""
    errors = [
        {"loc": loc, "msg": "must not contain a NUL character", "type": "string_nul"}
        for where, value in parts.items()
        for loc in _nul_fields(value, (where,))
    ]
    if errors:
        raise RequestValidationError(errors)


def create_app(state: ServerState) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if state.threads:
            # Requests are CPU-bound Python (rules, JSON) and writers queue on one lock, so the thread
            # count is a tuning knob (docs/PERFORMANCE.md, "Server under load").
            anyio.to_thread.current_default_thread_limiter().total_tokens = state.threads
        # PostgreSQL: the connections the request threads will use, opened now rather than by the first
        # requests (each is a backend process and a SCRAM exchange).
        state.db.warm(state.threads or 40)
        # Everything built so far (the framework, the models' validators, the code tables) lives as long
        # as the process: moved out of the collector's sight, so that the full collections a busy server
        # triggers scan only request garbage, not this heap again and again on the push path.
        gc.collect()
        gc.freeze()
        yield

    app = FastAPI(
        lifespan=lifespan,
        docs_url="/docs" if state.public_docs else None,
        redoc_url="/redoc" if state.public_docs else None,
        openapi_url="/openapi.json" if state.public_docs else None,
        title="fieldapp office server",
        version=f"{PROTOCOL_VERSION}",
        description=(
            "Sync server for fieldapp laptops: enrollment, push of final contacts and amendments, pull of "
            "caseload changes and approvals, and supervisor review. Every error body is an ErrorResponse."
        ),
    )
    app.state.fieldapp = state
    _install_error_handlers(app)
    # The supervisors' web console: its own pages, errors and sessions (fieldapp/server/console).
    app.mount("/console", build_console(state, state.console_idle_minutes))

    @app.get("/v1/health", response_model=HealthResponse, responses=E500, tags=["sync"])
    def health() -> HealthResponse:
        """Cheap reachability check; reveals nothing about the server or its data."""
        return HealthResponse()

    @app.post(
        "/v1/enroll",
        response_model=EnrollResponse,
        status_code=201,
        responses={**E400, **E401, **E413, **E422, **E429, **E500},
        tags=["sync"],
    )
    def enroll(body: EnrollRequest, request: Request) -> EnrollResponse:
        """Exchange a one-time enrollment code for a device token (shown once; the server keeps a hash)."""
        refuse_nul(body=body)
        st = state_of(request)
        _check_limit(st, request)
        try:
            token, device_id, worker = auth.enroll(st.db, body.code, body.device_name)
        except auth.EnrollmentError:
            st.limiter.failed(_client_key(request))
            raise ApiError(
                401, "unauthenticated", "the enrollment code is unknown, used or expired"
            ) from None
        return EnrollResponse(token=token, device_id=device_id, worker=worker, server_id=st.server_id)

    @app.get("/v1/me", response_model=WhoAmI, responses={**E401, **E429, **E500}, tags=["sync"])
    def me(caller: CallerDep) -> WhoAmI:
        """Who this device token belongs to (checks that it still works)."""
        return WhoAmI(worker=caller.worker, device_id=caller.device_id)

    push_options: dict[str, Any] = dict(
        response_model=PushResponse,
        responses={
            **AUTHED,
            **E400,
            **E413,
            409: {
                "model": PushResponse,
                "description": "Every item of the batch is a conflict (per-item results).",
            },
        },
        tags=["sync"],
    )

    def push_contract(
        worker_id: WorkerId, body: PushRequest, caller: CallerDep, request: Request
    ) -> Response:
        """Push final contacts and amendments; one result per item (contacts first, then amendments).

        Item outcomes: accepted (201), duplicate (200, a retry), refused (422, with findings), conflict (409,
        same ID with different content), forbidden (403, not this worker's caseload).
        """
        raise NotImplementedError  # documents the route only: never mounted (see `push` below)

    push_contract.__name__ = "push"  # the operation ID the document always had

    @app.post("/v1/workers/{worker_id}/push", include_in_schema=False, **push_options)
    async def push(request: Request) -> Response:
        # The hot path of a burst of laptops, so not written as `push_contract` (which documents it): the
        # framework would run the token check and the handler as two thread hand-offs and parse the body
        # with `json.loads` before validating the dicts. Here the body is read on the event loop and one
        # request thread checks the token, parses the bytes with pydantic's own JSON parser, checks the
        # caller may write here and pushes, in the same order of refusals as before: 401/429, then 422 for
        # a path or body that does not validate (same ErrorResponse, fields named `path.worker_id`,
        # `body....`), then 403, 413. The token check and the push's questions share one read
        # connection (one pool checkout; on SQLite one read transaction), given back before the write.
        raw = await request.body()
        return await anyio.to_thread.run_sync(_push_work, raw, request)

    def _push_work(raw: bytes, request: Request) -> Response:
        st = state_of(request)
        with st.db.read_connection() as conn:
            caller = _caller(request, conn)
            worker_id, body = parse_request(_WORKER_PATH, request.path_params, PushRequest, raw)
            refuse_nul(path={"worker_id": worker_id})
            if b"\\u0000" in raw:  # the only way JSON carries a NUL: walk the records only then
                refuse_nul(body=body)
            _own(caller, worker_id)
            if len(body.contacts) + len(body.amendments) > MAX_BATCH:
                raise ApiError(413, "batch_too_large", f"at most {MAX_BATCH} items per push")
            pusher = Pusher(st.db, st.tables, caller)
            judged = pusher.judge(conn, body)
        return _batch_reply(pusher.store(judged))

    contracts = APIRouter()
    contracts.add_api_route("/v1/workers/{worker_id}/push", push_contract, methods=["POST"], **push_options)
    _document_with(app, contracts.routes)

    @app.post("/v1/workers/{worker_id}/frozen-drafts", **push_options)
    def report_frozen_drafts(
        worker_id: WorkerId, body: FrozenDraftsRequest, caller: CallerDep, request: Request
    ) -> Response:
        """NAR-SAMEDAY policy exceptions: drafts frozen incomplete when their business day ended, reported
        once for the supervisor. Item outcomes: accepted (201), duplicate (200, a retry), conflict (409),
        forbidden (403, not this worker's caseload)."""
        refuse_nul(path={"worker_id": worker_id}, body=body)
        _own(caller, worker_id)
        if len(body.drafts) > MAX_BATCH:
            raise ApiError(413, "batch_too_large", f"at most {MAX_BATCH} items per request")
        st = state_of(request)
        return _batch_reply(frozen.receive(st.db, st.tables, caller, body))

    @app.get("/v1/workers/{worker_id}/pull", response_model=PullResponse, responses=AUTHED, tags=["sync"])
    def pull(
        worker_id: WorkerId,
        caller: CallerDep,
        request: Request,
        cursor: Annotated[
            str | None, Query(max_length=200, description="From the last pull; omit the first time.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE)] = feed.DEFAULT_PAGE,
    ) -> Response:
        """Changes since `cursor` (caseload, approvals, amendments, refusals); repeat while `has_more`."""
        refuse_nul(path={"worker_id": worker_id}, query={"cursor": cursor})
        _own(caller, worker_id)
        st = state_of(request)
        result = feed.pull(st.db, st.server_id, worker_id, cursor, limit)
        # As for push: pydantic's JSON once, not re-validated and re-encoded by the framework.
        return Response(result.model_dump_json(), media_type="application/json")

    @app.get(
        "/v1/workers/{worker_id}/audit-anchor",
        response_model=ChainAnchor,
        responses=AUTHED,
        tags=["sync"],
    )
    def audit_anchor(
        worker_id: WorkerId,
        caller: CallerDep,
        request: Request,
        after: Annotated[
            int | None, Query(ge=0, le=2**62, description="Also list the anchored entries after this one.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=anchors.MAX_PAGE)] = anchors.MAX_PAGE,
    ) -> ChainAnchor:
        """This device's audit chain as anchored here: the last entry (seq 0: none yet) and, with `after`,
        the anchored entries after it (what `fieldapp audit verify` compares the laptop's chain with)."""
        refuse_nul(path={"worker_id": worker_id})
        _own(caller, worker_id)
        return anchors.head(state_of(request).db, caller.device_id, after, limit)

    @app.post(
        "/v1/workers/{worker_id}/audit-anchor",
        response_model=ChainAnchor,
        responses={
            **AUTHED,
            **E400,
            **E413,
            409: _doc(
                "The laptop's audit chain no longer extends the one anchored here; the message names the "
                "first entry that differs. Recorded in the server's audit chain."
            ),
        },
        tags=["sync"],
    )
    def add_audit_anchor(
        worker_id: WorkerId, body: ChainAnchorRequest, caller: CallerDep, request: Request
    ) -> ChainAnchor:
        """Anchor the laptop's audit chain at this sync: consecutive entries from the last one anchored
        (re-proving it) to the newest. Refused with 409 when the chain was rewritten or cut."""
        refuse_nul(path={"worker_id": worker_id})
        _own(caller, worker_id)
        try:
            return anchors.anchor(state_of(request).db, caller, body)
        except anchors.Invalid as exc:
            field = FieldError(field="body.entries", message=str(exc))
            raise ApiError(422, "invalid", f"body.entries: {exc}", details=(field,)) from None
        except anchors.Diverged as exc:
            raise ApiError(409, "audit_diverged", str(exc)) from None

    @app.get(
        "/v1/units/{unit}/contacts",
        response_model=UnitContacts,
        responses={**AUTHED},
        tags=["supervision"],
    )
    def unit_contacts(
        unit: UnitName,
        month: Month,
        caller: CallerDep,
        request: Request,
    ) -> UnitContacts:
        """A unit's stored contacts for a month, with approvals and amendments (supervisor of the unit, manager)."""
        refuse_nul(path={"unit": unit})
        return _guard(lambda: supervision.unit_contacts(state_of(request).db, caller, unit, month))

    @app.get(
        "/v1/units/{unit}/frozen-drafts",
        response_model=UnitFrozenDrafts,
        responses={**AUTHED},
        tags=["supervision"],
    )
    def unit_frozen_drafts(
        unit: UnitName,
        month: Month,
        caller: CallerDep,
        request: Request,
    ) -> UnitFrozenDrafts:
        """SUP-ALERTS: the unit's drafts frozen incomplete at the end of their business day (NAR-SAMEDAY
        policy exceptions), with the text as it stood (supervisor of the unit, manager)."""
        refuse_nul(path={"unit": unit})
        return _guard(lambda: frozen.unit_frozen_drafts(state_of(request).db, caller, unit, month))

    @app.get(
        "/v1/units/{unit}/report",
        response_model=UnitReportView,
        responses={**AUTHED, **E404},
        tags=["supervision"],
    )
    def unit_report(
        unit: UnitName,
        month: Month,
        caller: CallerDep,
        request: Request,
        as_of: Annotated[
            AsOf | None,
            Query(
                description="Judge as of this moment (with offset); default now. Later contacts do not count."
            ),
        ] = None,
    ) -> UnitReportView:
        """SUP-REPORTS: per worker and for the unit, the month's contact figures and compliance measures."""
        refuse_nul(path={"unit": unit})
        st = state_of(request)
        return _guard(lambda: supervision.unit_report(st.db, caller, unit, month, st.tables, as_of))

    @app.post(
        "/v1/workers/{worker_id}/approvals",
        response_model=Approval,
        status_code=201,
        responses={
            **AUTHED,
            **E400,
            **E404,
            **E413,
            **E409,
            200: {"model": Approval, "description": "A retry: already approved."},
        },
        tags=["supervision"],
    )
    def approve(
        worker_id: WorkerId, body: ApprovalRequest, caller: CallerDep, request: Request, response: Response
    ) -> Approval:
        """SUP-REVIEW: approve a worker's contact sheet for a month; reaches the worker on their next pull."""
        refuse_nul(path={"worker_id": worker_id}, body=body)
        approval, created = _guard(lambda: supervision.approve(state_of(request).db, caller, worker_id, body))
        if not created:
            response.status_code = 200
        return approval

    @app.post(
        "/v1/contacts/{contact_id}/amendments",
        response_model=Amendment,
        status_code=201,
        responses={
            **AUTHED,
            **E400,
            **E404,
            **E413,
            **E409,
            200: {"model": Amendment, "description": "A retry: already stored."},
        },
        tags=["supervision"],
    )
    def add_amendment(
        contact_id: Annotated[str, Path(min_length=1, max_length=64)],
        body: AmendmentRequest,
        caller: CallerDep,
        request: Request,
        response: Response,
    ) -> Amendment:
        """NAR-AMEND: a supervisor's or manager's append-only correction; the contact stays as it was."""
        refuse_nul(path={"contact_id": contact_id}, body=body)
        st = state_of(request)
        too_long = amendment_length(body.new_information, st.tables.agency)
        if too_long is not None:
            field = FieldError(
                field="body.new_information", message=f"{too_long.rule_id}: {too_long.message}"
            )
            raise ApiError(422, "invalid", field.message, details=(field,))
        amendment, created = _guard(
            lambda: supervision.amend(st.db, caller, contact_id, body, st.tables.agency.time_zone)
        )
        if not created:
            response.status_code = 200
        return amendment

    return app


class _WorkerPath(BaseModel):
    """The `{worker_id}` path parameter as `WorkerId` declares it, for routes that parse their own input."""

    worker_id: Annotated[str, Field(min_length=1, max_length=64)]


_WORKER_PATH = TypeAdapter(_WorkerPath)


def parse_request(
    path: TypeAdapter[_WorkerPath], path_params: dict[str, Any], model: type[W], raw: bytes
) -> tuple[str, W]:
    """The worker ID from the path and the request body parsed straight from its bytes by pydantic's JSON
    parser (cheaper than the framework's `json.loads` and validation of the dicts), refused as the
    framework refuses them: one 422 ErrorResponse naming every field (`path.worker_id`, `body.<field>`),
    never echoing the input."""
    errors: list[dict[str, Any]] = []
    worker_id = ""
    try:
        worker_id = path.validate_python(path_params).worker_id
    except ValidationError as exc:
        errors += [{"loc": ("path", *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    try:
        body = model.model_validate_json(raw)
    except ValidationError as exc:
        errors += [{"loc": ("body", *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    if errors:
        raise RequestValidationError(errors)
    return worker_id, body


def _document_with(app: FastAPI, contracts: list[BaseRoute]) -> None:
    """Serve the OpenAPI document as if each hand-written route (left out of the schema) were the typed
    route in `contracts` with the same path and method: the document stays exactly what the typed
    signature declares (request body model, parameters, operation ID, responses)."""
    stand_ins = {
        (route.path, method): route
        for route in contracts
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }

    def routes() -> list[BaseRoute]:
        listed: list[BaseRoute] = []
        for route in app.routes:
            if isinstance(route, APIRoute) and not route.include_in_schema:
                listed.extend(
                    stand_ins[(route.path, method)]
                    for method in route.methods or ()
                    if (route.path, method) in stand_ins
                )
            else:
                listed.append(route)
        return listed

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                terms_of_service=app.terms_of_service,
                contact=app.contact,
                license_info=app.license_info,
                routes=routes(),
                webhooks=app.webhooks.routes,
                tags=app.openapi_tags,
                servers=app.servers,
                separate_input_output_schemas=app.separate_input_output_schemas,
                external_docs=app.openapi_external_docs,
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _batch_reply(result: PushResponse) -> Response:
    """200 with one result per item, or 409 when every item is a conflict (the same document).

    Serialised once by pydantic's own JSON encoder: returning the model would have the framework validate it
    again against `response_model` and encode it through dicts (the same bytes, twice the CPU on a 2,000-item
    batch). The documented response model stays as declared on the route."""
    conflict = bool(result.results) and all(r.status == ItemStatus.CONFLICT for r in result.results)
    return Response(
        result.model_dump_json(), status_code=409 if conflict else 200, media_type="application/json"
    )


def _guard(action: Callable[[], T]) -> T:
    try:
        return action()
    except supervision.Refused as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except supervision.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except supervision.Conflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except supervision.Invalid as exc:
        raise ApiError(
            422, "invalid", exc.message, details=(FieldError(field=exc.field, message=exc.message),)
        ) from None


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name each field; never echo the submitted value (it may be a narrative or a code).
        details = tuple(
            FieldError(
                field=".".join(str(p) for p in err.get("loc", ())), message=str(err.get("msg", "invalid"))
            )
            for err in exc.errors()
        )
        first = details[0] if details else FieldError(field="", message="invalid request")
        message = f"{first.field}: {first.message}" + (
            f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        )
        return ApiError(422, "invalid", message, details=details).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, _Refused):
            return exc.error.response()
        words = {400: "unreadable", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        message = str(exc.detail)
        if exc.status_code == 400:  # the framework could not decode the body before parsing it as JSON
            message = "the request body could not be read as JSON text (send UTF-8 JSON)"
        # 405 keeps the framework's `Allow` header: it tells the caller which methods the path takes.
        return ApiError(
            exc.status_code, words.get(exc.status_code, "error"), message, headers=dict(exc.headers or {})
        ).response()

    app.add_middleware(_Guard)


_BATCH_PATH = re.compile(r"/v1/workers/[^/]+/(push|frozen-drafts)")


def body_limit(path: str) -> int:
    """The most request-body bytes a path takes: a whole batch for push and frozen-drafts, else small."""
    return MAX_BODY_BYTES if _BATCH_PATH.fullmatch(path) else MAX_SMALL_BODY_BYTES


class _BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` the moment a body passes its limit: an HTTPException, so whichever route was
    reading (the framework's body parsing, or a route's own `request.body()`) answers it through `_http`."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request bodies are limited to {limit} bytes here")


class _Refused(StarletteHTTPException):
    """An ApiError (401, 429) raised from `receive`: the framework lets only HTTPExceptions out of its body
    parsing, and `_http` answers this one with the ApiError's own response."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.status, error.message, error.headers)
        self.error = error


def _vouch(scope: Scope) -> None:
    """The token check of every authenticated route (limit, then token), for a body about to pass the small
    limit: raises the same ApiError the route would."""
    current_caller(Request(scope))


class _Guard:
    """Refuses oversized bodies as they stream in, and answers an unexpected failure with a bare 500.

    Bodies: a declared `Content-Length` over the path's limit is refused at once; otherwise every chunk the
    server receives is counted (chunked bodies included) and 413 follows the first byte past the limit, so
    no caller makes the server hold more than one limit per request. Past the small limit (1 MiB; only push
    and frozen-drafts take more) the caller's token is checked before another byte is read, so an
    anonymous caller never gets the server to hold more than 1 MiB of a request, whatever the route reads
    first. Why not the framework's `max_body_size`: it answers a declared oversize with a plain-text body
    that replaces ours, and every error here is an ErrorResponse.

    Caught here rather than left to the framework, which would log the exception's message, and that may
    quote record content (a validation error echoes its input): only the type and where are logged.
    A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` (what `@app.middleware` makes) runs every
    request through an extra task and memory streams, a measurable cost per request under load.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await ApiError(413, "too_large", _BodyTooLarge(limit).detail).response()(scope, receive, send)
                return
        received = 0
        vouched = limit <= MAX_SMALL_BODY_BYTES

        async def counting_receive() -> Message:
            nonlocal received, vouched
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
                if received > MAX_SMALL_BODY_BYTES and not vouched:
                    try:
                        await anyio.to_thread.run_sync(_vouch, scope)
                    except ApiError as refused:
                        raise _Refused(refused) from None
                    vouched = True
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except (_BodyTooLarge, _Refused) as exc:  # read outside any route (none answered it): answer it here
            if started:
                raise
            error = exc.error if isinstance(exc, _Refused) else ApiError(413, "too_large", exc.detail)
            await error.response()(scope, receive, send)
        except Exception as exc:
            where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
            log.error("internal error %s at\n%s", type(exc).__name__, where)
            if started:  # the reply is half sent: nothing to do but drop the connection
                raise
            failed = ApiError(500, "internal", "the server failed; nothing was half-written, try again later")
            await failed.response()(scope, receive, send)
