"""Starting the app in two steps: the first paint, then the full stack.

1. The raw read of the profile (`fieldapp run` opens it read-only before importing Qt), Qt and the
   first-paint window (fieldapp.gui.first_paint) — no SQLAlchemy, pydantic, Alembic or full main window.
   The worker sees the caseload, today's drafts and the sync count, and can scroll and select.
2. The rest (the store with SQLAlchemy, the records, the full main window, the wizard, the code tables)
   is imported on a loader thread while the first paint is on screen, then fieldapp.gui.app.Bootstrap
   opens the profile the normal way (migration check, closing ended days, unlock check) and puts the full
   window in the first paint's place once it shows the caseload.

Why a thread for step 2, when docs/PERFORMANCE.md records that importing the store on a thread made the
start slower: then it competed with building and painting the first window for the interpreter lock. Now
it starts only after the first paint, when the GUI thread is idle but for the worker's input: scrolling and
selecting in the first paint's views run in Qt's C++ without the lock, and anything in Python waits at most
the interpreter's switch interval. bench/bench_gui.py measures the longest event-loop stall meanwhile.

When the quick read is refused (no profile yet, passphrase-keyed, a migration or an ended day due, no unlock
passphrase yet, any key or file problem) the app starts exactly as before: Bootstrap shows the window and
opens the profile, with its dialogs and messages.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication

from fieldapp.app.first_paint_view import QuickSkip
from fieldapp.gui.forms import load_style
from fieldapp.gui.pyside_import import skip_feature_import

if TYPE_CHECKING:  # the first paint imports neither datetime nor (at all) the modules below
    from datetime import datetime

    from fieldapp.app.first_paint import PendingFirstPaint
    from fieldapp.app.session import ProfileOpener

log = logging.getLogger(__name__)

ORGANIZATION = "fieldapp"
APPLICATION = "fieldapp"
STYLE = "Fusion"
"""The same look (and focus frames) on every platform."""

# What the full window needs before it can take the first paint's place: itself and the store it reads.
FULL_STACK = ("fieldapp.gui.app", "fieldapp.gui.main_window", "fieldapp.app.launch")
# Set to "1" to import the full stack on the GUI thread instead (bench/bench_gui.py measures that
# alternative: as fast, but the window is frozen meanwhile).
LOAD_ON_GUI_THREAD = "FIELDAPP_LOAD_ON_GUI_THREAD"
# Loaded on the same thread once the full window is up, so New contact does not wait for them.
AFTER_READY = ("fieldapp.gui.wizard_bridge", "fieldapp.gui.wizard")


class StartOptions(NamedTuple):
    """How to start: which profile, whether to create the demo one, the clock, the opener and the
    first-paint reader to use.

    `opener` is fieldapp.app.launch.open_for_gui and `first_paint` the read `fieldapp run` started before
    Qt was imported (fieldapp.store.quick_read: in a forked child still reading, fieldapp.app.forked_read,
    or already opened in this process, fieldapp.app.first_paint.InProcessFirstPaint), both from `fieldapp
    run` (the GUI never imports the store, not even indirectly). Without `first_paint` the app starts the
    normal way only. A named tuple, not a dataclass: `dataclasses` (~1.5 ms) is not otherwise imported
    before the first paint.
    """

    profile_dir: Path | None
    demo: bool
    opener: ProfileOpener
    clock: Callable[[], datetime] | None = None
    first_paint: PendingFirstPaint | None = None
    gc_paused: bool = False
    """`fieldapp run` switched the cyclic garbage collector off for the start; the launcher freezes what
    the start made and switches it back on once the first paint is on screen (or when there is none)."""


def make_application(argv: Sequence[str] | None = None, *, styled: bool = True) -> QApplication:
    """The one QApplication, with the app's name (for QSettings) and, unless `styled` is False, its style
    sheet (then `style_application` must come before a window is shown)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        # Qt's own `-style` option rather than setStyle(), which returns the QStyle: PySide6 then builds
        # that class's eleven Python enums (~5 ms, measured) on the way to the first paint
        app = QApplication([*(argv if argv is not None else sys.argv[:1]), "-style", STYLE])
    else:
        app.setStyle(STYLE)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("fieldapp")
    if styled:
        style_application(app)
    return app


def style_application(app: QApplication) -> None:
    """The app's style sheet (ui/style/app.qss), unless it is already set.

    Why `fieldapp run` sets it only once the first paint's window is built, just before it is shown: with a
    style sheet in force, Qt's style-sheet style works out every widget's rules again as the form creates it
    and gives it its parent, and once more when it is shown; set late, it does so once, at the show. That
    is ~6 ms less before the first paint (docs/PERFORMANCE.md, "GUI"), for the same pixels
    (tests/gui/test_first_paint.py)."""
    sheet = load_style("app")
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


class Launcher(QObject):
    """Runs the two steps. Signals (for the test hook and bench): `first_shown(window)` when the first paint
    is shown (it paints in the event-loop turn after), `first_painted(window)` one turn later, once it is on
    screen, then Bootstrap's `window_shown`, `window_ready`, `window_usable` and `failed`,
    forwarded."""

    first_shown = Signal(object)
    first_painted = Signal(object)
    menus_ready = Signal(object)
    """The first paint's menu items and shortcuts (Lock, Quit) are in place: the next event-loop turn."""
    window_shown = Signal(object)
    window_ready = Signal(object)
    window_usable = Signal(object)
    """The full window shows the caseload and New contact works (bench: "fully ready")."""
    failed = Signal(str)
    _stack_loaded = Signal(object)  # None or the exception, from the loader thread

    def __init__(
        self, options: StartOptions, *, interactive: bool = True, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.options = options
        self.interactive = interactive
        self.first_paint: Any = None  # FirstPaintWindow while it is on screen
        self.boot: Any = None  # fieldapp.gui.app.Bootstrap once the full stack is loaded
        self.skip_reason = ""
        self.quick = False
        """Whether this start showed a first paint (else it started the normal way)."""
        self._closed = False
        self._stack_loaded.connect(self._full_stack_loaded)

    def start(self) -> None:
        try:
            window = self.show_first_paint()
        except BaseException:
            self._resume_gc()
            raise
        if window is None:
            self._resume_gc()
            _style()
            self._start_full()  # today's path, on this thread
            return
        # One event-loop turn first, so the window is painted before the loader thread takes the lock.
        QTimer.singleShot(0, lambda: self._painted(window))

    def show_first_paint(self) -> Any:
        """Build and show the first paint from the read `fieldapp run` started (the window, or None with
        `skip_reason` set); closes the read either way. `start()` calls it; dev/screenshots.py too.

        The window is built from its form before waiting for the read: with a forked read (POSIX) the
        child reads the recent contacts of the remembered referral or case while this builds."""
        pending = self.options.first_paint
        if pending is None:
            self.skip_reason = "no first-paint read"
            return None
        known = pending.known_skip()
        if known is not None:  # known already: build nothing
            pending.close()
            return self._skip(known)
        try:
            settings = QSettings()
            pending.ask(str(settings.value("caseload/last_matter", "") or "") or None)
            from fieldapp.gui.first_paint import FirstPaintWindow

            window = FirstPaintWindow(settings)
            got = pending.result()
        finally:
            pending.close()  # nothing stays open: the full stack opens the profile its own way
        if isinstance(got, QuickSkip):
            window.deleteLater()
            return self._skip(got)
        window.show_view(got)
        self.first_paint = window
        self.quick = True
        _style()
        window.show()
        self.first_shown.emit(window)
        return window

    def _skip(self, skip: QuickSkip) -> None:
        self.skip_reason = skip.reason
        log.info("first paint skipped: %s", skip.reason)
        return None

    def _painted(self, window: Any) -> None:
        self.first_painted.emit(window)
        QTimer.singleShot(0, lambda: self._complete(window))

    def _complete(self, window: Any) -> None:
        window.complete_menus()
        self.menus_ready.emit(window)
        self._resume_gc()
        if os.environ.get(LOAD_ON_GUI_THREAD) == "1":
            self._stack_loaded.emit(_import_full_stack())
            return
        threading.Thread(target=self._load_stack, name="fieldapp-load", daemon=True).start()

    def _load_stack(self) -> None:
        self._stack_loaded.emit(_import_full_stack())  # queued to the GUI thread

    def _full_stack_loaded(self, error: BaseException | None) -> None:
        if self._closed:
            return
        try:
            if error is not None:
                raise error
            self._start_full()
        except Exception as failure:  # a broken install: say so instead of leaving the first paint up
            log.error("loading fieldapp failed: %s", type(failure).__name__)
            first, self.first_paint = self.first_paint, None
            if first is not None:
                first.close()
            message = f"fieldapp could not finish loading ({type(failure).__name__}: {failure})."
            if self.interactive:
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.critical(None, "fieldapp", message)
            self.failed.emit(message)

    def _start_full(self) -> None:
        from fieldapp.gui.app import Bootstrap

        boot = Bootstrap(self.options, interactive=self.interactive, first_paint=self.first_paint)
        self.boot = boot
        boot.window_shown.connect(self._forget_first_paint)
        boot.window_shown.connect(self.window_shown)
        boot.window_ready.connect(self.window_ready)
        boot.window_usable.connect(self.window_usable)
        boot.window_usable.connect(self._preload_wizard)
        boot.failed.connect(lambda _m: self._forget_first_paint(None))
        boot.failed.connect(self.failed)
        boot.start()

    def _preload_wizard(self, _window: Any) -> None:
        if not self.quick:
            return  # the normal path: the wizard loads when first opened, as before
        threading.Thread(
            target=_preload, args=(AFTER_READY,), name="fieldapp-load-wizard", daemon=True
        ).start()

    def _forget_first_paint(self, _window: Any) -> None:
        self.first_paint = None  # the full window took its place (Bootstrap released it)

    def _resume_gc(self) -> None:
        """The collector back on after the start (StartOptions.gc_paused). What the start made (PySide6's
        classes and enums, the modules, the first paint) lives as long as the app: frozen, later
        collections do not scan it again, and the first one does not scan the whole start at once on the
        GUI thread. Only cycles made during the start and dropped later are never collected."""
        if self.options.gc_paused and not gc.isenabled():
            gc.freeze()
            gc.enable()

    def close(self) -> None:
        self._closed = True
        self._resume_gc()
        if self.options.first_paint is not None:
            self.options.first_paint.close()  # idempotent: ends and reaps a forked reader still running
        if self.boot is not None:
            self.boot.close()


def _style() -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        style_application(app)


def _import_full_stack() -> BaseException | None:
    try:
        _import_modules(FULL_STACK)
        from fieldapp.domain.codetables import load_codetables

        load_codetables()  # parsed and cached here, not on the GUI thread
    except BaseException as error:  # reported on the GUI thread
        return error
    return None


def _import_modules(names: Sequence[str]) -> None:
    for name in names:
        importlib.import_module(name)


def _preload(names: Sequence[str]) -> None:
    try:
        _import_modules(names)
    except Exception as error:  # a broken module fails where it is used, with the usual message
        log.error("preloading failed: %s", type(error).__name__)


def main(argv: Sequence[str] | None = None, options: StartOptions | None = None) -> int:
    """The `fieldapp run` entry point."""
    skip_feature_import()  # done already by `fieldapp run` (import_pyside); here for any other caller
    logging.basicConfig(level=os.environ.get("FIELDAPP_LOG", "WARNING"))
    app = make_application(argv, styled=False)  # styled by the Launcher before it shows a window
    assert options is not None, "fieldapp.commands.run builds the StartOptions (with the profile opener)"
    launcher = Launcher(options)
    outcome: dict[str, int] = {"code": 0}

    def failed(_message: str) -> None:
        outcome["code"] = 1
        QTimer.singleShot(0, app.quit)

    launcher.failed.connect(failed)
    _install_test_hook(launcher)
    app.aboutToQuit.connect(launcher.close)
    QTimer.singleShot(0, launcher.start)
    app.exec()
    launcher.close()
    return outcome["code"]


def _install_test_hook(launcher: Launcher) -> None:
    """Only under the test suite (FIELDAPP_TESTING=1): a script drives the real widgets of this process,
    e.g. the kill-mid-narrative test types into the narrative, waits for the autosave, then is SIGKILLed."""
    script = os.environ.get("FIELDAPP_TEST_HOOK")
    if script and os.environ.get("FIELDAPP_TESTING") == "1":
        importlib.import_module("fieldapp.gui.testhook").install(script, launcher)
