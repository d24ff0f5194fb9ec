"""The op runner: service calls run off the GUI thread, in order, and come back on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from fieldapp.gui.ops import Op, OpCancelled, OpProgress, OpRunner


def test_ops_run_on_one_worker_thread_in_order_and_deliver_on_gui_thread(qtbot, runner):
    gui_thread = QThread.currentThread()
    seen_threads: set[int] = set()
    order: list[int] = []
    delivered_on_gui: list[bool] = []

    def job(i: int):
        def fn() -> int:
            seen_threads.add(threading.get_ident())
            time.sleep(0.01 if i % 2 else 0)
            return i

        return fn

    with qtbot.waitSignal(runner.idle, timeout=5000):
        for i in range(6):
            Op(runner, job(i)).success(
                lambda r: (order.append(r), delivered_on_gui.append(QThread.currentThread() is gui_thread))
            ).run()
    assert order == [0, 1, 2, 3, 4, 5]
    assert len(seen_threads) == 1 and threading.get_ident() not in seen_threads
    assert all(delivered_on_gui)


def test_error_goes_to_failure_callback_or_unhandled_signal(qtbot, runner):
    errors: list[BaseException] = []

    def boom() -> None:
        raise ValueError("secret narrative text")

    with qtbot.waitSignal(runner.idle, timeout=5000):
        Op(runner, boom).failure(errors.append).run()
    assert isinstance(errors[0], ValueError)

    with qtbot.waitSignal(runner.unhandled_error, timeout=5000) as blocker:
        Op(runner, boom, label="Saving draft").run()
    assert blocker.args[0] == "Saving draft"
    assert isinstance(blocker.args[1], ValueError)


def test_unhandled_error_log_does_not_contain_the_message(qtbot, runner, caplog):
    def boom() -> None:
        raise ValueError("Maria told me about the bruise")

    with qtbot.waitSignal(runner.unhandled_error, timeout=5000):
        Op(runner, boom, label="Saving draft").run()
    assert "bruise" not in caplog.text
    assert "ValueError" in caplog.text


def test_progress_reports_arrive_and_cancel_stops_a_running_op(qtbot, runner):
    started = threading.Event()
    reports: list[tuple[int, int, str]] = []
    cancelled: list[bool] = []

    def long_job(progress: OpProgress) -> str:
        progress.report(0, 3, "starting")
        started.set()
        for i in range(1, 1000):
            if progress.cancelled():
                raise OpCancelled()
            time.sleep(0.005)
            if i == 1:
                progress.report(1, 3, "pushed one")
        return "done"

    op = Op(runner, long_job, with_progress=True).progress(lambda d, t, m: reports.append((d, t, m)))
    op.cancelled(lambda: cancelled.append(True)).run()
    qtbot.waitUntil(lambda: len(reports) >= 2, timeout=5000)
    op.cancel()
    qtbot.waitUntil(lambda: op.finished, timeout=5000)
    assert reports[0] == (0, 3, "starting")
    assert cancelled == [True]


def test_op_cancelled_before_it_starts_never_runs(qtbot, runner):
    gate = threading.Event()
    ran: list[str] = []
    first = Op(runner, lambda: gate.wait(5)).run()
    second = Op(runner, lambda: ran.append("second")).run()
    second.cancel()
    gate.set()
    qtbot.waitUntil(lambda: first.finished and second.finished, timeout=5000)
    assert ran == []


def test_shutdown_waits_for_queued_work(qtbot):
    runner = OpRunner()
    saved: list[int] = []
    for i in range(3):
        Op(runner, lambda i=i: (time.sleep(0.02), saved.append(i))).run()
    assert runner.shutdown()
    assert saved == [0, 1, 2]
    assert not runner.is_running()
    with pytest.raises(RuntimeError):
        Op(runner, lambda: None).run()


def test_callbacks_skipped_when_parent_widget_was_deleted(qtbot, runner):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    gate = threading.Event()
    called: list[object] = []
    op = Op(runner, lambda: gate.wait(5), parent=parent).success(called.append).run()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _alive(parent), timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: op.finished, timeout=5000)
    assert called == []


def _alive(obj) -> bool:
    from shiboken6 import isValid

    return isValid(obj)


pytest_plugins = ["pytester"]


def test_leak_detector_fails_a_test_that_leaks(pytester, monkeypatch):
    import shutil
    from pathlib import Path

    here = Path(__file__).parent
    monkeypatch.setenv("PYTHONPATH", str(here.parents[1]))
    shutil.copy(here / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(
        test_leaky="""
from PySide6.QtCore import QThread
KEEP = []
def test_leaks(qtbot):
    t = QThread()
    t.start()
    KEEP.append(t)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.stdout.fnmatch_lines(["*test left QThread(s) running*"])
    assert result.ret != 0
