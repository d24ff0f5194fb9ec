"""A test-only driver for the real app in a subprocess (active only with FIELDAPP_TESTING=1 and
FIELDAPP_TEST_HOOK=<json file>). It uses the real widgets the way a worker would – the draft offer, the
wizard, keystrokes in the narrative – and reports what happened, one line per event, to the `events` file,
so a test can SIGKILL the process at a known moment (e.g. right after the autosave, mid-narrative).

Scenario "continue_draft_and_type": accept the open-drafts offer, go to the narrative page, type `text`,
and report `saved <contact id>` when the wizard's own autosave has stored it (no explicit save is asked).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.gui.app import Bootstrap


class _Driver(QObject):
    def __init__(self, spec: dict[str, Any], boot: Bootstrap) -> None:
        super().__init__(boot)
        self.spec = spec
        self.boot = boot
        self.events = Path(spec["events"])
        boot.window_ready.connect(self._window_ready)
        boot.failed.connect(lambda message: self.report(f"failed {message}"))

    def report(self, line: str) -> None:
        with self.events.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()

    def _window_ready(self, window: Any) -> None:
        self.window = window
        self.report("window")
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._look_for_offer)
        self._poll.start()

    def _look_for_offer(self) -> None:
        dialog = getattr(self.window, "draft_offer", None)
        if dialog is None or not dialog.isVisible():
            return
        self._poll.stop()
        self.report(f"offered {dialog.list.count()}")
        dialog.continue_button.click()
        QTimer.singleShot(0, self._type)

    def _type(self) -> None:
        editors = self.window.editors
        if not editors:
            QTimer.singleShot(50, self._type)
            return
        wizard = editors[0]
        wizard.go_to_field("narrative")
        editor = wizard.findChild(QWidget, "narrative")
        editor.setFocus()
        text = str(self.spec["text"])
        contact_id = wizard.stored.contact.id

        def saved(stored: Any) -> None:
            if stored.contact.narrative == text:
                self.report(f"saved {contact_id}")

        wizard.draftSaved.connect(saved)
        QTest.keyClicks(editor, text)
        self.report("typed")


class _ReadyReporter(QObject):
    """Scenario "report_ready" (bench/bench_gui.py): report `shown <epoch seconds>` when the main window is
    on screen and the event loop turns (responsive), and `ready <epoch seconds>` when it has shown the
    caseload and drafts for the first time, then quit."""

    def __init__(self, spec: dict[str, Any], boot: Bootstrap) -> None:
        super().__init__(boot)
        self.events = Path(spec["events"])
        self.lines: list[str] = []
        boot.window_shown.connect(lambda _window: QTimer.singleShot(0, self._shown))
        boot.window_ready.connect(lambda window: window.loaded.connect(self._loaded))

    def _shown(self) -> None:
        self.lines.append(f"shown {time.time()}")

    def _loaded(self) -> None:
        self.lines.append(f"ready {time.time()}")
        self.events.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        app = QApplication.instance()
        if app is not None:
            QTimer.singleShot(0, app.quit)


def install(script: str, boot: Bootstrap) -> None:
    spec = json.loads(Path(script).read_text(encoding="utf-8"))
    scenario = spec.get("scenario")
    if scenario == "continue_draft_and_type":
        boot.test_driver = _Driver(spec, boot)  # type: ignore[attr-defined]
    elif scenario == "report_ready":
        boot.test_driver = _ReadyReporter(spec, boot)  # type: ignore[attr-defined]
    else:
        raise ValueError(f"unknown test scenario {scenario!r}")
