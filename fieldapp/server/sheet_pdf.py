"""The server's PDF of a contact sheet (ReportLab): the supervisor's review copy and the release copy.

ReportLab lays out paragraphs and tables across pages and embeds TrueType fonts, in pure Python with no
browser or system library to run on the office server. Fonts: DejaVu Sans from Debian's fonts-dejavu-core
(which the set-up installs), else Bitstream Vera that ReportLab ships; both are embedded in the file, so a
court's reader shows the same glyphs ("–", "“", accented names) the worker typed.

The page is built only from the domain's ContactSheet: this module decides how it looks, never what it says.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from fieldapp.domain.contact_sheet import Audience, ContactSheet, SheetEntry

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_INK = colors.HexColor("#1a1a1a")
_MUTED = colors.HexColor("#555555")
_RULE = colors.HexColor("#9a9a9a")
_SHADE = colors.HexColor("#efefef")
_MARGIN = 0.85 * inch


@cache
def _fonts() -> tuple[str, str]:
    """Register the regular and bold faces once per process; (regular, bold) font names."""
    import reportlab

    candidates = [
        (_DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"),
        (
            Path(reportlab.__file__).parent / "fonts" / "Vera.ttf",
            Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf",
        ),
    ]
    for regular, bold in candidates:
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("Sheet", str(regular)))
            pdfmetrics.registerFont(TTFont("Sheet-Bold", str(bold)))
            pdfmetrics.registerFontFamily("Sheet", normal="Sheet", bold="Sheet-Bold")
            return "Sheet", "Sheet-Bold"
    return "Helvetica", "Helvetica-Bold"


@cache
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    base = ParagraphStyle(
        "body", fontName=regular, fontSize=9.5, leading=12.5, textColor=_INK, alignment=TA_LEFT
    )
    return {
        "body": base,
        "agency": ParagraphStyle("agency", parent=base, fontSize=9, textColor=_MUTED, spaceAfter=2),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=16, leading=20, spaceAfter=8),
        "label": ParagraphStyle("label", parent=base, fontSize=8, leading=10.5, textColor=_MUTED),
        "value": ParagraphStyle("value", parent=base, fontSize=9, leading=11.5),
        "entry": ParagraphStyle("entry", parent=base, fontName=bold, fontSize=10.5, leading=13),
        "state": ParagraphStyle("state", parent=base, fontSize=8.5, leading=11, textColor=_MUTED),
        "section": ParagraphStyle(
            "section", parent=base, fontName=bold, fontSize=8.5, leading=11, spaceBefore=5, spaceAfter=1
        ),
        "notice": ParagraphStyle("notice", parent=base, fontSize=9.5, leading=13),
        "amend": ParagraphStyle("amend", parent=base, fontSize=9, leading=12),
    }


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), _styles()[style])


def _narrative(text: str) -> list[Flowable]:
    """Each paragraph of the narrative as its own flowable, so a long narrative breaks between pages."""
    parts = [part for part in text.split("\n") if part.strip()] or ["(no narrative recorded)"]
    style = ParagraphStyle("narr", parent=_styles()["body"], spaceAfter=3)
    return [Paragraph(escape(part), style) for part in parts]


def _grid(rows: list[tuple[str, str]], widths: tuple[float, float]) -> Table:
    table = Table(
        [[_p(label, "label"), _p(value, "value")] for label, value in rows], colWidths=widths, hAlign="LEFT"
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _boxed(flowables: list[Flowable], width: float, *, shade: bool = False, rule: bool = True) -> Table:
    box = Table([[flowables]], colWidths=[width], hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    if rule:
        style.append(("BOX", (0, 0), (-1, -1), 0.8, _RULE))
    if shade:
        style.append(("BACKGROUND", (0, 0), (-1, -1), _SHADE))
    box.setStyle(TableStyle(style))
    return box


def _entry(entry: SheetEntry, number: int, width: float) -> list[Flowable]:
    head = Table(
        [[_p(f"{number}. {entry.heading}", "entry"), _p(entry.state, "state")]],
        colWidths=[width * 0.7, width * 0.3],
        hAlign="LEFT",
    )
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LINEABOVE", (0, 0), (-1, 0), 1.2, _INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    out: list[Flowable] = [
        CondPageBreak(1.6 * inch),
        KeepTogether([head, Spacer(1, 3), _grid(list(entry.fields), (1.45 * inch, width - 1.45 * inch))]),
    ]
    if entry.note:
        out.append(_p(entry.note, "state"))
    out.append(_p("Narrative", "section"))
    out.extend(_narrative(entry.narrative))
    out.append(_p("Supervisor approval", "section"))
    if entry.approvals:
        out.extend(_p(a.line, "value") for a in entry.approvals)
    else:
        out.append(_p("Not yet approved.", "value"))
    for amendment in entry.amendments:
        out.append(Spacer(1, 4))
        out.append(
            _boxed(
                [
                    _p(amendment.heading, "section"),
                    _p("The original entry above stands as recorded (NAR-AMEND).", "state"),
                    _p(f"Reason: {amendment.reason}", "amend"),
                    _p(f"New information: {amendment.new_information}", "amend"),
                ],
                width,
                shade=True,
                rule=False,
            )
        )
    out.append(Spacer(1, 12))
    return out


def _story(sheet: ContactSheet, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        _p(sheet.agency, "agency"),
        _p(sheet.title, "title"),
        _grid(list(sheet.summary_rows), (1.45 * inch, width - 1.45 * inch)),
        Spacer(1, 8),
    ]
    if sheet.notices:
        story.append(_boxed([_p(n, "notice") for n in sheet.notices], width))
        story.append(Spacer(1, 10))
    if not sheet.entries:
        story.append(_p(f"No contacts on file for {sheet.period.label}.", "body"))
    for number, entry in enumerate(sheet.entries, start=1):
        story.extend(_entry(entry, number, width))
    return story


def _footer_canvas(sheet: ContactSheet) -> type[Canvas]:
    """A canvas that knows the page count when the document ends, so each footer says "Page n of N"."""
    regular, bold = _fonts()

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_marks(total)
                super().showPage()
            super().save()

        def _draw_marks(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFillColor(_MUTED)
            self.setFont(bold, 8)
            self.drawString(_MARGIN, height - 0.5 * inch, sheet.mark.upper())
            self.setFont(regular, 8)
            self.drawRightString(
                width - _MARGIN, height - 0.5 * inch, f"{sheet.matter_label} {sheet.matter_id}"
            )
            self.setStrokeColor(_RULE)
            self.setLineWidth(0.5)
            self.line(_MARGIN, 0.62 * inch, width - _MARGIN, 0.62 * inch)
            self.drawCentredString(width / 2, 0.45 * inch, sheet.footer(self._pageNumber, total))
            self.restoreState()

    return FooterCanvas


def render_pdf(sheet: ContactSheet) -> bytes:
    """The sheet as PDF bytes (US Letter), every page marked with the audience, case, page and date."""
    buffer = io.BytesIO()
    verb = "internal copy" if sheet.audience is Audience.INTERNAL else "release copy"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=0.8 * inch,
        bottomMargin=0.85 * inch,
        title=f"{sheet.title}: {sheet.matter_label} {sheet.matter_id}, {sheet.period.label}",
        author=sheet.agency,
        subject=verb,
        creator="fieldapp",
    )
    doc.build(_story(sheet, doc.width), canvasmaker=_footer_canvas(sheet))
    return buffer.getvalue()
