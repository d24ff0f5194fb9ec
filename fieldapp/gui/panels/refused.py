"""Contacts the office server refused, with its findings (rule ID, field, sentence), until handled."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QTreeView, QVBoxLayout, QWidget

from fieldapp.gui.forms import child, load_form


class RefusedPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = load_form("panels/refused", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
        self.view = child(form, QTreeView, "refusedView")
        self.model = QStandardItemModel(self)
        self.view.setModel(self.model)
        self.label = child(form, QLabel, "refusedLabel")

    def clear(self) -> None:
        self.model.clear()

    def show_refusals(self, sync: Any) -> int:
        """Show the refusals of a sync status (fieldapp.sync.status.SyncStatus); returns how many."""
        self.model.clear()
        self.model.setHorizontalHeaderLabels(["Contact / finding"])
        refusals = tuple(getattr(sync, "refusals", ()) or ())
        for item in refusals:
            head = QStandardItem(f"Contact {item.id}: {item.message}")
            head.setEditable(False)
            for finding in item.findings:
                row = QStandardItem(f"{finding.rule_id} ({finding.field}): {finding.message}")
                row.setEditable(False)
                head.appendRow(row)
            self.model.appendRow(head)
        self.view.expandAll()
        self.label.setText(
            "Contacts the office server refused, with its findings:"
            if refusals
            else "The office server has refused no contact: nothing here yet."
        )
        return len(refusals)
