"""`fieldapp` on the command line: run the app, validate a contact, verify the audit trail.

Sub-commands live in fieldapp.commands.*; this module only wires them so `fieldapp --help` lists all.
"""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing before the first paint's read starts
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

COMMANDS = ("run", "validate", "audit", "compliance", "sync")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All sub-commands, or with `only` just that one (opening the app must not pay for importing the
    others: validate, sync and compliance pull in modules the window does not need at start)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="fieldapp", description="Child-welfare contact recording, offline first."
    )
    from fieldapp.version import version_line

    parser.add_argument("--version", action="version", version=version_line("fieldapp"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"fieldapp.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("--profile") or args_list[0] == "--demo":
        args_list = ["run", *args_list]  # plain `fieldapp` opens the app
    if args_list[0] == "run":
        run = importlib.import_module("fieldapp.commands.run")  # by name, as build_parser loads commands
        plain = run.plain_run(args_list[1:])
        if plain is not None:  # the usual start, without building argparse's parser (see plain_run)
            return int(run.open_app(plain))
    parser = build_parser(only="run" if args_list[0] == "run" and "-h" not in args_list else None)
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args))


def gui_main() -> int:
    """`fieldapp-gui` (no console window on Windows): the same start as `fieldapp run [--profile DIR] [--demo]`."""
    return main(["run", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
