"""The first paint's read in a forked child (fieldapp.app.forked_read): it gives exactly the in-process read,
keeps the quick read's refusals, sends no key and leaves no zombie; whatever goes wrong in the child (an
exception, death, garbage, a short answer, a hang) the parent falls back to the normal start without
hanging, and the child prints nothing."""

from __future__ import annotations

import marshal
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from fieldapp.app import forked_read
from fieldapp.app.first_paint import complete_first_paint, view_of
from fieldapp.app.first_paint_view import ContactLine, FirstPaintView, MatterLine, PersonLine, QuickSkip
from fieldapp.app.forked_read import ForkedRead
from fieldapp.app.launch import open_for_gui
from fieldapp.commands.run import begin_first_paint, read_first_paint
from fieldapp.gui.launcher import Launcher, StartOptions
from tests.gui.test_first_paint import _fill

REPO = Path(__file__).resolve().parents[2]


def _assert_reaped(pid: int) -> None:
    with pytest.raises(ChildProcessError):  # not ours any more: waited for, no zombie left
        os.waitpid(pid, os.WNOHANG)


def _forked(directory: Path, clock, **kw) -> ForkedRead:  # type: ignore[no-untyped-def]
    return ForkedRead.start(lambda ask: read_first_paint(directory, ask, clock), **kw)


# --------------------------------------------------------------------------- the same read


def _in_process(directory: Path, clock, matter_id: str | None) -> FirstPaintView | QuickSkip:  # type: ignore[no-untyped-def]
    return view_of(complete_first_paint(begin_first_paint(directory, clock), matter_id), clock())


def test_forked_read_is_exactly_the_in_process_read_of_a_real_profile(opened, clock):
    _fill(opened)
    in_process = _in_process(opened.directory, clock, "C-2001")
    assert isinstance(in_process, FirstPaintView)
    assert in_process.drafts and len(in_process.recent) == 3
    assert in_process.pending == "2 contacts waiting to sync"
    pending = _forked(opened.directory, clock)
    pid = pending.pid
    pending.ask("C-2001")
    forked = pending.result()
    assert forked == in_process
    _assert_reaped(pid)
    pending.close()  # idempotent


def test_forked_read_without_a_remembered_matter_reads_the_first_one(opened, clock):
    _fill(opened)
    in_process = _in_process(opened.directory, clock, None)
    pending = _forked(opened.directory, clock)
    assert pending.result() == in_process  # never asked: the parent says "none" itself
    assert isinstance(in_process, FirstPaintView) and in_process.recent_matter_id is not None


def test_forked_read_keeps_the_refusals_schema_and_wrong_key(opened, clock):
    with opened.service.profile.write() as conn:  # type: ignore[attr-defined]
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    pending = _forked(opened.directory, clock)
    pid = pending.pid
    got = pending.result()
    assert isinstance(got, QuickSkip) and "schema" in got.reason
    _assert_reaped(pid)
    fresh = open_for_gui(opened.directory.parent / "fresh", passphrase=None, demo=True, clock=clock)
    fresh.close()
    got = _forked(fresh.directory, clock).result()
    assert isinstance(got, QuickSkip) and "unlock passphrase" in got.reason


def test_fieldapp_run_forks_before_qt_and_the_parent_never_sees_the_key(opened, clock):
    """In a fresh process, as `fieldapp run` does it: the read is forked while nothing heavy is imported,
    and the parent gets the read without ever importing keyring or SQLCipher (the key stays in the child),
    nor what wording it takes (the child words it: zoneinfo, tomllib, the records' plain dataclasses)."""
    _fill(opened)
    directory = opened.directory
    opened.close()
    script = f"""
import sys
from datetime import datetime
from fieldapp.commands.run import start_first_paint
def clock():
    return datetime.fromisoformat({clock().isoformat()!r})
pending = start_first_paint({str(directory)!r}, clock)
print(type(pending).__name__, sorted(m for m in ("PySide6", "keyring", "sqlcipher3") if m in sys.modules))
pending.ask("C-2001")
got = pending.result()
print(type(got).__name__, len(got.recent), got.pending)
print(sorted(m for m in ("PySide6", "keyring", "sqlcipher3") if m in sys.modules))
print(sorted(m for m in ("fieldapp.app.first_paint", "zoneinfo", "tomllib") if m in sys.modules))
"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop(forked_read.IN_PROCESS, None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "ForkedRead []",
        "FirstPaintView 3 2 contacts waiting to sync",
        "[]",
        "[]",
    ]
    in_process = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=dict(env, **{forked_read.IN_PROCESS: "1"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert in_process.returncode == 0, in_process.stderr[-2000:]
    assert in_process.stdout.splitlines() == [
        "InProcessFirstPaint ['keyring', 'sqlcipher3']",
        "FirstPaintView 3 2 contacts waiting to sync",
        "['keyring', 'sqlcipher3']",
        "['fieldapp.app.first_paint', 'tomllib', 'zoneinfo']",
    ]


# --------------------------------------------------------------------------- a failing child


def _raises(_ask):  # type: ignore[no-untyped-def]
    raise RuntimeError("Brightwater case details")


def _dies(_ask):  # type: ignore[no-untyped-def]
    os.kill(os.getpid(), signal.SIGKILL)


def _exits_early(_ask):  # type: ignore[no-untyped-def]
    os._exit(0)  # ends "successfully" without a word: a short answer


def _not_a_read(_ask):  # type: ignore[no-untyped-def]
    return "a string, not a read"


def _hangs(_ask):  # type: ignore[no-untyped-def]
    time.sleep(60)


@pytest.mark.parametrize(
    ("work", "reason"),
    [
        (_raises, "failed (exit status 1)"),
        (_dies, f"failed (exit status {-signal.SIGKILL})"),
        (_exits_early, "incomplete"),
        (_not_a_read, "not a read"),
    ],
)
def test_a_failing_child_gives_a_skip_at_once_and_is_reaped(work, reason, capfd):
    pending = ForkedRead.start(work)
    pid = pending.pid
    started = time.monotonic()
    got = pending.result()
    assert isinstance(got, QuickSkip) and reason in got.reason
    assert time.monotonic() - started < 4
    _assert_reaped(pid)
    out, err = capfd.readouterr()
    assert "Brightwater" not in out + err  # the child's exception went nowhere


def test_garbage_from_the_child_gives_a_skip(monkeypatch):
    monkeypatch.setattr(forked_read, "encode", lambda _v: forked_read.frame(b"garbage"))
    got = ForkedRead.start(lambda _ask: QuickSkip("never sent")).result()
    assert isinstance(got, QuickSkip) and "could not be decoded" in got.reason


def test_a_hanging_child_is_killed_after_the_timeout_and_reaped():
    pending = ForkedRead.start(_hangs, timeout=0.5)
    pid = pending.pid
    started = time.monotonic()
    got = pending.result()
    assert isinstance(got, QuickSkip) and "in time" in got.reason
    assert time.monotonic() - started < 3
    _assert_reaped(pid)


def test_closing_before_the_result_kills_and_reaps_the_child():
    pending = ForkedRead.start(_hangs)
    pid = pending.pid
    pending.close()
    _assert_reaped(pid)
    assert isinstance(pending.result(), QuickSkip)


def test_the_child_prints_nothing_even_when_its_work_does(capfd):
    def noisy(_ask):  # type: ignore[no-untyped-def]
        print("Brightwater narrative", flush=True)
        print("Brightwater narrative", file=sys.stderr, flush=True)
        os.write(1, b"Brightwater raw\n")
        return QuickSkip("done")

    assert ForkedRead.start(noisy).result() == QuickSkip("done")
    out, err = capfd.readouterr()
    assert "Brightwater" not in out + err


# --------------------------------------------------------------------------- the launcher with a forked read


def _close(launcher: Launcher) -> None:
    boot = launcher.boot
    if boot is not None and boot.window is not None:
        offer = getattr(boot.window, "draft_offer", None)
        if offer is not None:
            offer.close()
        boot.window.close()
        boot.window.deleteLater()
    if launcher.first_paint is not None:
        launcher.first_paint.close()
        launcher.first_paint.deleteLater()
    launcher.close()


def test_launcher_paints_a_forked_read_with_the_remembered_matter(qtbot, opened, clock):
    _fill(opened)
    QSettings().setValue("caseload/last_matter", "C-2001")
    pending = _forked(opened.directory, clock)
    launcher = Launcher(
        StartOptions(opened.directory, demo=False, opener=open_for_gui, clock=clock, first_paint=pending),
        interactive=False,
    )
    try:
        with qtbot.waitSignal(launcher.window_usable, timeout=30_000):
            launcher.start()
            first = launcher.first_paint
            assert first is not None and first.isVisible()
            assert first.selected_matter == "C-2001" and first.recent_model.rowCount() == 3
            assert first.drafts_model.rowCount() == 1
            assert first.pending_label.text() == "2 contacts waiting to sync"
    finally:
        _close(launcher)


def test_launcher_falls_back_to_the_normal_start_when_the_child_fails(qtbot, opened, clock):
    _fill(opened)
    pending = ForkedRead.start(_raises)
    pid = pending.pid
    launcher = Launcher(
        StartOptions(opened.directory, demo=False, opener=open_for_gui, clock=clock, first_paint=pending),
        interactive=False,
    )
    try:
        with qtbot.waitSignal(launcher.window_usable, timeout=30_000) as usable:
            launcher.start()
        assert launcher.first_paint is None and not launcher.quick
        assert "failed" in launcher.skip_reason
        _assert_reaped(pid)
        window = usable.args[0]
        assert window.drafts_model.rowCount() == 1 and window.new_contact_button.isEnabled()
    finally:
        _close(launcher)


# --------------------------------------------------------------------------- the pipe's format


def test_a_read_crosses_the_pipe_as_it_was_sent():
    """The view goes through marshal as plain tuples and comes back as the same named tuples."""
    view = FirstPaintView(
        "Ana Brightfield",
        "2 contacts waiting to sync",
        "Last sync: never",
        (MatterLine("R-1", "Referral R-1 — Ortiz", (PersonLine("P-1", "Maria Ortiz — child"),)),),
        (MatterLine("C-1", "Case C-1 — Lee", ()),),
        (ContactLine(("R-1", "Child", "Maria", "09:10", "0:40"), True),),
        "R-1",
        (ContactLine(("Jun 2", "Child", "Maria", "In-Person", "Completed", "final"), False),),
    )
    got = ForkedRead.start(lambda _ask: view).result()
    assert got == view
    assert isinstance(got, FirstPaintView) and isinstance(got.referrals[0].people[0], PersonLine)


@pytest.mark.parametrize(
    "plain",
    [
        ("view", ("only", "three", "fields")),
        ("view", ("n", "p", "l", ((1, "text", ()),), (), (), None, ())),
        ("skip", 3),
    ],
)
def test_a_misshapen_answer_gives_a_skip(monkeypatch, plain):
    monkeypatch.setattr(forked_read, "encode", lambda _v: forked_read.frame(marshal.dumps(plain)))
    got = ForkedRead.start(lambda _ask: QuickSkip("never sent")).result()
    assert isinstance(got, QuickSkip) and ("could not be decoded" in got.reason or "not a read" in got.reason)
