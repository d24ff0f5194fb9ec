"""The worker's main window: it assembles the panels (fieldapp.gui.panels) and the lock screen, holds the
menus, and carries out what the worker asks through the named operations (fieldapp.gui.operations).

Everything the window knows comes from the application service through the op runner (one worker
thread); the window only shows it. Nothing here talks SQL or decides policy.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Protocol

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from fieldapp.app.overview import Overview
from fieldapp.app.service import ContactService, StoredContact
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Caseload, ContactState
from fieldapp.gui import operations
from fieldapp.gui.forms import child, load_form, restore_layout
from fieldapp.gui.lock import IdleWatcher, LockKey, LockScreen
from fieldapp.gui.models import kind_text, matter_text
from fieldapp.gui.ops import Op, OpCancelled, OpRunner
from fieldapp.gui.ops import _qt_alive as _alive
from fieldapp.gui.panels.caseload import CaseloadPanel
from fieldapp.gui.panels.contacts import DraftOfferDialog, DraftsPanel, RecentPanel
from fieldapp.gui.panels.due import DuePanel
from fieldapp.gui.panels.refused import RefusedPanel
from fieldapp.gui.panels.sync_status import SyncStatusPanel
from fieldapp.gui.widgets.painted import WhenPainted

log = logging.getLogger(__name__)

TITLE = "fieldapp"
OPENING = "Opening your caseload…"


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
    """Blocking; returns (sync_client, sync_status) when the laptop is enrolled, else None."""
    enroll: Callable[[str, str], None] | None = None
    profile_label: str = ""
    compliance: Callable[[Caseload, datetime], list[tuple[str, str, str]]] | None = None
    sync_probe_seconds: float = 30.0
    """How often the office server is asked whether it answers (fieldapp.gui.sync_status)."""


class MainWindow(QMainWindow):
    """The worker's home screen. `start()` shows it on the profile (closes ended days, offers drafts)."""

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
        self._sync_automatic = False
        self._auto_sync: Any = None  # fieldapp.gui.sync_status.AutoSyncController once enrolled
        self._offer_drafts_pending = False
        self._select_recent: str | None = None  # the contact just finalized, selected once listed
        self._first_load = True
        self._closed = False  # after close, late results are dropped and nothing new is queued
        self.starting: object | None = None  # the new-contact start in flight (fieldapp.gui.wizard)
        self.setObjectName("mainWindow")
        self.setWindowTitle(TITLE)
        self.setAccessibleName("fieldapp main window")

        self._assemble_panels()
        self._build_actions()
        self.lock_screen = LockScreen(env.runner, env.verify_unlock, self)
        self.lock_screen.unlocked.connect(self.unlock)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)

        minutes = self.settings.value("lock/idle_minutes", env.tables.agency.idle_lock_minutes)
        self.idle = IdleWatcher(float(str(minutes)), self)
        self.idle.idle.connect(self.lock)
        # Ctrl+L from whatever window or dialog of the app has the keyboard (fieldapp.gui.lock.LockKey)
        self.lock_key = LockKey(self.lock_action.shortcut, lambda: not (self._locked or self._closed), self)
        self.lock_key.pressed.connect(self.lock)
        env.runner.unhandled_error.connect(self._show_error)

        self._clock = QTimer(self)  # keeps "time left today" honest while the window is open
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self._tick)
        restore_layout(self, self.splitter, self.tabs, self.settings)
        self._update_actions()

    # ------------------------------------------------------------------ building

    def _assemble_panels(self) -> None:
        """The window's form holds the layout (splitter, the selected matter's header, tabs); each panel
        goes into its place in it, and the sync panel into the status bar."""
        self.content = load_form("main_window", self)
        self.splitter = child(self.content, QSplitter, "splitter")
        self.tabs = child(self.content, QTabWidget, "tabs")
        self.refused_tab = child(self.content, QWidget, "refusedTab")
        self.matter_title = child(self.content, QLabel, "matterTitle")
        self.new_contact_button = child(self.content, QPushButton, "newContactButton")
        self.continue_button = child(self.content, QPushButton, "continueDraftButton")
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        tables, now = self.env.tables, self.env.now

        def caseload() -> Caseload | None:
            return self.caseload

        self.caseload_panel = CaseloadPanel()
        self.drafts_panel = DraftsPanel(tables, caseload, now)
        self.recent_panel = RecentPanel(tables, caseload)
        self.due_panel = DuePanel(available=self.env.compliance is not None)
        self.refused_panel = RefusedPanel()
        self.sync_panel = SyncStatusPanel(tables.agency.time_zone, self)
        for place, panel in (
            ("caseloadPane", self.caseload_panel),
            ("draftsPane", self.drafts_panel),
            ("recentTab", self.recent_panel),
            ("dueTab", self.due_panel),
            ("refusedTab", self.refused_panel),
        ):
            slot = child(self.content, QWidget, place).layout()
            assert slot is not None, f"{place} has a layout in main_window.ui"
            slot.addWidget(panel)
        self.statusBar().addPermanentWidget(self.sync_panel)
        # Tab follows the visual order: caseload, the matter's buttons, drafts, then the tabs and their panels
        order = [
            self.caseload_panel.view,
            self.new_contact_button,
            self.continue_button,
            self.drafts_panel.view,
            self.tabs,
            self.recent_panel.view,
            self.due_panel.view,
            self.refused_panel.view,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

        self.caseload_panel.matter_selected.connect(self._matter_selected)
        self.drafts_panel.opened.connect(self.open_editor)
        self.drafts_panel.selection_changed.connect(self._update_actions)
        self.recent_panel.opened.connect(self._open_recent)
        self.new_contact_button.clicked.connect(self.new_contact)
        self.continue_button.clicked.connect(self.continue_draft)
        self._show_status(pending=None)

        # the panels' views and models by name (tests, the focus order, the wizard)
        self.caseload_view, self.caseload_model = self.caseload_panel.view, self.caseload_panel.model
        self.when_painted = WhenPainted(self.caseload_view.viewport())
        """Work that follows the caseload on screen (the still-due list, the sync client, the wizard's
        modules) starts once it has been drawn, never competing with drawing it."""
        self.drafts_view, self.drafts_model = self.drafts_panel.view, self.drafts_panel.model
        self.recent_view, self.recent_model = self.recent_panel.view, self.recent_panel.model
        self.due_view, self.due_model, self.due_label = (
            self.due_panel.view,
            self.due_panel.model,
            self.due_panel.label,
        )
        self.refused_view, self.refused_model = self.refused_panel.view, self.refused_panel.model
        self.connection_label, self.pending_label = self.sync_panel.connection, self.sync_panel.pending
        self.last_sync_label, self.sync_progress = self.sync_panel.last_sync, self.sync_panel.progress
        self.cancel_sync_button = self.sync_panel.cancel_button
        self.cancel_sync_button.clicked.connect(self.cancel_sync)

    def _build_actions(self) -> None:
        """The menus; a new action is one `add_action` into the menu it belongs to."""
        menubar = self.menuBar()
        self.file_menu = menubar.addMenu("&File")
        self.contact_menu = menubar.addMenu("&Contact")
        self.sync_menu = menubar.addMenu("S&ync")
        self.refresh_action = self.add_action(
            self.file_menu, "&Refresh", "Ctrl+R", self.refresh, "Read the caseload and drafts again"
        )
        self.file_menu.addSeparator()
        self.lock_action = self.add_action(
            self.file_menu,
            "&Lock",
            "Ctrl+L",
            self.lock,
            "Hide all case data until your passphrase is entered",
        )
        self.quit_action = self.add_action(
            self.file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close, "Save open drafts and quit"
        )
        self.new_action = self.add_action(
            self.contact_menu,
            "&New contact…",
            "Ctrl+N",
            self.new_contact,
            "Start a contact in the selected referral or case",
        )
        self.continue_action = self.add_action(
            self.contact_menu, "&Continue draft", "Ctrl+O", self.continue_draft, "Continue the selected draft"
        )
        self.sync_action = self.add_action(
            self.sync_menu, "&Sync now", "F5", self.sync_now, "Send final contacts to the office server"
        )
        self.enroll_action = self.add_action(
            self.sync_menu,
            "&Enroll this laptop…",
            None,
            self.enroll,
            "Connect this laptop to the office server with a one-time code",
        )
        from fieldapp.gui import printing  # File → Print contact sheet…, Contact → Print contact… (Ctrl+P)

        self.print_actions = printing.PrintActions(
            self, self.selected_matter_id, lambda: printing.current_contact(self.recent_view)
        )

    def add_action(
        self,
        menu: Any,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        slot: Callable[[], Any],
        tip: str,
    ) -> QAction:
        """An action in `menu` (and on the window, so its shortcut works wherever the focus is)."""
        act = QAction(text, self)
        act.setStatusTip(tip)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            native = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip} ({native})")
        act.triggered.connect(slot)
        self.addAction(act)
        menu.addAction(act)
        return act

    # ------------------------------------------------------------------ opening and refreshing

    def start(self, overview: Overview | None = None) -> None:
        """Show the caseload: `overview` when it was read behind the unlock screen (fieldapp.app.start),
        else read it now (closing drafts whose business day ended, NAR-SAMEDAY); then offer open drafts."""
        self._offer_drafts_pending = True
        self.idle.start()
        self._clock.start()
        if overview is not None:
            self._show_overview(overview)
            return
        self.statusBar().showMessage(OPENING)
        operations.open_caseload(
            self.env.runner, self.env.service, self.env.sync_status, parent=self
        ).success(self._show_overview).failure(self._show_error_exc).run()

    def refresh(self) -> None:
        if self._locked or self._closed:
            return
        operations.refresh_caseload(
            self.env.runner, self.env.service, self.env.sync_status, parent=self
        ).success(self._show_overview).failure(self._show_error_exc).run()

    def _show_overview(self, overview: Overview) -> None:
        if self._locked or self._closed:
            return  # data arrived after locking: do not show it; unlock refreshes
        self.caseload = overview.caseload
        self.setWindowTitle(f"{TITLE} — {overview.caseload.worker.full_name}")
        remembered = self._selected_matter or str(self.settings.value("caseload/last_matter", "") or "")
        self.drafts_panel.set_rows(overview.drafts)
        self._show_status(pending=overview.outbox, sync=overview.sync)
        refused = self.refused_panel.show_refusals(overview.sync)
        self.tabs.setTabText(
            self.tabs.indexOf(self.refused_tab),
            f"Refused &by server ({refused})" if refused else "Refused &by server",
        )
        if self._first_load:
            self._first_load = False
            caseload = overview.caseload
            self.due_panel.working()
            self.when_painted.run(lambda: self._follow_first_paint(caseload))
        else:
            self._load_due(overview.caseload)
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
        self.caseload_panel.show_caseload(overview.caseload, remembered)
        self._update_actions()
        self.loaded.emit()
        if self._offer_drafts_pending:
            self._offer_drafts_pending = False
            if overview.drafts:
                self.offer_drafts(overview.drafts)

    def offer_drafts(self, drafts: list[StoredContact]) -> DraftOfferDialog:
        dialog = DraftOfferDialog(drafts, self.caseload, self.env.tables, self.env.now(), self)
        self.draft_offer = dialog

        def chosen(result: int) -> None:
            if result == QDialog.DialogCode.Accepted and (cid := dialog.chosen_id()):
                stored = next((s for s in drafts if s.contact.id == cid), None)
                if stored is not None:
                    self.open_editor(stored)

        dialog.finished.connect(chosen)
        dialog.open()
        return dialog

    def _matter_selected(self, matter_id: str) -> None:
        matter = self.caseload.matter(matter_id) if self.caseload is not None else None
        if matter is None or self._closed:
            return
        self._selected_matter = matter_id
        self.settings.setValue("caseload/last_matter", matter_id)
        self.matter_title.setText(matter_text(matter))
        self._update_actions()
        operations.read_recent_contacts(self.env.runner, self.env.service, matter_id, parent=self).success(
            lambda rows: self._show_recent(matter_id, rows)
        ).failure(self._show_error_exc).run()

    def _show_recent(self, matter_id: str, rows: list[StoredContact]) -> None:
        if self._locked or matter_id != self._selected_matter:
            return
        self.recent_panel.set_rows(rows)
        if self._select_recent is not None and self.recent_panel.select_contact(self._select_recent):
            self._select_recent = None

    def _follow_first_paint(self, caseload: Caseload) -> None:
        """The still-due list and the sync client, once the first caseload is drawn (unless closed since)."""
        if self._closed:
            return
        self._load_due(caseload)
        self._connect_sync()

    def _load_due(self, caseload: Caseload) -> None:
        """The still-due list reads every contact of the month: it follows the usable window, never delays it."""
        compliance = self.env.compliance
        if compliance is None:
            return
        self.due_panel.working()
        operations.work_out_still_due(
            self.env.runner, compliance, caseload, self.env.now(), parent=self
        ).success(
            lambda rows: None if (self._locked or self._closed) else self.due_panel.show_due(rows)
        ).failure(self._show_error_exc).run()

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

        operations.connect_sync(self.env.runner, connect, parent=self).success(connected).failure(
            self._show_error_exc
        ).run()

    def _start_auto_sync(self) -> None:
        """Watch the office server (off the GUI thread) when the sync side can probe it."""
        probe = getattr(self.env.sync_client, "reachable", None)
        if probe is None or self._auto_sync is not None or self._closed:
            return
        from fieldapp.gui.sync_status import AutoSyncController

        self._auto_sync = AutoSyncController(self, probe, self.env.sync_probe_seconds)
        self._auto_sync.start()

    def _show_status(self, pending: int | None, sync: Any = None) -> None:
        panel = self.sync_panel
        if self.env.sync_client is None:
            panel.not_connected()
        elif sync is not None:
            online = getattr(sync, "online", None)
            if self._auto_sync is not None:
                online = self._auto_sync.online  # the probes' word, delivered in order on this thread
            panel.show_online(online)
        panel.show_counts(pending, getattr(sync, "last_sync_at", None))

    def _tick(self) -> None:
        if not self._locked:
            self.drafts_panel.clock_ticked()

    # the window's side of AutoSyncController (GUI thread)

    def show_reachability(self, online: bool) -> None:
        self.sync_panel.show_online(
            online,
            "The office server answers." if online else "The office server cannot be reached; work goes on.",
        )

    def pending_count(self) -> int:
        return self.sync_panel.pending_count

    def sync_running(self) -> bool:
        return self._sync_op is not None

    def is_automatic_sync(self) -> bool:
        return self._sync_op is not None and self._sync_automatic

    # ------------------------------------------------------------------ contacts

    def selected_matter_id(self) -> str | None:
        return self._selected_matter

    def selected_draft(self) -> StoredContact | None:
        return self.drafts_panel.selected()

    def _update_actions(self) -> None:
        unlocked = not self._locked
        has_matter = self._selected_matter is not None and self.caseload is not None
        self.new_action.setEnabled(unlocked and has_matter)
        self.new_contact_button.setEnabled(unlocked and has_matter)
        has_draft = self.selected_draft() is not None
        self.continue_action.setEnabled(unlocked and has_draft)
        self.continue_button.setEnabled(unlocked and has_draft)
        # with no office server F5 stays live: it says so and offers enrolling
        self.sync_action.setEnabled(unlocked and self._sync_op is None)
        if self.env.sync_client is None:
            self.sync_action.setStatusTip(
                "No office server is set up for this laptop yet: F5 offers enrolling"
            )
        else:
            self.sync_action.setStatusTip("Send final contacts to the office server")
        self.refresh_action.setEnabled(unlocked)
        self.enroll_action.setEnabled(
            unlocked and self.env.enroll is not None and self.env.sync_client is None
        )
        self.lock_action.setEnabled(unlocked)

    def new_contact(self) -> None:
        """On-behalf dialog, kind, then the wizard once the service has created the draft (SEL-ONBEHALF
        first). Started from a person in the caseload, that person's kind is preselected."""
        matter_id = self._selected_matter
        if self._locked or matter_id is None or self.caseload is None:
            return
        from fieldapp.gui import wizard

        env = self.env
        starting = wizard.start_new_contact(
            self,
            env.service,
            self.caseload,
            matter_id,
            runner=env.runner,
            tables=env.tables,
            clock=env.now,
            person_id=self.caseload_panel.selected_person(),
        )
        if starting is None:
            return  # the worker cancelled one of the start dialogs
        self.starting = starting
        starting.wizardReady.connect(self.track_editor)
        starting.failed.connect(lambda message: QMessageBox.warning(self, "New contact", message))

    def continue_draft(self) -> None:
        stored = self.selected_draft()
        if self._locked or stored is None:
            return
        self.open_editor(stored)

    def _open_recent(self, stored: StoredContact) -> None:
        if not self._locked:
            self.open_editor(stored)

    def open_editor(self, stored: StoredContact) -> QWidget | None:
        """Open a contact in the wizard: editable if it is today's draft, read-only otherwise."""
        if self._locked or self.caseload is None:
            return None
        for existing in self._editors:
            if getattr(getattr(existing, "stored", None), "contact", None) is not None and (
                existing.stored.contact.id == stored.contact.id  # type: ignore[attr-defined]
            ):
                existing.show()
                existing.raise_()
                existing.activateWindow()
                return existing
        from fieldapp.gui import wizard

        env = self.env
        editor = wizard.open_contact(
            self, env.service, self.caseload, stored, runner=env.runner, tables=env.tables, clock=env.now
        )
        from fieldapp.gui import printing

        printing.attach_contact_print(editor, env)  # Ctrl+P in the read-only view
        self.track_editor(editor)
        return editor

    def track_editor(self, editor: QWidget) -> None:
        """Keep an open wizard in view of lock, close and refresh: the lists are read again when a draft
        is saved, finalized, or replaced by a subsequent contact; Ctrl+L locks from the wizard's own
        window too (a window shortcut is live in each window it is on)."""
        if editor in self._editors:
            return
        self._editors.append(editor)
        editor.addAction(self.lock_action)
        for name in ("draftSaved", "contactSaved"):
            signal = getattr(editor, name, None)
            if signal is not None:
                signal.connect(lambda *_: self.refresh())
        finalized = getattr(editor, "contactSaved", None)
        if finalized is not None:
            finalized.connect(self.confirm_final)
        subsequent = getattr(editor, "subsequentRequested", None)
        if subsequent is not None:
            # emitted just before the follow-up wizard exists: adopt it once the event loop turns
            subsequent.connect(lambda *_: QTimer.singleShot(0, lambda: self.adopt_follow_up(editor)))
        editor.destroyed.connect(lambda *_: self._forget_editor(editor))
        finished = getattr(editor, "finished", None)
        if finished is not None:
            finished.connect(lambda *_: self._forget_editor(editor))
        if self._locked:  # a draft created just before the lock must not show over the lock screen
            editor.hide()
            self._hidden_editors.append(editor)
        self.refresh()  # a new draft now exists: list it under today's drafts

    def confirm_final(self, stored: StoredContact) -> None:
        """Say plainly what finalizing did, and select the contact in the recent list once it is read."""
        if self._closed:
            return
        kind = kind_text(self.env.tables, stored)
        matter = self.caseload.matter(stored.contact.context_id) if self.caseload else None
        where = f" in {matter.name}" if matter else ""
        # short enough for the status bar at 1366 px beside the sync panel, which counts what waits
        self.statusBar().showMessage(f"Final: saved and queued to sync – {kind}{where}.", 60_000)
        self._select_recent = stored.contact.id

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
        """F5: sync, or, with no office server set up yet, say so and offer to enroll this laptop."""
        if self._locked or self._closed:
            return
        if self.env.sync_client is None:
            self.offer_enrolling()
            return
        self.start_sync(automatic=False)

    def offer_enrolling(self) -> QMessageBox:
        """No office server is set up: F5 says so rather than do nothing, and offers the enroll dialog."""
        box = QMessageBox(self)
        box.setObjectName("noServerBox")
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("No office server yet")
        box.setText("No office server is set up for this laptop yet, so there is nothing to sync with.")
        can_enroll = self.env.enroll is not None
        box.setInformativeText(
            "Your final contacts are kept safely on this laptop until then. To set it up you need the "
            "office server's address and a one-time code from your administrator."
            if can_enroll
            else "Your final contacts are kept safely on this laptop. Ask your administrator to set up "
            "the office server."
        )
        enroll = (
            box.addButton("&Enroll this laptop…", QMessageBox.ButtonRole.AcceptRole) if can_enroll else None
        )
        later = box.addButton("&Not now" if can_enroll else "&OK", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(enroll or later)
        box.setEscapeButton(later)
        self.no_server_box = box

        def answered() -> None:
            if enroll is not None and box.clickedButton() is enroll:
                self.enroll()

        box.finished.connect(lambda _r: answered())
        box.open()
        return box

    def start_sync(self, automatic: bool = False) -> bool:
        """Sync on the op runner with the progress bar and Cancel; `automatic` when the window started it
        because the server became reachable (fieldapp.gui.sync_status). False if a sync cannot start now."""
        client = self.env.sync_client
        if client is None or self._sync_op is not None or self._locked or self._closed:
            return False
        self.sync_panel.syncing(True)
        self.statusBar().showMessage(
            "Office server reachable: syncing by itself…" if automatic else "Syncing…"
        )
        self._sync_automatic = automatic
        if self._auto_sync is not None:
            self._auto_sync.sync_started()
        op = operations.sync_with_office(self.env.runner, client, parent=self)
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
        self.sync_panel.progressed(done, total)
        if message:
            self.statusBar().showMessage(message)

    def _sync_done(self, report: Any) -> None:
        """Show how the sync ended in words (fieldapp.sync.client.SyncReport)."""
        if self._auto_sync is not None:
            self._auto_sync.sync_finished(report)
        if getattr(report, "unreachable", False):
            self.show_reachability(False)
        elif not getattr(report, "cancelled", False) and not getattr(report, "error", None):
            # successful only: the last sync moves at once, not only after the refresh that follows
            self.sync_panel.show_counts(None, getattr(report, "finished_at", None) or self.env.now())
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
        self.sync_panel.syncing(False)
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
            operations.enroll_laptop(self.env.runner, enroll, url, code, parent=dialog).success(
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
        # every dialog of the app, the modal ones started from here and the print dialogs alike
        for dialog in {*self.findChildren(QDialog), *QApplication.topLevelWidgets()}:
            if isinstance(dialog, QDialog) and dialog.isVisible():
                dialog.reject()
        self.caseload_panel.show_caseload(None, None)
        self.drafts_panel.set_rows([])
        self.recent_panel.set_rows([])
        self.due_panel.clear()
        self.refused_panel.clear()
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
