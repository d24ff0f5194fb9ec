"""The supervisors' web console, mounted at /console of the office server (same process, same database,
same authorization rules as the API: the pages call the supervision functions the API calls).

Pages: sign-in, the unit dashboard (SUP-ALERTS), approvals (SUP-REVIEW), a contact with its amendments
(NAR-AMEND), a referral or case with its minimum visitation requirement (CMP-MVR), and the monthly
reports (SUP-REPORTS) with drill-downs and CSV downloads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import Depends, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from fieldapp.domain import compliance
from fieldapp.domain.agency_time import Month, business_day
from fieldapp.domain.compliance import MEASURE_IDS, MEASURE_LABELS, MeasureStatus
from fieldapp.domain.records import Case, VisitationRequirement, Worker
from fieldapp.domain.rules import RuleContext, check_contact, counts_toward
from fieldapp.server import contact_sheets, frozen, supervision
from fieldapp.server.console import accounts, unitdata, words
from fieldapp.server.console.charts import Bar, met_missed_chart
from fieldapp.server.console.csvout import csv_response
from fieldapp.server.console.web import (
    BASE,
    COOKIE,
    HERE,
    SIGN_IN_COOKIE,
    ConsoleError,
    ConsoleGuard,
    Page,
    Settings,
    SignInNeeded,
    check_csrf,
    client_key,
    error_page,
    new_key,
    now_in,
    parse_month,
    render,
    set_session_cookie,
    settings_of,
    sign_in_redirect,
    state_of,
    url_segment,
)
from fieldapp.server.models import ApprovalItem, ContactRow
from fieldapp.server.oversight import may_supervise, units_overseen
from fieldapp.sync.protocol import AmendmentRequest, ApprovalRequest

if TYPE_CHECKING:
    from fieldapp.server.api import ServerState

T = TypeVar("T")
COURT_WINDOW_DAYS = 14  # court-involved cases show on the dashboard this many days before the court date
RISK_LEVELS = {"low": "Low", "moderate": "Moderate", "high": "High", "very_high": "Very high"}
FIGURES = {
    "face_to_face_child_contacts": "Face-to-face child contacts",
    "face_to_face_parent_contacts": "Face-to-face parent contacts",
    "referral_contacts": "Referral contacts",
    "referral_collateral_contacts": "Referral collateral contacts",
}
STATUSES = ("met", "due", "missed", "exempt")
MAX_AMENDMENT = 20_000
MAX_REASON = 2_000


# --------------------------------------------------------------------------- who is asking


def signed_in(request: Request) -> Page:
    """The signed-in supervisor or manager, from the session cookie only (a device token never opens the
    console: the Authorization header is not looked at)."""
    state = state_of(request)
    token = request.cookies.get(COOKIE, "")
    try:
        signed = accounts.session_for(state.db, token, settings_of(request).idle)
    except accounts.SessionEnded:
        raise SignInNeeded(ended=True) from None
    if signed is None:
        raise SignInNeeded(ended=False)
    page = Page(signed)
    if page.is_manager:
        with state.db.read() as session:
            overseen = units_overseen(session, signed.staff)
        page.units = [u for u in unitdata.unit_names(state.db) if u in overseen]
    else:
        page.units = [signed.staff.unit]
    return page


PageDep = Annotated[Page, Depends(signed_in)]
Csrf = Annotated[str, Form()]


def _guard(action: Callable[[], T]) -> T:
    """The supervision functions' refusals as console pages (the API answers the same cases 403/404/409/422)."""
    try:
        return action()
    except supervision.Refused as exc:
        raise ConsoleError(403, "Not yours to see", f"{_upper(str(exc))}. Nothing was changed.") from None
    except supervision.NotFound as exc:
        raise ConsoleError(404, "Not found", f"{_upper(str(exc))}.") from None
    except supervision.Conflict as exc:
        raise ConsoleError(
            409, "Already done differently", f"{_upper(str(exc))}. Nothing was changed."
        ) from None
    except supervision.Invalid as exc:
        raise ConsoleError(
            422, "That cannot be done", f"{exc.field}: {exc.message}. Nothing was changed."
        ) from None


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _oversees(request: Request, page: Page, worker: Worker) -> bool:
    with state_of(request).db.read() as session:
        return may_supervise(session, page.signed.staff, worker)


def _unit_for(request: Request, page: Page, unit: str) -> None:
    _guard(lambda: supervision.require_unit_reader(state_of(request).db, page.caller, unit))


def _read_unit(request: Request, unit: str) -> unitdata.UnitData:
    """The unit as the console reads it, with what its requests share (parsed contacts, judgments)."""
    settings = settings_of(request)
    return unitdata.load_unit(state_of(request).db, unit, settings.parsed, settings.memos)


def _load_unit(request: Request, page: Page, unit: str) -> unitdata.UnitData:
    _unit_for(request, page, unit)
    data = _read_unit(request, unit)
    if not data.files:
        raise ConsoleError(404, "No such unit", f"There are no workers in a unit called “{unit}”.")
    return data


# --------------------------------------------------------------------------- the app


def build_console(state: ServerState, idle_minutes: float = 30.0) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.fieldapp = state
    app.state.console = Settings(idle=timedelta(minutes=idle_minutes))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _errors(app)
    _sign_in_routes(app)
    _unit_routes(app)
    _contact_routes(app)
    _report_routes(app)
    _sheet_routes(app)
    app.add_middleware(ConsoleGuard)
    return app


def _errors(app: FastAPI) -> None:
    def _quietly_signed_in(request: Request) -> Page | None:
        """Who is signed in, for the refusal page's header, or None (never refuses by itself)."""
        try:
            return signed_in(request)
        except (SignInNeeded, ConsoleError):
            return None

    @app.exception_handler(ConsoleError)
    async def _console_error(request: Request, exc: ConsoleError) -> Response:
        page = await run_in_threadpool(_quietly_signed_in, request)
        response = error_page(request, exc.status, exc.title, exc.message, page)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        if request.method in ("GET", "HEAD"):
            return sign_in_redirect(request, exc.ended)
        response = error_page(
            request,
            401,
            "Please sign in again",
            ("Your session ended after a time without activity. " if exc.ended else "You are not signed in. ")
            + "Nothing was changed.",
        )
        response.delete_cookie(COOKIE, path=BASE)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(
            ".".join(str(p) for p in err.get("loc", ())[1:]) or "request" for err in exc.errors()[:5]
        )
        return error_page(
            request,
            400,
            "That request could not be read",
            f"These fields are missing or wrong: {fields}. Nothing was changed.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Page not found", 405: "Not available this way"}
        return error_page(
            request,
            exc.status_code,
            titles.get(exc.status_code, "The request was refused"),
            "There is no such page in the console." if exc.status_code == 404 else str(exc.detail),
            await run_in_threadpool(_quietly_signed_in, request),
        )


# --------------------------------------------------------------------------- sign in / out


def _sign_in_routes(app: FastAPI) -> None:
    @app.get("/sign-in")
    def sign_in_form(request: Request, next: str = "", ended: str = "") -> Response:
        return _sign_in_page(request, next=next, ended=ended == "1")

    @app.post("/sign-in")
    def sign_in(
        request: Request,
        staff_id: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)] = "",
        sign_in_token: Annotated[str, Form(max_length=100)] = "",
        next: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        state = state_of(request)
        expected = request.cookies.get(SIGN_IN_COOKIE, "")
        if not expected or not sign_in_token or expected != sign_in_token:
            raise ConsoleError(
                403,
                "This form could not be accepted",
                "The sign-in form had expired or did not come from the console. Reload the sign-in page.",
            )
        retry = state.limiter.retry_after(client_key(request))
        if retry is not None:
            raise ConsoleError(
                429,
                "Too many failed sign-ins",
                f"Too many failed sign-ins from this computer. Try again in {retry} seconds.",
                headers={"Retry-After": str(retry)},
            )
        staff = accounts.verify(state.db, staff_id.strip(), password)
        if staff is None:
            state.limiter.failed(client_key(request))
            return _sign_in_page(
                request,
                status=401,
                next=next,
                error="The staff ID or the password is not right, or this account does not use the console "
                "(only supervisors and managers do).",
                staff_id=staff_id.strip(),
            )
        session_token, _csrf = accounts.start_session(state.db, staff)
        moved = RedirectResponse(_safe_next(next) or f"{BASE}/", status_code=303)
        set_session_cookie(moved, request, session_token)
        moved.delete_cookie(SIGN_IN_COOKIE, path=BASE)
        return moved

    @app.post("/sign-out")
    def sign_out(request: Request, page: PageDep, csrf: Csrf = "") -> Response:
        check_csrf(page, csrf)
        accounts.end_session(state_of(request).db, request.cookies.get(COOKIE, ""))
        response = RedirectResponse(f"{BASE}/sign-in?signed_out=1", status_code=303)
        response.delete_cookie(COOKIE, path=BASE)
        return response

    @app.get("/")
    def home(request: Request, page: PageDep) -> Response:
        if not page.is_manager:
            return RedirectResponse(f"{BASE}/units/{url_segment(page.signed.staff.unit)}", status_code=303)
        return render(request, "units.html", page, units=page.units)


def _sign_in_page(
    request: Request,
    *,
    status: int = 200,
    next: str = "",
    ended: bool = False,
    error: str = "",
    staff_id: str = "",
) -> Response:
    """The sign-in form with a fresh token of its own, set as a cookie beside it (double submit): there is
    no session yet whose CSRF token the form could carry."""
    token = new_key()
    response = render(
        request,
        "sign_in.html",
        None,
        status,
        sign_in_token=token,
        next=_safe_next(next),
        ended=ended,
        idle=_duration(settings_of(request).idle),
        error=error,
        staff_id=staff_id,
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        path=BASE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _duration(span: timedelta) -> str:
    """'30 minutes', '90 seconds': the idle timeout as the sign-in page says it."""
    seconds = round(span.total_seconds())
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _safe_next(target: str) -> str:
    """Only a console path: never another site (an open redirect would lend the console's name to it)."""
    if target.startswith(BASE + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


# --------------------------------------------------------------------------- dashboard, approvals


def _unit_routes(app: FastAPI) -> None:
    @app.get("/units/{unit}")
    def dashboard(request: Request, unit: str, page: PageDep, month: str = "") -> Response:
        state = state_of(request)
        now = now_in(request)
        today = now.date()
        chosen = parse_month(month, today)
        data = _load_unit(request, page, unit)
        months = [chosen]
        if chosen == Month.of(today):  # plus whatever of the previous month is still overdue
            months.append(chosen.plus(-1))
        by_month = data.reports_of(months, state.tables, now)
        reports = by_month[chosen]
        all_reports = [r for m in months for r in by_month[m]]
        reviews_of = data.reviews_of(months, state.tables, now)
        reviews = [r for m in months for r in reviews_of[m]]
        alerts = compliance.supervisor_alerts(
            all_reports, reviews, worker_ids=data.worker_ids, court_within_days=COURT_WINDOW_DAYS
        )
        rows = []
        for file, report in zip(data.files, reports, strict=True):
            due = compliance.worker_due_list(report, file.worker.id)
            rows.append((file.worker, alerts.for_worker(file.worker.id), due.items))
        court = alerts.court_dates
        if Month.of(today) not in reviews_of:  # a past month chosen: the court dates ahead are today's
            court = compliance.supervisor_alerts(
                [],
                data.reviews(Month.of(today), state.tables, now),
                worker_ids=data.worker_ids,
                court_within_days=COURT_WINDOW_DAYS,
            ).court_dates
        drafts = [
            d
            for m in months
            for d in _guard(partial(frozen.unit_frozen_drafts, state.db, page.caller, unit, str(m))).drafts
        ]
        clinician = [r for r in data.clinician(state.tables, now) if r.status is MeasureStatus.DUE]
        return render(
            request,
            "dashboard.html",
            page,
            unit=unit,
            month=chosen,
            months=months,
            today=today,
            rows=rows,
            court=court,
            drafts=drafts,
            clinician=clinician,
            data=data,
            tz=state.tables.agency.time_zone,
            moment=words.moment_text,
            labels=MEASURE_LABELS,
            month_before=lambda day: str(Month.of(day).plus(-1)),
        )

    @app.get("/units/{unit}/approvals")
    def approvals(request: Request, unit: str, page: PageDep, month: str = "") -> Response:
        state = state_of(request)
        now = now_in(request)
        chosen = parse_month(month, now.date())
        data = _load_unit(request, page, unit)
        stored = _guard(lambda: supervision.unit_contacts(state.db, page.caller, unit, str(chosen)))
        by_worker: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
        waiting: dict[str, int] = defaultdict(int)
        for item in sorted(
            stored.contacts, key=lambda s: (s.contact.started_at is None, s.contact.started_at)
        ):
            by_worker[item.worker_id][item.contact.context_id].append(item)
            if not item.approval_ids:
                waiting[item.worker_id] += 1
        return render(
            request,
            "approvals.html",
            page,
            unit=unit,
            month=chosen,
            data=data,
            by_worker=by_worker,
            waiting=waiting,
            tables=state.tables,
            kind_label=words.kind_label,
            tz=state.tables.agency.time_zone,
            moment=words.moment_text,
        )


# --------------------------------------------------------------------------- contacts, approval, amendment, MVR


def _contact_view(request: Request, page: Page, contact_id: str) -> unitdata.StoredContactView:
    view = unitdata.load_contact(state_of(request).db, contact_id)
    if view is None:
        raise ConsoleError(404, "Contact not found", "There is no contact with that ID on the server.")
    if not _oversees(request, page, view.worker):
        raise ConsoleError(403, "Not yours to see", "This contact belongs to a worker outside your unit.")
    return view


def _contact_page(
    request: Request, page: Page, view: unitdata.StoredContactView, status: int = 200, **extra: object
) -> Response:
    state = state_of(request)
    tz = state.tables.agency.time_zone
    contact = view.contact
    staff = unitdata.load_unit_staff(state.db)
    findings: list[object] = []
    verdicts: list[object] = []
    if view.caseload is not None and view.matter is not None and contact.finalized_at is not None:
        ctx = RuleContext(view.caseload, view.matter, state.tables, contact.finalized_at)
        findings = list(check_contact(contact, ctx))
        verdicts = list(counts_toward(contact, ctx))
    context: dict[str, object] = dict(
        view=view,
        contact=contact,
        lines=words.selections(contact, view.matter, state.tables, staff, tz),
        findings=findings,
        verdicts=verdicts,
        person=lambda pid: words.person_name(view.matter, pid),
        labels=MEASURE_LABELS,
        kind=words.kind_label(state.tables, contact),
        tz=tz,
        moment=words.moment_text,
        names={sid: w.full_name for sid, w in staff.items()},
        key=new_key(),
        errors={},
        new_information="",
        reason="",
        done=request.query_params.get("done", ""),
    )
    context.update(extra)
    return render(request, "contact.html", page, status, **context)


def _contact_routes(app: FastAPI) -> None:
    @app.get("/contacts/{contact_id}")
    def contact_page(request: Request, contact_id: str, page: PageDep) -> Response:
        return _contact_page(request, page, _contact_view(request, page, contact_id))

    @app.get("/approve")
    def confirm_approval(
        request: Request,
        page: PageDep,
        worker: str = "",
        month: str = "",
        case: str = "",
        contact: Annotated[list[str] | None, Query()] = None,
    ) -> Response:
        """The confirmation before approving: says how many entries and lists them."""
        state = state_of(request)
        now = now_in(request)
        ids = _chosen_for_approval(request, page, worker, month, case, contact or [])
        items = [_contact_view(request, page, cid) for cid in ids]
        items = [v for v in items if not v.approvals]
        if not items:
            raise ConsoleError(
                409, "Nothing to approve", "Every entry you chose is already approved. Nothing was changed."
            )
        return render(
            request,
            "confirm_approval.html",
            page,
            items=items,
            key=new_key(),
            back=_back_for(worker, month, case, items),
            tables=state.tables,
            kind_label=words.kind_label,
            tz=state.tables.agency.time_zone,
            moment=words.moment_text,
            today=now.date(),
            worker=worker,
            month=month,
            case=case,
        )

    @app.post("/approve")
    def approve(
        request: Request,
        page: PageDep,
        csrf: Csrf = "",
        key: Annotated[str, Form(max_length=64)] = "",
        contact_id: Annotated[list[str] | None, Form()] = None,
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        """SUP-REVIEW: approve exactly the entries the supervisor confirmed (one approval per worker and
        month, as the API records them); the same form sent twice approves once."""
        check_csrf(page, csrf)
        ids = sorted(set(contact_id or []))
        if not ids or len(ids) > 2000 or not key.isalnum():
            raise ConsoleError(400, "Nothing to approve", "The form named no contacts. Nothing was changed.")
        state = state_of(request)
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        with state.db.read() as session:
            rows = {
                r.id: (r.worker_id, r.month)
                for r in session.execute(
                    select(ContactRow.id, ContactRow.worker_id, ContactRow.month).where(
                        ContactRow.id.in_(ids)
                    )
                ).all()
            }
            # Entries someone approved meanwhile (another supervisor, another form) are not approved twice;
            # this form's own approvals (a second click) are kept, so the answer repeats the first one.
            approved_elsewhere = {
                cid
                for cid, approval_id in session.execute(
                    select(ApprovalItem.contact_id, ApprovalItem.approval_id).where(
                        ApprovalItem.contact_id.in_(ids)
                    )
                ).all()
                if not approval_id.startswith(f"console-{key}-")
            }
        for cid in ids:
            if cid not in rows:
                raise ConsoleError(
                    404,
                    "Contact not found",
                    "A contact on the form is not on the server. Nothing was changed.",
                )
            if cid not in approved_elsewhere:
                groups[rows[cid]].append(cid)
        if not groups:
            raise ConsoleError(
                409, "Already approved", "Every entry on the form is already approved. Nothing was changed."
            )
        for worker_id, _month in groups:  # refuse before anything is written
            _contact_view(request, page, groups[(worker_id, _month)][0])
        count = 0
        for i, ((worker_id, month), chosen) in enumerate(sorted(groups.items())):
            body = ApprovalRequest(id=f"console-{key}-{i}", month=month, contact_ids=tuple(chosen))
            _guard(partial(supervision.approve, state.db, page.caller, worker_id, body))
            count += len(chosen)
        target = _safe_next(back) or (
            f"{BASE}/contacts/{url_segment(ids[0])}" if len(ids) == 1 else f"{BASE}/"
        )
        sep = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{sep}done=approved-{count}", status_code=303)

    @app.post("/contacts/{contact_id}/amendments")
    def amend(
        request: Request,
        contact_id: str,
        page: PageDep,
        csrf: Csrf = "",
        key: Annotated[str, Form(max_length=64)] = "",
        new_information: Annotated[str, Form(max_length=MAX_AMENDMENT * 10)] = "",
        reason: Annotated[str, Form(max_length=MAX_REASON * 10)] = "",
    ) -> Response:
        """NAR-AMEND: the modifier's name and title come from the signed-in account, the date from the clock."""
        check_csrf(page, csrf)
        view = _contact_view(request, page, contact_id)
        errors = {}
        info, why = new_information.strip(), reason.strip()
        if not info:
            errors["new_information"] = "New information: write what is to be added or corrected (NAR-AMEND)."
        elif len(info) > MAX_AMENDMENT:
            errors["new_information"] = f"New information: at most {MAX_AMENDMENT:,} characters."
        if not why:
            errors["reason"] = "Reason: say why the contact is amended (NAR-AMEND)."
        elif len(why) > MAX_REASON:
            errors["reason"] = f"Reason: at most {MAX_REASON:,} characters."
        if errors or not key.isalnum():
            if not errors:
                errors["form"] = "The form is incomplete; reload the page."
            return _contact_page(
                request,
                page,
                view,
                422,
                errors=errors,
                new_information=new_information,
                reason=reason,
                key=key or new_key(),
            )
        state = state_of(request)
        body = AmendmentRequest(id=f"console-{key}", new_information=info, reason=why)
        _guard(
            lambda: supervision.amend(state.db, page.caller, contact_id, body, state.tables.agency.time_zone)
        )
        return RedirectResponse(
            f"{BASE}/contacts/{url_segment(contact_id)}?done=amended#amendments", status_code=303
        )

    @app.get("/matters/{matter_id}")
    def matter_page(request: Request, matter_id: str, page: PageDep) -> Response:
        return _matter_page(request, page, matter_id)

    @app.post("/matters/{matter_id}/mvr")
    def set_mvr(
        request: Request,
        matter_id: str,
        page: PageDep,
        csrf: Csrf = "",
        risk_level: Annotated[str, Form(max_length=20)] = "",
        in_person_visits: Annotated[str, Form(max_length=10)] = "",
        period_days: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        """CMP-MVR: set or change the case's minimum visitation requirement from its risk level."""
        check_csrf(page, csrf)
        _matter_view(request, page, matter_id)  # exists and is the caller's to see
        errors: dict[str, str] = {}
        if risk_level not in RISK_LEVELS:
            errors["risk_level"] = "Risk level: choose one of the listed levels (CMP-MVR)."
        visits = _whole(in_person_visits, 1, 31)
        if visits is None:
            errors["in_person_visits"] = "In-person visits: a whole number from 1 to 31 (CMP-MVR)."
        days = _whole(period_days, 1, 366)
        if days is None:
            errors["period_days"] = "Period: a whole number of days from 1 to 366 (CMP-MVR)."
        if errors or visits is None or days is None:
            return _matter_page(
                request,
                page,
                matter_id,
                422,
                errors=errors,
                form={
                    "risk_level": risk_level,
                    "in_person_visits": in_person_visits,
                    "period_days": period_days,
                },
            )
        state = state_of(request)
        try:
            requirement = VisitationRequirement(
                risk_level=risk_level,
                in_person_visits=visits,
                period_days=days,
                set_by=page.signed.staff.id,
                set_on=now_in(request).date(),
            )
        except ValidationError:
            raise ConsoleError(400, "That requirement cannot be stored", "Nothing was changed.") from None
        _guard(lambda: supervision.set_visitation_requirement(state.db, page.caller, matter_id, requirement))
        return RedirectResponse(f"{BASE}/matters/{url_segment(matter_id)}?done=mvr#mvr", status_code=303)


def _back_for(worker: str, month: str, case: str, items: list[unitdata.StoredContactView]) -> str:
    """Where the approval form returns to: the page the confirmation was asked from."""
    if case:
        return f"{BASE}/matters/{url_segment(case)}"
    if worker and month:
        return f"{BASE}/units/{url_segment(items[0].worker.unit)}/approvals?month={month}"
    if len(items) == 1:
        return f"{BASE}/contacts/{url_segment(items[0].contact.id)}"
    return f"{BASE}/"


def _sheet_routes(app: FastAPI) -> None:
    @app.get("/matters/{matter_id}/contact-sheet.pdf")
    def contact_sheet(request: Request, matter_id: str, page: PageDep, month: str = "") -> Response:
        """SUP-REVIEW: the month's contact sheet of a referral/case as PDF, each entry with its approvals."""
        state = state_of(request)
        chosen = parse_month(month, now_in(request).date())
        _matter_view(request, page, matter_id)
        pdf = _guard(
            partial(
                contact_sheets.contact_sheet_pdf, state.db, page.caller, matter_id, str(chosen), state.tables
            )
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="contact-sheet-{_file_part(matter_id)}-{chosen}.pdf"'
            },
        )

    @app.post("/matters/{matter_id}/release")
    def release(
        request: Request,
        matter_id: str,
        page: PageDep,
        csrf: Csrf = "",
        start: Annotated[str, Form(max_length=10)] = "",
        end: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        """NAR-PRIVILEGE: a manager releases a copy for someone outside the agency (County Counsel entries
        withheld, the reporting party never named); recorded in the releases table and the audit chain."""
        check_csrf(page, csrf)
        _matter_view(request, page, matter_id)
        releaser = _guard(partial(contact_sheets.manager_releaser, page.caller))
        first, last = _day_field(start, "From"), _day_field(end, "To")
        state = state_of(request)
        made = _guard(
            partial(
                contact_sheets.release_case,
                state.db,
                releaser,
                matter_id,
                state.tables,
                start=first,
                end=last,
            )
        )
        return Response(
            made.pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="release-{_file_part(matter_id)}-{made.id[:8]}.pdf"'
            },
        )


def _file_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:64]


def _day_field(text: str, label: str) -> date | None:
    """An optional YYYY-MM-DD form field."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConsoleError(
            422, "That date cannot be used", f"{label}: write a date as YYYY-MM-DD. Nothing was released."
        ) from None


def _whole(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text.isdigit() or len(text) > 4:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _chosen_for_approval(
    request: Request, page: Page, worker: str, month: str, case: str, contacts: list[str]
) -> list[str]:
    """The contacts a confirmation is about: a worker's month, a court-involved case's entries before its
    court date, or contacts named one by one."""
    state = state_of(request)
    now = now_in(request)
    if contacts:
        return sorted(set(contacts))[:2000]
    if worker and month:
        chosen = parse_month(month, now.date())
        with state.db.read() as session:
            return list(
                session.execute(
                    select(ContactRow.id)
                    .where(ContactRow.worker_id == worker[:64], ContactRow.month == str(chosen))
                    .order_by(ContactRow.id)
                ).scalars()
            )
    if case:
        view = _matter_view(request, page, case)
        if not isinstance(view.matter, Case) or view.worker is None:
            raise ConsoleError(404, "Not a case", "Court reviews are for cases.")
        data = _read_unit(request, view.worker.unit)
        file = data.file_of(view.worker.id)
        if file is None:
            raise ConsoleError(404, "Not found", "The case's worker is not in a unit.")
        review = compliance.approval_coverage(
            file.caseload, file.contacts, file.approvals, Month.of(now.date()), tables=state.tables, now=now
        )
        found = [c for c in review.court_reviews if c.case_id == case]
        ahead = [c for c in found if c.court_date >= now.date()]  # the next hearing, not one held
        hearing = min(ahead, key=lambda c: c.court_date) if ahead else (found[0] if found else None)
        return list(hearing.unapproved_contact_ids) if hearing is not None else []
    raise ConsoleError(400, "Nothing chosen", "Choose a worker and month, a case, or contacts to approve.")


def _matter_view(request: Request, page: Page, matter_id: str) -> unitdata.MatterView:
    view = unitdata.load_matter(state_of(request).db, matter_id)
    if view is None:
        raise ConsoleError(404, "Not found", "There is no referral or case with that ID on the server.")
    if view.worker is None or not _oversees(request, page, view.worker):
        raise ConsoleError(
            403, "Not yours to see", "This referral or case is held by a worker outside your unit."
        )
    return view


def _matter_page(
    request: Request, page: Page, matter_id: str, status: int = 200, **extra: object
) -> Response:
    state = state_of(request)
    view = _matter_view(request, page, matter_id)
    now = now_in(request)
    month = Month.of(now.date())
    measures: list[object] = []
    if view.worker is not None:
        data = _read_unit(request, view.worker.unit)
        file = data.file_of(view.worker.id)
        if file is not None:
            report = compliance.evaluate_month(
                file.caseload, file.contacts, month, tables=state.tables, now=now, memo=file.memo
            )
            measures = [m for m in report.measures if m.matter_id == matter_id]
    requirement = view.matter.visitation_requirement if isinstance(view.matter, Case) else None
    form = {
        "risk_level": requirement.risk_level if requirement else "",
        "in_person_visits": str(requirement.in_person_visits) if requirement else "",
        "period_days": str(requirement.period_days) if requirement else "",
    }
    staff = unitdata.load_unit_staff(state.db)
    tz = state.tables.agency.time_zone
    sheet_months = sorted(
        {Month.of(business_day(c.started_at, tz)) for c, _ in view.contacts if c.started_at is not None},
        key=lambda m: (m.year, m.month),
        reverse=True,
    )
    context: dict[str, object] = dict(
        view=view,
        matter=view.matter,
        sheet_months=sheet_months,
        is_case=isinstance(view.matter, Case),
        requirement=requirement,
        names={sid: w.full_name for sid, w in staff.items()},
        risk_levels=RISK_LEVELS,
        form=form,
        errors={},
        measures=measures,
        month=month,
        labels=MEASURE_LABELS,
        tables=state.tables,
        kind_label=words.kind_label,
        tz=state.tables.agency.time_zone,
        moment=words.moment_text,
        done=request.query_params.get("done", ""),
        business_day=business_day,
    )
    context.update(extra)
    return render(request, "matter.html", page, status, **context)


# --------------------------------------------------------------------------- reports


def _report_routes(app: FastAPI) -> None:
    @app.get("/units/{unit}/report")
    def report(request: Request, unit: str, page: PageDep, month: str = "") -> Response:
        state = state_of(request)
        now = now_in(request)
        chosen = parse_month(month, now.date())
        data = _load_unit(request, page, unit)
        reports = data.reports(chosen, state.tables, now)
        unit_report = compliance.unit_report(reports, [f.caseload for f in data.files], unit)
        bars = [
            Bar(w.worker_name, sum(t.met for t in w.measures), sum(t.missed for t in w.measures))
            for w in unit_report.workers
        ]
        chart = met_missed_chart(f"Measures met and missed per worker, {chosen.label}", bars)
        exemptions = sorted(
            (
                r
                for r in compliance.tallied_results(reports, data.worker_ids)
                if r.status is MeasureStatus.EXEMPT and r.window != "last_12_months"
            ),
            key=lambda r: (MEASURE_IDS.index(r.measure_id), r.person_name),
        )
        return render(
            request,
            "report.html",
            page,
            unit=unit,
            month=chosen,
            report=unit_report,
            chart=chart,
            exemptions=exemptions,
            labels=MEASURE_LABELS,
            data=data,
            figures=FIGURES,
            statuses=STATUSES,
        )

    @app.get("/units/{unit}/report.csv")
    def report_csv(
        request: Request, unit: str, page: PageDep, month: str = "", table: str = "measures"
    ) -> Response:
        state = state_of(request)
        now = now_in(request)
        chosen = parse_month(month, now.date())
        data = _load_unit(request, page, unit)
        reports = data.reports(chosen, state.tables, now)
        unit_report = compliance.unit_report(reports, [f.caseload for f in data.files], unit)
        if table == "contacts":
            header = ["worker_id", "worker", *FIGURES.values(), "Timely entry met", "Timely entry required"]
            rows = [
                [
                    w.worker_id,
                    w.worker_name,
                    *(getattr(w.contacts, f) for f in FIGURES),
                    w.timely_entry.met,
                    w.timely_entry.required,
                ]
                for w in unit_report.workers
            ]
            rows.append(
                [
                    "",
                    f"{unit} (unit)",
                    *(getattr(unit_report.contacts, f) for f in FIGURES),
                    unit_report.tally("CMP-TIMELY").met,
                    unit_report.tally("CMP-TIMELY").required,
                ]
            )
            return csv_response(f"contacts-{unit}-{chosen}.csv", header, rows)
        if table == "measures":
            header = [
                "worker_id",
                "worker",
                "measure_id",
                "measure",
                "met",
                "due",
                "missed",
                "exempt",
                "percent_met",
            ]
            rows = []
            for w in unit_report.workers:
                rows += [
                    [
                        w.worker_id,
                        w.worker_name,
                        t.measure_id,
                        t.label,
                        t.met,
                        t.due,
                        t.missed,
                        t.exempt,
                        t.percent,
                    ]
                    for t in w.measures
                ]
            rows += [
                ["", f"{unit} (unit)", t.measure_id, t.label, t.met, t.due, t.missed, t.exempt, t.percent]
                for t in unit_report.measures
            ]
            return csv_response(f"measures-{unit}-{chosen}.csv", header, rows)
        raise ConsoleError(404, "No such table", "Choose the contacts or the measures table.")

    @app.get("/units/{unit}/report/measure")
    def measure_drill(
        request: Request,
        unit: str,
        page: PageDep,
        month: str = "",
        measure: str = "",
        status: str = "",
        worker: str = "",
        format: str = "",
    ) -> Response:
        """The children, cases and contacts behind one number of the measures table."""
        if measure not in MEASURE_IDS or (status and status not in STATUSES):
            raise ConsoleError(400, "No such figure", "Measure and status must be ones the report lists.")
        state = state_of(request)
        now = now_in(request)
        chosen = parse_month(month, now.date())
        data = _load_unit(request, page, unit)
        if worker and worker not in data.worker_ids:
            raise ConsoleError(404, "No such worker", "That worker is not in this unit.")
        reports = data.reports(chosen, state.tables, now)
        ids = [worker] if worker else data.worker_ids
        results = [
            r
            for r in compliance.tallied_results(reports, ids)
            if r.measure_id == measure
            and r.window != "last_12_months"
            and (not status or r.status.value == status)
        ]
        results.sort(key=lambda r: (r.worker_id, r.matter_id, r.person_name))
        title = f"{MEASURE_LABELS[measure]}: {status or 'all'}"
        if format == "csv":
            return csv_response(
                f"{measure}-{status or 'all'}-{unit}-{chosen}.csv",
                [
                    "worker",
                    "referral_or_case",
                    "person",
                    "status",
                    "sentence",
                    "reason_rule_id",
                    "due_by",
                    "contact_ids",
                ],
                [
                    [
                        data.name_of(r.worker_id),
                        r.matter_id,
                        r.person_name,
                        r.status.value,
                        r.detail,
                        r.reason_rule_id or "",
                        r.due_by.isoformat() if r.due_by else "",
                        " ".join(r.contact_ids),
                    ]
                    for r in results
                ],
            )
        return render(
            request,
            "drill_measure.html",
            page,
            unit=unit,
            month=chosen,
            measure=measure,
            status=status,
            worker=worker,
            worker_name=data.name_of(worker) if worker else "",
            title=title,
            results=results,
            data=data,
        )

    @app.get("/units/{unit}/report/contacts")
    def contacts_drill(
        request: Request,
        unit: str,
        page: PageDep,
        month: str = "",
        figure: str = "",
        worker: str = "",
        format: str = "",
    ) -> Response:
        """The contacts behind one contact figure."""
        if figure not in FIGURES:
            raise ConsoleError(400, "No such figure", "Choose one of the report's contact figures.")
        state = state_of(request)
        now = now_in(request)
        chosen = parse_month(month, now.date())
        data = _load_unit(request, page, unit)
        if worker and worker not in data.worker_ids:
            raise ConsoleError(404, "No such worker", "That worker is not in this unit.")
        reports = data.reports(chosen, state.tables, now)
        ids = {worker} if worker else set(data.worker_ids)
        seen: dict[str, object] = {}
        for r in reports:
            for a in r.activity:
                if a.staff_person_id in ids and figure in compliance.activity_figures(a):
                    seen.setdefault(a.contact_id, a)
        items = sorted(seen.values(), key=lambda a: (a.day, a.contact_id))  # type: ignore[attr-defined]
        if format == "csv":
            return csv_response(
                f"{figure}-{unit}-{chosen}.csv",
                ["contact_id", "day", "worker", "referral_or_case", "kind"],
                [
                    [a.contact_id, a.day.isoformat(), data.name_of(a.staff_person_id), a.matter_id, a.kind]  # type: ignore[attr-defined]
                    for a in items
                ],
            )
        return render(
            request,
            "drill_contacts.html",
            page,
            unit=unit,
            month=chosen,
            figure=figure,
            title=FIGURES[figure],
            worker=worker,
            worker_name=data.name_of(worker) if worker else "",
            items=items,
            data=data,
            tables=state.tables,
        )
