"""Starting the app: Qt, the unlock screen, the profile opening behind it, then the main window.

`fieldapp run` (fieldapp.commands.run) reads the arguments and calls `run`, which reads top to bottom:

1. `make_application`: the one QApplication, with the app's name (for QSettings) and style.
2. `Startup.start`: the unlock screen (fieldapp.gui.lock.UnlockWindow) is the first thing on screen, on
   every start. A lock that quitting and starting again would lift protects nothing, so there is no way
   to the caseload but through it.
3. Behind it, on the op runner (one worker thread, never the GUI thread): the rest of the app is imported,
   then the profile opens and its caseload is read into memory (fieldapp.app.start.LockedStart.prepare),
   while the worker types. Nothing of a case reaches a widget, and so no screen reader, before step 4.
4. The right passphrase hands the opened profile and the read caseload to the main window, which shows
   them at once. A first run asks for the passphrase to choose instead, and every way opening can fail
   ends in a message a worker can act on (damaged or newer profile, missing key), never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.app.start import LockedStart, Stage
from fieldapp.gui.forms import load_style
from fieldapp.gui.lock import UnlockWindow
from fieldapp.gui.ops import Op, OpRunner

if TYPE_CHECKING:
    from fieldapp.app.session import ProfileOpener
    from fieldapp.gui.main_window import MainWindow

log = logging.getLogger(__name__)

ORGANIZATION = "fieldapp"
APPLICATION = "fieldapp"
STYLE = "Fusion"
"""The same look (and focus frames) on every platform."""

UNLOCK_SHOWN = "unlock screen shown"
PREPARED = "profile open, asking for"
CASELOAD_SHOWN = "caseload shown"
"""What the log says (INFO, `fieldapp run --log-level info`) for an outside driver: the unlock screen is on
screen (its passphrase field has the keyboard focus: type the passphrase, Return), what it asks for once
the profile is open behind it (ASKS_FOR; at first run a dialog asks twice: passphrase, Tab, repeat,
Return), and the caseload on screen."""
ASKS_FOR = {
    Stage.UNLOCK: "the unlock passphrase",
    Stage.PROFILE_PASSPHRASE: "the profile passphrase",
    Stage.CHOOSE_UNLOCK: "a new unlock passphrase, twice (first run)",
    Stage.CHOOSE_PROFILE_PASSPHRASE: "a new profile passphrase, twice (first run)",
}

WORDING = {
    Stage.UNLOCK: (
        "Case information stays hidden until you enter your unlock passphrase.",
        "Unlock &passphrase:",
        "Unlock passphrase",
        "That passphrase is not right. Try again; check Caps Lock.",
    ),
    Stage.PROFILE_PASSPHRASE: (
        "No secure keyring holds this profile's key on this computer, so it is protected by your "
        "passphrase. Enter it to open your caseload.",
        "Profile &passphrase:",
        "Profile passphrase",
        "That passphrase does not open this profile. Try again; check Caps Lock.",
    ),
}


def system_now() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class StartOptions:
    """Which profile to open (None: the platform's user data directory), whether to create the demo one on
    first run, the opener (fieldapp.app.launch.open_for_gui, passed in by `fieldapp run`: the GUI never
    imports the store) and the agency clock."""

    profile_dir: Path | None
    demo: bool
    opener: ProfileOpener
    clock: Callable[[], datetime] = system_now


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The one QApplication, with the app's name (for QSettings), its style and style sheet."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) if argv is not None else ["fieldapp"])
    app.setStyle(STYLE)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("fieldapp")
    sheet = load_style("app")
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
    return app


def run(options: StartOptions, argv: Sequence[str] | None = None) -> int:
    """`fieldapp run`: the app until its last window closes; exit status 1 if the profile could not open."""
    return execute(make_application(argv), Startup(options))


def execute(app: QApplication, startup: Startup) -> int:
    """Run `startup` in `app`'s event loop (a test driver connects to its signals first)."""
    outcome = {"code": 0}

    def failed(_message: str) -> None:
        outcome["code"] = 1
        QTimer.singleShot(0, app.quit)

    startup.failed.connect(failed)
    app.aboutToQuit.connect(startup.close)
    QTimer.singleShot(0, startup.start)
    app.exec()
    startup.close()
    return outcome["code"]


class Startup(QObject):
    """The unlock screen, the profile opening behind it, the main window after it.

    Signals: `unlock_shown(UnlockWindow)` once the unlock screen is on screen; `prepared(Stage)` once the
    profile is open behind it (or it is known what to ask); `window_usable(MainWindow)` when the main window
    shows the caseload and New contact works; `failed(str)` when the profile cannot be opened (the message
    has been shown unless `interactive` is False)."""

    unlock_shown = Signal(object)
    prepared = Signal(object)
    window_usable = Signal(object)
    failed = Signal(str)

    def __init__(
        self, options: StartOptions, *, interactive: bool = True, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.options = options
        self.interactive = interactive
        self.runner = OpRunner(self, name="fieldapp-db")
        self.settings = QSettings()
        self.locked = LockedStart(options.opener, options.profile_dir, demo=options.demo, clock=options.clock)
        self.unlock_window: UnlockWindow | None = None
        self.window: MainWindow | None = None
        self.dialog: Any = None
        """The first-run dialog (choose a passphrase) while it is open."""
        self._unlocked_early = False
        """The passphrase was accepted before the main window was built: show it once it is."""
        self._closed = False

    # ------------------------------------------------------------------ 2. the unlock screen

    def start(self) -> None:
        unlock = UnlockWindow(self.runner, self.locked.unlock, self.settings)
        self.unlock_window = unlock
        unlock.lock_screen.unlocked.connect(self._show_main_window)
        unlock.show()
        unlock.lock_screen.reset()
        log.info(UNLOCK_SHOWN)
        self.unlock_shown.emit(unlock)
        # once it is painted (the paint is already queued), not competing with it for the interpreter
        QTimer.singleShot(0, self._load_behind_the_lock)

    # ------------------------------------------------------------------ 3. behind the unlock screen

    def _load_behind_the_lock(self) -> None:
        """Queued in this order on the op runner: the rest of the app, then the profile."""
        if self._closed:
            return
        Op(self.runner, _load_rest, label="Loading fieldapp").success(self._rest_loaded).failure(
            self._load_failed
        ).run()
        Op(self.runner, self.locked.prepare, label="Opening profile").success(self._prepared).failure(
            self._open_failed
        ).run()

    def _rest_loaded(self, tables: Any) -> None:
        """Build the main window (empty, hidden) while the worker types: Qt widgets are built on this
        thread; their modules were imported on the op runner."""
        if self._closed:
            return
        from fieldapp.gui.main_window import MainWindow, WindowEnv

        locked = self.locked
        env = WindowEnv(
            service=_NotOpenYet(),
            runner=self.runner,
            tables=tables,
            verify_unlock=lambda passphrase: locked.opened.unlock.verify(passphrase),
            now=self.options.clock,
            compliance=_still_due(env_service=lambda: locked.opened.service, tables=tables),
            profile_label=str(self.options.profile_dir or ""),
        )
        self.window = MainWindow(env, self.settings)
        if self._unlocked_early:
            self._show_main_window()

    def _prepared(self, stage: Stage) -> None:
        unlock = self.unlock_window
        if self._closed or unlock is None:
            return
        log.info("%s: %s", PREPARED, ASKS_FOR[stage])
        if stage in WORDING:
            unlock.lock_screen.ask_for(*WORDING[stage])
        elif stage is Stage.CHOOSE_UNLOCK:
            self._choose(unlock_passphrase=True)
        else:
            self._choose(unlock_passphrase=False)
        self.prepared.emit(stage)

    def _choose(self, *, unlock_passphrase: bool) -> None:
        """First run: choose the unlock passphrase (keyring profile) or the profile's own (no keyring)."""
        from fieldapp.gui.dialogs import PassphraseDialog, UnlockSetupDialog

        unlock = self.unlock_window
        assert unlock is not None
        unlock.lock_screen.setEnabled(False)
        dialog = (
            UnlockSetupDialog(unlock)
            if unlock_passphrase
            else PassphraseDialog(new_profile=True, parent=unlock)
        )
        self.dialog = dialog
        keep = self.locked.choose_unlock if unlock_passphrase else self.locked.create

        def done(result: int) -> None:
            self.dialog = None
            if result != PassphraseDialog.DialogCode.Accepted:
                if unlock_passphrase:
                    self._fail(
                        "fieldapp needs an unlock passphrase to protect case records when you step away."
                    )
                else:
                    self._fail("No passphrase was given; the profile stays closed.", show=False)
                return
            chosen = dialog.value()
            unlock.lock_screen.error.setText("Setting up your profile…")
            Op(self.runner, lambda: keep(chosen), label="Setting up the profile").success(
                lambda _r: self._show_main_window()
            ).failure(self._open_failed).run()

        dialog.finished.connect(done)
        dialog.open()

    # ------------------------------------------------------------------ 4. the main window

    def _show_main_window(self) -> None:
        """The passphrase was right: hand the window the open profile and the read caseload, show it."""
        window, unlock = self.window, self.unlock_window
        if self._closed or unlock is None:
            return
        if window is None:
            self._unlocked_early = True
            return
        opened = self.locked.opened
        env = window.env
        env.service = opened.service
        env.connect_sync = opened.connect_sync
        env.enroll = opened.enroll
        env.profile_label = str(opened.directory)
        window.start(self.locked.overview)
        window.show()
        window.raise_()
        window.activateWindow()
        self.unlock_window = None
        unlock.close()
        unlock.deleteLater()
        log.info(CASELOAD_SHOWN)
        self.window_usable.emit(window)
        window.when_painted.run(self._preload_wizard)

    def _preload_wizard(self) -> None:
        """The contact wizard's modules, once the caseload is drawn, so New contact does not wait for them."""
        if not self._closed:
            Op(self.runner, _load_wizard, label="Loading the contact wizard").run()

    # ------------------------------------------------------------------ failing and closing

    def _load_failed(self, error: BaseException) -> None:
        log.error("loading fieldapp failed: %s", type(error).__name__)
        self._fail(f"fieldapp could not finish loading ({type(error).__name__}: {error}).")

    def _open_failed(self, error: BaseException) -> None:
        from fieldapp.domain.errors import ServiceError

        if isinstance(error, ServiceError | ValueError | OSError):  # profile errors, weak passphrase, keyring
            self._fail(str(error))
            return
        log.error("opening the profile failed: %s", type(error).__name__)
        self._fail(f"The profile could not be opened ({type(error).__name__}: {error}).")

    def _fail(self, message: str, show: bool = True) -> None:
        if show and self.interactive:
            box = QMessageBox(QMessageBox.Icon.Critical, "fieldapp cannot open the profile", message)
            box.setObjectName("profileErrorBox")
            box.exec()
        for widget in (self.unlock_window, self.window):
            if widget is not None:
                widget.close()
        self.failed.emit(message)

    def close(self) -> None:
        """Close the windows (the main window saves open drafts), then the profile on the op runner, then
        stop the runner."""
        if self._closed:
            return
        self._closed = True
        for widget in (self.dialog, self.unlock_window, self.window):
            if widget is not None:
                widget.close()
                widget.deleteLater()
        Op(self.runner, self.locked.close, label="Closing profile").run()
        self.runner.shutdown()


def _load_rest() -> Any:
    """On the op runner: import the main window (with the records) and read the agency's code tables
    (cached), so building the window on the GUI thread imports and parses nothing."""
    importlib.import_module("fieldapp.gui.main_window")
    from fieldapp.domain.codetables import load_codetables

    return load_codetables()


def _load_wizard() -> None:
    """On the op runner: import the contact wizard."""
    importlib.import_module("fieldapp.gui.wizard")


def _still_due(env_service: Callable[[], Any], tables: Any) -> Callable[[Any, datetime], Any] | None:
    """The still-due list over the open profile, or None when this build has no compliance measures
    (they load on the op runner when the list is first worked out, after the caseload shows)."""
    if importlib.util.find_spec("fieldapp.app.due") is None:
        return None

    def still_due(caseload: Any, now: datetime) -> Any:
        from fieldapp.app.due import due_list

        return due_list(env_service(), caseload, tables, now)

    return still_due


class _NotOpenYet:
    """The service of a window built before its profile is handed over. The window calls the service only
    once started, after the unlock; anything earlier is a bug and says so."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"the profile is not open yet (service.{name})")
