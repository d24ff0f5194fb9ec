"""Work that should follow what the worker sees waits until it has been drawn.

Work started on the op runner the moment a window shows competes with the window's first paint for the
interpreter: the still-due list of a big profile (every contact of the month judged) kept the newly unlocked
caseload from being drawn until it was done. `WhenPainted` runs such work on the event-loop turn after a
widget's first paint, or at once when it has already been painted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class WhenPainted(QObject):
    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self._painted = False
        self._waiting: list[Callable[[], object]] = []
        widget.installEventFilter(self)

    def run(self, work: Callable[[], object]) -> None:
        """`work()` after the widget's first paint has been drawn (now, if it has been already)."""
        if self._painted:
            work()
        else:
            self._waiting.append(work)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint and not self._painted:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self._drawn)  # the paint itself goes first
        return False

    def _drawn(self) -> None:
        self._painted = True
        waiting, self._waiting = self._waiting, []
        for work in waiting:
            work()
