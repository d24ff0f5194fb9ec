"""The console's plumbing: templates, the signed-in session, CSRF, security headers and error pages.

Every page is rendered on the server (Jinja2, autoescaped); no page needs JavaScript. Every failure a
person can cause (a forged form, a bad month, another unit's ID, an expired session) is a 4xx page that
says what happened and that nothing was changed; anything else is a bare 500 page, logged by type only.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldapp.domain.agency_time import Month
from fieldapp.domain.records import StaffRole
from fieldapp.server.auth import Caller
from fieldapp.server.console import accounts
from fieldapp.server.console.unitdata import ParsedContacts, WorkerMemos

if TYPE_CHECKING:
    from fieldapp.server.api import ServerState

log = logging.getLogger("fieldapp.server.console")

BASE = "/console"
COOKIE = "fieldapp_console"
SIGN_IN_COOKIE = "fieldapp_console_sign_in"  # the sign-in form's own CSRF token (double submit)
HERE = Path(__file__).parent

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    # A signed-out browser's Back button must not show a case from its cache.
    (b"cache-control", b"no-store"),
]


class ConsoleError(Exception):
    """A page that refuses: status, a heading and a sentence saying what to do."""

    def __init__(self, status: int, title: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message
        self.headers = headers or {}


class SignInNeeded(Exception):
    def __init__(self, ended: bool) -> None:
        super().__init__("sign in")
        self.ended = ended


def url_segment(value: object) -> str:
    """A value as one URL path segment (unit names have spaces and brackets)."""
    return quote(str(value), safe="")


def _day(value: date | None) -> str:
    return "" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["seg"] = url_segment
ENV.filters["without_prefix"] = lambda text, prefix: text.removeprefix(prefix)
ENV.filters["day"] = _day
ENV.globals["plural"] = _plural
ENV.globals["base"] = BASE


@dataclass(frozen=True, slots=True)
class Settings:
    """The console's own settings and what its requests share (kept on the app, not in a module global)."""

    idle: timedelta
    parsed: ParsedContacts = field(default_factory=ParsedContacts)
    memos: WorkerMemos = field(default_factory=WorkerMemos)


@dataclass(slots=True)
class Page:
    """Who is signed in, for a request: their staff record, CSRF token and the units they may open."""

    signed: accounts.SignedIn
    units: list[str] = field(default_factory=list)

    @property
    def caller(self) -> Caller:
        # The supervision functions take a Caller; the console's caller is the signed-in staff member.
        return Caller(device_id="console", worker=self.signed.staff)

    @property
    def is_manager(self) -> bool:
        return self.signed.staff.role is StaffRole.MANAGER


def state_of(request: Request) -> ServerState:
    state: ServerState = request.app.state.fieldapp
    return state


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.console
    return settings


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def render(
    request: Request, template: str, page: Page | None, http_status: int = 200, **context: Any
) -> HTMLResponse:
    body = ENV.get_template(template).render(
        request=request,
        page=page,
        staff=page.signed.staff if page else None,
        csrf=page.signed.csrf_token if page else "",
        **context,
    )
    return HTMLResponse(body, status_code=http_status)


def check_csrf(page: Page, token: str) -> None:
    if not token or not hmac.compare_digest(token.encode(), page.signed.csrf_token.encode()):
        raise ConsoleError(
            403,
            "This form could not be accepted",
            "The form did not carry this session's security token (it may be older than your session, or "
            "may not come from the console). Nothing was changed: go back, reload the page and try again.",
        )


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str | None, today: date) -> Month:
    """A month from a query or form (YYYY-MM, between 2000 and 2100); the current one when empty."""
    if not text:
        return Month.of(today)
    found = _MONTH.match(text)
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise ConsoleError(
            400,
            "That month cannot be shown",
            f"Month: write it as YYYY-MM between 2000-01 and 2100-12, for example {Month.of(today)}.",
        )
    return Month.parse(text)


def new_key() -> str:
    """A form's idempotency key: submitting the same form twice stores one approval or amendment."""
    return secrets.token_hex(16)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        path=BASE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def sign_in_redirect(request: Request, ended: bool) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    query = f"?next={quote(target, safe='')}" + ("&ended=1" if ended else "")
    response = RedirectResponse(f"{BASE}/sign-in{query}", status_code=303)
    response.delete_cookie(COOKIE, path=BASE)
    return response


def error_page(
    request: Request, status: int, title: str, message: str, page: Page | None = None
) -> HTMLResponse:
    """A refusal page; with the signed-in person's header and units when `page` is known."""
    return render(request, "error.html", page, status, title=title, message=message, status_code=status)


class ConsoleGuard:
    """The console app's outermost own middleware: security headers on every answer, and an unexpected
    failure answered with a bare HTML 500 page (logged by type and place only: an exception's message may
    quote a record). Inside Starlette's ServerErrorMiddleware, which would answer in plain text and re-raise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in names)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception as exc:
            where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
            log.error("console: internal error %s at\n%s", type(exc).__name__, where)
            if started:
                raise
            body = ENV.get_template("error.html").render(
                page=None,
                staff=None,
                csrf="",
                title="The console failed",
                message="Something went wrong on the server; nothing was half-written. Try again later.",
                status_code=500,
            )
            await HTMLResponse(body, status_code=500)(scope, receive, with_headers)


def now_in(request: Request) -> datetime:
    return datetime.now(state_of(request).tables.agency.time_zone)
