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
    from fieldapp.app.first_paint import FirstPaintStart, PendingFirstPaint
    from fieldapp.app.first_paint_view import FirstPaintView, QuickSkip
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
    parser.add_argument(
        "--no-first-paint",
        action="store_true",
        help="open the full window directly, without showing the caseload read quickly first",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # The first paint's read starts first, before anything heavy is imported: on POSIX in a forked child
    # that reads while this process imports Qt and builds the window (fieldapp.app.forked_read; fork now,
    # while no thread exists), elsewhere in-process before Qt, because PySide6 replaces the import function
    # with one that reads the source of every module imported after it, which doubles the cost of importing
    # keyring and SQLCipher later (docs/PERFORMANCE.md, "GUI"). Qt is imported only below, so `fieldapp
    # validate` and `fieldapp audit` never load it; the store's SQLAlchemy side loads after the first paint.
    first = None if args.no_first_paint else start_first_paint(args.profile)
    from fieldapp.gui.launcher import StartOptions, main

    return main(
        options=StartOptions(
            profile_dir=args.profile, demo=bool(args.demo), opener=open_profile, first_paint=first
        )
    )


def start_first_paint(
    directory: Path | None, clock: Callable[[], datetime] | None = None, *, fork: bool = True
) -> PendingFirstPaint:
    """The first paint's read, forked where that is possible and safe (fieldapp.app.forked_read.can_fork)
    and `fork` allows it, else opened in-process now (tests and dev/screenshots.py: no child to reap)."""
    from fieldapp.app.forked_read import ForkedRead, can_fork

    if fork and can_fork():
        forked = ForkedRead.start(lambda ask: read_first_paint(directory, ask, clock))
        # What the parent needs to receive the read, imported now, before PySide6 makes every import dearer
        # (it reads each later module's source); named tuples only, so it costs next to nothing.
        import fieldapp.app.first_paint_view  # noqa: F401

        return forked
    from fieldapp.app.first_paint import InProcessFirstPaint

    return InProcessFirstPaint(begin_first_paint(directory, clock), clock or _now)


def read_first_paint(
    directory: Path | None,
    ask: Callable[[], str | None],
    clock: Callable[[], datetime] | None = None,
) -> FirstPaintView | QuickSkip:
    """The whole read, as the forked child does it: open, then ask which referral or case to read the
    recent contacts of (the parent knows once Qt is up), read them, close, and word them for the window."""
    from fieldapp.app.first_paint import complete_first_paint, view_of
    from fieldapp.app.first_paint_view import QuickSkip

    start = begin_first_paint(directory, clock)
    if start is None or isinstance(start.outcome, QuickSkip):
        got = complete_first_paint(start, None)  # a skip: no need to wait for the question
    else:
        got = complete_first_paint(start, ask())
    return view_of(got, (clock or _now)())


def begin_first_paint(
    directory: Path | None, clock: Callable[[], datetime] | None = None
) -> FirstPaintStart | None:
    """Open the profile read-only for the first paint (fieldapp.store.quick_read: raw SQLCipher, no
    SQLAlchemy or pydantic). None when the code tables cannot be read this way (the full start says why)."""
    from fieldapp.app.first_paint import FirstPaintStart
    from fieldapp.domain.agency_time import business_day
    from fieldapp.domain.first_paint_tables import read_first_paint_tables
    from fieldapp.store.quick_read import open_first_paint

    try:
        tables = read_first_paint_tables()
    except Exception:  # whatever is wrong, the full start reports it in its own words
        return None
    today = business_day((clock or _now)(), tables.time_zone)
    return FirstPaintStart(tables, today, open_first_paint(directory, today=today))


def _now() -> datetime:
    from datetime import UTC

    return datetime.now(tz=UTC)


def open_profile(
    directory: Path | None, *, passphrase: str | None, demo: bool, clock: Callable[[], datetime]
) -> OpenedProfile:
    """fieldapp.app.launch.open_for_gui, imported when first called: on the op runner, after the window
    shows, instead of on the GUI thread before Qt is even up."""
    from fieldapp.app.launch import open_for_gui

    return open_for_gui(directory, passphrase=passphrase, demo=demo, clock=clock)
