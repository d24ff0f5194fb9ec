"""The first paint as the worker sees it: every line of text already worded, in plain named tuples.

Why a module of its own, apart from fieldapp.app.first_paint: the window's process (the parent of the
forked read, fieldapp.app.forked_read) imports only this before it paints. Wording the read (dates in the
agency's time zone, the code tables' labels, the time left in a draft's business day) needs zoneinfo,
tomllib, dataclasses and the words' modules, ~10 ms of imports on the first paint's critical path
(docs/PERFORMANCE.md, "GUI"); the forked child, running beside Qt's start on the other core, words it
instead (fieldapp.app.first_paint.view_of) and sends these tuples. Named tuples cost next to nothing to
define (`typing` is already loaded by PySide6) and pickle by reference to this module.
"""

from __future__ import annotations

from typing import NamedTuple


class QuickSkip(NamedTuple):
    """The first paint cannot be read quickly; the app opens the profile the normal way."""

    reason: str


class PersonLine(NamedTuple):
    """A person under their referral or case in the caseload tree."""

    id: str
    text: str  # "Name — roles"


class MatterLine(NamedTuple):
    """A referral or case in the caseload tree; `text` is also the window's title for it when selected."""

    id: str
    text: str
    people: tuple[PersonLine, ...]


class ContactLine(NamedTuple):
    """A row of the drafts or recent-contacts table."""

    cells: tuple[str, ...]
    urgent: bool  # a draft with under an hour of its business day left: shown in red


class FirstPaintView(NamedTuple):
    """Everything the first paint shows (fieldapp.gui.first_paint.FirstPaintWindow.show_view)."""

    worker_name: str
    pending: str  # "2 contacts waiting to sync"
    last_sync: str  # "Last sync: never"
    referrals: tuple[MatterLine, ...]
    cases: tuple[MatterLine, ...]
    drafts: tuple[ContactLine, ...]
    recent_matter_id: str | None  # the referral or case whose recent contacts were read
    recent: tuple[ContactLine, ...]
