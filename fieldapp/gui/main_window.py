"""The worker's main window: caseload, today's drafts, recent contacts, what is still due, sync status, lock.

Everything the window knows comes from the application service through the op runner (one worker
thread); the window only shows it. Nothing here talks SQL or decides policy.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.app.service import ContactService, StoredContact
from fieldapp.app.texts import last_sync_words, pending_words
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Caseload, ContactState
from fieldapp.gui.forms import child, load_form, restore_layout, sync_status_labels
from fieldapp.gui.lock import IdleWatcher, LockScreen
from fieldapp.gui.models import (
    MATTER_ID_ROLE,
    PERSON_ID_ROLE,
    CaseloadModel,
    ContactTableModel,
    draft_columns,
    kind_text,
    matter_text,
    participants_text,
    recent_columns,
    time_left_text,
)
from fieldapp.gui.ops import Op, OpCancelled, OpProgress, OpRunner
from fieldapp.gui.ops import _qt_alive as _alive

log = logging.getLogger(__name__)

TITLE = "fieldapp"
OPENING = "Opening your caseload…"


class SyncStatus(Protocol):
    """What the status area shows about sync (filled by the sync client when one is configured)."""

    online: bool
    last_sync_at: datetime | None


class SyncClientLike(Protocol):
    """The Qt-free sync client of fieldapp.sync: runs on a worker thread, reports counts, can be cancelled."""

    def sync(self, progress: Callable[[int, int, str], None], cancel: Any) -> Any: ...

    def status(self) -> Any: ...


@dataclass
class WindowEnv:
    """What the window needs from the outside world; passed in so tests build it on a tmp profile.

    `verify_unlock` runs on the op runner (it may be a slow hash); `now` is the agency clock.
    """

    service: ContactService
    runner: OpRunner
    tables: CodeTables
    verify_unlock: Callable[[str], bool]
    now: Callable[[], datetime]
    sync_client: SyncClientLike | None = None
    sync_status: Callable[[], Any] | None = None
    connect_sync: Callable[[], Any] | None = None
    enroll: Callable[[str, str], None] | None = None
    """Blocking; returns (sync_client, sync_status) when the laptop is enrolled, else None."""
    profile_label: str = ""
    compliance: Callable[[Caseload, datetime], list[tuple[str, str, str]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Overview:
    """One consistent read of what the window shows, made on the worker thread."""

    caseload: Caseload
    drafts: list[StoredContact]
    outbox: int
    due: list[tuple[str, str, str]]
    closed: list[StoredContact] = field(default_factory=list)
    sync: Any = None  # fieldapp.sync.status.SyncStatus when enrolled


class DraftOfferDialog(QDialog):
    """Shown on opening when drafts are still open today: continue one, or carry on to the caseload."""

    def __init__(self, window: MainWindow, drafts: list[StoredContact]) -> None:
        super().__init__(window)
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
        tables, tz = window.env.tables, window.env.tables.agency.time_zone
        for stored in drafts:
            matter = window.caseload.matter(stored.contact.context_id) if window.caseload else None
            name = matter.name if matter else stored.contact.context_id
            who = (
                participants_text(stored.contact, matter)
                if stored.contact.participant_ids
                else "no participant yet"
            )
            text = (
                f"{name} · {kind_text(tables, stored)} · {who}"
                f" · {time_left_text(stored.contact, window.env.now(), tz)}"
            )
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
        self.resize(560, 300)

    def chosen_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))


class MainWindow(QMainWindow):
    """The worker's home screen. `start()` opens it on the profile (closes ended days, offers drafts)."""

    loaded = Signal()  # after each refresh has been shown (tests wait on it)
    locked_changed = Signal(bool)

    def __init__(self, env: WindowEnv, settings: QSettings | None = None) -> None:
        super().__init__()
        self.env = env
        self.settings = settings or QSettings()
        self.caseload: Caseload | None = None
        self._selected_matter: str | None = None
        self._editors: list[QWidget] = []
        self._hidden_editors: list[QWidget] = []
        self._locked = False
        self._sync_op: Op[Any] | None = None
        self._last_sync: datetime | None = None
        self._sync_automatic = False
        self._auto_sync: Any = None  # fieldapp.gui.sync_status.AutoSyncController once enrolled
        self._pending = 0
        self._offer_drafts_pending = False
        self._first_load = True
        self._closed = False  # after close, late results are dropped and nothing new is queued
        self.starting: object | None = None  # the new-contact start in flight (wizard_bridge)
        self.setObjectName("mainWindow")
        self.setWindowTitle(TITLE)
        self.setAccessibleName("fieldapp main window")

        self._build_content()
        self._build_actions()
        self._build_status()
        self.lock_screen = LockScreen(env.runner, env.verify_unlock, self)
        self.lock_screen.unlocked.connect(self.unlock)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)

        minutes = self.settings.value("lock/idle_minutes", env.tables.agency.idle_lock_minutes)
        self.idle = IdleWatcher(float(str(minutes)), self)
        self.idle.idle.connect(self.lock)
        env.runner.unhandled_error.connect(self._show_error)

        self._clock = QTimer(self)  # keeps "time left today" honest while the window is open
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self._tick)
        restore_layout(self, self.splitter, self.tabs, self.settings)
        self._update_actions()

    # ------------------------------------------------------------------ building

    def _build_content(self) -> None:
        self.content = load_form("main_window", self)
        self.caseload_view = child(self.content, QTreeView, "caseloadTree")
        self.drafts_view = child(self.content, QTableView, "draftsView")
        self.recent_view = child(self.content, QTableView, "recentView")
        self.due_view = child(self.content, QTableView, "dueView")
        self.refused_view = child(self.content, QTreeView, "refusedView")
        self.tabs = child(self.content, QTabWidget, "tabs")
        self.refused_tab = child(self.content, QWidget, "refusedTab")
        self.splitter = child(self.content, QSplitter, "splitter")
        self.matter_title = child(self.content, QLabel, "matterTitle")
        self.due_label = child(self.content, QLabel, "dueLabel")
        self.new_contact_button = child(self.content, QPushButton, "newContactButton")
        self.continue_button = child(self.content, QPushButton, "continueDraftButton")
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)

        self.caseload_model = CaseloadModel(self)
        self.caseload_view.setModel(self.caseload_model)
        self.caseload_view.setHeaderHidden(True)
        self.caseload_view.selectionModel().currentChanged.connect(self._matter_changed)

        def caseload() -> Caseload | None:
            return self.caseload

        self.drafts_model = ContactTableModel(draft_columns(self.env.tables, caseload, self.env.now), self)
        self.drafts_model.urgent = self._draft_is_urgent
        self.recent_model = ContactTableModel(recent_columns(self.env.tables, caseload), self)
        for view, model in ((self.drafts_view, self.drafts_model), (self.recent_view, self.recent_model)):
            view.setModel(model)
            view.verticalHeader().setVisible(False)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            view.setTabKeyNavigation(False)
        self.drafts_view.activated.connect(lambda _i: self.continue_draft())
        self.drafts_view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.recent_view.activated.connect(self._open_recent)

        from PySide6.QtGui import QStandardItemModel

        self.due_model = QStandardItemModel(self)
        self.due_view.setModel(self.due_model)
        self.due_view.setWordWrap(True)
        self.due_view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.due_view.verticalHeader().setVisible(False)
        # wrapped rows need their heights recomputed once the columns have their final widths
        self.due_view.horizontalHeader().sectionResized.connect(
            lambda *_: self.due_view.resizeRowsToContents()
        )
        self.refused_model = QStandardItemModel(self)
        self.refused_view.setModel(self.refused_model)
        if self.env.compliance is None:
            # The compliance measures are not part of this build: say so rather than show an empty list.
            self.due_label.setText(
                "The monthly compliance measures are not available in this version of fieldapp."
            )
            self.due_view.hide()

        self.new_contact_button.clicked.connect(self.new_contact)
        self.continue_button.clicked.connect(self.continue_draft)

    def _build_actions(self) -> None:
        def action(
            text: str,
            shortcut: QKeySequence | QKeySequence.StandardKey | str,
            slot: Callable[[], Any],
            tip: str,
        ) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.setToolTip(
                f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
            )
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.new_action = action(
            "&New contact…", "Ctrl+N", self.new_contact, "Start a contact in the selected referral or case"
        )
        self.continue_action = action(
            "&Continue draft", "Ctrl+O", self.continue_draft, "Continue the selected draft"
        )
        self.sync_action = action(
            "&Sync now", "F5", self.sync_now, "Send final contacts to the office server"
        )
        self.lock_action = action(
            "&Lock", "Ctrl+L", self.lock, "Hide all case data until your passphrase is entered"
        )
        self.refresh_action = action("&Refresh", "Ctrl+R", self.refresh, "Read the caseload and drafts again")
        self.quit_action = action(
            "&Quit", QKeySequence.StandardKey.Quit, self.close, "Save open drafts and quit"
        )

        menubar = self.menuBar()
        file_menu = menubar.addMenu("&File")
        file_menu.addAction(self.refresh_action)
        file_menu.addSeparator()
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.quit_action)
        contact_menu = menubar.addMenu("&Contact")
        contact_menu.addAction(self.new_action)
        contact_menu.addAction(self.continue_action)
        sync_menu = menubar.addMenu("S&ync")
        sync_menu.addAction(self.sync_action)
        self.enroll_action = QAction("&Enroll this laptop…", self)
        self.enroll_action.setStatusTip("Connect this laptop to the office server with a one-time code")
        self.enroll_action.triggered.connect(self.enroll)
        sync_menu.addAction(self.enroll_action)
        self.file_menu, self.contact_menu, self.sync_menu = file_menu, contact_menu, sync_menu
        from fieldapp.gui import printing  # File → Print contact sheet…, Contact → Print contact… (Ctrl+P)

        self.print_actions = printing.PrintActions(
            self, self.selected_matter_id, lambda: printing.current_contact(self.recent_view)
        )

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.connection_label, self.pending_label, self.last_sync_label = sync_status_labels(self)
        self.sync_progress = QProgressBar(self)
        self.sync_progress.setObjectName("syncProgress")
        self.sync_progress.setAccessibleName("Sync progress")
        self.sync_progress.setFormat("%v of %m")
        self.sync_progress.setMaximumWidth(220)
        self.sync_progress.hide()
        self.cancel_sync_button = QPushButton("Cancel sync", self)
        self.cancel_sync_button.setAccessibleName("Cancel sync")
        self.cancel_sync_button.clicked.connect(self.cancel_sync)
        self.cancel_sync_button.hide()
        for w in (
            self.sync_progress,
            self.cancel_sync_button,
            self.connection_label,
            self.pending_label,
            self.last_sync_label,
        ):
            bar.addPermanentWidget(w)
        self._show_status(pending=None)

    # ------------------------------------------------------------------ opening and refreshing

    def start(self) -> None:
        """Close drafts whose business day ended (NAR-SAMEDAY), show the caseload, offer open drafts."""
        self._offer_drafts_pending = True
        self.statusBar().showMessage(OPENING)
        service = self.env.service

        def opening() -> Overview:
            closed = service.close_ended_days()
            return self._read_overview(closed)

        Op(self.env.runner, opening, label="Opening caseload", parent=self).success(
            self._show_overview
        ).failure(self._show_error_exc).run()
        self.idle.start()
        self._clock.start()

    def refresh(self) -> None:
        if self._locked or self._closed:
            return
        Op(self.env.runner, lambda: self._read_overview([]), label="Refreshing", parent=self).success(
            self._show_overview
        ).failure(self._show_error_exc).run()

    def _read_overview(self, closed: list[StoredContact]) -> Overview:
        """Runs on the worker thread."""
        service = self.env.service
        caseload = service.caseload()
        due: list[tuple[str, str, str]] = []  # computed after the window is usable: _load_due
        sync = self.env.sync_status() if self.env.sync_status is not None else None
        return Overview(caseload, service.open_drafts(), service.outbox_count(), due, closed, sync)

    def _show_overview(self, overview: Overview) -> None:
        if self._locked or self._closed:
            return  # data arrived after locking: do not show it; unlock refreshes
        self.caseload = overview.caseload
        self.setWindowTitle(f"{TITLE} — {overview.caseload.worker.full_name}")
        remembered = self._selected_matter or str(self.settings.value("caseload/last_matter", "") or "")
        self.caseload_model.load(overview.caseload)
        self.caseload_view.expandToDepth(0)
        self.drafts_model.set_rows(overview.drafts)
        self._show_status(pending=overview.outbox, sync=overview.sync)
        self._show_refusals(overview.sync)
        self._load_due(overview.caseload)
        if self._first_load:
            self._first_load = False
            self._connect_sync()
        if overview.closed:
            final = sum(1 for s in overview.closed if s.state is not ContactState.DRAFT)
            flagged = sum(1 for s in overview.closed if s.flagged_for_supervisor)
            self.statusBar().showMessage(
                f"Drafts from an earlier day: {final} made final as they stood, "
                f"{flagged} flagged for your supervisor (NAR-SAMEDAY).",
                30_000,
            )
        elif self.statusBar().currentMessage() == OPENING:
            self.statusBar().clearMessage()
        index = self.caseload_model.index_of_matter(remembered) if remembered else QModelIndex()
        if not index.isValid() and self.caseload_model.rowCount() and self.caseload_model.item(0).rowCount():
            index = self.caseload_model.item(0).child(0).index()
        if index.isValid():
            self.caseload_view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self._matter_changed(index, QModelIndex())
        if self.drafts_model.rowCount():
            self.drafts_view.selectRow(0)
        self._update_actions()
        self.loaded.emit()
        if self._offer_drafts_pending:
            self._offer_drafts_pending = False
            if overview.drafts:
                self.offer_drafts(overview.drafts)

    def offer_drafts(self, drafts: list[StoredContact]) -> DraftOfferDialog:
        dialog = DraftOfferDialog(self, drafts)
        self.draft_offer = dialog

        def chosen(result: int) -> None:
            if result == QDialog.DialogCode.Accepted and (cid := dialog.chosen_id()):
                stored = next((s for s in drafts if s.contact.id == cid), None)
                if stored is not None:
                    self.open_editor(stored)

        dialog.finished.connect(chosen)
        dialog.open()
        return dialog

    def _matter_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        matter_id = current.data(MATTER_ID_ROLE) if current.isValid() else None
        if not matter_id or self.caseload is None or self._closed:
            return
        matter = self.caseload.matter(matter_id)
        if matter is None:
            return
        self._selected_matter = matter_id
        self.settings.setValue("caseload/last_matter", matter_id)
        matter_index = current if current.data(PERSON_ID_ROLE) is None else current.parent()
        self.caseload_view.expand(matter_index)  # the people of the selected referral/case and their roles
        self.matter_title.setText(matter_text(matter))
        self._update_actions()
        service = self.env.service
        Op(
            self.env.runner,
            lambda: service.recent_contacts(matter_id),
            label="Reading recent contacts",
            parent=self,
        ).success(lambda rows: self._show_recent(matter_id, rows)).failure(self._show_error_exc).run()

    def _show_recent(self, matter_id: str, rows: list[StoredContact]) -> None:
        if self._locked or matter_id != self._selected_matter:
            return
        self.recent_model.set_rows(rows)

    def _load_due(self, caseload: Caseload) -> None:
        """The still-due list reads every contact of the month: it follows the usable window, never delays it."""
        compliance = self.env.compliance
        if compliance is None:
            return
        if self.due_model.rowCount() == 0:
            self.due_label.setText("Working out what is still due this month…")
        Op(
            self.env.runner, lambda: compliance(caseload, self.env.now()), label="Still due", parent=self
        ).success(lambda rows: None if (self._locked or self._closed) else self._show_due(rows)).failure(
            self._show_error_exc
        ).run()

    def _connect_sync(self) -> None:
        """Enrolled laptops get their sync client after the first load (it imports the HTTP stack)."""
        connect = self.env.connect_sync
        if connect is None or self.env.sync_client is not None:
            return

        def connected(result: Any) -> None:
            if result is None or self._closed:
                return
            self.env.sync_client, self.env.sync_status = result
            self._start_auto_sync()
            self._update_actions()
            self.refresh()

        Op(self.env.runner, connect, label="Connecting sync", parent=self).success(connected).failure(
            self._show_error_exc
        ).run()

    def _start_auto_sync(self) -> None:
        """Watch the office server (off the GUI thread) when the sync side can probe it."""
        probe = getattr(self.env.sync_client, "reachable", None)
        if probe is None or self._auto_sync is not None or self._closed:
            return
        from fieldapp.gui.sync_status import AutoSyncController

        interval = float(self.env.extra.get("sync_probe_seconds", 30.0))
        self._auto_sync = AutoSyncController(self, probe, interval)
        self._auto_sync.start()

    # the window's side of AutoSyncController (GUI thread)

    def show_reachability(self, online: bool) -> None:
        self.connection_label.setText("Online" if online else "Offline")
        self.connection_label.setProperty("class", "online" if online else "offline")
        self.connection_label.setToolTip(
            "The office server answers." if online else "The office server cannot be reached; work goes on."
        )
        self.connection_label.style().unpolish(self.connection_label)
        self.connection_label.style().polish(self.connection_label)

    def pending_count(self) -> int:
        return self._pending

    def sync_running(self) -> bool:
        return self._sync_op is not None

    def is_automatic_sync(self) -> bool:
        return self._sync_op is not None and self._sync_automatic

    def _show_due(self, due: list[tuple[str, str, str]]) -> None:
        from PySide6.QtGui import QStandardItem

        self.due_model.clear()
        self.due_model.setHorizontalHeaderLabels(["Referral / case", "Who", "What is still due"])
        for matter_name, who, what in due:
            items = [QStandardItem(matter_name), QStandardItem(who), QStandardItem(what)]
            for it in items:
                it.setEditable(False)
            for it in items:
                it.setToolTip(it.text())
            self.due_model.appendRow(items)
        header = self.due_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.due_view.resizeRowsToContents()
        if self.env.compliance is not None:
            self.due_label.setText(
                "What is still due this month:" if due else "Nothing is due this month for your caseload."
            )

    def _show_status(self, pending: int | None, sync: Any = None) -> None:
        if self.env.sync_client is None:
            self.connection_label.setText("Sync: not connected (no office server set up)")
            self.connection_label.setProperty("class", "offline")
        elif sync is not None:
            online = getattr(sync, "online", None)
            if self._auto_sync is not None:
                online = self._auto_sync.online  # the probes' word, delivered in order on this thread
            text = {True: "Online", False: "Offline", None: "Office server: not checked yet"}[online]
            self.connection_label.setText(text)
            self.connection_label.setProperty("class", "online" if online else "offline")
            self._last_sync = getattr(sync, "last_sync_at", None) or self._last_sync
        self.connection_label.style().unpolish(self.connection_label)
        self.connection_label.style().polish(self.connection_label)
        if pending is not None:
            self._pending = pending
            self.pending_label.setText(pending_words(pending))
        self.last_sync_label.setText(last_sync_words(self._last_sync, self.env.tables.agency.time_zone))

    def _show_refusals(self, sync: Any) -> None:
        """Contacts the server refused, with its findings (rule ID, field, sentence), until handled."""
        from PySide6.QtGui import QStandardItem

        self.refused_model.clear()
        self.refused_model.setHorizontalHeaderLabels(["Contact / finding"])
        refusals = tuple(getattr(sync, "refusals", ()) or ())
        for item in refusals:
            head = QStandardItem(f"Contact {item.id}: {item.message}")
            head.setEditable(False)
            for finding in item.findings:
                row = QStandardItem(f"{finding.rule_id} ({finding.field}): {finding.message}")
                row.setEditable(False)
                head.appendRow(row)
            self.refused_model.appendRow(head)
        self.refused_view.expandAll()
        index = self.tabs.indexOf(self.refused_tab)
        self.tabs.setTabText(
            index, f"Re&fused by server ({len(refusals)})" if refusals else "Re&fused by server"
        )

    def _tick(self) -> None:
        if not self._locked:
            self.drafts_model.refresh_text()

    def _draft_is_urgent(self, stored: StoredContact) -> bool:
        from fieldapp.gui.models import draft_deadline

        deadline = draft_deadline(stored.contact, self.env.tables.agency.time_zone)
        return deadline is not None and (deadline - self.env.now()).total_seconds() < 3600

    # ------------------------------------------------------------------ contacts

    def selected_matter_id(self) -> str | None:
        return self._selected_matter

    def selected_draft(self) -> StoredContact | None:
        index = self.drafts_view.currentIndex()
        return self.drafts_model.contact_at(index.row()) if index.isValid() else None

    def _update_actions(self) -> None:
        unlocked = not self._locked
        has_matter = self._selected_matter is not None and self.caseload is not None
        self.new_action.setEnabled(unlocked and has_matter)
        self.new_contact_button.setEnabled(unlocked and has_matter)
        has_draft = self.selected_draft() is not None
        self.continue_action.setEnabled(unlocked and has_draft)
        self.continue_button.setEnabled(unlocked and has_draft)
        self.sync_action.setEnabled(unlocked and self.env.sync_client is not None and self._sync_op is None)
        if self.env.sync_client is None:
            self.sync_action.setStatusTip("No office server is set up for this profile yet")
        self.refresh_action.setEnabled(unlocked)
        self.enroll_action.setEnabled(
            unlocked and self.env.enroll is not None and self.env.sync_client is None
        )
        self.lock_action.setEnabled(unlocked)

    def new_contact(self) -> None:
        matter_id = self._selected_matter
        if self._locked or matter_id is None:
            return
        from fieldapp.gui import wizard_bridge

        wizard_bridge.start_new_contact(self, self.env, matter_id)

    def continue_draft(self) -> None:
        stored = self.selected_draft()
        if self._locked or stored is None:
            return
        self.open_editor(stored)

    def _open_recent(self, index: QModelIndex) -> None:
        stored = self.recent_model.contact_at(index.row())
        if stored is not None and not self._locked:
            self.open_editor(stored)

    def open_editor(self, stored: StoredContact) -> QWidget | None:
        """Open a contact in the wizard: editable if it is today's draft, read-only otherwise."""
        from fieldapp.gui import wizard_bridge

        for existing in self._editors:
            if wizard_bridge.editor_contact_id(existing) == stored.contact.id:
                existing.show()
                existing.raise_()
                existing.activateWindow()
                return existing
        return wizard_bridge.open_contact(self, self.env, stored)

    def track_editor(self, editor: QWidget) -> None:
        """Keep an open wizard in view of lock, close and refresh."""
        from fieldapp.gui import wizard_bridge

        if editor in self._editors:
            return
        self._editors.append(editor)
        wizard_bridge.connect_editor(self, editor)
        editor.destroyed.connect(lambda *_: self._forget_editor(editor))
        finished = getattr(editor, "finished", None)
        if finished is not None:
            finished.connect(lambda *_: self._forget_editor(editor))
        if self._locked:  # a draft created just before the lock must not show over the lock screen
            editor.hide()
            self._hidden_editors.append(editor)
        self.refresh()  # a new draft now exists: list it under today's drafts

    def adopt_follow_up(self, editor: QWidget) -> None:
        follow = getattr(editor, "follow_up", None)
        if isinstance(follow, QWidget):
            self.track_editor(follow)

    def _forget_editor(self, editor: QWidget) -> None:
        if editor in self._editors:
            self._editors.remove(editor)
            self.refresh()
            # A finished or closed wizard is released (its draft was saved on close): a day of contacts must
            # not pile up hidden wizards. Deleted from the event loop, after its own handlers have run, and
            # Python's cycle collector runs once it is gone so no stale wrapper outlives the C++ widgets.
            if _alive(editor) and not editor.isVisible():
                editor.destroyed.connect(lambda *_: QTimer.singleShot(0, gc.collect))
                editor.deleteLater()

    @property
    def editors(self) -> list[QWidget]:
        return list(self._editors)

    # ------------------------------------------------------------------ sync

    def sync_now(self) -> None:
        self.start_sync(automatic=False)

    def start_sync(self, automatic: bool = False) -> bool:
        """Sync on the op runner with the progress bar and Cancel; `automatic` when the window started it
        because the server became reachable (fieldapp.gui.sync_status). False if a sync cannot start now."""
        client = self.env.sync_client
        if client is None or self._sync_op is not None or self._locked or self._closed:
            return False
        self.sync_progress.setRange(0, 0)
        self.sync_progress.show()
        self.cancel_sync_button.show()
        self.statusBar().showMessage(
            "Office server reachable: syncing by itself…" if automatic else "Syncing…"
        )
        self._sync_automatic = automatic
        if self._auto_sync is not None:
            self._auto_sync.sync_started()

        def run(progress: OpProgress) -> Any:
            return client.sync(progress.report, progress.cancel_event)

        op: Op[Any] = Op(self.env.runner, run, label="Sync", with_progress=True, parent=self)
        self._sync_op = op
        op.progress(self._sync_progressed).success(self._sync_done).cancelled(
            lambda: self.statusBar().showMessage("Sync cancelled; nothing was lost.", 10_000)
        ).failure(self._sync_failed).finally_(self._sync_finished).run()
        self._update_actions()
        return True

    def cancel_sync(self) -> None:
        if self._sync_op is not None:
            self._sync_op.cancel()
            self.cancel_sync_button.setEnabled(False)

    def _sync_progressed(self, done: int, total: int, message: str) -> None:
        self.sync_progress.setRange(0, max(total, 0))
        self.sync_progress.setValue(done)
        if message:
            self.statusBar().showMessage(message)

    def _sync_done(self, report: Any) -> None:
        """Show how the sync ended in words (fieldapp.sync.client.SyncReport)."""
        if self._auto_sync is not None:
            self._auto_sync.sync_finished(report)
        if getattr(report, "unreachable", False):
            self.show_reachability(False)
        elif not getattr(report, "cancelled", False) and not getattr(report, "error", None):
            self._last_sync = getattr(report, "finished_at", None) or self.env.now()  # successful only
            self._show_status(pending=None)  # at once, not only after the refresh that follows
        if getattr(report, "cancelled", False):
            text = "Sync cancelled; nothing was lost. The next sync carries on."
        elif getattr(report, "error", None):
            text = f"Sync stopped: {report.error}. Your contacts are safe in the outbox."
        else:
            refused = len(getattr(report, "refused", ()) or ()) + len(getattr(report, "conflicts", ()) or ())
            text = f"Sync finished: {getattr(report, 'pushed', 0)} sent"
            text += f", {refused} refused (see Refused by server)." if refused else "."
        self.statusBar().showMessage(text, 30_000)

    def _sync_failed(self, error: BaseException) -> None:
        if isinstance(error, OpCancelled):
            return
        self.statusBar().showMessage(f"Sync did not finish: {error}", 30_000)

    def _sync_finished(self) -> None:
        self._sync_op = None
        self.sync_progress.hide()
        self.cancel_sync_button.hide()
        self.cancel_sync_button.setEnabled(True)
        self._sync_automatic = False
        self._update_actions()
        self.refresh()

    def enroll(self) -> None:
        """Sync → Enroll this laptop: server address and the administrator's one-time code."""
        if self.env.enroll is None or self._locked:
            return
        from fieldapp.gui.dialogs import EnrollDialog

        dialog = EnrollDialog(self)
        self.enroll_dialog = dialog
        enroll = self.env.enroll

        def enrolled(_result: object) -> None:
            dialog.accept()
            self.statusBar().showMessage("This laptop is enrolled with the office server.", 15_000)
            self._connect_sync()

        def submit(url: str, code: str) -> None:
            dialog.set_busy(True)
            Op(self.env.runner, lambda: enroll(url, code), label="Enrolling", parent=dialog).success(
                enrolled
            ).failure(dialog.show_error).run()

        dialog.submitted.connect(submit)
        dialog.open()

    # ------------------------------------------------------------------ lock

    def is_locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        """Save every open draft, hide all case data (window content, editors, title), ask for the passphrase."""
        if self._locked:
            return
        self._locked = True
        for editor in list(self._editors):
            save = getattr(editor, "save_now", None)
            if callable(save):
                save()  # queued on the op runner before anything else can happen
            if editor.isVisible():
                self._hidden_editors.append(editor)
                editor.hide()
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        self.caseload_model.load(None)
        self.drafts_model.set_rows([])
        self.recent_model.set_rows([])
        self.due_model.clear()
        self.refused_model.clear()
        self.matter_title.setText("")
        self.setWindowTitle(f"{TITLE} — locked")
        self.stack.setCurrentWidget(self.lock_screen)
        self.statusBar().clearMessage()
        self.lock_screen.reset()
        self.idle.stop()
        self._update_actions()
        self.locked_changed.emit(True)

    def unlock(self) -> None:
        if not self._locked:
            return
        self._locked = False
        self.stack.setCurrentWidget(self.content)
        self.setWindowTitle(TITLE)
        for editor in self._hidden_editors:
            if editor in self._editors:
                editor.show()
        self._hidden_editors.clear()
        self.refresh()
        self.idle.start()
        self._update_actions()
        self.locked_changed.emit(False)

    # ------------------------------------------------------------------ settings and closing

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        if self._selected_matter:
            self.settings.setValue("caseload/last_matter", self._selected_matter)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        for editor in list(self._editors):
            save = getattr(editor, "save_now", None)
            if callable(save):
                save()
            editor.close()
        self.save_settings()
        self.idle.stop()
        self._clock.stop()
        if self._sync_op is not None:
            self._sync_op.cancel()
        if self._auto_sync is not None:
            self._auto_sync.stop()
        event.accept()

    # ------------------------------------------------------------------ errors

    def _show_error_exc(self, error: BaseException) -> None:
        self._show_error("", error)

    def _show_error(self, label: str, error: object) -> None:
        what = f"{label}: " if label else ""
        QMessageBox.warning(self, "fieldapp", f"{what}{error}")


def focus_order(window: MainWindow) -> list[QWidget]:
    """The widgets Tab visits in the content area, in order (tests check it follows the visual order)."""
    order: list[QWidget] = []
    start = window.caseload_view
    w: QWidget = start
    while len(order) <= 200:
        order.append(w)
        nxt = w.nextInFocusChain()
        if nxt is None or nxt is start:
            break
        w = nxt
    return [x for x in order if x.focusPolicy() & Qt.FocusPolicy.TabFocus and x.isVisibleTo(window)]
