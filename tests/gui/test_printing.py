"""Printing from the app, offline: the internal contact sheet of a case for a month and one contact, painted
by Qt straight into the PDF the worker chose, read back as a reader sees it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog

from fieldapp.domain.records import ContactKind
from fieldapp.gui import printing
from fieldapp.gui.main_window import MainWindow
from tests.factories import NOW, valid_contact
from tests.support.pdf import pdf_pages, pdf_text

COUNSEL_TEXT = "Counsel reviewed the jurisdiction report before the hearing"


def _finalize(service, kind: ContactKind, **changes):  # type: ignore[no-untyped-def]
    template = valid_contact(kind, **changes)
    stored = service.start_contact(template.context_id, kind, template.on_behalf_of_child_ids)
    body = template.model_copy(
        update={"id": stored.contact.id, "first_saved_at": stored.contact.first_saved_at}
    )
    return service.finalize(body)


@pytest.fixture
def choose(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Answer the print dialog with "Save as PDF" (and the month shown first) and the file dialog with a path."""
    target = tmp_path / "chosen" / "sheet.pdf"
    target.parent.mkdir()
    asked: list[str] = []

    def exec_dialog(dialog: printing.PrintSheetDialog) -> int:
        asked.append(dialog.windowTitle())
        if dialog.month_box is not None:
            dialog.month_box.setCurrentIndex(dialog.month_box.findData("2026-11"))
        dialog.pdf_button.click()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(printing.PrintSheetDialog, "exec", exec_dialog)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)"))
    return target, asked


def test_internal_month_sheet_prints_every_contact_with_its_amendment_and_marks_every_page(
    qtbot, window: MainWindow, opened, choose
):
    target, asked = choose
    service = opened.service
    child = _finalize(service, ContactKind.CHILD_CASE)
    parent = _finalize(
        service, ContactKind.PARENT_CASE, started_at=NOW.replace(hour=8), ended_at=NOW.replace(hour=9)
    )
    counsel = _finalize(
        service,
        ContactKind.COLLATERAL,
        participant_ids=("p-counsel2",),
        narrative=f"ATTORNEY-CLIENT PRIVILEGE - NOT TO BE RELEASED\n{COUNSEL_TEXT}.",
    )
    service.acting_as("s-lee").amend(child.contact.id, "Kit was also present in the room.", "Omitted sibling")
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("C-2001"))

    window.print_actions.sheet_action.trigger()
    qtbot.waitUntil(lambda: target.exists() and not printing.busy(), timeout=10_000)
    assert asked == ["Print contact sheet"]
    text = pdf_text(target)
    assert (
        "Contact sheet" in text
        and "Case C-2001 — Quillfeather (FR)" in text
        and "Period November 2026" in text
    )
    # Internal copy: nothing withheld, County Counsel included.
    assert COUNSEL_TEXT in text and "withheld" not in text
    # Date order (the 8:00 parent contact first), selections in plain words, participants.
    assert text.index(parent.contact.id) < text.index(child.contact.id)
    assert "Participants Nova Quillfeather (child)" in text and "Method In-Person" in text
    # The amendment follows its original, which stands.
    original = text.index("she wants more visits with her mother", text.index(child.contact.id))
    amendment = text.index("Amendment of November 23, 2026 by Lee Harrowgate, Supervising Social Worker")
    assert original < amendment
    assert "Reason: Omitted sibling New information: Kit was also present in the room." in text
    pages = pdf_pages(target)
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert (
            f"Confidential – internal · Case C-2001 · Page {number} of {len(pages)} · Printed November 23, 2026"
            in flat
        )
    assert counsel.contact.id in text
    assert list(target.parent.iterdir()) == [target]  # no temporary copy beside it


def test_one_contact_prints_from_the_read_only_view_with_ctrl_p(qtbot, window: MainWindow, opened, choose):
    target, asked = choose
    stored = _finalize(opened.service, ContactKind.CHILD_CASE)
    view = window.open_editor(opened.service.get(stored.contact.id))
    assert view is not None
    action = next(a for a in view.actions() if a.text() == "Print contact…")
    assert action.shortcut().toString() == "Ctrl+P"
    action.trigger()
    qtbot.waitUntil(lambda: target.exists() and not printing.busy(), timeout=10_000)
    assert asked == ["Print contact"]
    text = pdf_text(target)
    assert "Contact record" in text and stored.contact.id in text
    assert "Final" in text and "Not yet approved." in text and "Period" not in text
    assert "Confidential – internal · Case C-2001 · Page 1 of 1" in text


def test_a_draft_is_not_printed_as_a_record(qtbot, window: MainWindow, opened, monkeypatch):
    from fieldapp.app import contact_sheets
    from fieldapp.app.service import ServiceError

    template = valid_contact(ContactKind.CHILD_CASE)
    draft = opened.service.start_contact(template.context_id, template.kind, template.on_behalf_of_child_ids)
    with pytest.raises(ServiceError, match="print the contact once it is final"):
        contact_sheets.contact_record(opened.service, window.env.tables, draft.contact.id, now=NOW)


def test_contact_menu_prints_the_selected_recent_contact_and_names_it(
    qtbot, window: MainWindow, opened, monkeypatch, tmp_path
):
    """Contact → Print contact… (Ctrl+P): the dialog names the contact as the worker knows it; an
    unwritable PDF path is said so, and nothing is written."""
    from PySide6.QtWidgets import QLabel, QMessageBox

    stored = _finalize(opened.service, ContactKind.CHILD_CASE)
    window.caseload_view.setCurrentIndex(window.caseload_model.index_of_matter("C-2001"))
    qtbot.waitUntil(lambda: window.recent_model.rowCount() == 1, timeout=10_000)
    window.recent_view.setCurrentIndex(window.recent_model.index(0, 0))
    missing = tmp_path / "no-such-folder" / "contact.pdf"
    subjects: list[str] = []

    def exec_dialog(dialog: printing.PrintSheetDialog) -> int:
        subjects.append(dialog.findChild(QLabel).text())
        dialog.pdf_button.click()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(printing.PrintSheetDialog, "exec", exec_dialog)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), "PDF (*.pdf)"))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    assert window.print_actions.contact_action.shortcut().toString() == "Ctrl+P"
    window.print_actions.contact_action.trigger()
    qtbot.waitUntil(lambda: bool(warnings), timeout=10_000)
    assert subjects[0].startswith("The Child contact (case) of November 23, 2026 in C-2001.")
    assert warnings == [f"Could not write {missing}: choose a folder you can write to."]
    assert not missing.parent.exists()
    assert stored.contact.id == window.recent_model.contact_at(0).contact.id


def test_preview_and_print_paints_the_sheet_on_the_printer(
    qtbot, window: MainWindow, opened, monkeypatch, tmp_path
):
    """Preview and print: what the preview's printer receives is the same marked sheet (printed to a PDF
    file here, as a print dialog's "print to file" would)."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    stored = _finalize(opened.service, ContactKind.CHILD_CASE)
    out = tmp_path / "printed.pdf"
    shown: list[str] = []

    def exec_dialog(dialog: printing.PrintSheetDialog) -> int:
        dialog.print_button.click()
        return QDialog.DialogCode.Accepted

    def exec_preview(preview: QPrintPreviewDialog) -> int:
        shown.append(preview.windowTitle())
        printer = preview.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        preview.paintRequested.emit(printer)
        return 0

    monkeypatch.setattr(printing.PrintSheetDialog, "exec", exec_dialog)
    monkeypatch.setattr(QPrintPreviewDialog, "exec", exec_preview)
    printing.print_contact(window, window.env, stored.contact.id)
    qtbot.waitUntil(lambda: bool(shown) and out.exists(), timeout=10_000)
    assert shown == ["Print — Contact record, Case C-2001"]
    text = pdf_text(out)
    assert stored.contact.id in text and "Confidential – internal · Case C-2001 · Page 1 of 1" in text
