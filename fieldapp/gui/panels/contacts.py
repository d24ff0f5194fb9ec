"""Today's drafts and the recent contacts of the selected referral or case: two tables of stored contacts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.app.service import StoredContact
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Caseload
from fieldapp.gui.forms import child, load_form
from fieldapp.gui.models import (
    ContactTableModel,
    draft_columns,
    draft_deadline,
    draft_due_text,
    kind_text,
    participants_text,
    recent_columns,
)


class _ContactsPanel(QWidget):
    """A heading and a table of stored contacts; `opened(StoredContact)` on Enter or double-click."""

    opened = Signal(object)

    def __init__(
        self, form: str, view: str, model: ContactTableModel, empty: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        loaded = load_form(form, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(loaded)
        self.view = child(loaded, QTableView, view)
        # an empty table says so in words, where its first row would be
        self.empty = QLabel(empty, loaded)
        self.empty.setObjectName(f"{view}Empty")
        self.empty.setProperty("class", "hint")
        self.empty.setWordWrap(True)
        form_layout = loaded.layout()
        assert isinstance(form_layout, QVBoxLayout), f"{form}.ui has a vertical layout"
        form_layout.insertWidget(form_layout.indexOf(self.view), self.empty)
        self.empty.hide()  # until the rows are known
        self.model = model
        model.setParent(self)
        self.view.setModel(model)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setTabKeyNavigation(False)
        self.view.activated.connect(self._activated)

    def set_rows(self, rows: list[StoredContact]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)

    def _activated(self, index: object) -> None:
        stored = self.model.contact_at(index.row())  # type: ignore[attr-defined]
        if stored is not None:
            self.opened.emit(stored)


class DraftsPanel(_ContactsPanel):
    """Today's drafts with the time left in their business day (red in the last hour, NAR-SAMEDAY).
    `selection_changed()` when the selected draft changes."""

    selection_changed = Signal()

    def __init__(
        self,
        tables: CodeTables,
        caseload: Callable[[], Caseload | None],
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        model = ContactTableModel(draft_columns(tables, caseload, now))
        super().__init__(
            "panels/drafts", "draftsView", model, "No drafts open today: nothing here yet.", parent
        )
        tz = tables.agency.time_zone

        def urgent(stored: StoredContact) -> bool:
            deadline = draft_deadline(stored.contact, tz)
            return deadline is not None and (deadline - now()).total_seconds() < 3600

        model.urgent = urgent
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())

    def set_rows(self, rows: list[StoredContact]) -> None:
        super().set_rows(rows)
        if rows:
            self.view.selectRow(0)

    def selected(self) -> StoredContact | None:
        index = self.view.currentIndex()
        return self.model.contact_at(index.row()) if index.isValid() else None

    def clock_ticked(self) -> None:
        """Time passed: "time left today" is worded again, the selection kept."""
        self.model.refresh_text()


class RecentPanel(_ContactsPanel):
    """Contacts of the selected referral or case with their state, newest first."""

    def __init__(
        self, tables: CodeTables, caseload: Callable[[], Caseload | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "panels/recent",
            "recentView",
            ContactTableModel(recent_columns(tables, caseload)),
            "No contacts recorded in this referral or case yet.",
            parent,
        )

    def set_rows(self, rows: list[StoredContact]) -> None:
        """New rows keep the worker's selection (a refresh after a save must not lose their place)."""
        index = self.view.currentIndex()
        current = self.model.contact_at(index.row()) if index.isValid() else None
        super().set_rows(rows)
        if current is not None:
            self.select_contact(current.contact.id)

    def select_contact(self, contact_id: str) -> bool:
        """Select the row of `contact_id` (the contact just finalized); False if it is not listed."""
        for row in range(self.model.rowCount()):
            stored = self.model.contact_at(row)
            if stored is not None and stored.contact.id == contact_id:
                self.view.selectRow(row)
                return True
        return False


class DraftOfferDialog(QDialog):
    """Shown on opening when drafts are still open today: continue one, or carry on to the caseload."""

    def __init__(
        self,
        drafts: list[StoredContact],
        caseload: Caseload | None,
        tables: CodeTables,
        now: datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("draftOfferDialog")
        self.setWindowTitle("Open drafts")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"You have {len(drafts)} draft{'s' if len(drafts) != 1 else ''} open today. "
            "Finish each before its business day ends: after that a complete draft is made final as it "
            "stands and an incomplete one is flagged for your supervisor.",
            self,
        )
        intro.setWordWrap(True)
        label = QLabel("&Drafts:", self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Open drafts")
        label.setBuddy(self.list)
        tz = tables.agency.time_zone
        for stored in drafts:
            matter = caseload.matter(stored.contact.context_id) if caseload else None
            name = matter.name if matter else stored.contact.context_id
            who = (
                participants_text(stored.contact, matter)
                if stored.contact.participant_ids
                else "no participant yet"
            )
            text = f"{name} · {kind_text(tables, stored)} · {who} · {draft_due_text(stored.contact, now, tz)}"
            item = QListWidgetItem(text, self.list)
            item.setData(Qt.ItemDataRole.UserRole, stored.contact.id)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(self)
        self.continue_button = buttons.addButton(
            "&Continue selected draft", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.continue_button.setAccessibleName("Continue selected draft")
        later = buttons.addButton("&Not now", QDialogButtonBox.ButtonRole.RejectRole)
        later.setAccessibleName("Not now")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _i: self.accept())
        layout.addWidget(intro)
        layout.addWidget(label)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(780, 300)  # a draft's line (where, kind, who, deadline) fits unscrolled

    def chosen_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))
