"""`fieldapp-server`: run the office sync server and administer it.

    fieldapp-server serve --demo                       # 127.0.0.1:8765, demo organisation loaded
    fieldapp-server add-staff w-ana --name "Ana Brightfield" --title "Social Worker III" --unit "Unit 7"
    fieldapp-server issue-code w-ana                   # prints a one-time enrollment code
    fieldapp-server load-caseload caseload.json        # idempotent
    fieldapp-server revoke --device DEVICE_ID
    fieldapp-server release --case C-2001 --from 2026-11-01 --to 2026-11-30 --out release.pdf

The database is `--database URL` (or $FIELDAPP_SERVER_DATABASE): a SQLite file path/URL, or
`postgresql://user:pass@host/db`. Admin commands work on the database directly, beside a running server.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from pydantic import ValidationError

from fieldapp.version import version_line

DEFAULT_PORT = 8765


def default_database() -> str:
    env = os.environ.get("FIELDAPP_SERVER_DATABASE")
    if env:
        return env
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("fieldapp-server", appauthor=False))
    return str(folder / "server.db")  # storage_files.prepare makes the folder 0700 and the file 0600


def _open(args: argparse.Namespace) -> object:
    from fieldapp.server import migrate
    from fieldapp.server.db import Database

    db = Database(args.database or default_database())
    migrate.upgrade(db)
    return db


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- serve


def cmd_serve(args: argparse.Namespace) -> int:
    if bool(args.tls_cert) != bool(args.tls_key):
        print("error: give both --tls-cert and --tls-key, or neither", file=sys.stderr)
        return 2
    tls = bool(args.tls_cert)
    if not is_loopback(args.host) and not tls and not args.allow_insecure_remote:
        print(
            f"error: refusing to listen on {args.host} without TLS: tokens and records would cross the network "
            "in clear. Give --tls-cert and --tls-key, or --allow-insecure-remote if a TLS proxy fronts this "
            "server.",
            file=sys.stderr,
        )
        return 2
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from fieldapp.server import asgi
    from fieldapp.server.db import Database

    db = _open(args)
    assert isinstance(db, Database)
    if args.console_idle_minutes <= 0:
        print("error: --console-idle-minutes must be more than 0", file=sys.stderr)
        return 2
    if args.demo:
        _load_demo(db)
        _demo_passwords(db)
    db.dispose()
    docs = is_loopback(args.host) if args.docs is None else args.docs
    if args.workers > 1:
        # Each worker process imports the app by name and reads its settings from the environment.
        os.environ[asgi.ENV_DATABASE] = db.url
        os.environ[asgi.ENV_LIMIT] = str(asgi.per_process_limit(args.auth_failure_limit, args.workers))
        os.environ[asgi.ENV_WINDOW] = str(args.auth_failure_window)
        os.environ[asgi.ENV_THREADS] = str(args.threads)
        os.environ[asgi.ENV_DOCS] = "1" if docs else "0"
        os.environ[asgi.ENV_CONSOLE_IDLE] = str(args.console_idle_minutes)
        app: object = "fieldapp.server.asgi:app_from_env"
    else:
        asgi.tune_collector()
        app = asgi.build_app(
            db.url,
            args.auth_failure_limit,
            args.auth_failure_window,
            args.threads,
            public_docs=docs,
            console_idle_minutes=args.console_idle_minutes,
        )

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # proto=IPPROTO_TCP: accepted sockets inherit it, and asyncio sets TCP_NODELAY only when it sees it;
    # with proto 0 every keep-alive request waits for Nagle + the delayed-ACK timer (uvicorn issue #3149).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    port = sock.getsockname()[1]
    scheme = "https" if tls else "http"
    if args.port_file:
        tmp = Path(str(args.port_file) + ".tmp")
        tmp.write_text(str(port), encoding="utf-8")
        tmp.replace(args.port_file)
    print(f"fieldapp-server listening on {scheme}://{args.host}:{port}", flush=True)
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        factory=args.workers > 1,
        workers=args.workers,
        log_level=args.log_level,
        access_log=args.access_log,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        timeout_keep_alive=30,
        server_header=False,  # no software banner for a prober
        backlog=2048,
        http=args.http,
        loop=args.loop,
        # X-Forwarded-For/-Proto name the client only when a proxy the agency named sent them: trusted from
        # anyone else (uvicorn trusts loopback by default), a guesser rotates the header and every guess
        # comes from a "new" address that the failed-login limit has never seen.
        proxy_headers=bool(args.trust_forwarded_from),
        forwarded_allow_ips=args.trust_forwarded_from or None,
    )
    if args.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
    return 0


def _load_demo(db: object) -> None:
    from fieldapp.domain.codetables import resources_dir
    from fieldapp.domain.records import Caseload
    from fieldapp.server.caseload import load_caseload
    from fieldapp.server.db import Database

    assert isinstance(db, Database)
    caseload = Caseload.model_validate_json(
        (resources_dir() / "demo_caseload.json").read_text(encoding="utf-8")
    )
    report = load_caseload(db, caseload)
    print(
        f"demo organisation loaded: {report.matters_changed} referrals/cases changed, "
        f"{report.matters_unchanged} unchanged; staff: "
        + ", ".join(w.id for w in (caseload.worker, *caseload.staff)),
        flush=True,
    )


def _demo_passwords(db: object) -> None:
    """The demo supervisor and manager get a console password the first time (printed once, here)."""
    from fieldapp.server.console.accounts import ensure_demo_passwords
    from fieldapp.server.db import Database

    assert isinstance(db, Database)
    made = ensure_demo_passwords(db, ("s-lee", "m-kim"))
    if made:
        print(
            "console sign-in for the demo (shown once; change with `fieldapp-server set-password ID`): "
            + ", ".join(f"{staff_id} / {password}" for staff_id, password in made.items()),
            flush=True,
        )


# --------------------------------------------------------------------------- admin


def cmd_migrate(args: argparse.Namespace) -> int:
    _open(args)
    print("database is at the current schema")
    return 0


def cmd_add_staff(args: argparse.Namespace) -> int:
    from fieldapp.domain.records import StaffRole, Worker
    from fieldapp.server.caseload import add_staff
    from fieldapp.server.db import Database

    try:
        worker = Worker(
            id=args.id,
            full_name=args.name,
            title=args.title,
            role=StaffRole(args.role),
            unit=args.unit,
            supervisor_id=args.supervisor,
        )
    except ValidationError as exc:
        for err in exc.errors():
            print(f"error: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}", file=sys.stderr)
        return 2
    db = _open(args)
    assert isinstance(db, Database)
    changed = add_staff(db, worker)
    print(
        f"{worker.role} {worker.id} ({worker.full_name}, {worker.title}, {worker.unit}) "
        + ("saved" if changed else "unchanged")
    )
    return 0


def cmd_list_staff(args: argparse.Namespace) -> int:
    from fieldapp.server.caseload import list_staff
    from fieldapp.server.db import Database

    db = _open(args)
    assert isinstance(db, Database)
    for w in list_staff(db):
        print(f"{w.id}\t{w.role}\t{w.unit}\t{w.full_name}\t{w.title}")
    return 0


def cmd_issue_code(args: argparse.Namespace) -> int:
    from fieldapp.server.auth import issue_code
    from fieldapp.server.db import Database

    db = _open(args)
    assert isinstance(db, Database)
    try:
        code = issue_code(db, args.worker_id, timedelta(hours=args.valid_hours))
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # The code is this command's product (the administrator hands it over): stdout, never a log.
    print(code)
    return 0


def cmd_list_devices(args: argparse.Namespace) -> int:
    from fieldapp.server.auth import list_devices
    from fieldapp.server.db import Database

    db = _open(args)
    assert isinstance(db, Database)
    for d in list_devices(db, args.worker_id):
        state = f"revoked {d.revoked_at.isoformat()}" if d.revoked_at else "active"
        print(f"{d.id}\t{d.worker_id}\t{d.created_at.isoformat()}\t{state}\t{d.name}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from fieldapp.server.auth import revoke
    from fieldapp.server.db import Database

    db = _open(args)
    assert isinstance(db, Database)
    count = revoke(db, device_id=args.device, worker_id=args.worker)
    print(f"{count} device token(s) revoked")
    return 0 if count else 1


def cmd_load_caseload(args: argparse.Namespace) -> int:
    from fieldapp.domain.records import Caseload
    from fieldapp.server.caseload import load_caseload
    from fieldapp.server.db import Database

    try:
        caseload = Caseload.model_validate_json(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(
            f"error: {args.file} is not a caseload document ({exc.error_count()} problems):", file=sys.stderr
        )
        for err in exc.errors()[:20]:
            print(f"  {'.'.join(str(p) for p in err['loc'])}: {err['msg']}", file=sys.stderr)
        return 2
    db = _open(args)
    assert isinstance(db, Database)
    report = load_caseload(db, caseload)
    print(
        f"caseload of {caseload.worker.id}: {report.matters_changed} referrals/cases changed, "
        f"{report.matters_unchanged} unchanged, {report.staff_changed} staff changed; "
        f"workers told on next pull: {', '.join(report.workers_notified) or 'none'}"
    )
    return 0


def cmd_load_demo(args: argparse.Namespace) -> int:
    _load_demo(_open(args))
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    """A supervisor's or manager's console password: asked twice on a terminal (never echoed), or one line
    from standard input for scripts. Never an argument or an environment variable (visible to others)."""
    import getpass

    from fieldapp.server.console.accounts import PasswordRefused, check_password_rules, set_password
    from fieldapp.server.db import Database

    if sys.stdin.isatty():
        password = getpass.getpass(f"New console password for {args.staff_id}: ")
        if getpass.getpass("The same password again: ") != password:
            print("error: the two passwords differ; nothing was changed", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_password_rules(password)
    except PasswordRefused as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    db = _open(args)
    assert isinstance(db, Database)
    try:
        staff = set_password(db, args.staff_id, password)
    except PasswordRefused as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 1
    print(f"console password set for {staff.id} ({staff.full_name}); their open console sessions were ended")
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from fieldapp.server.db import Database, verify_audit_chain

    db = _open(args)
    assert isinstance(db, Database)
    intact, count = verify_audit_chain(db)
    print(f"audit chain {'intact' if intact else 'BROKEN'} ({count} entries verified)")
    return 0 if intact else 1


def cmd_release(args: argparse.Namespace) -> int:
    """A copy of a case file's contacts for someone outside the agency (NAR-PRIVILEGE), audited."""
    from fieldapp.domain.codetables import load_codetables
    from fieldapp.server.contact_sheets import administrator, release_case
    from fieldapp.server.db import Database
    from fieldapp.server.supervision import Invalid, NotFound

    db = _open(args)
    assert isinstance(db, Database)
    out = Path(args.out)
    try:
        # Opened before the release is recorded, so a release in the audit log is one that was written;
        # the PDF goes straight to this path, never through a temporary copy.
        handle = out.open("wb")
    except OSError as exc:
        print(f"error: --out: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    with handle:
        try:
            release = release_case(
                db, administrator(), args.case, load_codetables(), start=args.start, end=args.end
            )
        except (NotFound, Invalid) as exc:
            handle.close()
            out.unlink(missing_ok=True)
            where = f"--{exc.field}: " if isinstance(exc, Invalid) else ""
            print(f"error: {where}{exc}", file=sys.stderr)
            return 2
        handle.write(release.pdf)
    print(
        f"{args.case}: {release.released} entries released, {release.withheld} withheld (NAR-PRIVILEGE); "
        f"written to {args.out}; recorded as release {release.id}"
    )
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        help="SQLite file or URL, or postgresql://...; default $FIELDAPP_SERVER_DATABASE or a file in the "
        "user data folder",
    )
    parser = argparse.ArgumentParser(prog="fieldapp-server", description="fieldapp office sync server.")
    parser.add_argument("--version", action="version", version=version_line("fieldapp-server"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the HTTP server (default)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free)"
    )
    serve.add_argument(
        "--port-file", type=Path, help="write the port actually bound to this file (default: none)"
    )
    serve.add_argument("--demo", action="store_true", help="load the demo organisation and caseload first")
    serve.add_argument("--tls-cert", help="PEM certificate (chain) for HTTPS (default: none, plain HTTP)")
    serve.add_argument("--tls-key", help="PEM private key for HTTPS (default: none, plain HTTP)")
    serve.add_argument(
        "--allow-insecure-remote",
        action="store_true",
        help="listen on a non-loopback address without TLS (only behind a TLS-terminating proxy)",
    )
    serve.add_argument(
        "--trust-forwarded-from",
        metavar="ADDRESSES",
        default="",
        help="comma-separated addresses or networks of the TLS proxy in front of this server, whose "
        "X-Forwarded-For/-Proto headers name the real client (default: none; the headers are ignored)",
    )
    serve.add_argument(
        "--docs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve /docs, /redoc and /openapi.json to anyone (default: only when listening on loopback)",
    )
    serve.add_argument(
        "--auth-failure-limit",
        type=int,
        default=20,
        help="failed authentications per address and window, for the whole server (shared out among --workers; "
        "default %(default)s)",
    )
    serve.add_argument(
        "--auth-failure-window", type=float, default=60.0, help="window in seconds (default %(default)s)"
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=8,
        help="request threads per process (default 8; 0: the framework's 40). Requests are CPU-bound Python "
        "under one lock per process, so more threads only fight over it (docs/PERFORMANCE.md, Server under load)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (one per core is plenty; default %(default)s)",
    )
    serve.add_argument(
        "--http",
        default="auto",
        choices=["auto", "h11", "httptools"],
        help="HTTP parser (default auto: httptools when installed, from the `server` extra; else h11)",
    )
    serve.add_argument(
        "--loop",
        default="auto",
        choices=["auto", "asyncio", "uvloop"],
        help="event loop (default auto: uvloop when installed, from the `server` extra; else asyncio)",
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="the server's log level (default %(default)s)",
    )
    serve.add_argument(
        "--console-idle-minutes",
        type=float,
        default=30.0,
        help="sign a console session out after this many minutes without activity (default 30)",
    )
    serve.add_argument("--access-log", action="store_true", help="log each request line (paths, no bodies)")
    serve.set_defaults(handler=cmd_serve)

    p = sub.add_parser("migrate", parents=[common], help="create or upgrade the database schema")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("add-staff", parents=[common], help="create or update a worker, supervisor or manager")
    p.add_argument("id", help="staff id, e.g. w-ana")
    p.add_argument("--name", required=True, help="full name")
    p.add_argument("--title", required=True, help="job title, as on an amendment")
    p.add_argument("--unit", required=True, help='unit, e.g. "Unit 7"')
    p.add_argument(
        "--role",
        choices=["worker", "supervisor", "manager"],
        default="worker",
        help="role (default %(default)s)",
    )
    p.add_argument("--supervisor", help="the worker's supervisor id (default: none)")
    p.set_defaults(handler=cmd_add_staff)

    p = sub.add_parser("list-staff", parents=[common], help="list staff")
    p.set_defaults(handler=cmd_list_staff)

    p = sub.add_parser(
        "issue-code", parents=[common], help="print a one-time enrollment code for a staff member"
    )
    p.add_argument("worker_id", help="the staff id the code enrolls a laptop for")
    p.add_argument(
        "--valid-hours", type=float, default=72.0, help="how long the code works (default %(default)s hours)"
    )
    p.set_defaults(handler=cmd_issue_code)

    p = sub.add_parser("list-devices", parents=[common], help="list enrolled devices")
    p.add_argument("worker_id", nargs="?", help="only this staff member's devices (default: everyone's)")
    p.set_defaults(handler=cmd_list_devices)

    p = sub.add_parser("revoke", parents=[common], help="revoke a device token (or all of a worker's)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--device", help="device id (see list-devices)")
    g.add_argument("--worker", help="revoke every device of this worker")
    p.set_defaults(handler=cmd_revoke)

    p = sub.add_parser("load-caseload", parents=[common], help="load a caseload JSON document (idempotent)")
    p.add_argument("file", help="the caseload document (JSON, docs/schemas/caseload.schema.json)")
    p.set_defaults(handler=cmd_load_caseload)

    p = sub.add_parser("load-demo", parents=[common], help="load the demo organisation and caseload")
    p.set_defaults(handler=cmd_load_demo)

    p = sub.add_parser(
        "set-password",
        parents=[common],
        help="set a supervisor's or manager's console password (asked twice, or one line from stdin)",
    )
    p.add_argument("staff_id", help="the supervisor or manager whose console password to set")
    p.set_defaults(handler=cmd_set_password)

    p = sub.add_parser(
        "verify-audit", parents=[common], help="verify the server's tamper-evident audit chain"
    )
    p.set_defaults(handler=cmd_verify_audit)

    p = sub.add_parser(
        "release",
        parents=[common],
        help="PDF copy of a case file's contacts for release outside the agency (privileged entries withheld)",
        description="Write a copy of a referral's or case's contacts for someone outside the agency. County "
        "Counsel entries are withheld (NAR-PRIVILEGE) and counted on the first page; the reporting party is "
        "never identified. The release (who, which case, released and withheld counts) is recorded in the "
        "audit log before the file is written.",
    )
    p.add_argument("--case", required=True, metavar="ID", help="the case (or referral) ID, e.g. C-2001")
    p.add_argument(
        "--from",
        dest="start",
        type=_day,
        metavar="DATE",
        help="first day, YYYY-MM-DD (default: the case's first contact)",
    )
    p.add_argument(
        "--to",
        dest="end",
        type=_day,
        metavar="DATE",
        help="last day, YYYY-MM-DD, inclusive (default: the case's last contact)",
    )
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    p.set_defaults(handler=cmd_release)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version")):
        args_list = ["serve", *args_list]  # plain `fieldapp-server` serves
    parser = build_parser()
    args = parser.parse_args(args_list)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    from fieldapp.server.storage_files import UnsafeDatabaseFile

    try:
        return int(handler(args))
    except UnsafeDatabaseFile as unsafe:
        print(f"error: {unsafe}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
