"""`fieldapp run [--profile DIR] [--demo]`: open the main window.

Without --profile the profile lives in the platform's user data directory. --demo creates the profile from
the fictional demo caseload on first run (no server needed); without it a missing profile is an error that
says how to get one.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="open the app (default)",
        description="Open the fieldapp main window on a worker profile.",
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
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # Qt is imported only here, so `fieldapp validate` and `fieldapp audit` never load it.
    from fieldapp.app.launch import open_for_gui
    from fieldapp.gui.app import StartOptions, main

    return main(options=StartOptions(profile_dir=args.profile, demo=bool(args.demo), opener=open_for_gui))
