"""The narrative editor: plain text, a protected privilege line, a length limit, live wording hints.

- NAR-PRIVILEGE: for county counsel the first line is the privilege line; no keystroke, paste, cut or
  drag may change or remove it (the flow re-inserts it if anything ever does).
- The agency's maximum length is enforced as the worker types or pastes, like the state system's field.
- NAR-STYLE / NAR-RP: matching words are underlined as they are typed; `narrative_marks()` is the only
  matcher (see fieldapp.app.narrative_marks).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QKeySequence,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from fieldapp.app.narrative_marks import NarrativeMark

Matcher = Callable[[str], list[NarrativeMark]]


class NarrativeEdit(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._protected = ""  # text at the start that must stay exactly as it is
        self.max_chars = 32700
        self.setTabChangesFocus(True)  # Tab leaves the editor: keyboard-only work must be able to move on
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

    # ------------------------------------------------------------------ protected prefix

    def set_protected_prefix(self, prefix: str) -> None:
        """`prefix` (e.g. the privilege line and its newline) is at the start and cannot be edited."""
        self._protected = prefix

    @property
    def protected_prefix(self) -> str:
        return self._protected

    def _limit(self) -> int:
        return len(self._protected)

    def _touches_protected(self, cursor: QTextCursor, deleting_back: bool = False) -> bool:
        limit = self._limit()
        if not limit:
            return False
        start = cursor.selectionStart()
        if cursor.hasSelection():
            return start < limit
        return start < limit or (deleting_back and start == limit)

    def _move_out_of_protected(self) -> None:
        cursor = self.textCursor()
        if cursor.position() < self._limit() and not cursor.hasSelection():
            cursor.setPosition(self._limit())
            self.setTextCursor(cursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        cursor = self.textCursor()
        key = event.key()
        if self._limit():
            if key == Qt.Key.Key_Backspace and self._touches_protected(cursor, deleting_back=True):
                if cursor.hasSelection() and cursor.selectionEnd() > self._limit():
                    self._trim_selection(cursor)
                else:
                    return
            elif key == Qt.Key.Key_Delete or event.matches(QKeySequence.StandardKey.Cut):
                if self._touches_protected(cursor):
                    if cursor.hasSelection() and cursor.selectionEnd() > self._limit():
                        self._trim_selection(cursor)
                    else:
                        return
            elif (event.text() and event.text().isprintable()) or key in (
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
            ):
                if cursor.hasSelection() and cursor.selectionStart() < self._limit():
                    self._trim_selection(cursor)
                else:
                    self._move_out_of_protected()
        if (event.text() and event.text().isprintable()) or key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            selected = len(self.textCursor().selectedText())
            if len(self.toPlainText()) - selected + max(1, len(event.text())) > self.max_chars:
                return  # at the limit: the count beside the editor says why
        super().keyPressEvent(event)

    def _trim_selection(self, cursor: QTextCursor) -> None:
        """Shrink a selection that starts inside the protected line to the part after it."""
        end = cursor.selectionEnd()
        cursor.setPosition(self._limit())
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if self._limit():
            cursor = self.textCursor()
            if cursor.hasSelection() and cursor.selectionStart() < self._limit():
                if cursor.selectionEnd() <= self._limit():
                    return
                self._trim_selection(cursor)
            else:
                self._move_out_of_protected()
        text = source.text()
        room = self.max_chars - (len(self.toPlainText()) - len(self.textCursor().selectedText()))
        if room <= 0:
            return
        self.textCursor().insertText(text[:room])

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasText()

    def insert_at_cursor(self, text: str) -> None:
        """Insert (e.g. the template) where the cursor is, never inside the protected line, within the limit."""
        self._move_out_of_protected()
        room = self.max_chars - len(self.toPlainText())
        if room > 0:
            self.textCursor().insertText(text[:room])


class MarkHighlighter(QSyntaxHighlighter):
    """Underlines NAR-STYLE terms (amber) and NAR-RP details (red) block by block as the text changes."""

    def __init__(self, document: QTextDocument, matcher: Matcher) -> None:
        super().__init__(document)
        self._matcher = matcher
        self._formats = {"NAR-STYLE": _wave("#b36b00"), "NAR-RP": _wave("#b00020")}

    def set_matcher(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for mark in self._matcher(text):
            fmt = self._formats.get(mark.rule_id)
            if fmt is not None:
                self.setFormat(mark.start, mark.end - mark.start, fmt)


def _wave(color: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fmt.setUnderlineColor(QColor(color))
    fmt.setBackground(QColor(color).lighter(190))
    return fmt
