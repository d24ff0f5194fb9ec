"""GUI test fixtures: no test may leave a QThread running, and QSettings never touch the real user's.

The dangling-thread check follows napari's conftest: every QThread started during a test is recorded and
the test fails if one is still running when it ends (a leaked worker would keep a database connection
open and make later tests flaky).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread

from fieldapp.app.launch import open_for_gui
from fieldapp.app.session import OpenedProfile
from fieldapp.domain.codetables import load_codetables
from fieldapp.gui.main_window import MainWindow, WindowEnv
from fieldapp.gui.ops import OpRunner
from tests.support.clock import Clock


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """QSettings go to a per-test directory in INI format, never to ~/.config."""
    where = tmp_path_factory.mktemp("qsettings")
    QCoreApplication.setOrganizationName("fieldapp-tests")
    QCoreApplication.setApplicationName("fieldapp-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(where))
    yield where


@pytest.fixture(autouse=True)
def fail_on_dangling_qthreads(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    started: list[weakref.ref[QThread]] = []
    original_start = QThread.start

    def recording_start(self: QThread, *args: object, **kwargs: object) -> None:
        started.append(weakref.ref(self))
        original_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    running = []
    for ref in started:
        thread = ref()
        try:
            if thread is not None and thread.isRunning():
                running.append(thread.objectName() or repr(thread))
                # Stop it so the process does not abort destroying a running QThread; the test still fails.
                thread.quit()
                thread.wait(5000)
        except RuntimeError:  # the C++ object is gone: it cannot be running
            continue
    if running:
        pytest.fail(f"test left QThread(s) running: {', '.join(running)}", pytrace=False)


# --------------------------------------------------------------------------- a real profile and the window

UNLOCK = "river-stone-42"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def opened(tmp_path: Path, clock: Clock) -> Iterator[OpenedProfile]:
    """A demo profile created in a temp dir (keyed by the suite's test keyring), unlock passphrase set."""
    profile = open_for_gui(tmp_path / "profile", passphrase=None, demo=True, clock=clock)
    profile.unlock.set(UNLOCK)
    yield profile
    profile.close()


@pytest.fixture
def runner(qtbot) -> Iterator[OpRunner]:
    r = OpRunner()
    yield r
    assert r.shutdown(), "the op runner did not stop"


@pytest.fixture
def make_window(qtbot, opened: OpenedProfile, runner: OpRunner, clock: Clock):
    """Build (not start) a MainWindow on the real profile; call `.start()` and wait for `loaded`."""
    made: list[MainWindow] = []

    def make(**env_changes: object) -> MainWindow:
        env = WindowEnv(
            service=opened.service,
            runner=runner,
            tables=load_codetables(),
            verify_unlock=opened.unlock.verify,
            now=clock,
            profile_label=str(opened.directory),
        )
        for key, value in env_changes.items():
            setattr(env, key, value)
        window = MainWindow(env, QSettings())
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
    # let the last queued reads finish before the runner fixture shuts down
    if runner.pending:
        qtbot.waitSignal(runner.idle, timeout=10_000).wait()


@pytest.fixture
def window(qtbot, make_window) -> MainWindow:
    w = make_window()
    w.resize(1366, 768)
    w.show()
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.start()
    return w
