"""`fieldapp audit verify [--profile DIR]`: check the profile's hash-chained audit trail.

Exit status: 0 the chain holds; 1 it is broken (the first broken entry is named); 2 the profile cannot
be opened (the reason is printed). Read-only: verifying never changes the profile.
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
    finally:
        profile.close()
    print(report.describe())
    return EXIT_OK if report.ok else EXIT_BROKEN


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry (`python -m fieldapp.commands.audit verify --profile DIR`)."""
    parser = argparse.ArgumentParser(prog="fieldapp")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["audit", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
