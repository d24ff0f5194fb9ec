"""Operations: application-service calls run on one worker thread, results delivered on the GUI thread.

Why: the encrypted store is one SQLite connection, which must be used from one thread, and nothing slow
may run on the GUI thread (a worker in a living room must never see a frozen window). So every call into
the application service goes through an `OpRunner` – one `QThread`, jobs run strictly in submission order
– and its result or error comes back through a queued signal, never by spinning the event loop.

Usage (the Anki "CollectionOp" shape)::

    runner = OpRunner(parent=window)
    Op(runner, lambda: service.interim_save(contact), label="Saving draft") \
        .success(on_saved).failure(on_error).run()

A long job that reports progress and can be cancelled takes an `OpProgress`::

    Op(runner, lambda progress: client.sync(progress.report, progress.cancelled), label="Sync", \
       with_progress=True).progress(bar_update).success(done).run()
    ...
    op.cancel()

An error without a failure callback is emitted on `OpRunner.unhandled_error` (the main window shows it);
only the exception's type and the op's label are logged, never its message, which could hold record text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot
from shiboken6 import isValid as _qt_alive  # ships with PySide6: does the C++ object still live?

log = logging.getLogger(__name__)

T = TypeVar("T")


class OpCancelled(Exception):
    """The op was cancelled before or while it ran (delivered to `failure` unless `cancelled` is set)."""


class OpProgress:
    """Handed to a progress-reporting op on the worker thread: report counts, watch for cancellation."""

    def __init__(self, emit: Callable[[int, int, str], None], cancel_event: threading.Event) -> None:
        self._emit = emit
        self._cancel_event = cancel_event

    def report(self, done: int, total: int, message: str = "") -> None:
        """Thread-safe: queues a progress update to the GUI thread."""
        self._emit(int(done), int(total), str(message))

    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """For APIs that want an Event (e.g. `SyncClient.sync(progress, cancel)`)."""
        return self._cancel_event

    def raise_if_cancelled(self) -> None:
        if self._cancel_event.is_set():
            raise OpCancelled()


@dataclass
class _Outcome:
    op: Op[Any]
    result: Any = None
    error: BaseException | None = None


class _Worker(QObject):
    """Lives in the worker thread; runs one job per queued `execute` call, in order."""

    done = Signal(object)  # _Outcome
    progressed = Signal(object, int, int, str)  # op, done, total, message

    @Slot(object)
    def execute(self, op: Op[Any]) -> None:
        if op is _STOP:
            thread = self.thread()
            thread.quit()
            return
        if op._cancel_event.is_set():
            self.done.emit(_Outcome(op, error=OpCancelled()))
            return
        try:
            if op._with_progress:
                progress = OpProgress(
                    lambda d, t, m: self.progressed.emit(op, d, t, m),
                    op._cancel_event,
                )
                result = op._fn(progress)
            else:
                result = op._fn()
        except BaseException as exc:  # delivered to the GUI thread; nothing escapes the worker
            self.done.emit(_Outcome(op, error=exc))
        else:
            self.done.emit(_Outcome(op, result=result))


class OpRunner(QObject):
    """One worker thread that runs ops in submission order. Create and use it on the GUI thread.

    Signals: `busy_changed(bool)` when the queue becomes non-empty / empty (for a busy indicator and for
    tests to wait on), `unhandled_error(str label, BaseException)` for errors nobody handled.
    """

    busy_changed = Signal(bool)
    idle = Signal()
    unhandled_error = Signal(str, object)
    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None, name: str = "fieldapp-db") -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.execute)
        self._worker.done.connect(self._deliver)
        self._worker.progressed.connect(self._deliver_progress)
        self._pending: list[Op[Any]] = []
        self._stopped = False
        self._thread.start()

    # ------------------------------------------------------------------ submission

    @property
    def pending(self) -> int:
        return len(self._pending)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def submit(self, op: Op[Any]) -> None:
        if self._stopped:
            raise RuntimeError("this OpRunner has been shut down")
        self._pending.append(op)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self._submit.emit(op)

    def call(
        self,
        fn: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        label: str = "",
    ) -> Op[T]:
        """Shorthand for `Op(self, fn, label).success(...).failure(...).run()`."""
        op: Op[T] = Op(self, fn, label=label)
        if on_success is not None:
            op.success(on_success)
        if on_failure is not None:
            op.failure(on_failure)
        return op.run()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Let every queued op finish (drafts are saved), then stop the thread. Blocks the caller.

        Results of ops still queued are delivered later through the event loop if it keeps running.
        Returns False if the thread did not stop within the timeout.
        """
        if self._stopped:
            return not self._thread.isRunning()
        self._stopped = True
        self._submit.emit(_STOP)  # FIFO: runs after every op already queued
        return bool(self._thread.wait(timeout_ms))

    # ------------------------------------------------------------------ delivery (GUI thread)

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        op = outcome.op
        try:
            self._pending.remove(op)
        except ValueError:  # pragma: no cover - delivered twice would be a bug
            log.error("op %r delivered twice", op.label)
        try:
            op._deliver(outcome, self)
        finally:
            if not self._pending:
                self.busy_changed.emit(False)
                self.idle.emit()

    @Slot(object, int, int, str)
    def _deliver_progress(self, op: Op[Any], done: int, total: int, message: str) -> None:
        if op._on_progress is not None and op._owner_alive():
            op._on_progress(done, total, message)


class Op(Generic[T]):
    """One call into the application service, run on `runner`'s worker thread.

    Callbacks run on the GUI thread. If a `parent` QObject is given and has been deleted by the time the
    result arrives, the callbacks are skipped (a closed dialog must not be touched).
    """

    def __init__(
        self,
        runner: OpRunner,
        fn: Callable[..., T],
        *,
        label: str = "",
        with_progress: bool = False,
        parent: QObject | None = None,
    ) -> None:
        self.runner = runner
        self.label = label or getattr(fn, "__name__", "op")
        self._fn = fn
        self._with_progress = with_progress
        self._parent = parent
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_cancelled: Callable[[], None] | None = None
        self._on_progress: Callable[[int, int, str], None] | None = None
        self._on_finally: Callable[[], None] | None = None
        self._cancel_event = threading.Event()
        self.finished = False

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure = callback
        return self

    def cancelled(self, callback: Callable[[], None]) -> Op[T]:
        self._on_cancelled = callback
        return self

    def progress(self, callback: Callable[[int, int, str], None]) -> Op[T]:
        self._on_progress = callback
        return self

    def finally_(self, callback: Callable[[], None]) -> Op[T]:
        """Runs after success or failure (e.g. to re-enable a button)."""
        self._on_finally = callback
        return self

    def run(self) -> Op[T]:
        self.runner.submit(self)
        return self

    def cancel(self) -> None:
        """Ask the op to stop: skipped if not started; a progress op sees `OpProgress.cancelled()`."""
        self._cancel_event.set()

    def _owner_alive(self) -> bool:
        return self._parent is None or _qt_alive(self._parent)

    def _deliver(self, outcome: _Outcome, runner: OpRunner) -> None:
        self.finished = True
        if not self._owner_alive():
            return
        try:
            if outcome.error is None:
                if self._on_success is not None:
                    self._on_success(outcome.result)
            elif isinstance(outcome.error, OpCancelled) and self._on_cancelled is not None:
                self._on_cancelled()
            elif self._on_failure is not None:
                self._on_failure(outcome.error)
            else:
                log.warning("unhandled error in op %r: %s", self.label, type(outcome.error).__name__)
                runner.unhandled_error.emit(self.label, outcome.error)
        finally:
            if self._on_finally is not None:
                self._on_finally()


class _StopMarker(Op[None]):
    def __init__(self) -> None:  # not bound to a runner; only compared by identity
        self.label = "stop"


_STOP: Any = _StopMarker()
