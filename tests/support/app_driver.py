"""Drive the real app in a process of its own, as a worker would, through its public signals.

    python -m tests.support.app_driver SPEC.json

SPEC is a JSON object: `profile` (directory), `passphrase` (typed at the unlock screen), `events` (a file
this driver appends one line per event to, flushed at once, so the test can act at a known moment, e.g.
SIGKILL mid-narrative) and `scenario`:

- "continue_draft_and_type": unlock, accept the open-drafts offer, go to the narrative page, type `text`,
  report `saved <contact id>` once the wizard's own autosave has stored it (no explicit save is asked);
- "unlock_and_quit": report `unlock <epoch s>` when the unlock screen is on screen, type the passphrase
  `type_after` seconds later (`typed <epoch s>`), report `ready <epoch s>` one event-loop turn after the
  caseload shows with `new_contact 1|0`, then quit (bench/bench_gui.py times these); `prepared <epoch s>`
  when the profile is open behind the unlock screen.

The app is started exactly as `fieldapp run` starts it (fieldapp.gui.application.run), with this driver
connected to the Startup's signals before the event loop runs.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.commands.run import open_profile
from fieldapp.gui.application import StartOptions, Startup, execute, make_application


class Driver(QObject):
    def __init__(self, spec: dict[str, Any], startup: Startup) -> None:
        super().__init__(startup)
        self.spec = spec
        self.events = Path(spec["events"])
        self.startup = startup
        startup.unlock_shown.connect(self._unlock_shown)
        startup.prepared.connect(lambda _stage: self.report(f"prepared {time.time()}"))
        startup.window_usable.connect(self._usable)
        startup.failed.connect(lambda message: self.report(f"failed {message}"))

    def report(self, line: str) -> None:
        with self.events.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()

    def _unlock_shown(self, unlock: Any) -> None:
        QTimer.singleShot(0, lambda: self.report(f"unlock {time.time()}"))  # once painted
        delay = float(self.spec.get("type_after", 0.0))
        QTimer.singleShot(int(delay * 1000), lambda: self._type_passphrase(unlock))

    def _type_passphrase(self, unlock: Any) -> None:
        field = unlock.lock_screen.passphrase
        if not field.isEnabled():  # a first-run dialog or an earlier attempt: try again shortly
            QTimer.singleShot(20, lambda: self._type_passphrase(unlock))
            return
        # Imported here, not at the top: PySide6 builds every enum of the Qt namespace on its first
        # import, a cost the app's own start to its unlock screen does not have (bench/bench_gui.py times
        # that start through this driver).
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        field.setText(str(self.spec["passphrase"]))
        self.report(f"typed {time.time()}")
        QTest.keyClick(field, Qt.Key.Key_Return)

    def _usable(self, window: Any) -> None:
        self.window = window
        if self.spec["scenario"] == "unlock_and_quit":
            QTimer.singleShot(0, lambda: self._ready_and_quit(window))
            return
        self.report("window")
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._look_for_offer)
        self._poll.start()

    def _ready_and_quit(self, window: Any) -> None:
        self.report(f"ready {time.time()}")
        self.report(f"new_contact {int(window.new_contact_button.isEnabled())}")
        QApplication.instance().quit()  # type: ignore[union-attr]

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


def main(spec_file: str) -> int:
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    app = make_application()
    startup = Startup(StartOptions(Path(spec["profile"]), False, opener=open_profile))
    startup.driver = Driver(spec, startup)  # type: ignore[attr-defined]
    return execute(app, startup)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
