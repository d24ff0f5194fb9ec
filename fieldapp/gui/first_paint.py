"""The main window's first paint: the worker's caseload, today's drafts and the sync count, on screen before
the full stack (SQLAlchemy, pydantic records, the full main window, the wizard) has loaded.

Built from the same form (ui/main_window.ui), style, menus and status bar as fieldapp.gui.main_window, and
filled with the same words (fieldapp.app.texts) from plain rows (fieldapp.app.first_paint), so it looks and
reads like the real window. It is for looking only: the worker can select a referral or case, scroll, switch
tabs and lock; everything that changes a record (New contact, Continue draft, Sync) is disabled and says
"Loading…" until fieldapp.gui.app.Bootstrap puts the full window in its place (fieldapp.gui.launcher).

Imports only Qt and light fieldapp modules; tests/gui/test_first_paint.py checks that importing it loads no
SQLAlchemy, pydantic or Alembic, and no zoneinfo, tomllib or dataclasses either (the reader words the read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QSettings
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTreeView,
)

from fieldapp.app.first_paint_view import ContactLine, FirstPaintView, MatterLine

# For annotations only: a QCloseEvent would make PySide6 build QEvent's ~180-member enum (~1.7 ms) before
# the paint.
if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent
from fieldapp.gui.forms import child, load_form, restore_layout, sync_status_labels

# Qt.ItemDataRole values as plain ints: touching PySide6's `Qt` namespace makes it create its ~100 Python
# enums (~25 ms, measured), which the first paint does not need; the full window's models use the same
# numbers (tests/gui/test_first_paint.py checks them against Qt's).
_USER_ROLE = 0x0100  # Qt.ItemDataRole.UserRole
ACCESSIBLE_TEXT_ROLE = 11  # Qt.ItemDataRole.AccessibleTextRole
FOREGROUND_ROLE = 9  # Qt.ItemDataRole.ForegroundRole
MATTER_ID_ROLE = _USER_ROLE + 1
PERSON_ID_ROLE = _USER_ROLE + 2
CONTACT_ID_ROLE = _USER_ROLE + 3

TITLE = "fieldapp"
LOADING = "Loading… New contact, drafts and sync are ready in a moment."
DRAFT_COLUMNS = ("Referral / case", "Kind", "Participants", "Started", "Time left today")
RECENT_COLUMNS = ("Date", "Kind", "Participants", "Method", "Status", "State")


def fill_caseload(
    model: QStandardItemModel, groups: Iterable[tuple[str, Sequence[MatterLine]]]
) -> dict[str, QStandardItem]:
    """The caseload tree's items: "Referrals (n)" / "Cases (n)", each referral or case, its people and roles.
    The full window's CaseloadModel builds its tree with this too, so both trees are the same. Returns the
    item of each referral/case by ID (looking one up by its data role would make PySide6 build the ~100
    Python enums of its `Qt` namespace, ~25 ms, before the first paint)."""
    items: dict[str, QStandardItem] = {}
    model.clear()
    model.setHorizontalHeaderLabels(["Referral / case / person"])
    root = model.invisibleRootItem()
    for title, matters in groups:
        group = QStandardItem(f"{title} ({len(matters)})")
        group.setEditable(False)
        group.setSelectable(False)
        group.setData(f"{title}, {len(matters)}", ACCESSIBLE_TEXT_ROLE)
        for matter_id, text, people in matters:
            item = QStandardItem(text)
            item.setEditable(False)
            item.setData(matter_id, MATTER_ID_ROLE)
            item.setToolTip(text)
            items[matter_id] = item
            for person_id, person_text in people:
                person = QStandardItem(person_text)
                person.setEditable(False)
                person.setData(matter_id, MATTER_ID_ROLE)
                person.setData(person_id, PERSON_ID_ROLE)
                item.appendRow(person)
            group.appendRow(item)
        root.appendRow(group)
    return items


def index_of_matter(model: QStandardItemModel, matter_id: str) -> QModelIndex:
    for g in range(model.rowCount()):
        group = model.item(g)
        for r in range(group.rowCount()):
            item = group.child(r)
            if item.data(MATTER_ID_ROLE) == matter_id:
                return item.index()
    return QModelIndex()


class FirstPaintWindow(QMainWindow):
    """The main window as first painted from a `FirstPaintView`; replaced by the full window once it is ready."""

    def __init__(self, settings: QSettings | None = None) -> None:
        """The window from its form, empty: `show_view` fills it. Built before the read is in so that, with
        the read forked (fieldapp.app.forked_read), both happen at once."""
        super().__init__()
        self.view = FirstPaintView("", "", "", (), (), (), None, ())  # empty until `show_view`
        self.settings = settings or QSettings()
        self._locked = False
        self._matters: dict[str, MatterLine] = {}
        self.setObjectName("mainWindow")
        self.setWindowTitle(TITLE)
        self.setAccessibleName("fieldapp main window")

        self.content = load_form("main_window", self)
        self.caseload_view = child(self.content, QTreeView, "caseloadTree")
        self.drafts_view = child(self.content, QTableView, "draftsView")
        self.recent_view = child(self.content, QTableView, "recentView")
        self.due_view = child(self.content, QTableView, "dueView")
        self.tabs = child(self.content, QTabWidget, "tabs")
        self.splitter = child(self.content, QSplitter, "splitter")
        self.matter_title = child(self.content, QLabel, "matterTitle")
        self.recent_label = child(self.content, QLabel, "recentLabel")
        self.due_label = child(self.content, QLabel, "dueLabel")
        self.new_contact_button = child(self.content, QPushButton, "newContactButton")
        self.continue_button = child(self.content, QPushButton, "continueDraftButton")
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self._recent_text = self.recent_label.text()

        self.caseload_model = QStandardItemModel(self)
        self.caseload_view.setModel(self.caseload_model)
        self.caseload_view.setHeaderHidden(True)
        self.drafts_model = QStandardItemModel(self)
        self.drafts_model.setHorizontalHeaderLabels(list(DRAFT_COLUMNS))
        self.recent_model = QStandardItemModel(self)
        self.recent_model.setHorizontalHeaderLabels(list(RECENT_COLUMNS))
        for view, model in ((self.drafts_view, self.drafts_model), (self.recent_view, self.recent_model)):
            view.setModel(model)
            view.verticalHeader().setVisible(False)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            view.setTabKeyNavigation(False)
        self.due_model = QStandardItemModel(self)
        self.due_view.setModel(self.due_model)
        self.due_view.verticalHeader().setVisible(False)
        self.due_label.setText("Working out what is still due this month…")
        for button in (self.new_contact_button, self.continue_button):
            button.setEnabled(False)
            button.setToolTip("Loading… available in a moment")
        self.new_contact_button.setText("New contact (loading…)")

        self.locked_label = QLabel(
            "<p align=center>fieldapp is locked. Your passphrase is asked in a moment.</p>", self
        )
        self.locked_label.setObjectName("firstPaintLocked")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.locked_label)
        self.setCentralWidget(self.stack)
        self._build_menus()
        self._build_status()
        restore_layout(self, self.splitter, self.tabs, self.settings)
        self.caseload_view.selectionModel().currentChanged.connect(self._matter_changed)

    def show_view(self, view: FirstPaintView) -> None:
        """Fill the window with what `fieldapp run` read; once, before it is shown."""
        self.view = view
        self._matters = {m.id: m for m in (*view.referrals, *view.cases)}
        self.setWindowTitle(f"{TITLE} — {view.worker_name}")
        self.pending_label.setText(view.pending)
        self.last_sync_label.setText(view.last_sync)
        self._show_view()

    # ------------------------------------------------------------------ building

    def _build_menus(self) -> None:
        """The full window's menus, in the same places. Their items come one event-loop turn after the first
        paint (`complete_menus`): a shortcut makes PySide6 create its `Qt` namespace with ~100 Python enums,
        ~30 ms measured, which the caseload need not wait for."""
        menubar = self.menuBar()
        self.file_menu = menubar.addMenu("&File")
        self.contact_menu = menubar.addMenu("&Contact")
        self.sync_menu = menubar.addMenu("S&ync")

    def complete_menus(self) -> None:
        """The menu items with their shortcuts; only Lock and Quit work until the full window takes over."""
        from PySide6.QtGui import QAction, QKeySequence

        def action(text: str, shortcut: Any, enabled: bool, slot: Callable[[], Any] | None = None) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setEnabled(enabled)
            if not enabled:
                act.setStatusTip("Loading… available in a moment")
            if slot is not None:
                act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.new_action = action("&New contact…", "Ctrl+N", False)
        self.continue_action = action("&Continue draft", "Ctrl+O", False)
        self.sync_action = action("&Sync now", "F5", False)
        self.refresh_action = action("&Refresh", "Ctrl+R", False)
        self.lock_action = action("&Lock", "Ctrl+L", True, self.lock)
        self.quit_action = action("&Quit", QKeySequence.StandardKey.Quit, True, self.close)
        self.file_menu.addAction(self.refresh_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addAction(self.quit_action)
        self.contact_menu.addAction(self.new_action)
        self.contact_menu.addAction(self.continue_action)
        self.sync_menu.addAction(self.sync_action)
        self.sync_menu.addAction(action("&Enroll this laptop…", "", False))

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.connection_label, self.pending_label, self.last_sync_label = sync_status_labels(self)
        self.connection_label.setText("Sync: checking…")
        for w in (self.connection_label, self.pending_label, self.last_sync_label):
            bar.addPermanentWidget(w)
        bar.showMessage(LOADING)

    # ------------------------------------------------------------------ showing the read

    def _show_view(self) -> None:
        view = self.view
        items = fill_caseload(self.caseload_model, (("Referrals", view.referrals), ("Cases", view.cases)))
        self.caseload_view.expandToDepth(0)
        self._set_rows(self.drafts_model, DRAFT_COLUMNS, view.drafts)
        item = items.get(view.recent_matter_id or "")
        if item is not None:
            # single selection: selects it too, and _matter_changed shows its recent contacts (once: they
            # were also filled here a second time, ~1.5 ms of the first paint for 50 contacts)
            self.caseload_view.setCurrentIndex(item.index())
        if self.drafts_model.rowCount():
            self.drafts_view.selectRow(0)

    def _set_rows(
        self, model: QStandardItemModel, columns: Sequence[str], rows: Iterable[ContactLine]
    ) -> None:
        """The table's rows, under headers set once (in __init__, before the model had a view): setting them
        again with the view attached cost ~0.5 ms each time, on the way to the first paint."""
        if model.columnCount() != len(columns):
            model.clear()
            model.setHorizontalHeaderLabels(list(columns))
        else:
            model.removeRows(0, model.rowCount())
        for row in rows:
            items = []
            for title, text in zip(columns, row.cells, strict=True):
                item = QStandardItem(text)
                item.setEditable(False)
                item.setToolTip(text)
                item.setData(f"{title}: {text}", ACCESSIBLE_TEXT_ROLE)
                if row.urgent:  # under an hour left: red, as in the full window
                    # a QColor under Qt.ItemDataRole.ForegroundRole; a QBrush would build the `Qt` enums
                    item.setData(QColor("#a4000f"), FOREGROUND_ROLE)
                items.append(item)
            model.appendRow(items)

    def _matter_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        matter_id = current.data(MATTER_ID_ROLE) if current.isValid() else None
        matter = self._matters.get(matter_id) if matter_id else None
        if matter is None or self._locked:
            return
        self._show_matter(matter, current if current.data(PERSON_ID_ROLE) is None else current.parent())

    def _show_matter(self, matter: MatterLine, matter_index: QModelIndex) -> None:
        self.selected_matter = matter.id
        self.settings.setValue("caseload/last_matter", matter.id)  # the full window selects it too
        self.caseload_view.expand(matter_index)
        self.matter_title.setText(matter.text)
        if matter.id == self.view.recent_matter_id:
            self.recent_label.setText(self._recent_text)
            self._set_rows(self.recent_model, RECENT_COLUMNS, self.view.recent)
        else:  # read on the full window's op runner in a moment, never on this thread
            self.recent_label.setText("Recent contacts of this referral or case: loading…")
            self._set_rows(self.recent_model, RECENT_COLUMNS, [])

    # ------------------------------------------------------------------ lock and hand-over

    def is_locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        """Hide all case data at once; the full window takes over locked and asks for the passphrase."""
        if self._locked:
            return
        self._locked = True
        for model in (self.caseload_model, self.drafts_model, self.recent_model):
            model.clear()
        self.matter_title.setText("")
        self.setWindowTitle(f"{TITLE} — locked")
        self.stack.setCurrentWidget(self.locked_label)
        self.statusBar().clearMessage()
        self.pending_label.setText("")

    def view_state(self) -> dict[str, Any]:
        """What the full window takes over so the swap does not move anything under the worker's eyes."""
        return {
            "geometry": self.saveGeometry(),
            "splitter": self.splitter.saveState(),
            "tab": self.tabs.currentIndex(),
            "scroll": self.caseload_view.verticalScrollBar().value(),
            "maximized": self.isMaximized(),
        }

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing before the full window is ready quits: nothing can have been typed here to save."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        event.accept()
