"""`fieldapp` on the command line: run the app, validate a contact, verify the audit trail, sync, report.

Sub-commands live in fieldapp.commands.*; this module only wires them so `fieldapp --help` lists all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = ("run", "validate", "audit", "compliance", "sync")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All sub-commands, or with `only` just that one: opening the app does not import the modules of
    validate, sync and compliance, which the unlock screen does not need."""
    parser = argparse.ArgumentParser(
        prog="fieldapp", description="Child-welfare contact recording, offline first."
    )
    from fieldapp.version import version_line

    parser.add_argument("--version", action="version", version=version_line("fieldapp"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"fieldapp.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version")):
        args_list = ["run", *args_list]  # plain `fieldapp [--profile DIR] [--demo]` opens the app
    opening = args_list[0] == "run" and "-h" not in args_list and "--help" not in args_list
    parser = build_parser(only="run" if opening else None)
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args))


def gui_main() -> int:
    """`fieldapp-gui` (no console window on Windows): the same start as `fieldapp run [--profile DIR]`."""
    return main(["run", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
