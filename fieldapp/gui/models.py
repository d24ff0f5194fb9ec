"""Item models behind the main window's views: the caseload tree and the contact tables.

The text shown is built by small pure functions (`state_label`, `time_left_text`, ...) so tests can assert
exactly what a worker reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel

from fieldapp.app.service import StoredContact
from fieldapp.app.texts import (
    deadline_of,
    draft_due_words,
    matter_words,
    names_words,
    person_words,
    state_meaning,
    state_words,
    time_left_words,
    when_words,
)
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Case, Caseload, Contact, Matter

MATTER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 2
CONTACT_ID_ROLE = Qt.ItemDataRole.UserRole + 3

# --------------------------------------------------------------------------- what a worker reads
# The words themselves live in fieldapp.app.texts (plain values in, words out); these adapt the records.


def matter_text(matter: Matter) -> str:
    context = "case" if isinstance(matter, Case) else "referral"
    return matter_words(matter.name, context, matter.id, str(matter.program), matter.ends_on)


def state_label(stored: StoredContact) -> str:
    """draft, final, synced, approved, amended – plus why a draft is frozen or refused."""
    return state_words(
        str(stored.state),
        amended=bool(stored.amendments),
        frozen=bool(stored.frozen_reason),
        flagged=stored.flagged_for_supervisor,
        refused=bool(stored.sync_refusal),
    )


def draft_deadline(contact: Contact, tz: ZoneInfo) -> datetime | None:
    """When the draft's business day ends (NAR-SAMEDAY): the day of its first save, else of its start."""
    return deadline_of(contact.first_saved_at, contact.started_at, tz)


def time_left_text(contact: Contact, now: datetime, tz: ZoneInfo) -> str:
    return time_left_words(draft_deadline(contact, tz), now)


def draft_due_text(contact: Contact, now: datetime, tz: ZoneInfo) -> str:
    """A draft's one deadline in the words Still due uses for it (fieldapp.app.texts.draft_due_words)."""
    return draft_due_words(contact.first_saved_at, contact.started_at, tz, now)


def participants_text(contact: Contact, matter: Matter | None) -> str:
    people = {p.id: p.full_name for p in matter.people} if matter else {}
    return names_words(contact.participant_ids, people)


def when_text(moment: datetime | None, tz: ZoneInfo) -> str:
    return when_words(moment, tz)


# --------------------------------------------------------------------------- caseload tree


class CaseloadModel(QStandardItemModel):
    """Referrals and cases, each with its people and their roles."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Referral / case / person"])

    def load(self, caseload: Caseload | None) -> None:
        """ "Referrals (n)" / "Cases (n)", each referral or case, its people and their roles (empty: None)."""
        self.clear()
        self.setHorizontalHeaderLabels(["Referral / case / person"])
        if caseload is None:
            return
        root = self.invisibleRootItem()
        for title, matters in (("Referrals", caseload.referrals), ("Cases", caseload.cases)):
            group = QStandardItem(f"{title} ({len(matters)})")
            group.setEditable(False)
            group.setSelectable(False)
            group.setData(f"{title}, {len(matters)}", Qt.ItemDataRole.AccessibleTextRole)
            for matter in matters:
                text = matter_text(matter)
                item = QStandardItem(text)
                item.setEditable(False)
                item.setData(matter.id, MATTER_ID_ROLE)
                item.setToolTip(text)
                for person in matter.people:
                    row = QStandardItem(person_words(person.full_name, person.roles, person.collateral_type))
                    row.setEditable(False)
                    row.setData(matter.id, MATTER_ID_ROLE)
                    row.setData(person.id, PERSON_ID_ROLE)
                    item.appendRow(row)
                group.appendRow(item)
            root.appendRow(group)

    def index_of_matter(self, matter_id: str) -> QModelIndex:
        for g in range(self.rowCount()):
            group = self.item(g)
            for r in range(group.rowCount()):
                item = group.child(r)
                if item.data(MATTER_ID_ROLE) == matter_id:
                    return item.index()
        return QModelIndex()


# --------------------------------------------------------------------------- contact tables


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[StoredContact], str]
    tip: Callable[[StoredContact], str] | None = None
    """The cell's tooltip when it says more than the text (what a record state means); else the text."""
    header_tip: str = ""


class ContactTableModel(QAbstractTableModel):
    """Rows of stored contacts; the columns are chosen by the view (drafts vs recent contacts)."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[StoredContact] = []
        self.urgent: Callable[[StoredContact], bool] = lambda _s: False

    def set_rows(self, rows: Sequence[StoredContact]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def refresh_text(self) -> None:
        """Time-dependent text ("time left today") changed: repaint without resetting the selection."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1))

    def contact_at(self, row: int) -> StoredContact | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        stored = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[index.column()].text(stored)
        if role == Qt.ItemDataRole.ToolTipRole:
            column = self._columns[index.column()]
            return (column.tip or column.text)(stored)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            col = self._columns[index.column()]
            return f"{col.title}: {col.text(stored)}"
        if role == CONTACT_ID_ROLE:
            return stored.contact.id
        if role == Qt.ItemDataRole.ForegroundRole and self.urgent(stored):
            return QBrush(QColor("#a4000f"))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self._columns[section].header_tip or None
        return None


def kind_text(tables: CodeTables, stored: StoredContact) -> str:
    entry = tables.kinds.get(stored.contact.kind)
    return entry.label if entry is not None else str(stored.contact.kind)


def draft_columns(
    tables: CodeTables, caseload: Callable[[], Caseload | None], now: Callable[[], datetime]
) -> list[Column]:
    tz = tables.agency.time_zone

    def matter_of(s: StoredContact) -> Matter | None:
        c = caseload()
        return c.matter(s.contact.context_id) if c else None

    return [
        Column("Referral / case", lambda s: m.name if (m := matter_of(s)) else s.contact.context_id),
        Column("Kind", lambda s: kind_text(tables, s)),
        Column("Participants", lambda s: participants_text(s.contact, matter_of(s))),
        Column("Started", lambda s: when_text(s.contact.started_at, tz)),
        Column("Finalize by", lambda s: draft_due_text(s.contact, now(), tz)),
    ]


def recent_columns(tables: CodeTables, caseload: Callable[[], Caseload | None]) -> list[Column]:
    tz = tables.agency.time_zone

    def matter_of(s: StoredContact) -> Matter | None:
        c = caseload()
        return c.matter(s.contact.context_id) if c else None

    return [
        Column("Date", lambda s: when_text(s.contact.started_at or s.contact.first_saved_at, tz)),
        Column("Kind", lambda s: kind_text(tables, s)),
        Column("Participants", lambda s: participants_text(s.contact, matter_of(s))),
        Column(
            "Method",
            lambda s: tables.label("methods", s.contact.method) if s.contact.method else "—",
        ),
        Column(
            "Contact status",
            lambda s: tables.label("statuses", s.contact.status) if s.contact.status else "—",
            header_tip="Whether the contact took place: Completed, or Attempted when it could not.",
        ),
        Column("Record state", state_label, state_tip, RECORD_STATE_TIP),
    ]


RECORD_STATE_TIP = "Where the record is: " + " ".join(
    state_meaning(state) for state in ("draft", "final", "synced", "approved")
)
"""The record state column's header tooltip; the record state is not the contact status."""


def state_tip(stored: StoredContact) -> str:
    """What this contact's record state means and what happens next."""
    base = "amended" if stored.amendments else str(stored.state)
    return state_meaning(base)
