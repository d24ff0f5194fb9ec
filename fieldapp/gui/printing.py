"""Printing and PDF from the app, offline, with Qt's own printing (QtPrintSupport, part of PySide6-Essentials).

What a sheet says comes from the domain's ContactSheet (assembled by fieldapp.app.contact_sheets on the
database thread); this module only lays it out: a QTextDocument paginated on the device, and on every page
the mark "Confidential – internal", the referral/case, "Page n of N" and the print date. A PDF is painted by
QPdfWriter straight into the file the worker chose: no temporary copy of the record exists anywhere.

Entry points: `PrintActions` (the main window's File and Contact menu items) and `attach_contact_print`
(Ctrl+P in a contact's read-only view).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, QSizeF, Qt, QThread, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QKeySequence,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid as _qt_alive

from fieldapp.app import contact_sheets
from fieldapp.domain.agency_time import Month
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.contact_sheet import ContactSheet, SheetEntry
from fieldapp.domain.records import Contact
from fieldapp.gui.forms import fit_title
from fieldapp.gui.ops import Op

_MARGINS_MM = QMarginsF(20, 18, 20, 18)
_BAND_PT = 16.0  # the header and footer bands, in points, inside the margins

# --------------------------------------------------------------------------- layout


def _rows(rows: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td width="24%" style="color:#555555; font-size:8pt; padding:3px 8px 0 0">{escape(label)}</td>'
        f'<td style="padding:1px 0">{escape(value)}</td></tr>'
        for label, value in rows
    )
    return f'<table width="100%" cellspacing="0" cellpadding="1">{cells}</table>'


def _paragraphs(text: str) -> str:
    parts = [p for p in text.split("\n") if p.strip()] or ["(no narrative recorded)"]
    return "".join(f'<p style="margin:0 0 4px 0">{escape(p)}</p>' for p in parts)


def _entry(entry: SheetEntry, number: int) -> str:
    out = [
        '<hr style="height:1px; background-color:#1a1a1a"/>',
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td><b style="font-size:10.5pt">{number}. {escape(entry.heading)}</b></td>'
        f'<td align="right" style="color:#555555; font-size:8.5pt">{escape(entry.state)}</td></tr></table>',
        _rows(entry.fields),
    ]
    if entry.note:
        out.append(f'<p style="color:#555555; font-size:8.5pt">{escape(entry.note)}</p>')
    out.append('<p style="margin:6px 0 1px 0"><b>Narrative</b></p>')
    out.append(_paragraphs(entry.narrative))
    out.append('<p style="margin:6px 0 1px 0"><b>Supervisor approval</b></p>')
    lines = [a.line for a in entry.approvals] or ["Not yet approved."]
    out.extend(f'<p style="margin:0">{escape(line)}</p>' for line in lines)
    for a in entry.amendments:
        out.append(
            '<table width="100%" cellspacing="0" cellpadding="6" bgcolor="#efefef" style="margin-top:6px">'
            f"<tr><td><b>{escape(a.heading)}</b><br/>"
            '<span style="color:#555555; font-size:8.5pt">The original entry above stands as recorded '
            "(NAR-AMEND).</span><br/>"
            f"Reason: {escape(a.reason)}<br/>New information: {escape(a.new_information)}</td></tr></table>"
        )
    out.append("<br/>")
    return "".join(out)


def sheet_html(sheet: ContactSheet) -> str:
    """The sheet as Qt rich text: agency and title, the summary, notices, then each entry in date order."""
    parts = [
        f'<p style="color:#555555; font-size:9pt; margin:0">{escape(sheet.agency)}</p>',
        f'<p style="font-size:16pt; font-weight:bold; margin:2px 0 8px 0">{escape(sheet.title)}</p>',
        _rows(sheet.summary_rows),
    ]
    if sheet.notices:
        notices = "<br/>".join(escape(n) for n in sheet.notices)
        parts.append(
            f'<table width="100%" border="1" cellspacing="0" cellpadding="6" style="margin-top:8px">'
            f"<tr><td>{notices}</td></tr></table>"
        )
    parts.append("<br/>")
    if not sheet.entries:
        parts.append(f"<p>No contacts on file for {escape(sheet.period.label)}.</p>")
    parts.extend(_entry(e, n) for n, e in enumerate(sheet.entries, start=1))
    return f'<html><body style="font-size:9.5pt; color:#1a1a1a">{"".join(parts)}</body></html>'


def paint_sheet(sheet: ContactSheet, device: QPagedPaintDevice) -> int:
    """Paint the sheet page by page on a printer or PDF writer; returns the number of pages."""
    layout = device.pageLayout()
    resolution = device.logicalDpiY()
    paint_rect = layout.paintRectPixels(resolution)
    band = _BAND_PT * resolution / 72.0
    body_height = paint_rect.height() - 2 * band
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(9.5)
    # No ligatures: "fi" as one glyph reads the same but breaks searching and copying the PDF's text.
    for feature in ("liga", "clig"):
        font.setFeature(QFont.Tag(feature), 0)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setHtml(sheet_html(sheet))
    doc.setPageSize(QSizeF(paint_rect.width(), body_height))
    pages = max(1, doc.pageCount())
    mark_font = QFont(font)
    mark_font.setPointSizeF(7.5)
    painter = QPainter(device)
    if not painter.isActive():
        raise OSError("the printer or file could not be opened for writing")
    try:
        for page in range(pages):
            if page:
                device.newPage()
            width = float(paint_rect.width())
            painter.setFont(mark_font)
            painter.setPen(Qt.GlobalColor.darkGray)
            top = QRectF(0, 0, width, band)
            painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, sheet.mark.upper())
            painter.drawText(
                top,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                f"{sheet.matter_label} {sheet.matter_id}",
            )
            bottom = QRectF(0, band + body_height, width, band)
            painter.drawLine(bottom.topLeft(), bottom.topRight())
            painter.drawText(
                bottom,
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                sheet.footer(page + 1, pages),
            )
            painter.save()
            painter.translate(0, band - page * body_height)
            doc.drawContents(painter, QRectF(0, page * body_height, width, body_height))
            painter.restore()
    finally:
        painter.end()
    return pages


def save_pdf(sheet: ContactSheet, path: str | Path) -> int:
    """Write the sheet as a PDF at `path` (US Letter); returns the page count."""
    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    writer.setTitle(f"{sheet.title}: {sheet.matter_label} {sheet.matter_id}")
    writer.setCreator("fieldapp")
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.Letter), QPageLayout.Orientation.Portrait, _MARGINS_MM)
    )
    return paint_sheet(sheet, writer)


def _printer() -> Any:
    # Imported when first printing, not when the window opens: the print support module is not needed to
    # start, and opening the app is measured (docs/PERFORMANCE.md, "GUI").
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.Letter), QPageLayout.Orientation.Portrait, _MARGINS_MM)
    )
    return printer


# --------------------------------------------------------------------------- dialogs


class PrintSheetDialog(QDialog):
    """Choose the month (for a contact sheet), then preview and print, or save as PDF."""

    PRINT = 1
    SAVE = 2

    def __init__(self, parent: QWidget | None, title: str, subject: str, months: list[Month] | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        fit_title(self)
        self.choice = 0
        layout = QVBoxLayout(self)
        about = QLabel(
            f"{subject}\nThe agency's internal copy: every page is marked “Confidential – internal”.", self
        )
        about.setWordWrap(True)
        layout.addWidget(about)
        self.month_box: QComboBox | None = None
        if months:
            form = QFormLayout()
            self.month_box = QComboBox(self)
            self.month_box.setAccessibleName("Month of the contact sheet")
            for month in months:
                self.month_box.addItem(month.label, str(month))
            label = QLabel("&Month:", self)
            label.setBuddy(self.month_box)
            form.addRow(label, self.month_box)
            layout.addLayout(form)
        buttons = QDialogButtonBox(self)
        self.print_button = QPushButton("&Preview and print…", self)
        self.print_button.setAccessibleName("Preview and print")
        self.pdf_button = QPushButton("&Save as PDF…", self)
        self.pdf_button.setAccessibleName("Save as PDF")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.print_button.clicked.connect(lambda: self._choose(self.PRINT))
        self.pdf_button.clicked.connect(lambda: self._choose(self.SAVE))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.print_button.setDefault(True)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        self.accept()

    @property
    def month(self) -> Month | None:
        if self.month_box is None:
            return None
        return Month.parse(str(self.month_box.currentData()))


def recent_months(now: datetime, count: int = 13) -> list[Month]:
    """This month first, then the twelve before it (a sheet is usually printed for the month just ended)."""
    current = Month.of(now.date())
    return [current.plus(-n) for n in range(count)]


class _PdfJob(QThread):
    """Writes one PDF on a thread of its own: laying out a month of contacts takes a noticeable fraction of
    a second, which must not freeze the window (the print preview, by contrast, paints as Qt asks it to).
    A QThread rather than a Python thread: the text layout starts Qt timers, which need its event dispatcher.
    Unparented, so closing the window never destroys a running writer; quitting waits for it."""

    written = Signal(str, str)  # path, error ("" once written)

    def __init__(self, parent: QWidget, sheet: ContactSheet, path: str) -> None:
        super().__init__()
        self.sheet = sheet
        self.path = path
        self.setObjectName("fieldapp-pdf")
        self.written.connect(lambda path, error: _pdf_done(parent, path, error))
        self.finished.connect(self._forget)
        self._status_to = parent

    def start_writing(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and not app.property("fieldappPdfQuitHook"):
            app.aboutToQuit.connect(_wait_for_jobs)
            app.setProperty("fieldappPdfQuitHook", True)
        _JOBS.add(self)
        _status(self._status_to, f"Saving {self.path}…")
        self.start()

    def run(self) -> None:
        try:
            save_pdf(self.sheet, self.path)
            error = ""
        except OSError as exc:
            error = str(exc)
        self.written.emit(self.path, error)

    def _forget(self) -> None:
        _JOBS.discard(self)
        self.deleteLater()


_JOBS: set[_PdfJob] = set()


def _wait_for_jobs() -> None:
    for job in list(_JOBS):
        job.wait()


def busy() -> bool:
    """A PDF is still being written (tests wait for this; so could a quit confirmation)."""
    return bool(_JOBS)


def _status(widget: Any, message: str) -> None:
    status = getattr(widget, "statusBar", None)
    if callable(status):
        status().showMessage(message, 8000)


def _pdf_done(parent: QWidget, path: str, error: str) -> None:
    if not _qt_alive(parent):
        return  # the window closed while the file was written
    if error:
        QMessageBox.warning(
            parent, "Save as PDF", f"Could not write {path}: choose a folder you can write to."
        )
    else:
        _status(parent, f"Saved {path}")


def deliver(parent: QWidget, sheet: ContactSheet, choice: int) -> str | None:
    """Preview and print, or ask for a PDF path and start writing there; returns that path, if any."""
    if choice == PrintSheetDialog.SAVE:
        suggested = f"{sheet.matter_id} {sheet.title.lower()} {sheet.period.label}.pdf".replace("/", "-")
        path, _filter = QFileDialog.getSaveFileName(parent, "Save as PDF", suggested, "PDF (*.pdf)")
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        _PdfJob(parent, sheet, path).start_writing()
        return path
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    printer = _printer()
    preview = QPrintPreviewDialog(printer, parent)
    preview.setWindowTitle(f"Print — {sheet.title}, {sheet.matter_label} {sheet.matter_id}")
    preview.paintRequested.connect(lambda device: paint_sheet(sheet, device))
    preview.exec()
    return None


# --------------------------------------------------------------------------- wiring


def current_contact(view: Any) -> Contact | None:
    """The contact under the cursor of a contact table (the main window's recent contacts)."""
    index = view.currentIndex()
    stored = view.model().contact_at(index.row()) if index.isValid() else None
    return None if stored is None else stored.contact


class PrintActions:
    """The main window's print items: File → Print contact sheet…, Contact → Print contact…

    `matter_id()` and `contact()` say what is selected; the window's env supplies the service, the op
    runner, the code tables and the agency clock.
    """

    def __init__(
        self,
        window: Any,
        matter_id: Callable[[], str | None],
        contact: Callable[[], Contact | None],
    ) -> None:
        self.window = window
        self._matter_id = matter_id
        self._contact = contact
        self.sheet_action = QAction("&Print contact sheet…", window)
        self.sheet_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.sheet_action.setStatusTip(
            "Print or save as PDF the selected referral's or case's contacts for a month"
        )
        self.sheet_action.triggered.connect(self.print_sheet)
        self.contact_action = QAction("&Print contact…", window)
        self.contact_action.setShortcut(QKeySequence.StandardKey.Print)
        self.contact_action.setStatusTip("Print or save as PDF the selected recent contact")
        self.contact_action.triggered.connect(self.print_contact)
        for action in (self.sheet_action, self.contact_action):
            window.addAction(action)
        window.file_menu.insertAction(window.file_menu.actions()[0], self.sheet_action)
        window.file_menu.insertSeparator(window.file_menu.actions()[1])
        window.contact_menu.addSeparator()
        window.contact_menu.addAction(self.contact_action)

    def print_sheet(self) -> None:
        matter_id = self._matter_id()
        env = self.window.env
        if self.window.is_locked():
            return
        if matter_id is None:
            QMessageBox.information(self.window, "Print contact sheet", "Select a referral or case first.")
            return
        matter = self.window.caseload.matter(matter_id) if self.window.caseload is not None else None
        named = f"{matter_id} — {matter.name}" if matter is not None else matter_id
        dialog = PrintSheetDialog(
            self.window, "Print contact sheet", f"Contact sheet of {named}.", recent_months(env.now())
        )
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.month is None:
            return
        month, choice = dialog.month, dialog.choice
        self._run(
            lambda: contact_sheets.month_sheet(env.service, env.tables, matter_id, month, now=env.now()),
            choice,
            "Print contact sheet",
        )

    def print_contact(self) -> None:
        contact = self._contact()
        if self.window.is_locked():
            return
        if contact is None:
            QMessageBox.information(
                self.window, "Print contact", "Select a contact under Recent contacts first."
            )
            return
        env = self.window.env
        print_contact(self.window, env, contact.id, describe_contact(contact, env.tables))

    def _run(self, build: Callable[[], ContactSheet], choice: int, title: str) -> None:
        _run(self.window, self.window.env, build, choice, title)


def _run(parent: QWidget, env: Any, build: Callable[[], ContactSheet], choice: int, title: str) -> None:
    """Read the sheet on the database thread, then preview it here or write the PDF on its own thread."""

    def failed(error: BaseException) -> None:
        QMessageBox.warning(parent, title, str(error))

    def ready(sheet: ContactSheet) -> None:
        window = parent.window()
        locked = getattr(window, "is_locked", None)
        if not parent.isVisible() or (callable(locked) and locked()):
            return  # locked (or closed) while the sheet was read: nothing is shown over the lock screen
        deliver(parent, sheet, choice)

    Op(env.runner, build, label=title, parent=parent).success(ready).failure(failed).run()


def describe_contact(contact: Contact, tables: CodeTables) -> str:
    """How the print dialog names a contact: its kind, day and referral/case, as the worker knows it."""
    kind = tables.kinds.get(contact.kind)
    when = contact.started_at.astimezone(tables.agency.time_zone) if contact.started_at else None
    day = f" of {when:%B} {when.day}, {when.year}" if when else ""
    return f"The {kind.label if kind else 'contact'}{day} in {contact.context_id}."


def print_contact(parent: QWidget, env: Any, contact_id: str, subject: str = "This contact.") -> None:
    dialog = PrintSheetDialog(parent, "Print contact", subject, None)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    choice = dialog.choice
    _run(
        parent,
        env,
        lambda: contact_sheets.contact_record(env.service, env.tables, contact_id, now=env.now()),
        choice,
        "Print contact",
    )


def attach_contact_print(view: QWidget, env: Any) -> QAction:
    """Ctrl+P in a contact's read-only view prints that contact (a draft is printed once it is final)."""
    action = QAction("Print contact…", view)
    action.setShortcut(QKeySequence.StandardKey.Print)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

    def triggered() -> None:
        stored = getattr(view, "stored", None)
        if stored is None:
            return
        if getattr(view, "editable", False):
            QMessageBox.information(
                view, "Print contact", "A draft is not a record yet: print it once it is final."
            )
            return
        print_contact(view, env, str(stored.contact.id), describe_contact(stored.contact, env.tables))

    action.triggered.connect(triggered)
    view.addAction(action)
    return action
