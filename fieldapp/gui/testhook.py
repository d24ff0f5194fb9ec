"""A test-only driver for the real app in a subprocess (active only with FIELDAPP_TESTING=1 and
FIELDAPP_TEST_HOOK=<json file>). It uses the real widgets the way a worker would – the draft offer, the
wizard, keystrokes in the narrative – and reports what happened, one line per event, to the `events` file,
so a test can SIGKILL the process at a known moment (e.g. right after the autosave, mid-narrative).

Scenario "continue_draft_and_type": accept the open-drafts offer, go to the narrative page, type `text`,
and report `saved <contact id>` when the wizard's own autosave has stored it (no explicit save is asked).
"""

from __future__ import annotations

import ast
import gc
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:  # imported before the first paint: it must stay light
    from fieldapp.gui.launcher import Launcher


class _Driver(QObject):
    def __init__(self, spec: dict[str, Any], boot: Launcher) -> None:
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
        from PySide6.QtTest import QTest

        QTest.keyClicks(editor, text)
        self.report("typed")


class _ReadyReporter(QObject):
    """Scenario "report_ready" (bench/bench_gui.py): one `<event> <epoch seconds>` line per step, written
    when the full window is usable, then quit. Each is reported one event-loop turn after its window was
    shown, i.e. once the window is painted and the loop responds, as the bench's bare window reports:
    - `painted`: the first paint shows the caseload, today's drafts and the sync count (quick path only),
      reported when the launcher's `first_painted` comes (itself one turn after the show), with
      `first_paint_painted 1` when the caseload had received its paint event by then (the bench checks),
      and `gc_paused_at_paint 1` while `fieldapp run` has the garbage collector off for the start;
    - `menus`: its menu items and shortcuts (Lock, Quit) are in place too;
    - `shown`: the full main window is on screen (empty while opening on the normal path);
    - `ready`: the full window shows the caseload and New contact is enabled (`new_contact=1`), and the
      garbage collector is on again (`gc_enabled_when_ready 1`);
    plus `stall_ms <longest gap>` of a 10 ms timer between the first paint and `ready` (how long the event
    loop could not answer while the rest loaded), and `skipped <reason>` when the quick path was refused."""

    def __init__(self, spec: dict[str, Any], boot: Launcher) -> None:
        super().__init__(boot)
        self.events = Path(spec["events"])
        self.lines: list[str] = []
        self.boot = boot
        self._last = 0.0
        self._stall = 0.0
        self._probe = QTimer(self)
        self._probe.setInterval(10)
        self._probe.timeout.connect(self._tick)
        self._caseload_painted = False
        boot.first_shown.connect(self._watch_first_paint)
        boot.first_painted.connect(lambda _w: self._painted())
        boot.menus_ready.connect(lambda _w: QTimer.singleShot(0, lambda: self._mark("menus")))
        boot.window_shown.connect(lambda _w: QTimer.singleShot(0, lambda: self._mark("shown")))
        boot.window_usable.connect(lambda w: QTimer.singleShot(0, lambda: self._usable(w)))

    def _watch_first_paint(self, window: Any) -> None:
        window.caseload_view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._caseload_painted = True
            watched.removeEventFilter(self)
        return False

    def _mark(self, event: str) -> None:
        self.lines.append(f"{event} {time.time()}")

    def _painted(self) -> None:
        self._mark("painted")
        self.lines.append(f"first_paint_painted {int(self._caseload_painted)}")
        self.lines.append(f"gc_paused_at_paint {int(not gc.isenabled())}")
        self._last = time.monotonic()
        self._probe.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self._stall = max(self._stall, now - self._last)
        self._last = now

    def _usable(self, window: Any) -> None:
        self._probe.stop()
        self._mark("ready")
        self.lines.append(f"new_contact {int(window.new_contact_button.isEnabled())}")
        self.lines.append(f"gc_enabled_when_ready {int(gc.isenabled())}")
        self.lines.append(f"stall_ms {self._stall * 1000:.1f}")
        if self.boot.skip_reason:
            self.lines.append(f"skipped {self.boot.skip_reason}")
        self.events.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        app = QApplication.instance()
        if app is not None:
            QTimer.singleShot(0, app.quit)


def install(script: str, boot: Launcher) -> None:
    spec = _read_spec(Path(script).read_text(encoding="utf-8"))
    scenario = spec.get("scenario")
    if scenario == "continue_draft_and_type":
        boot.test_driver = _Driver(spec, boot)  # type: ignore[attr-defined]
    elif scenario == "report_ready":
        boot.test_driver = _ReadyReporter(spec, boot)  # type: ignore[attr-defined]
    else:
        raise ValueError(f"unknown test scenario {scenario!r}")


def _read_spec(text: str) -> dict[str, Any]:
    """The scenario file, a JSON object. The bench times this process's first paint, so the hook should
    cost it nothing: importing `json` took ~1.2 ms before the paint. Our files hold only strings, which
    are Python literals as well, and `ast` is already loaded (PySide6 imports it through `inspect`);
    anything that is not a literal (true, false, null) is read as JSON."""
    try:
        spec = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        import json

        spec = json.loads(text)
    if not isinstance(spec, dict):
        raise ValueError("a test hook file holds a JSON object")
    return spec
