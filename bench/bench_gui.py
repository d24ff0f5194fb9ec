"""GUI figures for docs/PERFORMANCE.md ("GUI"), measured in one run so the ratios are fair:

1. start, on a profile holding 10,000 contacts, each start in a fresh process, the app and a bare PySide6
   window taking turns (which goes first alternates per run):
   - "unlock screen": from launching `fieldapp run` (as tests/support/app_driver.py starts it) to the unlock
     screen shown and one event-loop turn, against the bare window (QApplication + QMainWindow with a
     label, shown from the event loop, + one turn), as a ratio per run (target <= 1.5x);
   - "passphrase -> caseload": the unlock passphrase is typed 0.5 s after the unlock screen shows; from the
     Return key to the main window showing the caseload with New contact enabled, one turn later
     (target <= 300 ms).
   Python's bytecode cache goes to a temp directory (PYTHONPYCACHEPREFIX), never into the checkout, and
   one unmeasured start of each fills it first, as an installed app has its bytecode;
2. wizard page change latency: Next/Back through every page of a complete contact, including the queued
   interim save and the repaint (target p95 <= 50 ms);
3. resident memory after finalizing 50 contacts through the wizard (confirm box included) in the main
   window process (target <= 250 MB).

    .venv/bin/python bench/bench_gui.py [--contacts 10000] [--runs 5]

Runs headless (QT_QPA_PLATFORM=offscreen) with a test keyring file in a temp dir.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_TMP = Path(tempfile.mkdtemp(prefix="fieldapp-bench-gui-"))
KEYRING_FILE = "FIELDAPP_TEST_KEYRING_FILE"  # tests/support/test_keyring.py
os.environ[KEYRING_FILE] = str(_TMP / "keyring.json")
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.test_keyring.FileKeyring"
os.environ["PYTHONPATH"] = str(REPO)
UNLOCK = "bench-unlock-pass"
TYPE_AFTER = 0.5
SLOW_TYPIST = 2.0
"""For comparison: a passphrase typed in 2 s (what blocks the 0.5 s case is what loads meanwhile)."""

BARE = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
def ready():
    print("ready", time.time(), flush=True)
    app.quit()
def show():  # as the app shows its unlock screen: from the event loop, then one turn
    w = QMainWindow(); w.setCentralWidget(QLabel("hello")); w.resize(1366, 768)
    w.show(); app.w = w
    QTimer.singleShot(0, ready)
QTimer.singleShot(0, show)
app.exec()
"""


def now() -> datetime:
    return datetime.now(tz=UTC)


def build_profile(directory: Path, contacts: int) -> None:
    """A demo profile holding `contacts` final contacts spread over the caseload's matters."""
    from fieldapp.app.launch import open_for_gui
    from fieldapp.domain.records import ContactKind
    from tests.factories import valid_contact

    opened = open_for_gui(directory, passphrase=None, demo=True, clock=now)
    opened.unlock.set(UNLOCK)
    service = opened.service
    kinds = [
        ContactKind.CHILD_REFERRAL,
        ContactKind.PARENT_REFERRAL,
        ContactKind.CHILD_CASE,
        ContactKind.PARENT_CASE,
    ]
    start = time.perf_counter()
    moment = now() - timedelta(hours=2)
    for i in range(contacts):
        kind = kinds[i % len(kinds)]
        c = valid_contact(kind, started_at=moment, ended_at=moment + timedelta(minutes=30))
        stored = service.start_contact(c.context_id, c.kind, c.on_behalf_of_child_ids)
        service.finalize(c.model_copy(update={"id": stored.contact.id, "first_saved_at": None}))
        if i and i % 1000 == 0:
            print(f"  {i} contacts ({time.perf_counter() - start:.0f} s)", flush=True)
    opened.close()


def _child_env() -> dict[str, str]:
    env = dict(os.environ, XDG_CONFIG_HOME=str(_TMP / "config"), PYTHONPYCACHEPREFIX=str(_TMP / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bare_start() -> float:
    """Seconds from launching the bare window's process to its `ready` line."""
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", BARE],
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return float(proc.stdout.split()[1]) - started


def app_start(directory: Path, tag: str, type_after: float = TYPE_AFTER) -> dict[str, float]:
    """One `fieldapp run` driven by tests/support/app_driver.py: seconds to the unlock screen, and from the
    typed passphrase to the caseload."""
    events = _TMP / f"events-{tag}.txt"
    events.unlink(missing_ok=True)
    spec = _TMP / f"spec-{tag}.json"
    spec.write_text(
        json.dumps(
            {
                "scenario": "unlock_and_quit",
                "profile": str(directory),
                "passphrase": UNLOCK,
                "type_after": type_after,
                "events": str(events),
            }
        ),
        encoding="utf-8",
    )
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.app_driver", str(spec)],
        cwd=REPO,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    got = dict(line.split(" ", 1) for line in events.read_text(encoding="utf-8").splitlines() if " " in line)
    if "ready" not in got or got.get("new_contact") != "1":
        raise RuntimeError(f"the app did not get ready (rc={proc.returncode}): {got} {proc.stderr[-1500:]}")
    return {
        "unlock_s": float(got["unlock"]) - started,
        "caseload_ms": (float(got["ready"]) - float(got["typed"])) * 1000,
        "prepared_ms": (float(got["prepared"]) - float(got["unlock"])) * 1000,
    }


def cold_start(directory: Path, runs: int) -> dict[str, Any]:
    bare_start()  # fills the bytecode cache (not measured)
    app_start(directory, "warm")
    rows = []
    for i in range(runs):
        if i % 2 == 0:
            bare, app = bare_start(), app_start(directory, f"run-{i}")
        else:
            app, bare = app_start(directory, f"run-{i}"), bare_start()
        slow = app_start(directory, f"slow-{i}", SLOW_TYPIST)
        ratio = app["unlock_s"] / bare
        rows.append(
            (bare, app["unlock_s"], ratio, app["caseload_ms"], app["prepared_ms"], slow["caseload_ms"])
        )
        first = "bare" if i % 2 == 0 else "app"
        print(
            f"  run {i + 1} ({first} first): bare {bare * 1000:.0f} ms, unlock screen {app['unlock_s'] * 1000:.0f} ms"
            f" ({ratio:.2f}x), passphrase -> caseload {app['caseload_ms']:.0f} ms (profile open behind the"
            f" unlock screen after {app['prepared_ms']:.0f} ms); typed after {SLOW_TYPIST} s:"
            f" {slow['caseload_ms']:.0f} ms",
            flush=True,
        )
    return {
        "bare_median_ms": statistics.median(r[0] for r in rows) * 1000,
        "unlock_median_ms": statistics.median(r[1] for r in rows) * 1000,
        "ratio_median": statistics.median(r[2] for r in rows),
        "ratio_max": max(r[2] for r in rows),
        "caseload_median_ms": statistics.median(r[3] for r in rows),
        "caseload_max_ms": max(r[3] for r in rows),
        "prepared_median_ms": statistics.median(r[4] for r in rows),
        "slow_caseload_median_ms": statistics.median(r[5] for r in rows),
    }


def in_process(directory: Path) -> dict[str, float]:
    """Page change latency and memory after 50 finalizations, in one main-window process."""
    import resource

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from fieldapp.app.launch import open_for_gui
    from fieldapp.domain.codetables import load_codetables
    from fieldapp.domain.records import ContactKind
    from fieldapp.gui.application import make_application
    from fieldapp.gui.main_window import MainWindow, WindowEnv
    from fieldapp.gui.ops import OpRunner
    from fieldapp.gui.wizard import ContactWizard
    from tests.factories import valid_contact

    app = make_application(["bench"])

    def spin(until, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() > deadline:
                raise TimeoutError("bench step did not finish")
            loop = QEventLoop()
            QTimer.singleShot(5, loop.quit)
            loop.exec()

    opened = open_for_gui(directory, passphrase=None, demo=False, clock=now)
    runner = OpRunner()
    tables = load_codetables()
    env = WindowEnv(opened.service, runner, tables, opened.unlock.verify, now)
    window = MainWindow(env)
    window.resize(1366, 768)
    window.show()
    loaded: list[bool] = []
    window.loaded.connect(lambda: loaded.append(True))
    window.start()
    spin(lambda: bool(loaded))
    spin(lambda: runner.pending == 0)
    print(f"  resident memory with the main window loaded: {_rss_mb():.0f} MB", flush=True)

    service = opened.service
    moment = now() - timedelta(hours=1)

    def draft(kind: ContactKind):  # type: ignore[no-untyped-def]
        c = valid_contact(kind, started_at=moment, ended_at=moment + timedelta(minutes=30))
        s = service.start_contact(c.context_id, c.kind, c.on_behalf_of_child_ids)
        return service.interim_save(c.model_copy(update={"id": s.contact.id, "first_saved_at": None}))

    # page changes: Next through every page and Back again, 5 times
    wizard = ContactWizard(
        service,
        draft(ContactKind.CHILD_CASE),
        caseload=window.caseload,
        runner=runner,
        tables=tables,
        clock=now,
        parent=window,
    )
    wizard.show()
    spin(lambda: runner.pending == 0)

    def page_changes(edit_first: bool) -> list[float]:
        """Next/Back over every page, 5 times. With `edit_first` the worker has changed something on each
        page (not timed), so every page change also queues an interim save on the op runner."""
        times: list[float] = []
        for round_ in range(5):
            for step in (wizard.next, wizard.back):
                for page in range(5):
                    if edit_first:
                        wizard.edit(ended_at=moment + timedelta(minutes=30, seconds=round_ * 10 + page + 1))
                        app.processEvents()
                    t = time.perf_counter()
                    step()
                    wizard.repaint()  # synchronous paint of the new page
                    app.processEvents()
                    times.append((time.perf_counter() - t) * 1000)
            spin(lambda: runner.pending == 0)
        return times

    latencies = page_changes(edit_first=False)
    edited = page_changes(edit_first=True)
    wizard.close()

    # 50 finalizations through the wizard's own confirm box
    for i in range(50):
        kind = [ContactKind.CHILD_REFERRAL, ContactKind.PARENT_CASE, ContactKind.SCP_CASE][i % 3]
        w = window.open_editor(draft(kind))
        assert w is not None
        w.accept()
        spin(lambda w=w: getattr(w, "confirm_box", None) is not None)
        w.finalize_button.click()
        spin(lambda w=w: w.stored.state.value == "final")
    spin(lambda: runner.pending == 0)
    QApplication.processEvents()
    rss_mb = _rss_mb()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.close()
    runner.shutdown()
    opened.close()
    latencies.sort()
    edited.sort()
    return {
        "page_median_ms": statistics.median(latencies),
        "page_p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "page_max_ms": latencies[-1],
        "edited_median_ms": statistics.median(edited),
        "edited_p95_ms": edited[int(len(edited) * 0.95) - 1],
        "edited_max_ms": edited[-1],
        "rss_mb": rss_mb,
        "peak_rss_mb": peak_mb,
    }


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-cold", action="store_true", help="only the in-process figures")
    parser.add_argument("--cold-only", action="store_true", help="only the cold start figures")
    parser.add_argument("--reuse", type=Path, help="a bench temp dir kept by an earlier --keep run")
    parser.add_argument(
        "--keep", action="store_true", help="keep this run's temp dir (its profile and test keyring) for --reuse"
    )
    args = parser.parse_args()
    if args.keep:
        print(f"keeping {_TMP} (remove it when done: its test keyring file holds the profile's key)")
    else:
        atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
    if args.reuse:
        directory = args.reuse / "profile"
        os.environ[KEYRING_FILE] = str(args.reuse / "keyring.json")
        print(f"reusing the profile in {directory}")
    else:
        directory = _TMP / "profile"
        print(f"building a profile with {args.contacts} final contacts in {directory} …", flush=True)
        t = time.perf_counter()
        build_profile(directory, args.contacts)
        print(f"  built in {time.perf_counter() - t:.0f} s")
    missed: list[str] = []
    if not args.skip_cold:
        cold = cold_start(directory, args.runs)
        print(f"start, {args.runs} fresh processes each, {args.contacts} contacts in the profile (medians):")
        print(
            f"  bare PySide6 window {cold['bare_median_ms']:.0f} ms; unlock screen {cold['unlock_median_ms']:.0f} ms;"
            f" ratio per run: median {cold['ratio_median']:.2f}x, worst {cold['ratio_max']:.2f}x (target <= 1.5x)"
        )
        print(
            f"  passphrase typed {TYPE_AFTER} s after the unlock screen -> caseload with New contact enabled:"
            f" median {cold['caseload_median_ms']:.0f} ms, worst {cold['caseload_max_ms']:.0f} ms (target <= 300 ms)"
        )
        print(
            f"  what it waits for: the profile is open and its caseload read {cold['prepared_median_ms']:.0f} ms"
            f" after the unlock screen shows (median); typed {SLOW_TYPIST} s after it instead: passphrase ->"
            f" caseload {cold['slow_caseload_median_ms']:.0f} ms"
        )
        if cold["ratio_median"] > 1.5:
            missed.append("unlock screen ratio")
        if cold["caseload_median_ms"] > 300:
            missed.append("passphrase -> caseload")
    if not args.cold_only:
        inproc = in_process(directory)
        print(
            f"wizard page change (50 changes): median {inproc['page_median_ms']:.1f} ms, p95 "
            f"{inproc['page_p95_ms']:.1f} ms, max {inproc['page_max_ms']:.1f} ms (target <= 50 ms); after an edit"
            f" on each page (interim save queued): median {inproc['edited_median_ms']:.1f} ms, p95 "
            f"{inproc['edited_p95_ms']:.1f} ms, max {inproc['edited_max_ms']:.1f} ms"
        )
        print(
            f"resident memory after finalizing 50 contacts: {inproc['rss_mb']:.0f} MB "
            f"(peak {inproc['peak_rss_mb']:.0f} MB; target <= 250 MB)"
        )
        if max(inproc["page_p95_ms"], inproc["edited_p95_ms"]) > 50:
            missed.append("page change p95")
        if inproc["rss_mb"] > 250:
            missed.append("resident memory")
    if missed:
        print("MISSED: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
