"""`fieldapp run [--profile DIR] [--demo]`: open the main window.

Without --profile the profile lives in the platform's user data directory. --demo creates the profile from
the fictional demo caseload on first run (no server needed); without it a missing profile is an error that
says how to get one.
"""

from __future__ import annotations

import argparse
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
    # Qt is imported only here, so `fieldapp validate` and `fieldapp audit` never load it. The store
    # (SQLAlchemy, SQLCipher, keyring) is not imported here: `open_profile` imports it on the op runner
    # once the main window is on screen (see docs/PERFORMANCE.md, "GUI").
    from fieldapp.gui.app import StartOptions, main

    return main(options=StartOptions(profile_dir=args.profile, demo=bool(args.demo), opener=open_profile))


def open_profile(
    directory: Path | None, *, passphrase: str | None, demo: bool, clock: Callable[[], datetime]
) -> OpenedProfile:
    """fieldapp.app.launch.open_for_gui, imported when first called: on the op runner, after the window
    shows, instead of on the GUI thread before Qt is even up."""
    from fieldapp.app.launch import open_for_gui

    return open_for_gui(directory, passphrase=passphrase, demo=demo, clock=clock)
