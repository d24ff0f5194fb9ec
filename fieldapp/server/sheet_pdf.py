"""The server's PDF of a contact sheet (ReportLab): the supervisor's review copy and the release copy.

ReportLab lays out paragraphs and tables across pages and embeds TrueType fonts, in pure Python with no
browser or system library to run on the office server. Fonts: DejaVu Sans from Debian's fonts-dejavu-core
(which the set-up installs), else Bitstream Vera that ReportLab ships; both are embedded in the file, so a
court's reader shows the same glyphs ("–", "“", accented names) the worker typed.

The page is built only from the domain's ContactSheet: this module decides how it looks, never what it says.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
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
_LABEL_WIDTH = 1.45 * inch


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
        "notice": ParagraphStyle("notice", parent=base, fontSize=9.5, leading=13, spaceAfter=4),
        "amend": ParagraphStyle("amend", parent=base, fontSize=9, leading=12),
    }


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), _styles()[style])


@dataclass(frozen=True, slots=True)
class _Face:
    font: str
    size: float
    leading: float
    color: colors.Color = _INK
    space_before: float = 0.0


@cache
def _faces() -> dict[str, _Face]:
    regular, bold = _fonts()
    return {
        "label": _Face(regular, 8, 11.5, _MUTED),
        "value": _Face(regular, 9, 11.5),
        "text": _Face(regular, 9.5, 12.5, space_before=2.5),
        "section": _Face(bold, 8.5, 11.5, _INK, space_before=5),
        "note": _Face(regular, 8.5, 11, _MUTED),
    }


class _Lines(Flowable):
    """Plain text rows, each with an optional label in a left column, wrapped and broken between lines.

    Most of a long sheet is plain text (fields, narratives, approvals); ReportLab's Paragraph parses
    markup and measures every fragment, which made a 500-contact release take seconds. This keeps
    Paragraph for the few styled blocks and lays plain text out with simpleSplit.
    """

    def __init__(
        self, rows: list[tuple[str, str, str]], label_width: float = 0.0, continued: str = ""
    ) -> None:
        super().__init__()
        self.rows = rows  # (label, text, face)
        self.label_width = label_width
        self.continued = continued  # heads the part carried to the next page
        self._laid: list[tuple[str, str, _Face, float]] = []  # (label, line, face, baseline from top)
        self._laid_for: float | None = None

    def _layout(self, width: float) -> None:
        faces = _faces()
        laid: list[tuple[str, str, _Face, float]] = []
        y = 0.0
        text_width = width - self.label_width
        for label, text, face_name in self.rows:
            face = faces[face_name]
            y += face.space_before if laid else 0.0
            for number, paragraph in enumerate(text.split("\n")):
                lines = simpleSplit(paragraph, face.font, face.size, text_width) or [""]
                for i, line in enumerate(lines):
                    y += face.leading
                    laid.append((label if number == 0 and i == 0 else "", line, face, y))
        self._laid = laid
        self.height = y + 2.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if availWidth != self._laid_for:  # KeepTogether and split ask again with the same width
            self._layout(availWidth)
            self._laid_for = availWidth
        self.width = availWidth
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        fits = sum(1 for *_, y in self._laid if y + 2.0 <= availHeight)
        section = _faces()["section"]
        while 0 < fits < len(self._laid) and self._laid[fits - 1][2] is section:
            fits -= 1  # a heading ("Narrative") never ends a page without its first line
        if fits == 0 or fits >= len(self._laid):
            return [] if fits == 0 else [self]
        head, tail = self._laid[:fits], self._laid[fits:]
        if self.continued:
            note = _faces()["note"]
            tail = [("", self.continued, note, tail[0][3] - tail[0][2].leading + note.leading), *tail]
            tail = [
                (label, line, face, y + (note.leading if i else 0))
                for i, (label, line, face, y) in enumerate(tail)
            ]
        return [_Laid(head, self.label_width), _Laid(tail, self.label_width, self.continued)]

    def draw(self) -> None:
        text = self.canv.beginText()
        label_face = _faces()["label"]
        current: _Face | None = None
        for label, line, face, y in self._laid:
            baseline = self.height - y + (face.leading - face.size) / 2 + 1.0
            if label:
                text.setTextOrigin(0, baseline)
                text.setFont(label_face.font, label_face.size)
                text.setFillColor(label_face.color)
                text.textOut(label)
                current = None
            if face is not current:
                text.setFont(face.font, face.size)
                text.setFillColor(face.color)
                current = face
            text.setTextOrigin(self.label_width, baseline)
            text.textOut(line)
        self.canv.drawText(text)


class _Laid(_Lines):
    """A part of a split _Lines: its lines already laid out, moved to the top of the next frame."""

    def __init__(
        self, laid: list[tuple[str, str, _Face, float]], label_width: float, continued: str = ""
    ) -> None:
        super().__init__([], label_width, continued)
        offset = laid[0][3] - laid[0][2].leading
        self._fixed = [(label, line, face, y - offset) for label, line, face, y in laid]

    def _layout(self, width: float) -> None:
        self._laid = self._fixed
        self.height = self._fixed[-1][3] + 2.0


class _Head(Flowable):
    """An entry's heading: a rule above, the date and kind on the left, the record's state on the right."""

    def __init__(self, title: str, state: str) -> None:
        super().__init__()
        self.title = title
        self.state = state
        self._lines: list[str] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        _regular, bold = _fonts()
        self.width = availWidth
        regular, _bold = _fonts()
        state_width = pdfmetrics.stringWidth(self.state, regular, 8.5)
        self._lines = simpleSplit(self.title, bold, 10.5, availWidth - state_width - 14) or [""]
        self.height = 6 + 13 * len(self._lines) + 3
        return availWidth, self.height

    def draw(self) -> None:
        regular, bold = _fonts()
        canvas = self.canv
        canvas.setStrokeColor(_INK)
        canvas.setLineWidth(1.2)
        canvas.line(0, self.height, self.width, self.height)
        canvas.setFillColor(_INK)
        canvas.setFont(bold, 10.5)
        y = self.height - 6 - 10
        for line in self._lines:
            canvas.drawString(0, y, line)
            y -= 13
        canvas.setFont(regular, 8.5)
        canvas.setFillColor(_MUTED)
        canvas.drawRightString(self.width, self.height - 6 - 10, self.state)


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
    fields = _Lines([(label, value, "value") for label, value in entry.fields], label_width=_LABEL_WIDTH)
    out: list[Flowable] = [
        CondPageBreak(1.6 * inch),
        KeepTogether([_Head(f"{number}. {entry.heading}", entry.state), fields]),
    ]
    body: list[tuple[str, str, str]] = []
    if entry.note:
        body.append(("", entry.note, "note"))
    body.append(("", "Narrative", "section"))
    paragraphs = [part for part in entry.narrative.split("\n") if part.strip()]
    body.extend(("", part, "text") for part in paragraphs or ["(no narrative recorded)"])
    body.append(("", "Supervisor approval", "section"))
    body.extend(("", line, "value") for line in [a.line for a in entry.approvals] or ["Not yet approved."])
    out.append(_Lines(body, continued=f"{number}. {entry.heading} (continued)"))
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
        _Lines([(label, value, "value") for label, value in sheet.summary_rows], label_width=_LABEL_WIDTH),
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
