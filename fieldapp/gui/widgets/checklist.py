"""A list of check boxes built from code-table choices inside a container of a loaded form.

Check boxes rather than a checkable list view: each is a real control with its own accessible name and
keyboard focus (Space toggles it), which screen readers and keyboard-only work handle best. The list is
one stop for Tab, like a list view: Tab enters at the first box and leaves the list, the arrow keys move
between its boxes (and Home/End to the first and last), so a long checklist costs one Tab, not twelve.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QLayout, QWidget

from fieldapp.app.wizard_flow import Choice


class CheckList(QObject):
    """Check boxes for `choices` appended to `container`'s layout; emits `changed` on a user toggle."""

    changed = Signal()

    def __init__(self, container: QWidget, choices: Sequence[Choice] = (), *, heading: str = "") -> None:
        super().__init__(container)
        self._container = container
        self.boxes: dict[str, QCheckBox] = {}
        if choices:
            self.add(choices, heading=heading)

    def _layout(self) -> QLayout:
        layout = self._container.layout()
        assert layout is not None, f"{self._container.objectName()} needs a layout in its .ui form"
        return layout

    def add(self, choices: Iterable[Choice], *, heading: str = "") -> None:
        layout = self._layout()
        if heading:
            label = QLabel(heading, self._container)
            label.setProperty("class", "heading")
            layout.addWidget(label)
        for choice in choices:
            box = QCheckBox(choice.label.replace("&", "&&"), self._container)  # a label's "&" is no mnemonic
            box.setObjectName(f"check_{choice.code}")
            box.setAccessibleName(choice.label)
            box.toggled.connect(self._on_toggled)
            box.installEventFilter(self)
            if self.boxes:
                box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # one Tab stop: the arrows move inside
            layout.addWidget(box)
            self.boxes[choice.code] = box

    _MOVES = {Qt.Key.Key_Down: 1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_Left: -1}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Arrow keys move between the boxes of this list; Home/End go to its ends."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.modifiers() not in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
            Qt.KeyboardModifier.ShiftModifier,
        ):
            return False
        boxes = [b for b in self.boxes.values() if b.isVisible() and b.isEnabled()]
        if watched not in boxes:
            return False
        here = boxes.index(watched)
        key = event.key()
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and here > 0:
            # Tab leaves the list from wherever the arrows took the focus: as from its one Tab stop
            first = next(iter(self.boxes.values()))
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            QApplication.sendEvent(first, QKeyEvent(event.type(), key, event.modifiers(), event.text()))
            return True
        if key in self._MOVES:
            there = here + self._MOVES[Qt.Key(key)]
        elif key == Qt.Key.Key_Home:
            there = 0
        elif key == Qt.Key.Key_End:
            there = len(boxes) - 1
        else:
            return False
        if 0 <= there < len(boxes):
            boxes[there].setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _on_toggled(self, _checked: bool) -> None:
        self.changed.emit()

    def checked(self) -> tuple[str, ...]:
        return tuple(code for code, box in self.boxes.items() if box.isChecked())

    def set_checked(self, codes: Iterable[str]) -> None:
        """Show `codes` as checked without emitting `changed` (used when loading a contact).

        A code that is not offered here (a stale draft, a changed code table) still gets a box, marked as
        not valid, so the worker can see it and untick it instead of being stuck behind a finding."""
        wanted = set(codes)
        stale = [code for code in wanted if code not in self.boxes]
        if stale:
            self.add([Choice(code, f"{code} (not valid here: untick it)") for code in sorted(stale)])
        for code, box in self.boxes.items():
            if box.isChecked() != (code in wanted):
                box.blockSignals(True)
                box.setChecked(code in wanted)
                box.blockSignals(False)

    def set_enabled(self, enabled: bool) -> None:
        for box in self.boxes.values():
            box.setEnabled(enabled)
