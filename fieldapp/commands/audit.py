"""`fieldapp audit verify [--profile DIR]`: check the profile's hash-chained audit trail.

Exit status: 0 the chain holds; 1 it is broken (the first broken entry is named); 2 the profile cannot
be opened (the reason is printed). Read-only: verifying never changes the profile.

When the laptop is enrolled and the office server answers, the chain is also compared with the copy the
server anchored at each sync: that is what shows a chain recomputed from scratch or cut short. Without
the server (offline, `--offline`) only the local checks run, and the output says so.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import Any

from fieldapp.app.profile import PassphrasePrompt, ProfileError

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_CANNOT_OPEN = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="Check the profile's tamper-evident audit trail.")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="Verify the hash chain; name the first broken entry.")
    verify.add_argument("--profile", metavar="DIR", help="Profile directory (default: the user data dir).")
    verify.add_argument("--offline", action="store_true", help="Do not compare with the office server.")
    verify.add_argument(
        "--ca-file",
        help="the agency's CA certificate (PEM) for the office server (default: the system's trusted CAs)",
    )
    verify.set_defaults(handler=run_verify)


def _ask_passphrase(prompt: PassphrasePrompt) -> str | None:
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(f"{prompt.reason}\nPassphrase: ")


def run_verify(args: argparse.Namespace) -> int:
    from fieldapp.store.profile import open_profile

    try:
        profile = open_profile(args.profile, passphrase_provider=_ask_passphrase)
    except ProfileError as error:
        print(f"Cannot open the profile: {error}", file=sys.stderr)
        return EXIT_CANNOT_OPEN
    try:
        report = profile.verify_audit()
        print(report.describe())
        if not report.ok:
            return EXIT_BROKEN
        if getattr(args, "offline", False):
            print("Office server anchor: not checked (--offline).")
            return EXIT_OK
        return _check_anchor(profile, getattr(args, "ca_file", None))
    finally:
        profile.close()


def _check_anchor(profile: Any, ca_file: str | None) -> int:
    import httpx

    from fieldapp.sync import anchor_check, enrollment

    try:
        enrolled = enrollment.load()
    except enrollment.EnrollmentError as error:
        print(f"Office server anchor: not checked ({error}).")
        return EXIT_OK
    if enrolled is None:
        print("Office server anchor: not checked (this laptop is not enrolled).")
        return EXIT_OK
    store = profile.sync_store()
    with httpx.Client(
        base_url=enrolled.server_url.rstrip("/"),
        headers={"Authorization": f"Bearer {enrolled.token}", "Accept": "application/json"},
        timeout=10.0,
        verify=enrollment.trust(ca_file),
    ) as http:
        verdict = anchor_check.compare(http, enrolled.worker_id, store.audit_chain, store.audit_last_seq())
    if verdict.ok is False:
        print(f"Audit trail BROKEN at entry #{verdict.first_differing_seq}: {verdict.message}")
        return EXIT_BROKEN
    if verdict.ok is None:
        print(f"Office server anchor: not checked ({verdict.message}); only the local checks ran.")
        return EXIT_OK
    print(f"Office server anchor: {verdict.message}.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry (`python -m fieldapp.commands.audit verify --profile DIR`)."""
    parser = argparse.ArgumentParser(prog="fieldapp")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["audit", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
