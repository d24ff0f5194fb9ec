"""GUI figures for docs/PERFORMANCE.md ("GUI" section), measured in one run so the ratios are fair:

1. cold start on a profile holding 10,000 contacts, against a bare PySide6 window start (QApplication +
   QMainWindow shown + one event-loop turn), each in a fresh process (target <= 1.5x), in two steps:
   "shown" = the main window is on screen and its event loop turns (responsive, still empty while the
   profile opens), "ready" = the caseload and today's drafts are visible (`loaded`). The fieldapp package
   is byte-compiled first, as an installed app is (this environment sets PYTHONDONTWRITEBYTECODE, which
   would otherwise make every start compile our sources and charge that to the app);
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_TMP = Path(tempfile.mkdtemp(prefix="fieldapp-bench-gui-"))
os.environ["FIELDAPP_TEST_KEYRING_FILE"] = str(_TMP / "keyring.json")
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.test_keyring.FileKeyring"
os.environ["PYTHONPATH"] = str(REPO)

BARE = r"""
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.setCentralWidget(QLabel("hello")); w.resize(1366, 768); w.show()
from PySide6.QtCore import QTimer
def ready():
    print("ready", time.time(), flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""

# The floor of this architecture: the bare window plus importing the modules the app needs before the
# caseload can show (Qt widgets, our GUI with the pydantic records, the store with SQLAlchemy, SQLCipher and
# keyring) and nothing else: no profile opened, no window of ours built.
FLOOR = BARE.replace(
    "from PySide6.QtWidgets import",
    "import fieldapp.gui.app, fieldapp.app.launch\nfrom PySide6.QtWidgets import",
)


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


def timed_process(args: list[str], env: dict[str, str], ready_file: Path | None = None) -> dict[str, float]:
    """Seconds from launching the process to each `<event> <epoch>` line (stdout, or the hook's file)."""
    started = time.time()
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    text = ready_file.read_text(encoding="utf-8") if ready_file is not None else proc.stdout
    events = {
        line.split()[0]: float(line.split()[1]) - started
        for line in text.splitlines()
        if line.startswith(("ready ", "shown "))
    }
    if "ready" not in events:
        raise RuntimeError(
            f"no ready line (rc={proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-1500:]}"
        )
    return events


def cold_start(directory: Path, runs: int) -> dict[str, float]:
    env = dict(os.environ, FIELDAPP_TESTING="1", XDG_CONFIG_HOME=str(_TMP / "config"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", "fieldapp"], cwd=REPO, check=True)
    bare: list[float] = []
    floor: list[float] = []
    shown: list[float] = []
    ready: list[float] = []
    for i in range(runs):
        bare.append(timed_process([sys.executable, "-c", BARE], env)["ready"])
        floor.append(timed_process([sys.executable, "-c", FLOOR], env)["ready"])
        events = _TMP / f"events-{i}.txt"
        hook = _TMP / f"hook-{i}.json"
        hook.write_text(json.dumps({"scenario": "report_ready", "events": str(events)}), encoding="utf-8")
        app = timed_process(
            [sys.executable, "-m", "fieldapp", "run", "--profile", str(directory)],
            dict(env, FIELDAPP_TEST_HOOK=str(hook)),
            events,
        )
        shown.append(app["shown"])
        ready.append(app["ready"])
        print(
            f"  run {i + 1}: bare {bare[-1]:.2f} s, import floor {floor[-1]:.2f} s, shown {shown[-1]:.2f} s, ready {ready[-1]:.2f} s",
            flush=True,
        )
    b, sh, a = statistics.median(bare), statistics.median(shown), statistics.median(ready)
    return {
        "bare_s": b,
        "floor_s": statistics.median(floor),
        "floor_ratio": statistics.median(floor) / b,
        "shown_s": sh,
        "app_s": a,
        "shown_ratio": sh / b,
        "ratio": a / b,
        "ratios": statistics.median(r / x for r, x in zip(ready, bare, strict=True)),
        "bare_min": min(bare),
        "shown_min": min(shown),
        "app_min": min(ready),
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
    latencies: list[float] = []
    for _ in range(5):
        for step in (wizard.next, wizard.back):
            for _page in range(5):
                t = time.perf_counter()
                step()
                wizard.repaint()  # synchronous paint of the new page
                app.processEvents()
                latencies.append((time.perf_counter() - t) * 1000)
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
    return {
        "page_median_ms": statistics.median(latencies),
        "page_p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "page_max_ms": latencies[-1],
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
        print(
            f"cold start (median of {args.runs}): bare PySide6 window {cold['bare_s']:.2f} s; fieldapp main "
            f"window shown and responsive {cold['shown_s']:.2f} s ({cold['shown_ratio']:.2f}x), caseload of "
            f"{args.contacts} contacts visible {cold['app_s']:.2f} s ({cold['ratio']:.2f}x; median of the "
            f"per-run ratios {cold['ratios']:.2f}x; target <= 1.5x); best {cold['bare_min']:.2f} / "
            f"{cold['shown_min']:.2f} / {cold['app_min']:.2f} s"
        )
        print(
            f"import floor (bare window + importing the GUI and the store, nothing opened): "
            f"{cold['floor_s']:.2f} s ({cold['floor_ratio']:.2f}x bare)"
        )
    if args.cold_only:
        return 0
    inproc = in_process(directory)
    print(
        f"wizard page change: median {inproc['page_median_ms']:.1f} ms, p95 {inproc['page_p95_ms']:.1f} ms, "
        f"max {inproc['page_max_ms']:.1f} ms (target <= 50 ms)"
    )
    print(
        f"resident memory after finalizing 50 contacts: {inproc['rss_mb']:.0f} MB "
        f"(peak {inproc['peak_rss_mb']:.0f} MB; target <= 250 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
