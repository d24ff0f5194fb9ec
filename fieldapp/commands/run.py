"""`fieldapp run [--profile DIR] [--demo]`: open the main window.

Without --profile the profile lives in the platform's user data directory. --demo creates the profile from
the fictional demo caseload on first run (no server needed); without it a missing profile is an error that
says how to get one.
"""

from __future__ import annotations

import gc
from pathlib import Path

# What is imported before the first paint's read is forked delays the read: typing.TYPE_CHECKING without
# importing typing, and argparse, datetime and typing only where they are used.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from typing import Any

    from fieldapp.app.first_paint import FirstPaintStart, PendingFirstPaint
    from fieldapp.app.first_paint_view import FirstPaintView, QuickSkip
    from fieldapp.app.session import OpenedProfile


def register(subparsers: Any) -> None:
    """The argparse form of `run`; `plain_run` reads the same options without it (keep both in step)."""
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
    return open_app((args.profile, bool(args.demo), not args.no_first_paint))


def plain_run(args: Sequence[str]) -> tuple[Path | None, bool, bool] | None:
    """`fieldapp run`'s options as (profile, demo, first paint) when `args` (after `run`) are only the plain
    forms `--profile DIR`, `--profile=DIR`, `--demo` and `--no-first-paint`; else None, and argparse
    parses them (help, abbreviations, errors). It takes nothing argparse would read otherwise
    (tests/test_cli_plain_run.py checks both against each other).

    Why not always argparse: importing it (with gettext, locale and shutil, which its help formatter loads
    while the parser is built) and building the parser took ~6 ms before the first paint's read could even
    be forked, on every start (docs/PERFORMANCE.md, "GUI")."""
    profile: Path | None = None
    demo, first_paint = False, True
    at = 0
    while at < len(args):
        arg = args[at]
        if arg == "--demo":
            demo = True
        elif arg == "--no-first-paint":
            first_paint = False
        elif arg == "--profile" and at + 1 < len(args) and not args[at + 1].startswith("-"):
            at += 1
            profile = Path(args[at])
        elif arg.startswith("--profile=") and len(arg) > len("--profile="):
            profile = Path(arg[len("--profile=") :])
        else:
            return None
        at += 1
    return profile, demo, first_paint


def open_app(options: tuple[Path | None, bool, bool]) -> int:
    """Open the window on (profile, demo, first paint), as parsed by `plain_run` or argparse."""
    profile, demo, first_paint = options
    # No cyclic garbage collection until the first paint is on screen (the launcher switches it back on,
    # StartOptions.gc_paused): what the start allocates (PySide6's classes and their enums, our modules,
    # the window) lives as long as the app, and the collector scanned it ~40 times before the first
    # paint, ~5 ms (docs/PERFORMANCE.md, "GUI"). The forked reader inherits this and ends a moment later.
    gc.disable()
    # The first paint's read starts first, before anything heavy is imported: on POSIX in a forked child
    # that reads while this process imports Qt and builds the window (fieldapp.app.forked_read; fork now,
    # while no thread exists), elsewhere in-process before Qt, because PySide6 replaces the import function
    # with one that reads the source of every module imported after it, which doubles the cost of importing
    # keyring and SQLCipher later (docs/PERFORMANCE.md, "GUI"). Qt is imported only below, so `fieldapp
    # validate` and `fieldapp audit` never load it; the store's SQLAlchemy side loads after the first paint.
    first = start_first_paint(profile) if first_paint else None
    from fieldapp.gui.pyside_import import import_pyside

    import_pyside()  # without PySide6's import hook before the launcher's modules are imported
    from fieldapp.gui.launcher import StartOptions, main

    return main(options=StartOptions(profile, demo, open_profile, first_paint=first, gc_paused=True))


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
    from datetime import UTC, datetime

    return datetime.now(tz=UTC)


def open_profile(
    directory: Path | None, *, passphrase: str | None, demo: bool, clock: Callable[[], datetime]
) -> OpenedProfile:
    """fieldapp.app.launch.open_for_gui, imported when first called: on the op runner, after the window
    shows, instead of on the GUI thread before Qt is even up."""
    from fieldapp.app.launch import open_for_gui

    return open_for_gui(directory, passphrase=passphrase, demo=demo, clock=clock)
