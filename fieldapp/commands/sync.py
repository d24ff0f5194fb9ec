"""`fieldapp sync enroll|now|status`: enroll this laptop and sync from a terminal (what the app's Sync menu does).

    fieldapp sync enroll https://fieldapp.agency.example      # asks for the one-time code (not echoed)
    fieldapp sync now [--profile DIR]                         # push the outbox, pull; progress on stderr
    fieldapp sync status [--profile DIR]

Exit status of `now`: 0 synced; 1 the sync stopped (the reason is printed; the outbox keeps its records);
2 the profile cannot be opened or the laptop is not enrolled; 3 the server no longer accepts this laptop
(enroll again). The device token lives only in the OS keyring and is never printed.
"""

from __future__ import annotations

import argparse
import getpass
import platform
import sys
from typing import Any

EXIT_OK = 0
EXIT_SYNC_FAILED = 1
EXIT_CANNOT_START = 2
EXIT_ENROLL_AGAIN = 3


CA_FILE_HELP = (
    "CA certificate (PEM) the server's certificate is checked against (default: the system's certificate "
    "authorities)"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sync", help="Enroll this laptop with the office server and sync.")
    actions = parser.add_subparsers(dest="sync_command", metavar="ACTION", required=True)

    enroll = actions.add_parser("enroll", help="Exchange a one-time code for this laptop's device token.")
    enroll.add_argument("server_url", help="e.g. https://fieldapp.agency.example")
    enroll.add_argument("--code", help="the one-time code (default: asked for without echo)")
    enroll.add_argument(
        "--device-name",
        default=platform.node(),
        help="shown to administrators (default: this computer's name, %(default)s)",
    )
    enroll.add_argument("--ca-file", help=CA_FILE_HELP)
    enroll.set_defaults(handler=run_enroll)

    now = actions.add_parser("now", help="Push the outbox and pull the caseload now.")
    now.add_argument("--profile", metavar="DIR", help="Profile directory (default: the user data dir).")
    now.add_argument("--ca-file", help=CA_FILE_HELP)
    now.set_defaults(handler=run_now)

    status = actions.add_parser("status", help="Online or not, what waits, when it last synced.")
    status.add_argument("--profile", metavar="DIR", help="Profile directory (default: the user data dir).")
    status.set_defaults(handler=run_status)


def run_enroll(args: argparse.Namespace) -> int:
    from fieldapp.sync.enrollment import EnrollmentError, enroll, trust

    code = args.code or (getpass.getpass("One-time enrollment code: ") if sys.stdin.isatty() else "")
    try:
        enrolled = enroll(args.server_url, code, device_name=args.device_name, verify=trust(args.ca_file))
    except EnrollmentError as error:
        print(f"error ({error.field}): {error}", file=sys.stderr)
        return EXIT_CANNOT_START
    print(f"This laptop is enrolled with {enrolled.server_url} for {enrolled.worker_id}.")
    return EXIT_OK


def _open_store(profile_dir: str | None) -> Any:
    from fieldapp.app.profile import PassphrasePrompt, ProfileError
    from fieldapp.store.profile import open_profile

    def ask(prompt: PassphrasePrompt) -> str | None:
        return getpass.getpass(f"{prompt.reason}\nPassphrase: ") if sys.stdin.isatty() else None

    try:
        return open_profile(profile_dir, passphrase_provider=ask)
    except ProfileError as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def run_now(args: argparse.Namespace) -> int:
    from fieldapp.sync import enrollment
    from fieldapp.sync.client import SyncClient, SyncProgress

    try:
        enrolled = enrollment.load()
    except enrollment.EnrollmentError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CANNOT_START
    if enrolled is None:
        print("error: this laptop is not enrolled; run `fieldapp sync enroll SERVER_URL`.", file=sys.stderr)
        return EXIT_CANNOT_START
    profile = _open_store(args.profile)
    if profile is None:
        return EXIT_CANNOT_START

    def show(progress: SyncProgress) -> None:
        print(f"[{progress.phase}] {progress.message}", file=sys.stderr)

    try:
        store = profile.sync_store()
        verify = enrollment.trust(args.ca_file)
        with SyncClient(
            enrolled.server_url, enrolled.token, enrolled.worker_id, store, verify=verify
        ) as client:
            report = client.sync(show)
    finally:
        profile.close()
    print(
        f"sent {report.pushed} ({report.duplicates} already on the server), pulled {report.pulled_pages} page(s)"
    )
    for item in (*report.refused, *report.conflicts):
        rules = ", ".join(sorted({f.rule_id for f in item.findings})) or "no rule"
        print(f"refused {item.id} [{rules}]: {item.message}")
    if report.needs_enrollment:
        print(f"error: {report.error}", file=sys.stderr)
        return EXIT_ENROLL_AGAIN
    if not report.ok:
        print(f"error: {report.error or 'cancelled'}", file=sys.stderr)
        return EXIT_SYNC_FAILED
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    from fieldapp.sync import enrollment
    from fieldapp.sync.reachability import probe
    from fieldapp.sync.status import snapshot

    try:
        enrolled = enrollment.load()
    except enrollment.EnrollmentError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CANNOT_START
    profile = _open_store(args.profile)
    if profile is None:
        return EXIT_CANNOT_START
    try:
        online = probe(enrolled.server_url) if enrolled is not None else None
        status = snapshot(profile.sync_store(), online, enrolled=enrolled is not None)
    finally:
        profile.close()
    if enrolled is not None:
        print(f"Server {enrolled.server_url} (worker {enrolled.worker_id})")
    print(status.label)
    for item in status.refusals:
        rules = ", ".join(sorted({f.rule_id for f in item.findings}))
        print(f"refused {item.id} [{rules}]: {item.message}")
    return EXIT_OK
