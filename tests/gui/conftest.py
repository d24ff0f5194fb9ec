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
