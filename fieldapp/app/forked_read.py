"""The first paint's read in a forked child process, so it overlaps the parent's Qt start (POSIX only).

Why: getting the key from the OS keyring (importing keyring and sqlcipher3, ~50–85 ms) and the read (~30 ms)
and starting Qt (~115 ms) each take about as long as a bare PySide6 window start, and on one thread they
add up. The machine has two cores, and the read needs nothing from Qt but which referral or case the window
will select (QSettings), so `fieldapp run` forks before importing anything heavy: the child reads while the
parent imports PySide6, creates the QApplication and builds the window from its form (docs/PERFORMANCE.md,
"GUI").

What keeps it safe:
- The plaintext rows go only through an anonymous pipe (kernel memory): never a file. The key never leaves
  the child: it is read, proven and used there, and only the plain result is sent.
- The child's stdin, stdout and stderr (and Python's streams, and logging) go to /dev/null before it does
  anything, and it ends with `os._exit`
  (no atexit handlers, no flushing of buffers it inherited), so nothing it reads can reach a terminal or
  log; any exception only sets its exit status.
- The parent trusts nothing it cannot check: a non-zero exit, a short or undecodable payload, anything but
  a `FirstPaintView` or `QuickSkip`, or no answer within `timeout` seconds (the child is then killed) gives
  a `QuickSkip`, and the app starts the normal way, which reports any real problem in its own words. The
  child is always reaped, so no zombie remains.
- Fork only where it is safe: before any thread exists (`can_fork`), and the child never imports Qt (it is
  forked before Qt is imported) and touches the profile only through fieldapp.store.quick_read's read-only
  opening.

The payload is the read as plain tuples of strings (fieldapp.app.first_paint_view.to_plain) in `marshal`'s
format, length-prefixed: both ends are this program, forked from one process a moment earlier, and the pipe
is reachable by no one else. `marshal` is built into the interpreter, where `pickle` (with `_pickle` and
`_compat_pickle`, none of which PySide6 imports) cost the window's process ~2 ms of imports before its first
paint; and it can only rebuild data, never call anything. The child words the read itself
(dates, labels, time left), so the parent imports none of what that takes before it paints.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import sys
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing before the fork
if TYPE_CHECKING:  # imported after the fork (`_receive`): nothing to copy into the child
    from collections.abc import Callable
    from typing import Any

    from fieldapp.app.first_paint_view import FirstPaintView, QuickSkip

DEFAULT_TIMEOUT = 5.0  # seconds the parent waits for the read after asking
ASK_TIMEOUT = 30.0  # seconds the child waits for the parent's question before giving up
IN_PROCESS = "FIELDAPP_FIRST_PAINT_IN_PROCESS"
"""Set to "1" to read in-process as on platforms without fork (bench/bench_gui.py compares both)."""

_LENGTH_SIZE = 8  # the payload's length, big-endian, before it
_NO_MATTER = b"\x00"  # the parent remembers no referral or case; else b"\x01" + its ID in UTF-8

if TYPE_CHECKING:
    Work = Callable[[Callable[[], str | None]], FirstPaintView | QuickSkip]
    """What the child does: given `ask` (blocks until the parent says which referral or case to read the
    recent contacts of), the worded read or why not."""


def can_fork() -> bool:
    """POSIX, no thread started yet (a forked child of a threaded process may inherit a held lock), and not
    switched off. Python threads need `threading`: while it is not even imported, none was started."""
    threading = sys.modules.get("threading")
    alone = threading is None or threading.active_count() == 1
    return hasattr(os, "fork") and alone and os.environ.get(IN_PROCESS) != "1"


class ForkedRead:
    """The parent's side of the forked first-paint read (a `PendingFirstPaint`)."""

    def __init__(self, pid: int, results: int, question: int, timeout: float) -> None:
        self.pid = pid
        self._results: int | None = results
        self._question: int | None = question
        self._timeout = timeout
        self._result: FirstPaintView | QuickSkip | None = None

    @classmethod
    def start(cls, work: Work, *, timeout: float = DEFAULT_TIMEOUT) -> ForkedRead:
        question_r, question_w = os.pipe()
        results_r, results_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(work, question_r, results_w, (question_w, results_r))
        os.close(question_r)
        os.close(results_w)
        return cls(pid, results_r, question_w, timeout)

    def known_skip(self) -> QuickSkip | None:
        return None  # only the child knows, once it has looked

    def ask(self, matter_id: str | None) -> None:
        fd, self._question = self._question, None
        if fd is None:
            return
        try:
            os.write(fd, _NO_MATTER if matter_id is None else b"\x01" + matter_id.encode("utf-8"))
        except OSError:
            pass  # the child has ended (a skip needs no question, or it failed): `result` says which
        finally:
            os.close(fd)

    def result(self) -> FirstPaintView | QuickSkip:
        """The child's read, waiting at most `timeout` seconds from now; a QuickSkip on any failure."""
        if self._result is None:
            self.ask(None)  # never leave the child waiting for a question
            self._result = self._receive()
        return self._result

    def close(self) -> None:
        if self._result is None:
            from fieldapp.app.first_paint_view import QuickSkip

            self._result = QuickSkip("the first paint was not needed")
        self._finish(kill=True)

    def _receive(self) -> FirstPaintView | QuickSkip:
        from fieldapp.app.first_paint_view import QuickSkip, from_plain

        data = self._read_all()
        status = self._finish(kill=data is None)
        if data is None:
            return QuickSkip("the first-paint reader did not answer in time")
        if status != 0:
            return QuickSkip(f"the first-paint reader failed (exit status {status})")
        if len(data) < _LENGTH_SIZE or int.from_bytes(data[:_LENGTH_SIZE]) != len(data) - _LENGTH_SIZE:
            return QuickSkip("the first-paint reader's answer was incomplete")
        try:
            # only our own forked child holds the pipe's write end (see the module docstring)
            value = from_plain(marshal.loads(data[_LENGTH_SIZE:]))  # noqa: S302
        except Exception:
            return QuickSkip("the first-paint reader's answer could not be decoded")
        if value is None:
            return QuickSkip("the first-paint reader's answer was not a read")
        return value

    def _read_all(self) -> bytes | None:
        """Everything the child writes until it ends (end of file), or None on the timeout."""
        fd = self._results
        if fd is None:
            return None
        chunks: list[bytes] = []
        deadline = time.monotonic() + self._timeout
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if not poller.poll(left * 1000):
                    continue
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        except OSError:
            return b"".join(chunks)
        finally:
            self._results = None
            os.close(fd)

    def _finish(self, *, kill: bool) -> int | None:
        """Close our ends, kill the child if asked, reap it; its exit code (None if already reaped)."""
        for name in ("_question", "_results"):
            fd = getattr(self, name)
            if fd is not None:
                setattr(self, name, None)
                os.close(fd)
        if self.pid <= 0:
            return None
        pid, self.pid = self.pid, 0
        if kill:
            import signal  # only here: importing it builds its enums (~5 ms on the first paint's path)

            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return None
        return os.waitstatus_to_exitcode(status)


def _child(work: Work, question: int, results: int, parents: tuple[int, ...]) -> None:
    code = 1
    try:
        for fd in parents:
            os.close(fd)
        _silence()

        def ask() -> str | None:
            return _read_question(question)

        payload = encode(work(ask))
        view = memoryview(payload)
        while view:
            view = view[os.write(results, view) :]
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def encode(value: FirstPaintView | QuickSkip) -> bytes:
    """The child's answer on the pipe: length, then the read as plain tuples in marshal's format. Anything
    but a read or skip is sent as it is (if marshal takes it), and the parent refuses it."""
    from fieldapp.app.first_paint_view import FirstPaintView, QuickSkip, to_plain

    plain: Any = to_plain(value) if isinstance(value, FirstPaintView | QuickSkip) else value
    return frame(marshal.dumps(plain))


def frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(_LENGTH_SIZE) + payload


def _silence() -> None:
    """Nothing the child does can reach a terminal or log: /dev/null on the standard descriptors, on the
    Python streams (which need not be those descriptors, e.g. under pytest) and logging switched off."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - until os._exit
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.disable(logging.CRITICAL)


def _read_question(fd: int) -> str | None:
    deadline = time.monotonic() + ASK_TIMEOUT
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the parent did not ask")
        if not poller.poll(left * 1000):
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    data = b"".join(chunks)
    if data == _NO_MATTER:
        return None
    if data[:1] != b"\x01":
        raise ValueError("no question")  # the parent ended without asking
    return data[1:].decode("utf-8")
