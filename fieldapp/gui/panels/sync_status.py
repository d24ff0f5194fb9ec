"""The status bar's sync panel: online or offline, what waits to be sent, the last successful sync, and
the progress bar with Cancel while a sync runs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from fieldapp.app.texts import last_sync_words, pending_words
from fieldapp.gui.forms import child, load_form

CONNECTION_WORDS = {True: "Online", False: "Offline", None: "Office server: not checked yet"}


class SyncStatusPanel(QWidget):
    def __init__(self, time_zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = load_form("panels/sync_status", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
        self.progress = child(form, QProgressBar, "syncProgress")
        self.cancel_button = child(form, QPushButton, "cancelSyncButton")
        self.connection = child(form, QLabel, "connectionLabel")
        self.pending = child(form, QLabel, "pendingLabel")
        self.last_sync = child(form, QLabel, "lastSyncLabel")
        self.progress.hide()
        self.cancel_button.hide()
        self._time_zone = time_zone
        self.pending_count = 0
        self.last_sync_at: datetime | None = None

    def not_connected(self) -> None:
        self._connection("Sync: not connected (no office server set up)", online=False)

    def show_online(self, online: bool | None, tip: str = "") -> None:
        self._connection(CONNECTION_WORDS[online], online=bool(online))
        if tip:
            self.connection.setToolTip(tip)

    def show_counts(self, pending: int | None, last_sync_at: datetime | None) -> None:
        if pending is not None:
            self.pending_count = pending
            self.pending.setText(pending_words(pending))
        self.last_sync_at = last_sync_at or self.last_sync_at
        self.last_sync.setText(last_sync_words(self.last_sync_at, self._time_zone))

    def syncing(self, running: bool) -> None:
        """Progress bar and Cancel while a sync runs (busy until the first count arrives)."""
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(True)
        if running:
            self.progress.setRange(0, 0)

    def progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)

    def _connection(self, text: str, *, online: bool) -> None:
        self.connection.setText(text)
        self.connection.setProperty("class", "online" if online else "offline")
        self.connection.style().unpolish(self.connection)
        self.connection.style().polish(self.connection)
