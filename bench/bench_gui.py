"""GUI figures for docs/PERFORMANCE.md ("GUI" section), measured in one run so the ratios are fair:

1. cold start on a profile holding 10,000 contacts, against a bare PySide6 window start (QApplication +
   QMainWindow with a label shown from the event loop, as the app shows its first paint, + one event-loop
   turn; the bench checks that it has painted by then: shown before the loop, it had not), each in a fresh
   process, in turn per run (target <= 1.5x):
   "first paint" = the main window's first paint shows the caseload, today's drafts and the sync count and
   its event loop turns (fieldapp.gui.first_paint; its read forked, fieldapp.app.forked_read, and the same
   read in-process for comparison); "fully ready" = the full main window has taken its
   place, shows the caseload and New contact is enabled; plus the longest event-loop stall in between, and
   the previous start (`--no-first-paint`) for comparison. The fieldapp package is byte-compiled first, as
   an installed app is (this environment sets PYTHONDONTWRITEBYTECODE, which would otherwise make every
   start compile our sources and charge that to the app);
2. wizard page change latency: Next/Back through every page of a complete contact, including the queued
   interim save and the repaint (target <= 50 ms);
3. resident memory after finalizing 50 contacts through the wizard (confirm box included) in the main
   window process (target <= 250 MB).

    .venv/bin/python bench/bench_gui.py [--contacts 10000] [--runs 5]

Runs headless (QT_QPA_PLATFORM=offscreen) with a test keyring file in a temp dir.
"""

from __future__ import annotations

import argparse
import json
import os
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
os.environ["FIELDAPP_TEST_KEYRING_FILE"] = str(_TMP / "keyring.json")
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.test_keyring.FileKeyring"
os.environ["PYTHONPATH"] = str(REPO)

BARE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
painted = []
class Paints(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            painted.append(watched)
        return False
paints = Paints()
def ready():
    print("ready", time.time(), flush=True)
    print("bare_painted", int(bool(painted)), flush=True)
    app.quit()
def show():  # as the app shows its first paint: from the event loop, then one turn
    w = QMainWindow(); w.setCentralWidget(QLabel("hello")); w.resize(1366, 768)
    w.centralWidget().installEventFilter(paints)
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
    opened.unlock.set("bench-unlock-pass")
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


def timed_process(args: list[str], env: dict[str, str], ready_file: Path | None = None) -> dict[str, Any]:
    """Seconds from launching the process to each `<event> <epoch>` line (stdout, or the hook's file), and
    the hook's other lines (`stall_ms`, `new_contact`, `skipped`) as they are."""
    started = time.time()
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    text = ready_file.read_text(encoding="utf-8") if ready_file is not None else proc.stdout
    events: dict[str, Any] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in ("ready", "shown", "painted", "menus"):
            events[name] = float(value) - started
        elif name in ("stall_ms", "new_contact", "skipped", "bare_painted", "first_paint_painted"):
            events[name] = value
    if "ready" not in events:
        raise RuntimeError(
            f"no ready line (rc={proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-1500:]}"
        )
    return events


def _app_run(directory: Path, env: dict[str, str], tag: str, extra: list[str]) -> dict[str, Any]:
    events = _TMP / f"events-{tag}.txt"
    hook = _TMP / f"hook-{tag}.json"
    hook.write_text(json.dumps({"scenario": "report_ready", "events": str(events)}), encoding="utf-8")
    return timed_process(
        [sys.executable, "-m", "fieldapp", "run", "--profile", str(directory), *extra],
        dict(env, FIELDAPP_TEST_HOOK=str(hook)),
        events,
    )


def cold_start(directory: Path, runs: int) -> dict[str, Any]:
    """Per run, in turn and each in a fresh process: the bare window, the app with its first paint, and
    the app started the previous way (`--no-first-paint`: full window shown empty, then the caseload)."""
    env = dict(os.environ, FIELDAPP_TESTING="1", XDG_CONFIG_HOME=str(_TMP / "config"))
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "fieldapp", "tests/support"], cwd=REPO, check=True
    )
    # One unmeasured full start first: it migrates the profile and closes ended days if due (the first
    # paint would rightly refuse such a profile) and writes the window settings a worker's profile has.
    warm = _app_run(directory, env, "warm", ["--no-first-paint"])
    print(f"  warm-up start (normal path): ready {warm['ready']:.2f} s", flush=True)
    rows: dict[str, list[float]] = {
        k: []
        for k in ("bare", "painted", "ready", "stall", "in_painted", "in_ready", "old_shown", "old_ready")
    }
    skipped: set[str] = set()
    for i in range(runs):
        bare = timed_process([sys.executable, "-c", BARE], env)
        assert bare.get("bare_painted") == "1", "the bare window must have painted when it says ready"
        rows["bare"].append(bare["ready"])
        quick = _app_run(directory, env, f"quick-{i}", [])
        if "painted" not in quick:
            skipped.add(str(quick.get("skipped", "?")))
        else:
            assert quick.get("first_paint_painted") == "1", "the first paint must have painted when reported"
        rows["painted"].append(quick.get("painted", float("nan")))
        rows["ready"].append(quick["ready"])
        rows["stall"].append(float(quick.get("stall_ms", "nan")))
        assert quick.get("new_contact") == "1", "fully ready must mean New contact is enabled"
        # the first paint's read in-process, before Qt (as on platforms without fork), instead of forked
        inproc = _app_run(directory, dict(env, FIELDAPP_FIRST_PAINT_IN_PROCESS="1"), f"inproc-{i}", [])
        if "painted" not in inproc:
            skipped.add(str(inproc.get("skipped", "?")))
        rows["in_painted"].append(inproc.get("painted", float("nan")))
        rows["in_ready"].append(inproc["ready"])
        old = _app_run(directory, env, f"old-{i}", ["--no-first-paint"])
        rows["old_shown"].append(old["shown"])
        rows["old_ready"].append(old["ready"])
        print(
            f"  run {i + 1}: bare {rows['bare'][-1]:.2f} s | first paint {rows['painted'][-1]:.2f} s, "
            f"fully ready {rows['ready'][-1]:.2f} s, longest stall {rows['stall'][-1]:.0f} ms "
            f"(read in-process: first paint {rows['in_painted'][-1]:.2f} s, ready {rows['in_ready'][-1]:.2f} s) | "
            f"previous path: shown {old['shown']:.2f} s, caseload {old['ready']:.2f} s",
            flush=True,
        )
    if skipped:
        raise RuntimeError(f"the first paint was skipped: {skipped}")
    med = {k: statistics.median(v) for k, v in rows.items()}
    b = med["bare"]
    per_run = {
        k: statistics.median(x / y for x, y in zip(rows[k], rows["bare"], strict=True))
        for k in ("painted", "ready", "in_painted", "old_ready")
    }
    return {
        "median": med,
        "ratio": {
            k: med[k] / b for k in ("painted", "ready", "in_painted", "in_ready", "old_shown", "old_ready")
        },
        "per_run_ratio": per_run,
        "best": {k: min(v) for k, v in rows.items()},
        "max_stall_ms": max(rows["stall"]),
    }


def in_process(directory: Path) -> dict[str, float]:
    """Page change latency and memory after 50 finalizations, in one main-window process."""
    import resource

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from fieldapp.app.launch import open_for_gui
    from fieldapp.domain.codetables import load_codetables
    from fieldapp.domain.records import ContactKind
    from fieldapp.gui.app import make_application
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
    parser.add_argument("--reuse", type=Path, help="a bench temp dir from an earlier run (profile + keyring)")
    args = parser.parse_args()
    if args.reuse:
        directory = args.reuse / "profile"
        os.environ["FIELDAPP_TEST_KEYRING_FILE"] = str(args.reuse / "keyring.json")
        print(f"reusing the profile in {directory}")
    else:
        directory = _TMP / "profile"
        print(f"building a profile with {args.contacts} final contacts in {directory} …", flush=True)
        t = time.perf_counter()
        build_profile(directory, args.contacts)
        print(f"  built in {time.perf_counter() - t:.0f} s")
    cold = cold_start(directory, args.runs) if not args.skip_cold else None
    if cold is not None:
        m, r, pr = cold["median"], cold["ratio"], cold["per_run_ratio"]
        print(
            f"cold start, median of {args.runs} fresh processes each, {args.contacts} contacts in the profile:"
        )
        print(f"  bare PySide6 window                              {m['bare']:.2f} s")
        print(
            f"  first paint: caseload, drafts, sync count shown   {m['painted']:.2f} s  {r['painted']:.2f}x "
            f"(median per-run ratio {pr['painted']:.2f}x; target <= 1.5x)"
        )
        print(
            f"  fully ready: full window, New contact enabled     {m['ready']:.2f} s  {r['ready']:.2f}x "
            f"(per-run {pr['ready']:.2f}x); longest event-loop stall between the two: median "
            f"{m['stall']:.0f} ms, max {cold['max_stall_ms']:.0f} ms"
        )
        print(
            f"  first-paint read in-process (FIELDAPP_FIRST_PAINT_IN_PROCESS=1): first paint "
            f"{m['in_painted']:.2f} s ({r['in_painted']:.2f}x, per-run {pr['in_painted']:.2f}x), fully ready "
            f"{m['in_ready']:.2f} s ({r['in_ready']:.2f}x)"
        )
        print(
            f"  previous path (--no-first-paint): window shown {m['old_shown']:.2f} s ({r['old_shown']:.2f}x), "
            f"caseload {m['old_ready']:.2f} s ({r['old_ready']:.2f}x, per-run {pr['old_ready']:.2f}x)"
        )
        print("  best: " + ", ".join(f"{k} {v:.2f}" for k, v in cold["best"].items()))
    if args.cold_only:
        return 0
    inproc = in_process(directory)
    print(
        f"wizard page change (50 changes): median {inproc['page_median_ms']:.1f} ms, p95 "
        f"{inproc['page_p95_ms']:.1f} ms, max {inproc['page_max_ms']:.1f} ms (target <= 50 ms); after an edit on "
        f"each page (interim save queued): median {inproc['edited_median_ms']:.1f} ms, p95 "
        f"{inproc['edited_p95_ms']:.1f} ms, max {inproc['edited_max_ms']:.1f} ms"
    )
    print(
        f"resident memory after finalizing 50 contacts: {inproc['rss_mb']:.0f} MB "
        f"(peak {inproc['peak_rss_mb']:.0f} MB; target <= 250 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
