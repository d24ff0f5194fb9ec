"""What the main window shows first, as plain values: the caseload, today's drafts, the recent contacts of
one referral or case, and how many contacts wait to sync.

Read by fieldapp.store.quick_read (raw SQLCipher, no SQLAlchemy or pydantic) and shown by
fieldapp.gui.first_paint before the full stack has loaded; the reader is handed to the GUI by `fieldapp run`
(the GUI never imports the store). Plain frozen dataclasses of str/date so that importing this module costs
nothing and nothing here can be edited or saved: the first paint is for looking, the full window for work.
"""

from __future__ import annotations

from dataclasses import dataclass
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
