"""`fieldapp run [--profile DIR] [--demo] [--log-level LEVEL]`: open the app at its unlock screen.

Without --profile the profile lives in the platform's user data directory. --demo creates the profile from
the fictional demo caseload on first run (no server needed); without it a missing profile is an error that
says how to get one. This is the composition root: it hands the GUI the function that opens a profile, so
the GUI itself never imports the store.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldapp.app.session import OpenedProfile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="open the app (default)",
        description="Open fieldapp at its unlock screen on a worker profile.",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        default=None,
        help="profile directory (default: the platform's user data directory)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="create the profile from the fictional demo caseload if it does not exist yet",
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="warning",
        help="what to log on standard error (default: warning; info also says when the unlock screen and the caseload are shown)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s: %(message)s")
    from fieldapp.gui.application import StartOptions, run

    return run(StartOptions(args.profile, bool(args.demo), opener=open_profile))


def open_profile(
    directory: Path | None, *, passphrase: str | None, demo: bool, clock: Callable[[], datetime]
) -> OpenedProfile:
    """fieldapp.app.launch.open_for_gui, imported when first called: the store loads on the op runner,
    behind the unlock screen, not on the way to it."""
    from fieldapp.app.launch import open_for_gui

    return open_for_gui(directory, passphrase=passphrase, demo=demo, clock=clock)
