"""The HTTP API (FastAPI): routes, who may call them, and one error body for every failure.

Every route but /v1/health and /v1/enroll needs `Authorization: Bearer <device token>`. Every error is an
ErrorResponse and is listed in the OpenAPI document with that model (a test holds the document to what
the server really answers).
"""

from __future__ import annotations

import gc
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Amendment, Approval, AwareDatetime
from fieldapp.server import auth, feed, frozen, supervision
from fieldapp.server.auth import Caller, FailureLimiter
from fieldapp.server.console.app import build_console
from fieldapp.server.db import Database
from fieldapp.server.push import Pusher
from fieldapp.sync.protocol import (
    PROTOCOL_VERSION,
    AmendmentRequest,
    ApprovalRequest,
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


E401: Responses = {401: _doc("No token, an unknown or revoked token (header `WWW-Authenticate: Bearer`).")}
E403: Responses = {403: _doc("Authenticated, but this is not the caller's to read or write.")}
E404: Responses = {404: _doc("No such worker or contact.")}
E409: Responses = {
    409: _doc("The client-made ID is already used for different content; nothing was changed.")
}
E413: Responses = {413: _doc(f"Body over {MAX_BODY_BYTES} bytes, or more than {MAX_BATCH} items in a batch.")}
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
Month = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, agency time zone.")]
WorkerId = Annotated[
    str, Path(min_length=1, max_length=64, description="The worker the resource belongs to.")
]


def _own(caller: Caller, worker_id: str) -> None:
    if caller.worker.id != worker_id:
        raise ApiError(403, "forbidden", "a device reads and writes only its own worker's caseload")


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
        responses={**E401, **E413, **E422, **E429, **E500},
        tags=["sync"],
    )
    def enroll(body: EnrollRequest, request: Request) -> EnrollResponse:
        """Exchange a one-time enrollment code for a device token (shown once; the server keeps a hash)."""
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
        _own(caller, worker_id)
        st = state_of(request)
        result = feed.pull(st.db, st.server_id, worker_id, cursor, limit)
        # As for push: pydantic's JSON once, not re-validated and re-encoded by the framework.
        return Response(result.model_dump_json(), media_type="application/json")

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
            AwareDatetime | None,
            Query(
                description="Judge as of this moment (with offset); default now. Later contacts do not count."
            ),
        ] = None,
    ) -> UnitReportView:
        """SUP-REPORTS: per worker and for the unit, the month's contact figures and compliance measures."""
        st = state_of(request)
        return _guard(lambda: supervision.unit_report(st.db, caller, unit, month, st.tables, as_of))

    @app.post(
        "/v1/workers/{worker_id}/approvals",
        response_model=Approval,
        status_code=201,
        responses={
            **AUTHED,
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
        st = state_of(request)
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
        words = {404: "not_found", 405: "method_not_allowed"}
        return ApiError(exc.status_code, words.get(exc.status_code, "error"), str(exc.detail)).response()

    app.add_middleware(_Guard)


class _Guard:
    """Refuses oversized bodies before they are read, and answers an unexpected failure with a bare 500.

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
        length = b"0"
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
                break
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            too_large = ApiError(413, "too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
            await too_large.response()(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
            log.error("internal error %s at\n%s", type(exc).__name__, where)
            if started:  # the reply is half sent: nothing to do but drop the connection
                raise
            failed = ApiError(500, "internal", "the server failed; nothing was half-written, try again later")
            await failed.response()(scope, receive, send)
