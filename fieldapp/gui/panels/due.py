"""What is still due this month for the caseload (the compliance measures, SUP-ALERTS)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from fieldapp.gui.forms import child, load_form


class DuePanel(QWidget):
    def __init__(self, available: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = load_form("panels/due", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
        self.label = child(form, QLabel, "dueLabel")
        self.view = child(form, QTableView, "dueView")
        self.model = QStandardItemModel(self)
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.verticalHeader().setVisible(False)
        # wrapped rows need their heights recomputed once the columns have their final widths
        self.view.horizontalHeader().sectionResized.connect(lambda *_: self.view.resizeRowsToContents())
        self.available = available
        if not available:
            # The compliance measures are not part of this build: say so rather than show an empty list.
            self.label.setText(
                "The monthly compliance measures are not available in this version of fieldapp."
            )
            self.view.hide()

    def working(self) -> None:
        if self.available and self.model.rowCount() == 0:
            self.label.setText("Working out what is still due this month…")

    def clear(self) -> None:
        self.model.clear()

    def show_due(self, due: list[tuple[str, str, str]]) -> None:
        self.model.clear()
        self.model.setHorizontalHeaderLabels(["Referral / case", "Who", "What is still due"])
        for matter_name, who, what in due:
            items = [QStandardItem(matter_name), QStandardItem(who), QStandardItem(what)]
            for item in items:
                item.setEditable(False)
                item.setToolTip(item.text())
            self.model.appendRow(items)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.resizeRowsToContents()
        if self.available:
            self.label.setText(
                "What is still due this month:" if due else "Nothing is due this month for your caseload."
            )
