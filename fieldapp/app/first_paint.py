"""What the main window shows first, as plain values: the caseload, today's drafts, the recent contacts of
one referral or case, and how many contacts wait to sync.

Read by fieldapp.store.quick_read (raw SQLCipher, no SQLAlchemy or pydantic), worded here (`view_of`, in the
forked reader where there is one) and shown by fieldapp.gui.first_paint before the full stack has loaded;
the reader is handed to the GUI by `fieldapp run` (the GUI never imports the store). Plain frozen
dataclasses of str/date so that nothing here can be edited or saved: the first paint is for looking, the
full window for work. The window's process imports only fieldapp.app.first_paint_view before it paints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from fieldapp.app.first_paint_view import ContactLine, FirstPaintView, MatterLine, PersonLine, QuickSkip
from fieldapp.app.texts import (
    deadline_of,
    last_sync_words,
    matter_words,
    names_words,
    pending_words,
    person_words,
    state_words,
    time_left_words,
    when_words,
)
from fieldapp.domain.first_paint_tables import FirstPaintTables

URGENT_SECONDS = 3600  # a draft with less of its business day left is shown in red, as in the full window


@dataclass(frozen=True, slots=True)
class QuickPerson:
    id: str
    full_name: str
    roles: tuple[str, ...]
    collateral_type: str | None


@dataclass(frozen=True, slots=True)
class QuickMatter:
    id: str
    context: str  # "referral" or "case"
    name: str
    program: str
    ends_on: date | None
    people: tuple[QuickPerson, ...]


@dataclass(frozen=True, slots=True)
class QuickContact:
    """What the main window's tables show of a stored contact (a draft or a recent contact)."""

    id: str
    kind: str
    context_id: str
    state: str
    participant_ids: tuple[str, ...]
    started_at: str | None
    first_saved_at: str | None
    method: str | None
    status: str | None
    frozen: bool
    flagged_for_supervisor: bool
    refused: bool
    amended: bool


@dataclass(frozen=True, slots=True)
class QuickRead:
    directory: Path
    worker_name: str
    referrals: tuple[QuickMatter, ...]
    cases: tuple[QuickMatter, ...]
    drafts: tuple[QuickContact, ...]
    recent_matter_id: str | None
    recent: tuple[QuickContact, ...]
    pending: int
    last_sync_at: str | None = None  # ISO; set once a whole sync succeeded


class QuickSessionLike(Protocol):
    """fieldapp.store.quick_read.QuickSession as this layer sees it (the app layer never imports the store)."""

    read: QuickRead

    def recent(self, matter_id: str | None) -> tuple[str | None, tuple[QuickContact, ...]]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class FirstPaintStart:
    """What `fieldapp run` read before Qt was imported: the tables the first paint labels with, the agency
    business day it was read for, and the open read (or why there is none)."""

    tables: FirstPaintTables
    today: date
    outcome: QuickSessionLike | QuickSkip


@dataclass(frozen=True)
class FirstPaintRead:
    """A finished first-paint read: the labels, the business day it was read for, and the read with the
    recent contacts of the referral or case the window selects. It stays in the reader: what crosses the
    pipe from a forked one (fieldapp.app.forked_read) is its wording, `view_of`."""

    tables: FirstPaintTables
    today: date
    read: QuickRead


class PendingFirstPaint(Protocol):
    """A first-paint read under way while Qt starts: `ask` which referral or case to read the recent contacts
    of (known only once QSettings can be read), build the window meanwhile, then `result()` (blocks until
    the read is done; a QuickSkip means "start the normal way"). `known_skip()` is a refusal known before
    anything is built. `close()` is idempotent."""

    def known_skip(self) -> QuickSkip | None: ...

    def ask(self, matter_id: str | None) -> None: ...

    def result(self) -> FirstPaintView | QuickSkip: ...

    def close(self) -> None: ...


def complete_first_paint(start: FirstPaintStart | None, matter_id: str | None) -> FirstPaintRead | QuickSkip:
    """Finish a read opened by `fieldapp run`: the recent contacts of `matter_id` (or of the first referral or
    case), then close the read. Runs in the forked reader, or in-process (tests, platforms without fork)."""
    if start is None:
        return QuickSkip("the code tables could not be read quickly")
    outcome = start.outcome
    if isinstance(outcome, QuickSkip):
        return outcome
    try:
        chosen, recent = outcome.recent(matter_id)
        return FirstPaintRead(
            start.tables, start.today, replace(outcome.read, recent_matter_id=chosen, recent=recent)
        )
    finally:
        outcome.close()


def view_of(got: FirstPaintRead | QuickSkip, now: datetime) -> FirstPaintView | QuickSkip:
    """The read in the words the full window uses (fieldapp.app.texts; tests/gui/test_first_paint.py compares
    both windows), with the time left in each draft's business day as of `now`."""
    if isinstance(got, QuickSkip):
        return got
    read, tables = got.read, got.tables
    tz = tables.time_zone
    matters = {m.id: m for m in (*read.referrals, *read.cases)}

    def people_of(contact: QuickContact) -> dict[str, str]:
        matter = matters.get(contact.context_id)
        return {p.id: p.full_name for p in matter.people} if matter else {}

    def draft_line(draft: QuickContact) -> ContactLine:
        matter = matters.get(draft.context_id)
        deadline = deadline_of(_moment(draft.first_saved_at), _moment(draft.started_at), tz)
        cells = (
            matter.name if matter else draft.context_id,
            tables.kinds.get(draft.kind, draft.kind),
            names_words(draft.participant_ids, people_of(draft)),
            when_words(_moment(draft.started_at), tz),
            time_left_words(deadline, now),
        )
        urgent = deadline is not None and (deadline - now).total_seconds() < URGENT_SECONDS
        return ContactLine(cells, urgent)

    def recent_line(contact: QuickContact) -> ContactLine:
        cells = (
            when_words(_moment(contact.started_at) or _moment(contact.first_saved_at), tz),
            tables.kinds.get(contact.kind, contact.kind),
            names_words(contact.participant_ids, people_of(contact)),
            tables.methods.get(contact.method, contact.method) if contact.method else "—",
            tables.statuses.get(contact.status, contact.status) if contact.status else "—",
            state_words(
                contact.state,
                amended=contact.amended,
                frozen=contact.frozen,
                flagged=contact.flagged_for_supervisor,
                refused=contact.refused,
            ),
        )
        return ContactLine(cells, False)

    return FirstPaintView(
        worker_name=read.worker_name,
        pending=pending_words(read.pending),
        last_sync=last_sync_words(_moment(read.last_sync_at), tz),
        referrals=tuple(_matter_line(m) for m in read.referrals),
        cases=tuple(_matter_line(m) for m in read.cases),
        drafts=tuple(draft_line(d) for d in read.drafts),
        recent_matter_id=read.recent_matter_id,
        recent=tuple(recent_line(c) for c in read.recent),
    )


def _matter_line(m: QuickMatter) -> MatterLine:
    return MatterLine(
        m.id,
        matter_words(m.name, m.context, m.id, m.program, m.ends_on),
        tuple(PersonLine(p.id, person_words(p.full_name, p.roles, p.collateral_type)) for p in m.people),
    )


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class InProcessFirstPaint:
    """`PendingFirstPaint` over a read already opened in this process (no fork: tests, Windows, or
    FIELDAPP_FIRST_PAINT_IN_PROCESS=1): `result()` reads the recent contacts and words them on the calling
    thread."""

    def __init__(self, start: FirstPaintStart | None, now: Callable[[], datetime]) -> None:
        self.start = start
        self.now = now
        self._matter_id: str | None = None
        self._result: FirstPaintView | QuickSkip | None = None

    def known_skip(self) -> QuickSkip | None:
        if self.start is None:
            return QuickSkip("the code tables could not be read quickly")
        return self.start.outcome if isinstance(self.start.outcome, QuickSkip) else None

    def ask(self, matter_id: str | None) -> None:
        self._matter_id = matter_id

    def result(self) -> FirstPaintView | QuickSkip:
        if self._result is None:
            self._result = view_of(complete_first_paint(self.start, self._matter_id), self.now())
        return self._result

    def close(self) -> None:
        if self.start is not None and not isinstance(self.start.outcome, QuickSkip):
            self.start.outcome.close()  # idempotent
