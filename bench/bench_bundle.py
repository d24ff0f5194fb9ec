"""Bundle start: the built program (dev/build-app) against the source install, to the passphrase screen.

    python bench/bench_bundle.py [--bundle DIR] [--runs 7] [--screenshots DIR]

Target (issue 18): the bundle starts to its unlock screen within 2x the time the source install takes, in
the same run. Each side first makes its own demo profile on a computer without a secure keyring (its first
run, the passphrase typed on the screen through xdotool); then, alternating which side goes first in each
round, the program is started on that profile and timed from the exec until its window asking for the
passphrase is on the X screen (Xvfb; xdotool sees the window mapped), then ended. Both sides run with the
same bare environment (tests/packaging/bundle.py): a fresh home, the system PATH, no PYTHONPATH.

Without --bundle, dev/build-app builds one first (into a temporary folder; the build time is printed).
--screenshots DIR saves the bundle's first run (the passphrase screen) and its main window on the demo
caseload there, as PNG.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.packaging import bundle  # noqa: E402
from tests.support.x11 import Screen, missing_tools, virtual_screen  # noqa: E402

SOURCE = REPO / ".venv" / "bin" / "fieldapp"


def first_run(screen: Screen, program: Path, home: Path, shots: Path | None) -> None:
    """Make the demo profile in `home` through the program's first run; screenshots if asked."""
    run = bundle.start(
        [str(program), "run", "--demo"], bundle.bare_env(home, screen.display), home, home / "log"
    )
    window = None
    try:
        if shots is not None:
            screen.wait_for_window(run.process.pid, bundle.PASSPHRASE_SCREEN, timeout=90, alive=run.process)
            time.sleep(1.0)  # painted
            screen.screenshot(shots / "14_bundle_first_run.png")
        window = bundle.unlock_first_run(screen, run)
        if shots is not None:
            time.sleep(1.5)
            screen.screenshot(shots / "15_bundle_main_window.png")
    finally:
        if run.stop(screen, window) != 0:
            raise SystemExit(f"{program}: the first run did not end cleanly:\n{run.output()}")


def time_to_passphrase_screen(screen: Screen, program: Path, home: Path) -> float:
    env = bundle.bare_env(home, screen.display)
    started = time.perf_counter()
    run = bundle.start([str(program), "run"], env, home, home / "timed.log")
    try:
        screen.wait_for_window(
            run.process.pid,
            bundle.PASSPHRASE_SCREEN,
            timeout=120,
            alive=run.process,
            refuse=bundle.FAILURE_TITLE,
        )
        return time.perf_counter() - started
    finally:
        run.stop(screen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="a built bundle folder (default: build one now)")
    parser.add_argument("--runs", type=int, default=7, help="timed starts per side (default 7)")
    parser.add_argument("--screenshots", type=Path, help="save the bundle's first-run screenshots here")
    args = parser.parse_args()
    if missing_tools():
        raise SystemExit(f"needs {', '.join(missing_tools())} (apt-get install xvfb xdotool)")
    work = Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    try:
        folder = args.bundle
        if folder is None:
            built = bundle.build(work / "build")
            print(f"built in {built.seconds:.0f} s, bundle {built.size_bytes / 2**20:.0f} MiB")
            folder = built.folder
        programs = {"source": SOURCE, "bundle": folder.resolve() / "fieldapp"}
        homes = {side: work / side for side in programs}
        times: dict[str, list[float]] = {side: [] for side in programs}
        ratios: list[float] = []
        with virtual_screen() as screen:
            for side, program in programs.items():
                homes[side].mkdir()
                shots = args.screenshots if side == "bundle" else None
                first_run(screen, program, homes[side], shots)
            for round_ in range(args.runs):
                order = ["source", "bundle"] if round_ % 2 == 0 else ["bundle", "source"]
                got = {side: time_to_passphrase_screen(screen, programs[side], homes[side]) for side in order}
                for side, seconds in got.items():
                    times[side].append(seconds)
                ratios.append(got["bundle"] / got["source"])
                print(
                    f"round {round_ + 1}: source {got['source'] * 1000:.0f} ms, bundle {got['bundle'] * 1000:.0f} ms,"
                    f" ratio {ratios[-1]:.2f}"
                )
        source, built_ = statistics.median(times["source"]), statistics.median(times["bundle"])
        print(
            f"to the passphrase screen (median of {args.runs}): source {source * 1000:.0f} ms, "
            f"bundle {built_ * 1000:.0f} ms; ratio {built_ / source:.2f} (per round "
            f"{min(ratios):.2f}-{max(ratios):.2f}; target <= 2.0: {'met' if built_ / source <= 2.0 else 'NOT met'})"
        )
        return 0 if built_ / source <= 2.0 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
