"""What the main window shows first, as plain values: the caseload, today's drafts, the recent contacts of
one referral or case, and how many contacts wait to sync.

Read by fieldapp.store.quick_read (raw SQLCipher, no SQLAlchemy or pydantic) and shown by
fieldapp.gui.first_paint before the full stack has loaded; the reader is handed to the GUI by `fieldapp run`
(the GUI never imports the store). Plain frozen dataclasses of str/date so that importing this module costs
nothing and nothing here can be edited or saved: the first paint is for looking, the full window for work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Protocol

from fieldapp.domain.resources import FirstPaintTables


@dataclass(frozen=True, slots=True)
class QuickSkip:
    """The first paint cannot be read quickly; the app opens the profile the normal way."""

    reason: str


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
    """fieldapp.store.quick_read.QuickSession as the GUI sees it (the GUI never imports the store)."""

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
    recent contacts of the referral or case the window selects. Plain values only: it crosses a pipe from
    the forked reader (fieldapp.app.forked_read)."""

    tables: FirstPaintTables
    today: date
    read: QuickRead


class PendingFirstPaint(Protocol):
    """A first-paint read under way while Qt starts: `ask` which referral or case to read the recent contacts
    of (known only once QSettings can be read), build the window meanwhile, then `result()` (blocks until
    the read is done; a QuickSkip means "start the normal way"). `close()` is idempotent."""

    def ask(self, matter_id: str | None) -> None: ...

    def result(self) -> FirstPaintRead | QuickSkip: ...

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


class InProcessFirstPaint:
    """`PendingFirstPaint` over a read already opened in this process (no fork: tests, Windows, or
    FIELDAPP_FIRST_PAINT_IN_PROCESS=1): `result()` reads the recent contacts on the calling thread."""

    def __init__(self, start: FirstPaintStart) -> None:
        self.start = start
        self._matter_id: str | None = None
        self._result: FirstPaintRead | QuickSkip | None = None

    def ask(self, matter_id: str | None) -> None:
        self._matter_id = matter_id

    def result(self) -> FirstPaintRead | QuickSkip:
        if self._result is None:
            self._result = complete_first_paint(self.start, self._matter_id)
        return self._result

    def close(self) -> None:
        if not isinstance(self.start.outcome, QuickSkip):
            self.start.outcome.close()  # idempotent
