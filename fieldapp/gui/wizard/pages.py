"""The wizard's pages: each loads its form from ui/wizard/, shows the contact, and reports edits.

A page never decides anything: what to offer, what to show and whether Next is allowed all come from the
wizard's `ContactFlow`. Each page owns the finding labels of its fields (`<field>Finding` in the form) and
a banner that says in words why Next or Finalize is unavailable.
"""

from __future__ import annotations

import html
import itertools
import logging
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime, QTimer
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)
from shiboken6 import delete as shiboken_delete  # ships with PySide6

from fieldapp.app.narrative_marks import SPELLING, SPELLING_WHY, NarrativeMark, narrative_marks
from fieldapp.app.spelling import Speller, load_speller, loaded_speller, names_in
from fieldapp.app.wizard_flow import (
    PAGE_FIELDS,
    PAGE_TITLES,
    Choice,
    NarrativeMode,
    Step,
    field_root,
    field_words,
    page_of_field,
    role_words,
    step_title,
)
from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import (
    ClosureException,
    ClosureExceptionKind,
    Contact,
    FaxDetails,
    Initiator,
    LawEnforcementAssessment,
    OtherParty,
    PrimaryWorkerException,
    ReturnedMail,
)
from fieldapp.gui.forms import child, load_form
from fieldapp.gui.ops import Op
from fieldapp.gui.widgets.checklist import CheckList
from fieldapp.gui.wizard.narrative_edit import MarkHighlighter, NarrativeEdit, SpellingAt

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from fieldapp.gui.wizard.wizard import ContactWizard


CLIENT_INITIATED = "client_initiated"
"""The closure box's choice that records Contact.initiated_by = client (CLS-CLOSED), not an exception kind."""


def severity_word(finding: Finding) -> str:
    """In words, not only in colour or an icon: "Must fix" blocks finalizing, "Check" is a warning."""
    return "Must fix" if finding.severity is Severity.BLOCK else "Check"


def finding_text(finding: Finding) -> str:
    """The sentence first; the rule ID after it, for the supervisor and the help desk."""
    return f"{severity_word(finding)}: {finding.message} ({finding.rule_id})"


def finding_html(finding: Finding) -> str:
    """As `finding_text`, with the rule ID small and grey so the sentence is what is read."""
    return (
        f"{severity_word(finding)}: {html.escape(finding.message, quote=False)} "
        f"<small style='color:#666666; font-weight:normal'>{html.escape(finding.rule_id)}</small>"
    )


def set_combo(combo: QComboBox, code: str | None) -> None:
    """Select the item whose data is `code` (or none) without emitting a change."""
    index = combo.findData(code) if code is not None else -1
    if combo.currentIndex() != index:
        combo.blockSignals(True)
        combo.setCurrentIndex(index)
        combo.blockSignals(False)


def fill_combo(combo: QComboBox, choices: Sequence[Choice], placeholder: str = "Choose…") -> None:
    combo.blockSignals(True)
    combo.clear()
    combo.setPlaceholderText(placeholder)
    for c in choices:
        combo.addItem(c.label, c.code)
    combo.setCurrentIndex(-1)
    combo.blockSignals(False)


def set_text(edit: QLineEdit, text: str) -> None:
    if edit.text() != text:
        edit.blockSignals(True)
        edit.setText(text)
        edit.blockSignals(False)


class FlowPage(QWizardPage):
    """Base of every page: the loaded form in a scroll area, the frozen notice and the reason banner."""

    step: Step
    form_name: str

    def __init__(self, wizard: ContactWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(step_title(self.step))
        self.setObjectName(f"page_{self.step.name.lower()}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.frozen = QWidget(self)
        self.frozen.setObjectName("frozenNotice")
        frozen_row = QHBoxLayout(self.frozen)
        self.frozen_label = QLabel(self.frozen)
        self.frozen_label.setWordWrap(True)
        self.frozen_label.setProperty("class", "notice")
        self.frozen_label.setAccessibleName("Why this contact cannot be edited")
        self.subsequent_button = QPushButton("Start a &new contact linked to this one", self.frozen)
        self.subsequent_button.setAccessibleName("Start a new contact linked to this one")
        self.subsequent_button.clicked.connect(self.wiz.start_subsequent)
        frozen_row.addWidget(self.frozen_label, 1)
        frozen_row.addWidget(self.subsequent_button)
        self.frozen.hide()
        outer.addWidget(self.frozen)
        self.form = load_form(f"wizard/{self.form_name}")
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)
        outer.addWidget(scroll, 1)
        self.banner = QLabel(self)
        self.banner.setObjectName("blockBanner")
        self.banner.setWordWrap(True)
        self.banner.setProperty("class", "blockBanner")
        self.banner.setAccessibleName("Why you cannot continue")
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.banner.linkActivated.connect(self.wiz.go_to_field)
        self.banner.hide()
        outer.addWidget(self.banner)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("saveStatus")
        self.status_label.setAccessibleName("Save status")
        self.status_label.setProperty("class", "status")
        outer.addWidget(self.status_label)
        self.finding_labels: dict[str, QLabel] = {}
        for field in PAGE_FIELDS[self.step]:
            label = self.form.findChild(QLabel, f"{field}Finding")
            if label is not None:
                label.hide()
                self.finding_labels[field] = label
        self.controls_for: dict[str, QWidget] = {}
        self._shown_findings: dict[str, tuple[tuple[Finding, ...], str]] = {}
        for group in self.form.findChildren(QGroupBox):
            group.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.build()
        self.chain_tab_order()
        for edit in self.form.findChildren(QDateTimeEdit):
            edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Tab leaves a date/time field as a whole (Qt's default walks its sections: month, day, year, hour,
        minute, five Tabs to get past it); the sections fill in as digits are typed, or with the arrows.
        Tabbing into a date *and* time field selects the hour: the time is what a worker corrects most
        (the date is today), typed in one go ("1030"); Home goes to the date."""
        if (
            isinstance(watched, QDateTimeEdit)
            and event.type() == QEvent.Type.FocusIn
            and isinstance(event, QFocusEvent)
            and event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
            and watched.displayedSections() & QDateTimeEdit.Section.HourSection
            and watched.displayedSections() & QDateTimeEdit.Section.DaySection
        ):
            QTimer.singleShot(
                0, watched, lambda: watched.setSelectedSection(QDateTimeEdit.Section.HourSection)
            )
            return False
        if (
            isinstance(watched, QDateTimeEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            and not event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            backwards = event.key() == Qt.Key.Key_Backtab or bool(
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            if backwards:
                self.wiz.focusPreviousChild()
            else:
                self.wiz.focusNextChild()
            return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ to override

    def build(self) -> None:
        """Fill choices and connect the form's controls."""

    def load(self, contact: Contact) -> None:
        """Show `contact` in the controls without emitting edits."""

    # ------------------------------------------------------------------ shared

    def c(self, cls: type[Any], name: str) -> Any:
        return child(self.form, cls, name)

    def validatePage(self) -> bool:
        """Programmatic next() (and Enter) obey the same rule as the Next button."""
        self.wiz.flush_checks()
        return self.isComplete()

    def isComplete(self) -> bool:
        if not self.wiz.editable:
            return self.step is not Step.REVIEW  # a frozen contact can be read page by page, not finalized
        return self.wiz.flow.can_leave(self.step, self.wiz.contact, self.wiz.findings)

    def show_findings(self, findings: Sequence[Finding]) -> None:
        mine = self.wiz.flow.page_findings(self.step, self.wiz.contact, findings)
        by_field: dict[str, list[Finding]] = {}
        for f in mine:
            by_field.setdefault(field_root(f.field), []).append(f)
        for field, label in self.finding_labels.items():
            # calm checking: a field's findings show once the worker has touched it or asked to go on
            items = by_field.get(field, []) if self.wiz.is_revealed(field) else []
            severity = "block" if any(f.severity is Severity.BLOCK for f in items) else "warn"
            shown = (tuple(items), severity)
            if self._shown_findings.get(field) == shown:
                continue  # unchanged: re-polishing every field on every page change slowed the change
            self._shown_findings[field] = shown
            # Stable layout: a finding that goes away leaves its (now empty) line, so the controls below
            # do not jump up under the worker's eyes, or the pointer, as they fix things.
            keep_line = not items and label.isVisibleTo(self) and bool(label.text())
            if keep_line:
                label.setMinimumHeight(max(label.minimumHeight(), label.height()))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setText("<br>".join(finding_html(f) for f in items))
            label.setToolTip("\n".join(f"{f.rule_id}: {f.message}" for f in items))
            label.setProperty("severity", severity)
            label.style().unpolish(label)
            label.style().polish(label)
            label.setVisible(bool(items) or keep_line)
            control = self.controls_for.get(field)
            if control is not None:
                control.setProperty("finding", severity if items else "")
                control.setAccessibleDescription(" ".join(finding_text(f) for f in items))
                control.style().unpolish(control)
                control.style().polish(control)
        self.show_banner(findings)

    def show_banner(self, findings: Sequence[Finding]) -> None:
        if not self.wiz.editable:
            self.banner.hide()
            return
        blocks = self.wiz.flow.blocking(self.step, self.wiz.contact, findings)
        if not blocks:
            self.banner.hide()
            return
        # Only what stops Next, each field once, linking to it; its sentence is beside the field. Calm
        # (a to-do, not an alarm) until the worker has touched one of those fields or asked to go on.
        action = "Finalize" if self.step is Step.REVIEW else "Next"
        fields = list(dict.fromkeys(field_root(f.field) for f in blocks))
        links = []
        for field in fields:
            ids = ", ".join(dict.fromkeys(f.rule_id for f in blocks if field_root(f.field) == field))
            where = f" ({PAGE_TITLES[page_of_field(field)]})" if self.step is Step.REVIEW else ""
            links.append(
                f"<a href='{html.escape(field)}'>{html.escape(field_words(field), quote=False)}</a>"
                f"{html.escape(where, quote=False)} <small style='color:#666666'>{html.escape(ids)}</small>"
            )
        alarm = any(self.wiz.is_revealed(field) for field in fields)
        lead = f"{action} is unavailable until this is done:" if alarm else f"To go on ({action}), fill in:"
        self.banner.setText(f"<b>{lead}</b> " + " · ".join(links))
        if self.banner.property("calm") != (not alarm):
            self.banner.setProperty("calm", not alarm)
            self.banner.style().unpolish(self.banner)
            self.banner.style().polish(self.banner)
        self.banner.show()

    def show_frozen(self, reason: str | None, can_follow_up: bool) -> None:
        self.frozen.setVisible(reason is not None)
        self.frozen_label.setText(reason or "")
        self.subsequent_button.setVisible(can_follow_up)
        self.form.setEnabled(reason is None)
        if reason is not None and self.step is Step.REVIEW:
            self.setTitle("The contact as recorded (read-only)")
            self.form.setEnabled(True)  # read-only controls: readable, selectable, copyable

    def chain_tab_order(self) -> None:
        """Tab follows the visual order: the layout order of the form (rows top to bottom), then the
        banner. Check boxes built from the code tables are created after the form, so Qt's default
        (creation order) would send them to the end."""
        widgets = list(_focus_order(self.form.layout()))
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)

    def focus_first(self) -> None:
        """Keyboard users start on the first control of a page they arrive at."""
        first = next(
            (w for w in _focus_order(self.form.layout()) if w.isVisibleTo(self) and w.isEnabled()), None
        )
        if first is not None:
            first.setFocus(Qt.FocusReason.TabFocusReason)

    def field_control(self, field: str) -> QWidget | None:
        return self.controls_for.get(field)


_FORM_ROLE_ORDER = {
    QFormLayout.ItemRole.LabelRole: 0,
    QFormLayout.ItemRole.FieldRole: 1,
    QFormLayout.ItemRole.SpanningRole: 2,
}


def _focus_order(layout: QLayout | None) -> list[QWidget]:
    """The focusable widgets of `layout` in its visual order (form rows top to bottom, label before field).

    Walks the layout's widgets and child layouts, which are QObjects, and asks the layout where each sits;
    it never takes QLayoutItems from the layout (`itemAt`): PySide6 keeps a Python wrapper for each item
    it hands out, and once the layout was gone a stale one came back for a new object at the same address
    (the main window's status bar arrived as a QWidgetItem in CI)."""
    if layout is None:
        return []
    host = layout.parentWidget()
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    widgets = (
        []
        if host is None
        else [w for w in host.findChildren(QWidget, options=direct) if layout.indexOf(w) >= 0]
    )
    members: list[QWidget | QLayout] = [*widgets, *layout.findChildren(QLayout, options=direct)]

    def position(member: QWidget | QLayout) -> tuple[int, int]:
        if isinstance(layout, QFormLayout):
            found: tuple[int, QFormLayout.ItemRole] = cast(
                tuple[int, QFormLayout.ItemRole],
                layout.getWidgetPosition(member)
                if isinstance(member, QWidget)
                else layout.getLayoutPosition(member),
            )
            return found[0], _FORM_ROLE_ORDER.get(found[1], 3)
        return layout.indexOf(member), 0

    out: list[QWidget] = []
    for member in sorted(members, key=position):
        if isinstance(member, QLayout):
            out += _focus_order(member)
            continue
        if isinstance(member, QGroupBox) and member.isCheckable():
            out.append(member)
        if member.layout() is not None and not isinstance(member, QComboBox | QDateTimeEdit):
            out += _focus_order(member.layout())
        elif member.focusPolicy() & Qt.FocusPolicy.TabFocus:
            out.append(member)
    return out


def _set_if_changed(edit: QDateTimeEdit, value: QDateTime) -> None:
    """Reloading the same value would reset the section being typed in (the worker's cursor)."""
    if edit.dateTime() != value:
        edit.setDateTime(value)


def _qdatetime(moment: datetime, tz: Any) -> QDateTime:
    local = moment.astimezone(tz)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def _aware(value: QDateTime, tz: Any) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=tz)


# --------------------------------------------------------------------------- basics


class BasicsPage(FlowPage):
    step = Step.BASICS
    form_name = "basics"

    def build(self) -> None:
        flow = self.wiz.flow
        self.tz = flow.tables.agency.time_zone
        self.staff: QComboBox = self.c(QComboBox, "staff")
        fill_combo(self.staff, flow.staff_choices())
        self.staff.currentIndexChanged.connect(
            lambda _i: self.wiz.edit(staff_person_id=self.staff.currentData())
        )
        self.started: QDateTimeEdit = self.c(QDateTimeEdit, "startedAt")
        zone = self.wiz.now().astimezone(self.tz).tzname() or str(self.tz)
        # the agency's clock, said where the time is typed (a laptop set to another zone shows this one)
        self.c(QLabel, "startedAtLabel").setText(f"Contact &started ({zone}):")
        self.started.setToolTip(f"Date and time in the agency's time zone ({self.tz}).")
        self.started.setMaximumDateTime(_qdatetime(self.wiz.now(), self.tz).addDays(1))
        self.started.dateTimeChanged.connect(self._on_times)
        self.has_end: QCheckBox = self.c(QCheckBox, "hasEnd")
        self.ended: QTimeEdit = self.c(QTimeEdit, "endedAt")
        self.has_end.toggled.connect(self._on_times)
        end_row = self.form.findChild(QHBoxLayout, "endRow")
        if end_row is not None:
            end_row.addStretch(1)  # the time beside its check box, not pushed to the far edge
        behalf_row = self.form.findChild(QHBoxLayout, "onBehalfRow")
        if behalf_row is not None:
            behalf_row.setStretch(0, 1)
        self.ended.timeChanged.connect(self._on_times)
        self.purposes = CheckList(self.c(QGroupBox, "purposesBox"), flow.purpose_choices())
        mandatory = set(flow.mandatory_purposes())
        for code, box in self.purposes.boxes.items():
            if code in mandatory:
                box.setText(f"{box.text()}  (counts as the mandatory contact)")
        self.purposes.changed.connect(lambda: self.wiz.edit(purposes=self.purposes.checked()))
        self.on_behalf: QLabel = self.c(QLabel, "onBehalf")
        self.change_children: QPushButton = self.c(QPushButton, "changeOnBehalf")
        self.change_children.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.change_children.clicked.connect(self.wiz.change_on_behalf)
        self.primary: QGroupBox = self.c(QGroupBox, "primaryBox")
        self.approver: QComboBox = self.c(QComboBox, "approver")
        approvers = flow.approver_choices()
        fill_combo(
            self.approver,
            approvers,
            "Choose the bureau program manager…"
            if approvers
            else "No bureau program manager on the staff list",
        )
        self.approved_on: QDateEdit = self.c(QDateEdit, "approvedOn")
        self.primary.toggled.connect(self._on_primary)
        self.approver.currentIndexChanged.connect(lambda _i: self._on_primary())
        self.approved_on.dateChanged.connect(lambda _d: self._on_primary())
        self.closure: QGroupBox = self.c(QGroupBox, "closureBox")
        self.closure_kind: QComboBox = self.c(QComboBox, "closureKind")
        fill_combo(
            self.closure_kind,
            [
                Choice(ClosureExceptionKind.NYTD.value, "Youth is in a NYTD cohort"),
                Choice(
                    ClosureExceptionKind.PAYMENT_DOCUMENT.value, "Payment/renewal document (AAP, Kin-GAP)"
                ),
                # Not an exception of its own: the contact records who initiated it (initiated_by), and
                # CLS-CLOSED allows a phone, written or electronic contact the client initiated.
                Choice(CLIENT_INITIATED, "The client called, wrote or messaged me (not in person)"),
            ],
        )
        self.closure_note: QLineEdit = self.c(QLineEdit, "closureNote")
        self.closure.toggled.connect(lambda _c: self._on_closure())
        self.closure_kind.currentIndexChanged.connect(lambda _i: self._on_closure())
        self.closure_note.textEdited.connect(lambda _t: self._on_closure())
        self.closure.setVisible(flow.matter.ends_on is not None)
        self.controls_for = {
            "staff_person_id": self.staff,
            "started_at": self.started,
            "ended_at": self.ended,
            "purposes": self.c(QGroupBox, "purposesBox"),
            "on_behalf_of_child_ids": self.change_children,
            "primary_exception": self.primary,
            "closure_exception": self.closure,
            "initiated_by": self.closure,
        }

    def _on_times(self, *_args: object) -> None:
        started = _aware(self.started.dateTime(), self.tz)
        self.ended.setEnabled(self.has_end.isChecked())
        ended = None
        if self.has_end.isChecked():
            t = self.ended.time()
            ended = datetime.combine(started.date(), time(t.hour(), t.minute()), tzinfo=self.tz)
        self.wiz.edit(started_at=started, ended_at=ended)

    def _on_primary(self) -> None:
        exception = None
        if self.primary.isChecked():
            d = self.approved_on.date()
            approver_id = self.approver.currentData()
            exception = PrimaryWorkerException(
                approver_id=approver_id or None,
                approver_name=self.approver.currentText() if approver_id else "",
                approved_on=date(d.year(), d.month(), d.day()),
            )
        self.wiz.edit(primary_exception=exception)

    def _on_closure(self) -> None:
        exception = None
        kind = self.closure_kind.currentData() if self.closure.isChecked() else None
        if kind and kind != CLIENT_INITIATED:
            exception = ClosureException(kind=ClosureExceptionKind(kind), note=self.closure_note.text())
        initiated_by = Initiator.CLIENT if kind == CLIENT_INITIATED else None
        self.closure_note.setEnabled(kind != CLIENT_INITIATED)  # the client's call needs no exception note
        self.wiz.edit(closure_exception=exception, initiated_by=initiated_by)

    def load(self, contact: Contact) -> None:
        set_combo(self.staff, contact.staff_person_id)
        for widget in (self.started, self.has_end, self.ended, self.primary, self.approved_on, self.closure):
            widget.blockSignals(True)
        if contact.started_at is not None:
            _set_if_changed(self.started, _qdatetime(contact.started_at, self.tz))
        self.has_end.setChecked(contact.ended_at is not None)
        self.ended.setEnabled(contact.ended_at is not None)
        if contact.ended_at is not None:
            end = _qdatetime(contact.ended_at, self.tz).time()
            if self.ended.time() != end:
                self.ended.setTime(end)
        self.purposes.set_checked(contact.purposes)
        names = [c.label for c in self.wiz.on_behalf_choices() if c.code in contact.on_behalf_of_child_ids]
        self.on_behalf.setText(", ".join(names) or "No child chosen")
        flow = self.wiz.flow
        not_primary = contact.staff_person_id not in (None, flow.matter.primary_worker_id)
        self.primary.setVisible(
            flow.kind_entry.mandatory and (not_primary or contact.primary_exception is not None)
        )
        pe = contact.primary_exception
        self.primary.setChecked(pe is not None)
        if pe is not None:
            set_combo(self.approver, pe.approver_id)
            if pe.approved_on is not None:
                approved = QDate(pe.approved_on.year, pe.approved_on.month, pe.approved_on.day)
                if self.approved_on.date() != approved:
                    self.approved_on.setDate(approved)
        elif not self.primary.isChecked():
            today = self.wiz.now().astimezone(self.tz).date()
            self.approved_on.setDate(QDate(today.year, today.month, today.day))
        ce = contact.closure_exception
        client = contact.initiated_by is Initiator.CLIENT
        self.closure.setChecked(ce is not None or client)
        if ce is not None:
            set_combo(self.closure_kind, ce.kind.value)
            set_text(self.closure_note, ce.note)
        elif client:
            set_combo(self.closure_kind, CLIENT_INITIATED)
        for widget in (self.started, self.has_end, self.ended, self.primary, self.approved_on, self.closure):
            widget.blockSignals(False)


# --------------------------------------------------------------------------- method


class MethodPage(FlowPage):
    step = Step.METHOD
    form_name = "method"

    def build(self) -> None:
        flow = self.wiz.flow
        self.tz = flow.tables.agency.time_zone
        self.method: QComboBox = self.c(QComboBox, "method")
        fill_combo(self.method, flow.method_choices())
        self.method.currentIndexChanged.connect(lambda _i: self._on_method())
        self.location: QComboBox = self.c(QComboBox, "location")
        fill_combo(
            self.location, flow.location_choices(self.wiz.contact.model_copy(update={"method": "IN_PERSON"}))
        )
        self.location.currentIndexChanged.connect(
            lambda _i: self.wiz.edit(location=self.location.currentData())
        )
        self.status: QComboBox = self.c(QComboBox, "status")
        self.status.setToolTip(
            "Whether the contact took place (Completed) or was tried without reaching the person "
            "(Attempted). This is not the record's state (draft, final, synced, approved), which says "
            "where the record is in its life."
        )
        fill_combo(self.status, flow.status_choices())
        self.status.currentIndexChanged.connect(lambda _i: self.wiz.edit(status=self.status.currentData()))
        self.fax_box: QGroupBox = self.c(QGroupBox, "faxBox")
        self.fax_what: QLineEdit = self.c(QLineEdit, "faxWhat")
        self.fax_to: QLineEdit = self.c(QLineEdit, "faxTo")
        self.fax_at: QDateTimeEdit = self.c(QDateTimeEdit, "faxSentAt")
        for edit in (self.fax_what, self.fax_to):
            edit.textEdited.connect(lambda _t: self._on_fax())
        self.fax_at.dateTimeChanged.connect(lambda _d: self._on_fax())
        self.mail_box: QGroupBox = self.c(QGroupBox, "mailBox")
        self.mail_reason: QLineEdit = self.c(QLineEdit, "mailReason")
        self.mail_forward: QLineEdit = self.c(QLineEdit, "mailForward")
        for edit in (self.mail_reason, self.mail_forward):
            edit.textEdited.connect(lambda _t: self._on_mail())
        self.controls_for = {
            "method": self.method,
            "location": self.location,
            "status": self.status,
            "fax": self.fax_box,
            "returned_mail": self.mail_box,
        }

    def _on_method(self) -> None:
        method = self.method.currentData()
        changed = self.wiz.contact.model_copy(update={"method": method})
        if self.wiz.flow.shows_fax(changed) and changed.fax is None:
            # the "faxed at" shown in the control is recorded with the method, so the finding never asks
            # for a time the worker can already see
            sent = _aware(self.fax_at.dateTime(), self.tz)
            self.wiz.edit(method=method, fax=FaxDetails(sent_at=sent))
        else:
            self.wiz.edit(method=method)

    def _on_fax(self) -> None:
        self.wiz.edit(
            fax=FaxDetails(
                what=self.fax_what.text(),
                to=self.fax_to.text(),
                sent_at=_aware(self.fax_at.dateTime(), self.tz),
            )
        )

    def _on_mail(self) -> None:
        self.wiz.edit(
            returned_mail=ReturnedMail(
                reason=self.mail_reason.text(), forwarding_address=self.mail_forward.text()
            )
        )

    def load(self, contact: Contact) -> None:
        flow = self.wiz.flow
        set_combo(self.method, contact.method)
        set_combo(self.status, contact.status)
        show_location = flow.shows_location(contact)
        self.location.setVisible(show_location)
        self.c(QLabel, "locationLabel").setVisible(show_location)
        set_combo(self.location, contact.location)
        self.fax_box.setVisible(flow.shows_fax(contact))
        self.mail_box.setVisible(flow.shows_returned_mail(contact))
        fax = contact.fax
        if fax is not None:
            set_text(self.fax_what, fax.what)
            set_text(self.fax_to, fax.to)
        self.fax_at.blockSignals(True)
        _set_if_changed(
            self.fax_at, _qdatetime(fax.sent_at if fax and fax.sent_at else self.wiz.now(), self.tz)
        )
        self.fax_at.blockSignals(False)
        if contact.returned_mail is not None:
            set_text(self.mail_reason, contact.returned_mail.reason)
            set_text(self.mail_forward, contact.returned_mail.forwarding_address)

    def initializePage(self) -> None:
        # Entering fax details for the first time records the default "sent at" shown in the control.
        if self.wiz.flow.shows_fax(self.wiz.contact) and self.wiz.contact.fax is None:
            self._on_fax()


# --------------------------------------------------------------------------- participants


class ParticipantsPage(FlowPage):
    step = Step.PARTICIPANTS
    form_name = "participants"

    def build(self) -> None:
        flow = self.wiz.flow
        box = self.c(QGroupBox, "participantsBox")
        role = role_words(flow.kind_entry.participant_role)
        box.setTitle(f"Participants: the {role} the contact was with")
        self.participants = CheckList(box, flow.participant_choices())
        self.participants.changed.connect(lambda: self.wiz.edit(participant_ids=self.participants.checked()))
        self.caregiver_note = QLabel(self.form)
        self.caregiver_note.setObjectName("caregiverNote")
        self.caregiver_note.setWordWrap(True)
        self.caregiver_note.setProperty("class", "finding")
        self.caregiver_note.setProperty("severity", "warn")
        self.caregiver_note.setTextFormat(Qt.TextFormat.RichText)
        self.caregiver_note.setToolTip("SEL-PARTICIPANT")
        self.caregiver_note.hide()
        form_layout = self.form.layout()
        if isinstance(form_layout, QFormLayout):
            form_layout.insertRow(2, self.caregiver_note)
        self.party: QLineEdit = self.c(QLineEdit, "partyType")
        self.party.setText(flow.party_type_words())
        self.party.setCursorPosition(0)
        self.others: QListWidget = self.c(QListWidget, "othersList")
        self.others.setMaximumHeight(110)
        self.other_name: QLineEdit = self.c(QLineEdit, "otherName")
        self.other_role: QLineEdit = self.c(QLineEdit, "otherRole")
        self.add_other: QPushButton = self.c(QPushButton, "addOther")
        self.remove_other: QPushButton = self.c(QPushButton, "removeOther")
        self.add_other.clicked.connect(self._add_other)
        self.known_people = {c.code: c for c in flow.people_present_choices()}
        completer = QCompleter([c.code for c in self.known_people.values()], self.other_name)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._picked_other)
        self.other_name.setCompleter(completer)
        self.other_name.setPlaceholderText("Type a name, or the first letters of someone in the case")
        self.other_name.returnPressed.connect(self._name_entered)
        self.other_role.returnPressed.connect(self._add_other)
        self.remove_other.clicked.connect(self._remove_other)
        self.controls_for = {"participant_ids": box, "party_type": self.party, "others_present": self.others}

    def _picked_other(self, name: str) -> None:
        """Someone of the referral/case picked from the name's suggestions: their role comes with them
        (the Enter that picked them then adds them)."""
        known = self.known_people.get(name)
        if known is not None and not self.other_role.text().strip():
            self.other_role.setText(known.label)
            QTimer.singleShot(0, self, self._add_if_complete)  # picking them is choosing them

    def _add_if_complete(self) -> None:
        if self.other_name.text().strip() and self.other_role.text().strip():
            self._add_other()

    def _name_entered(self) -> None:
        """Enter in Name: with the role still to type, that is where the worker goes next; else add."""
        if not self.pending_other():
            return
        if self.other_name.text().strip() and not self.other_role.text().strip():
            # after the event: the suggestions popup, closing on this Enter, hands the focus back first
            self._focus_later(self.other_role)
            return
        self._add_other()

    def pending_other(self) -> bool:
        return bool(self.other_name.text().strip() or self.other_role.text().strip())

    def _add_other(self) -> bool:
        """Add the typed person to Others present; say what is missing instead of dropping half of it."""
        name, role = self.other_name.text().strip(), self.other_role.text().strip()
        if not name or not role:
            missing = "name" if not name else "role"
            label = self.c(QLabel, "others_presentFinding")
            label.setText(
                f"Type the {missing} of the other person present too, then press Enter to add them "
                "(or clear what you typed)."
            )
            label.show()
            self._focus_later(self.other_name if not name else self.other_role)
            return False
        self.other_name.clear()
        self.other_role.clear()
        self.wiz.edit(others_present=(*self.wiz.contact.others_present, OtherParty(name=name, role=role)))
        self._focus_later(self.other_name)
        return True

    def _focus_later(self, edit: QLineEdit) -> None:
        """After the key event: the name's suggestions popup, closing on the same key, gives the focus
        back to the name field first."""
        QTimer.singleShot(0, edit, lambda: edit.setFocus(Qt.FocusReason.OtherFocusReason))

    def validatePage(self) -> bool:
        """A person typed but not yet added is added on Next, never left behind with the page."""
        if self.wiz.editable and self.pending_other() and not self._add_other():
            return False
        return super().validatePage()

    def _remove_other(self) -> None:
        row = self.others.currentRow()
        others = list(self.wiz.contact.others_present)
        if 0 <= row < len(others):
            del others[row]
            self.wiz.edit(others_present=tuple(others))

    def load(self, contact: Contact) -> None:
        self.participants.set_checked(contact.participant_ids)
        mismatch = self.wiz.flow.scp_mismatch(contact)
        show = mismatch is not None and self.wiz.is_revealed("participant_ids")
        self.caregiver_note.setText(
            f"{html.escape(mismatch or '', quote=False)} "
            "<small style='color:#666666; font-weight:normal'>SEL-PARTICIPANT</small>"
        )
        self.caregiver_note.setVisible(show)
        wanted = [f"{o.name} ({o.role})" for o in contact.others_present]
        if [self.others.item(i).text() for i in range(self.others.count())] != wanted:
            self.others.clear()
            for text in wanted:
                QListWidgetItem(text, self.others)


# --------------------------------------------------------------------------- services and SOP


class ServicesPage(FlowPage):
    step = Step.SERVICES
    form_name = "services"

    def build(self) -> None:
        flow = self.wiz.flow
        box = self.c(QGroupBox, "servicesBox")
        self.services = CheckList(box)
        for title, choices in flow.service_choices():
            self.services.add(choices, heading=title)
        self.services.changed.connect(lambda: self.wiz.edit(services=self.services.checked()))
        sop_box = self.c(QGroupBox, "sopBox")
        sop_box.setTitle(f"Safety Organized Practice components used ({flow.matter.program.value} checklist)")
        self.sop = CheckList(sop_box, flow.sop_choices())
        self.sop.changed.connect(lambda: self.wiz.edit(sop_components=self.sop.checked()))
        self.controls_for = {"services": box, "sop_components": sop_box}

    def load(self, contact: Contact) -> None:
        self.services.set_checked(contact.services)
        self.sop.set_checked(contact.sop_components)


# --------------------------------------------------------------------------- narrative


class NarrativePage(FlowPage):
    step = Step.NARRATIVE
    form_name = "narrative"

    def build(self) -> None:
        flow = self.wiz.flow
        placeholder: QPlainTextEdit = self.c(QPlainTextEdit, "narrative")
        self.editor = NarrativeEdit(placeholder.parentWidget())
        self.editor.setObjectName("narrative")
        self.editor.setAccessibleName("Narrative")
        self.editor.max_chars = flow.narrative_max_chars()
        holder = placeholder.parentWidget()
        layout = holder.layout() if holder is not None else None
        assert layout is not None
        replaced = layout.replaceWidget(placeholder, self.editor)
        if replaced is not None:  # Qt hands the old item to the caller to delete; so does the wrapper
            shiboken_delete(replaced)
        placeholder.hide()
        placeholder.setParent(None)
        placeholder.deleteLater()
        self.c(QLabel, "narrativeLabel").setBuddy(self.editor)
        self.editor.setMinimumHeight(200)
        self.editor.textChanged.connect(self._on_text)
        self.speller: Speller | None = None
        self.ignored_words: set[str] = set()
        self.matcher = self._marks_in
        self.highlighter = MarkHighlighter(self.editor.document(), self.matcher)
        self.editor.set_spelling(self._spelling_at, self.ignore_word)
        self.hints: QListWidget = self.c(QListWidget, "hints")
        self.hints.itemActivated.connect(self._jump_to_hint)
        self.c(QWidget, "hintsColumn").setMaximumWidth(340)
        self.count: QLabel = self.c(QLabel, "charCount")
        self.template_button: QPushButton = self.c(QPushButton, "insertTemplate")
        self.template_button.clicked.connect(self.insert_template)
        self.consult_box: QGroupBox = self.c(QGroupBox, "consultBox")
        self.consult_standard: QRadioButton = self.c(QRadioButton, "consultStandard")
        self.consult_urgent: QRadioButton = self.c(QRadioButton, "consultUrgent")
        standard, urgent = flow.consultation_sentences()
        self.consult_standard.setText(standard)
        self.consult_urgent.setText(f"Urgent: {urgent}")
        self.consult_standard.toggled.connect(lambda on: self._on_consult(on, standard))
        self.consult_urgent.toggled.connect(lambda on: self._on_consult(on, urgent))
        self.le_box: QGroupBox = self.c(QGroupBox, "leBox")
        self.le_assessment: QLineEdit = self.c(QLineEdit, "leAssessment")
        self.le_facts: QLineEdit = self.c(QLineEdit, "leFacts")
        for edit in (self.le_assessment, self.le_facts):
            edit.textEdited.connect(lambda _t: self._on_le())
        self.marks: list[NarrativeMark] = []
        self._shown_marks: list[tuple[str, str, str]] = []
        self.controls_for = {"narrative": self.editor, "law_enforcement": self.le_box}
        if self.wiz.editable:
            self._load_speller()

    # ------------------------------------------------------------------ spelling

    def _load_speller(self) -> None:
        """The word list loads once per app on the op runner; a later wizard finds it ready."""
        ready = loaded_speller()
        if ready is not None:
            self.use_speller(ready)
            return
        Op(self.wiz.runner, load_speller, label="Load the spelling dictionary", parent=self).success(
            self.use_speller
        ).failure(self._speller_failed).run()

    def _speller_failed(self, error: BaseException) -> None:
        """The worker reads what it means for them; the exception goes to the log only."""
        log.warning("spelling dictionary did not load: %r", error)
        self.wiz.set_status(
            "Spell checking is not available on this laptop; the narrative can still be written and saved."
        )

    def use_speller(self, speller: Speller) -> None:
        self.speller = speller.with_words(names_in(self.wiz.caseload, self.wiz.flow.matter))
        self._rehighlight()

    def _rehighlight(self) -> None:
        # re-formatting marks the document changed; that is not the worker editing the text
        self.editor.blockSignals(True)
        try:
            self.highlighter.rehighlight()
        finally:
            self.editor.blockSignals(False)
        self._update_count_and_hints()

    def _marks_in(self, text: str) -> list[NarrativeMark]:
        marks = narrative_marks(text, self.wiz.flow.tables, self.wiz.flow.matter, self.speller)
        if self.ignored_words:
            marks = [m for m in marks if m.rule_id != SPELLING or m.text.lower() not in self.ignored_words]
        return marks

    def _spelling_at(self, position: int) -> SpellingAt | None:
        if self.speller is None:
            return None
        block = self.editor.document().findBlock(position)
        offset = position - block.position()
        for mark in self._marks_in(block.text()):
            if mark.rule_id == SPELLING and mark.start <= offset <= mark.end:
                start = block.position() + mark.start
                return SpellingAt(
                    start, start + len(mark.text), mark.text, self.speller.suggestions(mark.text)
                )
        return None

    def ignore_word(self, word: str) -> None:
        """Not flagged again in this narrative (a name the caseload does not hold, a place)."""
        self.ignored_words.add(word.lower())
        self._rehighlight()

    def spelling_marks(self) -> list[NarrativeMark]:
        return [m for m in self.marks if m.rule_id == SPELLING]

    def _on_text(self) -> None:
        self.wiz.edit(narrative=self.editor.toPlainText())

    def _on_consult(self, on: bool, sentence: str) -> None:
        """NAR-CONSULT: the narrative is exactly the chosen fixed sentence."""
        if on:
            self.wiz.edit(narrative=sentence)

    def _on_le(self) -> None:
        self.wiz.edit(
            law_enforcement=LawEnforcementAssessment(
                assessment=self.le_assessment.text(), supporting_facts=self.le_facts.text()
            )
        )

    def insert_template(self) -> None:
        """Insert the agency's template and put the cursor after its first prompt, where writing starts."""
        templates = self.wiz.flow.tables.narrative_templates
        if templates:
            start = self.editor.textCursor().position()
            self.editor.insert_at_cursor(templates[0])
            prompt = templates[0].find(":\n- ")
            line_end = templates[0].find("\n", prompt + 2) if prompt >= 0 else -1
            if line_end >= 0:
                cursor = self.editor.textCursor()
                cursor.setPosition(min(start + line_end, len(self.editor.toPlainText())))
                self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    def _jump_to_hint(self, item: QListWidgetItem) -> None:
        """Enter (or a double click) on a hint acts on it: the words are selected in the narrative and,
        for a spelling hint, its menu of suggestions opens at the word (Enter takes the first)."""
        row = self.hints.row(item)
        if 0 <= row < len(self.marks):
            mark = self.marks[row]
            cursor = self.editor.textCursor()
            cursor.setPosition(mark.start)
            cursor.setPosition(mark.end, cursor.MoveMode.KeepAnchor)
            self.editor.setTextCursor(cursor)
            self.editor.setFocus()
            if mark.rule_id == SPELLING and not self.editor.isReadOnly():
                self.editor.open_menu_at_cursor()

    def update_count(self) -> None:
        length, limit = self.editor.document().characterCount() - 1, self.editor.max_chars
        self.count.setText(f"{length:,} of {limit:,} characters")
        severity = "block" if length >= limit else ""
        if self.count.property("severity") != severity:
            self.count.setProperty("severity", severity)
            self.count.style().unpolish(self.count)
            self.count.style().polish(self.count)

    def _update_count_and_hints(self) -> None:
        text = self.editor.toPlainText()
        self.update_count()
        self.marks = self.matcher(text)
        shown = [(m.rule_id, m.text, m.advice) for m in self.marks]
        if shown == self._shown_marks and self.hints.count():
            return  # same words flagged (only their positions moved): keep the list and its selection
        self._shown_marks = shown
        self.hints.clear()
        for rule_id, words, advice in shown:
            # the advice is the sentence; the rule ID stays in the tooltip (and Enter acts on the hint)
            if rule_id == SPELLING:
                item = QListWidgetItem(f"Spelling of “{words}”: {advice}", self.hints)
                item.setToolTip(f"{SPELLING_WHY} Press Enter for the suggestions.")
            else:
                item = QListWidgetItem(f"Wording “{words}”: {advice}", self.hints)
                item.setToolTip(f"{advice} ({rule_id})")
        if not shown:
            QListWidgetItem("No wording to review.", self.hints)
        unique = dict.fromkeys(f"“{words}”: {advice}" for _, words, advice in shown)
        self.editor.setToolTip("\n".join(list(unique)[:12]))

    def load(self, contact: Contact) -> None:
        flow = self.wiz.flow
        mode = flow.narrative_mode(contact)
        self.consult_box.setVisible(mode is NarrativeMode.CONSULTATION)
        self.editor.setReadOnly(mode is NarrativeMode.CONSULTATION or not self.wiz.editable)
        self.template_button.setEnabled(
            mode is not NarrativeMode.CONSULTATION and bool(flow.tables.narrative_templates)
        )
        prefix = flow.privilege_line() + "\n" if mode is NarrativeMode.PRIVILEGED else ""
        self.editor.set_protected_prefix(prefix)
        if self.editor.toPlainText() != contact.narrative:
            self.editor.blockSignals(True)
            self.editor.setPlainText(contact.narrative)
            self.editor.blockSignals(False)
            self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        standard, urgent = flow.consultation_sentences()
        for radio, sentence in ((self.consult_standard, standard), (self.consult_urgent, urgent)):
            radio.blockSignals(True)
            radio.setChecked(contact.narrative == sentence)
            radio.blockSignals(False)
        self.le_box.setVisible(flow.asks_law_enforcement(contact))
        if contact.law_enforcement is not None:
            set_text(self.le_assessment, contact.law_enforcement.assessment)
            set_text(self.le_facts, contact.law_enforcement.supporting_facts)
        self._update_count_and_hints()

    def initializePage(self) -> None:
        contact = self.wiz.contact
        if self.wiz.flow.narrative_mode(contact) is NarrativeMode.CONSULTATION and not contact.narrative:
            self.consult_standard.setChecked(True)


# --------------------------------------------------------------------------- review


class ReviewPage(FlowPage):
    step = Step.REVIEW
    form_name = "review"

    def build(self) -> None:
        self.summary: QTextBrowser = self.c(QTextBrowser, "summary")
        self.summary.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )  # read with the arrow keys, copied with Ctrl+C
        layout = self.form.layout()
        if isinstance(layout, QVBoxLayout):
            layout.setStretchFactor(self.summary, 1)  # the contact and its narrative get the room
        self.verdicts: QListWidget = self.c(QListWidget, "verdicts")
        self.verdicts.setMaximumHeight(110)
        self.findings: QListWidget = self.c(QListWidget, "findings")
        self.findings.setMaximumHeight(130)
        self.findings.itemActivated.connect(self._go_to_finding)
        self._shown: list[Finding] = []

    def load(self, contact: Contact) -> None:
        if self.wiz.currentId() != Step.REVIEW:
            return  # built when shown: the verdicts are not needed on every keystroke
        self.refresh_review()

    def initializePage(self) -> None:
        self.refresh_review()

    def refresh_review(self) -> None:
        flow, contact = self.wiz.flow, self.wiz.contact
        rows = "".join(
            f"<tr><th align='left' valign='top'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in flow.summary(contact)
        )
        narrative = html.escape(contact.narrative).replace("\n", "<br>")
        amendments = "".join(
            "<hr><p><b>Amendment (NAR-AMEND)</b> by {who}, {title}, on {day}<br>Reason: {why}<br>{new}</p>".format(
                who=html.escape(a.modifier_full_name),
                title=html.escape(a.modifier_title),
                day=a.modified_on.strftime("%m/%d/%Y"),
                why=html.escape(a.reason),
                new=html.escape(a.new_information).replace("\n", "<br>"),
            )
            for a in self.wiz.stored.amendments
        )
        self.summary.setHtml(f"<table cellspacing='4'>{rows}</table><hr><p>{narrative}</p>{amendments}")
        self.verdicts.clear()
        lines = flow.verdict_lines(contact) or ["No compliance measure applies to this contact."]
        for line in lines:
            QListWidgetItem(line, self.verdicts)

    def show_findings(self, findings: Sequence[Finding]) -> None:
        self.findings.clear()
        self._shown = list(findings)
        for f in findings:
            page = PAGE_TITLES[page_of_field(f.field)]
            item = QListWidgetItem(f"{finding_text(f)} – on “{page}”", self.findings)
            item.setToolTip("Press Enter to go to the field.")
        # nothing to say: the list folds away and the contact gets the room
        self.findings.setVisible(bool(findings))
        self.c(QLabel, "findingsLabel").setVisible(bool(findings))
        self.show_banner(findings)

    def _go_to_finding(self, item: QListWidgetItem) -> None:
        row = self.findings.row(item)
        if 0 <= row < len(self._shown):
            self.wiz.go_to_field(self._shown[row].field)


PAGE_CLASSES: tuple[type[FlowPage], ...] = (
    BasicsPage,
    MethodPage,
    ParticipantsPage,
    ServicesPage,
    NarrativePage,
    ReviewPage,
)
