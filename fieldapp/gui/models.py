"""Item models behind the main window's views: the caseload tree and the contact tables.

The text shown is built by small pure functions (`state_label`, `time_left_text`, ...) so tests can assert
exactly what a worker reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel

from fieldapp.app.service import StoredContact
from fieldapp.domain.agency_time import business_day, end_of_business_day
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Case, Caseload, Contact, ContactState, Matter, Person, PersonRole

MATTER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 2
CONTACT_ID_ROLE = Qt.ItemDataRole.UserRole + 3

_ROLE_WORDS = {
    PersonRole.CHILD: "child",
    PersonRole.PARENT: "parent/guardian",
    PersonRole.SCP: "substitute care provider",
    PersonRole.ALLEGED_PERPETRATOR: "alleged perpetrator",
    PersonRole.REPORTING_PARTY: "reporting party",
    PersonRole.COLLATERAL: "collateral",
}


# --------------------------------------------------------------------------- what a worker reads


def roles_text(person: Person) -> str:
    words = [_ROLE_WORDS.get(r, str(r)) for r in person.roles]
    if person.collateral_type is not None and PersonRole.COLLATERAL in person.roles:
        words.append(str(person.collateral_type).replace("_", " "))
    return ", ".join(words)


def matter_text(matter: Matter) -> str:
    kind = "Case" if isinstance(matter, Case) else "Referral"
    closed = f", closed {matter.ends_on:%b %d, %Y}" if matter.ends_on else ""
    return f"{matter.name} — {kind} {matter.id} · {matter.program}{closed}"


def state_label(stored: StoredContact) -> str:
    """draft, final, synced, approved, amended – plus why a draft is frozen or refused."""
    base = "amended" if stored.amendments else str(stored.state)
    notes = []
    if stored.state is ContactState.DRAFT and stored.frozen_reason:
        notes.append("frozen")
    if stored.flagged_for_supervisor:
        notes.append("flagged for supervisor")
    if stored.sync_refusal:
        notes.append("refused by server")
    return f"{base} ({', '.join(notes)})" if notes else base


def draft_deadline(contact: Contact, tz: ZoneInfo) -> datetime | None:
    """When the draft's business day ends (NAR-SAMEDAY): the day of its first save, else of its start."""
    anchor = contact.first_saved_at or contact.started_at
    if anchor is None:
        return None
    return end_of_business_day(business_day(anchor, tz), tz)


def time_left_text(contact: Contact, now: datetime, tz: ZoneInfo) -> str:
    deadline = draft_deadline(contact, tz)
    if deadline is None:
        return "not saved yet"
    left = deadline - now
    if left <= timedelta(0):
        return "day ended"
    minutes = int(left.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min left"
    return f"{minutes} min left"


def participants_text(contact: Contact, matter: Matter | None) -> str:
    if not contact.participant_ids:
        return "—"
    names = []
    for pid in contact.participant_ids:
        person = next((p for p in matter.people if p.id == pid), None) if matter else None
        names.append(person.full_name if person else pid)
    return ", ".join(names)


def when_text(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%a %b %d, %H:%M")


# --------------------------------------------------------------------------- caseload tree


class CaseloadModel(QStandardItemModel):
    """Referrals and cases, each with its people and their roles."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Referral / case / person"])

    def load(self, caseload: Caseload | None) -> None:
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
                item = QStandardItem(matter_text(matter))
                item.setEditable(False)
                item.setData(matter.id, MATTER_ID_ROLE)
                item.setToolTip(matter_text(matter))
                for person in matter.people:
                    child = QStandardItem(f"{person.full_name} — {roles_text(person)}")
                    child.setEditable(False)
                    child.setData(matter.id, MATTER_ID_ROLE)
                    child.setData(person.id, PERSON_ID_ROLE)
                    item.appendRow(child)
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

    def row_of(self, contact_id: str) -> int:
        return next((i for i, s in enumerate(self._rows) if s.contact.id == contact_id), -1)

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
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._columns[index.column()].text(stored)
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
        Column("Time left today", lambda s: time_left_text(s.contact, now(), tz)),
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
            "Status",
            lambda s: tables.label("statuses", s.contact.status) if s.contact.status else "—",
        ),
        Column("State", state_label),
    ]
