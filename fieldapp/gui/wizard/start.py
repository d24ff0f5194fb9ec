"""Starting a contact: the on-behalf-of children first (SEL-ONBEHALF), then the kind, then the wizard.

`start_new_contact()` is what the main window calls for "New contact" on a referral or case.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.app.service import ContactService, StoredContact
from fieldapp.app.wizard_flow import (
    KindChoice,
    default_on_behalf,
    kind_choices,
    kind_for_person,
    on_behalf_choices,
    on_behalf_left_out,
    on_behalf_problem,
)
from fieldapp.domain.codetables import CodeTables, load_codetables
from fieldapp.domain.records import Caseload, ContactKind, Matter
from fieldapp.gui.forms import child, fit_title, load_form, load_style
from fieldapp.gui.ops import OpRunner
from fieldapp.gui.widgets.checklist import CheckList
from fieldapp.gui.wizard.wizard import Clock, ContactWizard


class _FormDialog(QDialog):
    def __init__(self, form_name: str, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setStyleSheet(load_style("wizard"))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)  # room for names; scales with font
        fit_title(self)
        layout = QVBoxLayout(self)
        self.form = load_form(form_name, self)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


class OnBehalfDialog(_FormDialog):
    """SEL-ONBEHALF: which children the contact is made on behalf of; all preselected.

    At least one child is required (OK stays disabled with the reason shown); leaving a child out of a
    mandatory contact is allowed but warned about by name."""

    def __init__(
        self,
        matter: Matter,
        chosen: Sequence[str] | None = None,
        mandatory: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("wizard/on_behalf", f"New contact – {matter.name}: on behalf of", parent)
        self.setObjectName("onBehalfDialog")
        self.matter = matter
        self.mandatory = mandatory
        self.child_list = CheckList(child(self.form, QGroupBox, "childrenBox"), on_behalf_choices(matter))
        self.child_list.set_checked(default_on_behalf(matter) if chosen is None else chosen)
        self.finding = child(self.form, QLabel, "onBehalfFinding")
        self.child_list.changed.connect(self._update)
        self.ok.setText("&Continue")
        self._update()
        first = next(iter(self.child_list.boxes.values()), None)
        if first is not None:
            first.setFocus()

    def chosen(self) -> tuple[str, ...]:
        return self.child_list.checked()

    def _update(self) -> None:
        chosen = self.chosen()
        problem = on_behalf_problem(self.matter, chosen)
        left_out = on_behalf_left_out(self.matter, chosen)
        if problem:
            text, severity = problem, "block"
        elif left_out and self.mandatory:
            names = ", ".join(c.label for c in left_out)
            text = (
                f"Check: {names} left out. A mandatory contact is made on behalf of all children. "
                "(SEL-ONBEHALF)"
            )
            severity = "warn"
        else:
            text, severity = "", ""
        self.finding.setText(text)
        self.finding.setProperty("severity", severity)
        self.finding.style().unpolish(self.finding)
        self.finding.style().polish(self.finding)
        self.finding.setVisible(bool(text))
        self.ok.setEnabled(problem is None)


class KindDialog(_FormDialog):
    """The kind of contact: only kinds valid for a referral or a case (SCP only in a case)."""

    def __init__(
        self,
        tables: CodeTables,
        matter: Matter,
        parent: QWidget | None = None,
        *,
        preselect: ContactKind | None = None,
    ) -> None:
        super().__init__("wizard/kind", f"New contact – {matter.name}: kind", parent)
        self.setObjectName("kindDialog")
        box = child(self.form, QGroupBox, "kindsBox")
        layout = box.layout()
        assert layout is not None
        self.group = QButtonGroup(self)
        self.radios: dict[ContactKind, QRadioButton] = {}
        self.choices: tuple[KindChoice, ...] = kind_choices(tables, matter)
        for i, choice in enumerate(self.choices):
            text = choice.label + ("" if choice.available else f" – {choice.reason}")
            radio = QRadioButton(text, box)
            radio.setObjectName(f"kind_{choice.kind.value}")
            radio.setAccessibleName(choice.label)
            radio.setEnabled(choice.available)
            self.group.addButton(radio, i)
            layout.addWidget(radio)
            self.radios[choice.kind] = radio
        self.group.buttonToggled.connect(lambda *_: self._update())
        self.finding = child(self.form, QLabel, "kindFinding")
        self.ok.setText("&Start contact")
        self._update()
        # One kind is always chosen and has the focus, so the arrow keys change it and Enter confirms:
        # the person's kind when the contact was started from a person, else the first available.
        chosen = self.radios.get(preselect) if preselect is not None else None
        if chosen is None or not chosen.isEnabled():
            chosen = next((r for r in self.radios.values() if r.isEnabled()), None)
        if chosen is not None:
            chosen.setChecked(True)
            chosen.setFocus()

    def chosen(self) -> ContactKind | None:
        index = self.group.checkedId()
        return self.choices[index].kind if index >= 0 else None

    def _update(self) -> None:
        ok = self.chosen() is not None
        self.ok.setEnabled(ok)
        self.finding.setText("" if ok else "Choose the kind of contact to continue.")


def start_new_contact(
    parent: QWidget | None,
    service: ContactService,
    caseload: Caseload,
    matter_id: str,
    *,
    runner: OpRunner,
    tables: CodeTables | None = None,
    clock: Clock | None = None,
    person_id: str | None = None,
) -> StartingContact | None:
    """Run the on-behalf dialog and the kind choice (modal), then create the draft on the worker thread.

    `person_id`: the person the worker started from in the caseload; their kind is preselected.

    Returns None if the worker cancelled; otherwise a `StartingContact` whose `wizardReady(ContactWizard)`
    signal fires (and whose wizard is shown) as soon as the service has created the draft.
    """
    tables = tables or load_codetables()
    matter = caseload.matter(matter_id)
    if matter is None:
        raise ValueError(f"referral/case {matter_id} is not in the caseload")
    on_behalf = OnBehalfDialog(matter, parent=parent)
    if on_behalf.exec() != QDialog.DialogCode.Accepted:
        return None
    kind_dialog = KindDialog(tables, matter, parent, preselect=kind_for_person(tables, matter, person_id))
    if kind_dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    kind = kind_dialog.chosen()
    if kind is None:
        return None
    starting = StartingContact(service, caseload, runner, tables, clock, parent)
    starting.start(matter_id, kind, on_behalf.chosen())
    return starting


class StartingContact(QObject):
    """The service call that creates a draft, then the wizard for it (errors arrive as `failed(str)`)."""

    wizardReady = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        service: ContactService,
        caseload: Caseload,
        runner: OpRunner,
        tables: CodeTables,
        clock: Clock | None,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.service, self.caseload, self.runner, self.tables, self.clock = (
            service,
            caseload,
            runner,
            tables,
            clock,
        )
        self.parent_widget = parent
        self.wizard: ContactWizard | None = None

    def start(self, matter_id: str, kind: ContactKind, children: Sequence[str]) -> None:
        self.runner.call(
            lambda: self.service.start_contact(matter_id, kind, tuple(children)),
            self._started,
            lambda e: self.failed.emit(f"The contact could not be started: {e}"),
            label="Start contact",
        )

    def _started(self, stored: StoredContact) -> None:
        self.wizard = open_contact(
            self.parent_widget,
            self.service,
            self.caseload,
            stored,
            runner=self.runner,
            tables=self.tables,
            clock=self.clock,
        )
        self.wizardReady.emit(self.wizard)


def open_contact(
    parent: QWidget | None,
    service: ContactService,
    caseload: Caseload,
    stored: StoredContact,
    *,
    runner: OpRunner,
    tables: CodeTables | None = None,
    clock: Clock | None = None,
) -> ContactWizard:
    """Open (and show) the wizard on a stored contact: a draft to continue, or a frozen one to read."""
    wizard = ContactWizard(
        service, stored, caseload=caseload, runner=runner, tables=tables, clock=clock, parent=parent
    )
    wizard.show()
    return wizard
