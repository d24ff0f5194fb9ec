"""The narrative editor: plain text, a protected privilege line, a length limit, live wording hints.

- NAR-PRIVILEGE: for county counsel the first line is the privilege line; no keystroke, paste, cut or
  drag may change or remove it (the flow re-inserts it if anything ever does).
- The agency's maximum length is enforced as the worker types or pastes, like the state system's field.
- NAR-STYLE / NAR-RP: matching words are underlined as they are typed; `narrative_marks()` is the only
  matcher (see fieldapp.app.narrative_marks).
- Spelling (advice under NAR-IMMUTABLE: the text cannot be corrected once final): unknown words get a red
  dotted underline, and the context menu (right click, the Menu key or Shift+F10) offers the suggestions
  and "Ignore" first, above the usual edit actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QKeyEvent,
    QKeySequence,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QMenu, QPlainTextEdit, QWidget

from fieldapp.app.narrative_marks import SPELLING, NarrativeMark

Matcher = Callable[[str], list[NarrativeMark]]


@dataclass(frozen=True, slots=True)
class SpellingAt:
    """An unknown word at a position of the document, and what to offer for it."""

    start: int
    end: int
    word: str
    suggestions: tuple[str, ...]


SpellingLookup = Callable[[int], "SpellingAt | None"]


class NarrativeEdit(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._protected = ""  # text at the start that must stay exactly as it is
        self.max_chars = 32700
        self.setTabChangesFocus(True)  # Tab leaves the editor: keyboard-only work must be able to move on
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._spelling_at: SpellingLookup | None = None
        self._ignore_word: Callable[[str], None] | None = None
        self.menu: QMenu | None = None  # the context menu last shown (tests drive it by keyboard)

    # ------------------------------------------------------------------ spelling

    def set_spelling(self, lookup: SpellingLookup, ignore: Callable[[str], None]) -> None:
        self._spelling_at = lookup
        self._ignore_word = ignore

    def context_menu_at(self, position: int) -> QMenu:
        """The context menu for the document position: spelling choices for an unknown word first."""
        menu = self.createStandardContextMenu()
        found = None if self._spelling_at is None or self.isReadOnly() else self._spelling_at(position)
        if found is None:
            return menu
        first = menu.actions()[0] if menu.actions() else None
        choices: list[QAction] = []
        for suggestion in found.suggestions:
            action = QAction(f"Replace with “{suggestion}”", menu)
            action.triggered.connect(
                lambda _=False, s=suggestion: self.replace_span(found.start, found.end, s)
            )
            choices.append(action)
        if not choices:
            none = QAction(f"No suggestion for “{found.word}”", menu)
            none.setEnabled(False)
            choices.append(none)
        ignore = QAction(f"Ignore “{found.word}” in this narrative", menu)
        ignore.triggered.connect(lambda _=False: self._ignore_word and self._ignore_word(found.word))
        choices.append(ignore)
        menu.insertActions(first, choices)  # type: ignore[arg-type]
        menu.insertSeparator(first)  # type: ignore[arg-type]
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            position = self.cursorForPosition(event.pos()).position()
        else:  # Menu key / Shift+F10: the word at the text cursor
            position = self.textCursor().position()
        self._popup(self.context_menu_at(position), event.globalPos())

    def open_menu_at_cursor(self) -> QMenu:
        """The spelling/context menu for the word at the text cursor, below it (Shift+F10, a hint's Enter)."""
        cursor = self.textCursor()
        position = cursor.selectionStart() if cursor.hasSelection() else cursor.position()
        menu = self.context_menu_at(position)
        self._popup(menu, self.viewport().mapToGlobal(self.cursorRect().bottomLeft()))
        return menu

    def _popup(self, menu: QMenu, where: QPoint) -> None:
        """Shown without a nested event loop; its first entry (the first suggestion) is active, so Enter
        takes it and Escape leaves the text as it was."""
        self.menu = menu
        menu.aboutToHide.connect(menu.deleteLater)
        first = next((a for a in menu.actions() if a.isEnabled() and not a.isSeparator()), None)
        menu.popup(where, first)
        if first is not None:
            menu.setActiveAction(first)

    def replace_span(self, start: int, end: int, text: str) -> None:
        """Replace [start, end) as one undoable edit, never inside the protected line, within the limit."""
        if self.isReadOnly() or start < self._limit():
            return
        if len(self.toPlainText()) - (end - start) + len(text) > self.max_chars:
            return
        cursor = self.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)
        self.setTextCursor(cursor)

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
        if key == Qt.Key.Key_F10 and event.modifiers() == Qt.KeyboardModifier.ShiftModifier:
            self.open_menu_at_cursor()  # Qt maps only the Menu key to a context menu on every platform
            return
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
    """Underlines NAR-STYLE terms (amber), NAR-RP details (red) and unknown words (red dots) block by block
    as the text changes."""

    def __init__(self, document: QTextDocument, matcher: Matcher) -> None:
        super().__init__(document)
        self._matcher = matcher
        self._formats = {
            "NAR-STYLE": _wave("#b36b00"),
            "NAR-RP": _wave("#b00020"),
            SPELLING: _dotted("#d0021b"),
        }

    def set_matcher(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        marks = self._matcher(text)
        # spelling first, so a NAR-STYLE or NAR-RP mark over the same word shows its own colour
        marks.sort(key=lambda m: m.rule_id != SPELLING)
        for mark in marks:
            fmt = self._formats.get(mark.rule_id)
            if fmt is not None:
                self.setFormat(mark.start, mark.end - mark.start, fmt)


def _wave(color: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fmt.setUnderlineColor(QColor(color))
    fmt.setBackground(QColor(color).lighter(190))
    return fmt


def _dotted(color: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
    fmt.setUnderlineColor(QColor(color))
    return fmt
