"""The first paint as the worker sees it: every line of text already worded, in plain named tuples.

Why a module of its own, apart from fieldapp.app.first_paint: the window's process (the parent of the
forked read, fieldapp.app.forked_read) imports only this before it paints. Wording the read (dates in the
agency's time zone, the code tables' labels, the time left in a draft's business day) needs zoneinfo,
tomllib, dataclasses and the words' modules, ~10 ms of imports on the first paint's critical path
(docs/PERFORMANCE.md, "GUI"); the forked child, running beside Qt's start on the other core, words it
instead (fieldapp.app.first_paint.view_of) and sends these tuples as plain ones (`to_plain`; the pipe
carries them with `marshal`, which needs no import), rebuilt here (`from_plain`). Named tuples cost next to
nothing to define (`typing` is already loaded by PySide6).
"""

# No `from __future__ import annotations` here: with it, each field's annotation is a string that
# typing.NamedTuple compiles into a ForwardRef, ~0.7 ms of the window's process before the first paint.
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


Plain = tuple[object, ...]
"""A view or skip as nested plain tuples of str, bool and None: what `marshal` carries."""


def to_plain(value: FirstPaintView | QuickSkip) -> Plain:
    """("skip", reason) or ("view", the view's fields as plain tuples)."""
    if isinstance(value, QuickSkip):
        return ("skip", value.reason)
    return ("view", _untuple(value))


def from_plain(plain: object) -> FirstPaintView | QuickSkip | None:
    """What `to_plain` made, rebuilt; None when `plain` is not a view or skip. Raises (ValueError,
    TypeError) when it claims to be one but has the wrong shape."""
    if not isinstance(plain, tuple) or len(plain) != 2:
        return None
    kind, body = plain
    if kind == "skip" and isinstance(body, str):
        return QuickSkip(body)
    if kind != "view" or not isinstance(body, tuple):
        return None
    name, pending, last_sync, referrals, cases, drafts, recent_matter_id, recent = body
    if not all(isinstance(text, str) for text in (name, pending, last_sync)):
        raise TypeError("a view's texts must be strings")
    if recent_matter_id is not None and not isinstance(recent_matter_id, str):
        raise TypeError("a view's referral or case ID must be a string")
    return FirstPaintView(
        name,
        pending,
        last_sync,
        _matters(referrals),
        _matters(cases),
        _lines(drafts),
        recent_matter_id,
        _lines(recent),
    )


def _untuple(value: object) -> object:
    return tuple(_untuple(v) for v in value) if isinstance(value, tuple) else value


def _matters(rows: object) -> tuple[MatterLine, ...]:
    matters = []
    for row in _rows(rows):
        matter_id, text, people = _rows(row)
        matters.append(MatterLine(_text(matter_id), _text(text), tuple(_person(p) for p in _rows(people))))
    return tuple(matters)


def _person(row: object) -> PersonLine:
    person_id, text = _rows(row)
    return PersonLine(_text(person_id), _text(text))


def _lines(rows: object) -> tuple[ContactLine, ...]:
    lines = []
    for row in _rows(rows):
        cells, urgent = _rows(row)
        lines.append(ContactLine(tuple(_text(cell) for cell in _rows(cells)), urgent is True))
    return tuple(lines)


def _rows(rows: object) -> tuple[object, ...]:
    if not isinstance(rows, tuple):
        raise TypeError("expected a tuple of rows")
    return rows


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value
