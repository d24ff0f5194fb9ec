"""The caseload panel: referrals and cases with the people in each and their roles."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtWidgets import QTreeView, QVBoxLayout, QWidget

from fieldapp.domain.records import Caseload
from fieldapp.gui.forms import child, load_form
from fieldapp.gui.models import MATTER_ID_ROLE, PERSON_ID_ROLE, CaseloadModel


class CaseloadPanel(QWidget):
    """`matter_selected(matter_id)` when the worker selects a referral or case (or one of its people)."""

    matter_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = load_form("panels/caseload", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
        self.view = child(form, QTreeView, "caseloadTree")
        self.model = CaseloadModel(self)
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.selectionModel().currentChanged.connect(self._current_changed)

    def show_caseload(self, caseload: Caseload | None, select: str | None) -> None:
        """Fill the tree (None empties it) and select `select`, else the first referral or case."""
        self.model.load(caseload)
        if caseload is None:
            return
        self.view.expandToDepth(0)
        index = self.model.index_of_matter(select) if select else QModelIndex()
        if not index.isValid() and self.model.rowCount() and self.model.item(0).rowCount():
            index = self.model.item(0).child(0).index()
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self._current_changed(index, QModelIndex())

    def selected_person(self) -> str | None:
        """The person the worker is on in the tree (None on a referral or case itself): a new contact
        started from a person has that person's kind preselected (fieldapp.gui.wizard.start)."""
        person_id = self.view.currentIndex().data(PERSON_ID_ROLE)
        return str(person_id) if person_id else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        matter_id = current.data(MATTER_ID_ROLE) if current.isValid() else None
        if not matter_id:
            return
        # the people of the selected referral/case and their roles
        self.view.expand(current if current.data(PERSON_ID_ROLE) is None else current.parent())
        self.matter_selected.emit(str(matter_id))
