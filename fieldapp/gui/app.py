"""Starting the app: QApplication, style, opening the encrypted profile off the GUI thread, the main window.

Opening a profile may ask for a passphrase (no secure keyring), run a migration or, on first run, create
the profile from the demo caseload; all of that runs on the op runner while a busy indicator shows, and
every way it can fail ends in a message a worker can act on (wrong passphrase, damaged or newer profile,
missing key) – never a traceback and never a changed database.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from fieldapp.app.profile import NeedsPassphrase, ProfileError, WrongKey
from fieldapp.app.service import ContactService
from fieldapp.app.session import OpenedProfile
from fieldapp.domain.codetables import CodeTables, load_codetables
from fieldapp.gui.dialogs import PassphraseDialog, UnlockSetupDialog
from fieldapp.gui.launcher import APPLICATION as APPLICATION
from fieldapp.gui.launcher import ORGANIZATION as ORGANIZATION
from fieldapp.gui.launcher import StartOptions as StartOptions
from fieldapp.gui.launcher import make_application as make_application
from fieldapp.gui.main_window import MainWindow, WindowEnv
from fieldapp.gui.ops import Op, OpRunner

log = logging.getLogger(__name__)


def system_now() -> datetime:
    return datetime.now(tz=UTC)


class Bootstrap(QObject):
    """Opens the profile on the op runner, asking on the GUI thread for what it needs, then shows the window.

    `window_ready(MainWindow)` when the window is up; `failed(str)` when the profile cannot be opened
    (the message has been shown unless `interactive` is False).
    """

    window_ready = Signal(object)
    window_shown = Signal(object)
    """The main window is on screen: still empty while the profile opens, or (after a first paint) already
    showing the caseload (bench/bench_gui.py)."""
    window_usable = Signal(object)
    """The main window shows the caseload and its actions (New contact…) work: `loaded` once started."""
    failed = Signal(str)

    def __init__(
        self,
        options: StartOptions,
        *,
        interactive: bool = True,
        first_paint: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.options = options
        self.interactive = interactive
        self.first_paint = first_paint
        """fieldapp.gui.first_paint.FirstPaintWindow on screen in the window's place until it has loaded."""
        self.runner = OpRunner(self, name="fieldapp-db")
        self.tables: CodeTables = load_codetables()
        self.opened: OpenedProfile | None = None
        self.window: MainWindow | None = None
        self.shell: MainWindow | None = None
        self.busy: QProgressDialog | None = None
        self.dialog: PassphraseDialog | None = None
        self._passphrase: str | None = None
        self._closed = False

    # ------------------------------------------------------------------ opening

    def start(self) -> None:
        """Start opening the profile on the op runner, and meanwhile put the main window on screen.

        The window is shown empty as soon as Qt is up, instead of after the store has been imported and
        the profile opened; the opening is queued once the window is built, so the store's imports on the
        worker overlap only its painting (C++, outside the interpreter lock) and do not compete with
        building it (measured: that contention made both later; see docs/PERFORMANCE.md, "GUI").
        The window holds no case data until
        `_show_window` starts it, which happens only once the profile is open and an unlock passphrase
        exists (so nothing is shown that the lock could not hide)."""
        if self.first_paint is not None:
            # The first paint is on screen and the store is already imported: open the profile on the op
            # runner while this thread builds the full window off screen.
            self._open()
            self._show_shell()
            return
        self._show_shell()
        self._show_busy("Opening your encrypted profile…")
        self._open()

    def _show_shell(self) -> None:
        tables = self.tables

        def verify_unlock(passphrase: str) -> bool:
            opened = self.opened
            return opened is not None and opened.unlock.verify(passphrase)

        def still_due(caseload: Any, now: datetime) -> Any:
            assert self.opened is not None  # the window asks only after start(), i.e. once open
            return _compliance(self.opened.service, tables)(caseload, now)

        env = WindowEnv(
            service=cast(ContactService, _NotOpenYet()),
            runner=self.runner,
            tables=tables,
            verify_unlock=verify_unlock,
            now=self.options.clock or system_now,
            compliance=still_due if _compliance_available() else None,
            profile_label=str(self.options.profile_dir or ""),
        )
        shell = MainWindow(env, QSettings())
        self.shell = shell
        if self.first_paint is not None:
            return  # built off screen: it takes the first paint's place once it shows the caseload
        shell.statusBar().showMessage("Opening your encrypted profile…")
        shell.show()
        self.window_shown.emit(shell)

    def _open(self, passphrase: str | None = None) -> None:
        if self._closed:
            return  # quit before the queued opening ran
        options = self.options
        clock = options.clock or system_now

        def opening() -> OpenedProfile:
            return options.opener(options.profile_dir, passphrase=passphrase, demo=options.demo, clock=clock)

        Op(self.runner, opening, label="Opening profile").success(self._opened).failure(
            self._open_failed
        ).run()

    def _opened(self, opened: OpenedProfile) -> None:
        self.opened = opened
        self._passphrase = None
        if not opened.needs_unlock_setup:
            self._show_window()
            return
        self._hide_busy()
        dialog = UnlockSetupDialog()
        self.dialog = dialog

        def done(result: int) -> None:
            if result != UnlockSetupDialog.DialogCode.Accepted:
                self._fail("fieldapp needs an unlock passphrase to protect case records when you step away.")
                return
            chosen = dialog.value()
            self._show_busy("Saving your unlock passphrase…")
            Op(self.runner, lambda: opened.unlock.set(chosen), label="Saving unlock passphrase").success(
                lambda _r: self._show_window()
            ).failure(lambda e: self._fail(str(e))).run()

        dialog.finished.connect(done)
        dialog.open()

    def _show_window(self) -> None:
        """The profile is open: hand the shown window its service and sync side, and let it read the
        caseload (on the op runner, queued after the opening)."""
        self._hide_busy()
        opened = self.opened
        window = self.shell
        assert opened is not None and window is not None
        env = window.env
        env.service = opened.service
        env.sync_client = opened.sync_client
        env.sync_status = opened.sync_status
        env.connect_sync = opened.connect_sync
        env.enroll = opened.enroll
        env.profile_label = str(opened.directory)
        self.window = window
        first = self.first_paint
        if first is None:
            window.loaded.connect(self._first_load)
            window.start()
        elif first.is_locked():
            # Locked while loading: take over locked at once; the caseload shows only after the unlock.
            window.lock()
            self._take_over(window, first)
            window.start()
        else:
            window.loaded.connect(self._first_load)
            window.start()
        self.window_ready.emit(window)

    def _first_load(self) -> None:
        window = self.window
        assert window is not None
        window.loaded.disconnect(self._first_load)
        first = self.first_paint
        if first is not None:
            if first.is_locked():  # locked after the profile opened: the caseload must not show now
                window.lock()
            self._take_over(window, first)
        self.window_usable.emit(window)

    def _take_over(self, window: MainWindow, first: Any) -> None:
        """Put the full window where the first paint is, as it is (size, splitter, tab, scroll, selection:
        the selection came through QSettings), then close the first paint."""
        self.first_paint = None
        state = first.view_state()
        window.restoreGeometry(state["geometry"])
        window.splitter.restoreState(state["splitter"])
        window.tabs.setCurrentIndex(state["tab"])
        if state["maximized"]:
            window.showMaximized()
        else:
            window.show()
        window.caseload_view.verticalScrollBar().setValue(state["scroll"])
        window.raise_()
        window.activateWindow()
        first.hide()
        first.deleteLater()
        self.window_shown.emit(window)

    def _open_failed(self, error: BaseException) -> None:
        if isinstance(error, NeedsPassphrase) or (
            isinstance(error, WrongKey) and self._passphrase is not None
        ):
            self._ask_passphrase(error)
            return
        if isinstance(error, ProfileError):
            self._fail(str(error))
            return
        log.error("opening the profile failed: %s", type(error).__name__)
        self._fail(f"The profile could not be opened ({type(error).__name__}: {error}).")

    def _ask_passphrase(self, error: ProfileError) -> None:
        self._hide_busy()
        retry = isinstance(error, WrongKey)
        new_profile = bool(getattr(error, "new_profile", False))
        dialog = PassphraseDialog(
            new_profile=new_profile,
            reason="" if retry else str(error),
            error="That passphrase does not open this profile. Try again; check Caps Lock." if retry else "",
        )
        self.dialog = dialog

        def done(result: int) -> None:
            if result != PassphraseDialog.DialogCode.Accepted:
                self._fail("No passphrase was given; the profile stays closed.", show=False)
                return
            self._passphrase = dialog.value()
            self._show_busy("Opening your encrypted profile…")
            self._open(self._passphrase)

        dialog.finished.connect(done)
        dialog.open()

    # ------------------------------------------------------------------ busy and failure

    def _show_busy(self, text: str) -> None:
        if self.busy is None:
            busy = QProgressDialog(text, "", 0, 0)
            busy.setObjectName("openingProgress")
            busy.setWindowTitle("fieldapp")
            busy.setCancelButton(None)
            busy.setMinimumDuration(400)  # only shows if opening is slow
            busy.setAccessibleName("Opening profile")
            self.busy = busy
        self.busy.setLabelText(text)

    def _hide_busy(self) -> None:
        if self.busy is not None:
            self.busy.reset()
            self.busy.hide()
            self.busy.deleteLater()
            self.busy = None

    def _fail(self, message: str, show: bool = True) -> None:
        self._hide_busy()
        first, self.first_paint = self.first_paint, None
        if first is not None:
            first.close()
            first.deleteLater()
        shell, self.shell = self.shell, None
        if shell is not None:
            shell.close()
            shell.deleteLater()
        if show and self.interactive:
            box = QMessageBox(QMessageBox.Icon.Critical, "fieldapp cannot open the profile", message)
            box.setObjectName("profileErrorBox")
            box.exec()
        self.failed.emit(message)

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Save what is open (the window's close does), close the profile on the worker, stop the thread."""
        if self._closed:
            return
        self._closed = True
        opened = self.opened
        if opened is not None:
            Op(self.runner, opened.close, label="Closing profile").run()
        self.runner.shutdown()


class _NotOpenYet:
    """The service of a window shown before its profile is open. The window only calls the service once
    started, which happens after the profile is open; anything earlier is a bug and says so."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"the profile is not open yet (service.{name})")


def _compliance_available() -> bool:
    """Whether the compliance measures are in this build, without importing them: they load on the op
    runner when the still-due list is first worked out, after the window is usable."""
    return importlib.util.find_spec("fieldapp.app.due") is not None


def _compliance(service: Any, tables: CodeTables) -> Any:
    """The still-due list over `service`."""

    def still_due(caseload: Any, now: datetime) -> Any:
        from fieldapp.app.due import due_list

        return due_list(service, caseload, tables, now)

    return still_due


def main(argv: Sequence[str] | None = None, options: StartOptions | None = None) -> int:
    """The `fieldapp run` / `fieldapp-gui` entry point (fieldapp.gui.launcher.main: first paint, then this)."""
    from fieldapp.gui.launcher import main as launch

    return launch(argv, options)
