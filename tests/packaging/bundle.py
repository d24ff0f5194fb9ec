"""Building the PyInstaller bundle with dev/build-app and running it as agency IT would: extracted from the
archive, outside the source tree, without the virtualenv, on a computer without a secure keyring.

The way past the first run's passphrase is a worker's way: the program's own windows on a virtual X
screen, the passphrase typed with xdotool (tests/support/x11.py). Nothing in the bundle knows about tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.x11 import Screen

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "Harbor-lantern-2026"
"""No spaces: should the first-run screen have one field only, the Tab and second copy land on a button,
and a space there would press it."""
FAILURE_TITLE = r"cannot|could not|error|failed"
"""A window saying the program cannot go on ("fieldapp cannot open the profile")."""
PASSPHRASE_SCREEN = r"passphrase|unlock|locked|open your profile"
"""The title of the screen that asks for the profile passphrase (today "Choose a passphrase" on a first
run and "Open your profile" after; an unlock screen may call itself so)."""


def demo_worker_name() -> str:
    caseload = json.loads((REPO / "resources" / "demo_caseload.json").read_text(encoding="utf-8"))
    return str(caseload["worker"]["full_name"])


def caseload_title() -> str:
    """The main window's title once it shows the demo caseload: it names the caseload's worker."""
    return rf"^fieldapp — {re.escape(demo_worker_name())}\b"


@dataclass(frozen=True)
class Build:
    folder: Path
    """The bundle folder as PyInstaller left it (dist/fieldapp)."""
    archive: Path
    seconds: float
    size_bytes: int
    report: str
    """What dev/build-app printed last (time, sizes)."""


def build(out: Path, *, timeout: float = 1200) -> Build:
    """Run dev/build-app into `out`; AssertionError with its output when it fails."""
    started = time.monotonic()
    done = subprocess.run(
        [str(REPO / "dev" / "build-app"), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"dev/build-app failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    archives = sorted(out.glob("fieldapp-*-linux-*.tar.gz"))
    assert len(archives) == 1, archives
    folder = out / "fieldapp"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return Build(folder, archives[0], seconds, size, "\n".join(done.stdout.strip().splitlines()[-3:]))


def extract(archive: Path, into: Path) -> Path:
    """The archive unpacked into `into`; the path of its `fieldapp` program."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="tar")
    return into / "fieldapp" / "fieldapp"


def bare_env(home: Path, display: str | None = None) -> dict[str, str]:
    """A desktop user's environment with nothing of the build machine: a fresh home, the system PATH only
    (no virtualenv, no PYTHONPATH), a UTF-8 locale, and keyring's own setting for "no secure keyring here"
    (the `fail` backend), which is what a bare Linux computer has and what makes the app ask for a profile
    passphrase."""
    runtime = home / ".runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    os.chmod(runtime, 0o700)
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(runtime),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    if display is not None:
        env["DISPLAY"] = display
    return env


def default_profile(home: Path) -> Path:
    """Where a Linux user's profile lives (README: ~/.local/share/fieldapp/profile)."""
    return home / ".local" / "share" / "fieldapp" / "profile"


@dataclass
class FirstRun:
    """A started `fieldapp run --demo` and what it printed (stdout and stderr together)."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def trouble(self) -> str | None:
        """Why the run has already failed, from its output: a traceback or a logged error."""
        text = self.output()
        if "Traceback (most recent call last)" in text:
            return "the program printed a traceback"
        if re.search(r"^(ERROR|CRITICAL)\b", text, re.MULTILINE):
            return "the program logged an error"
        return None

    def stop(self, screen: Screen, window: str | None = None) -> int:
        """Quit as a worker does (Ctrl+Q in the window), else terminate; the exit status."""
        if window is not None and self.process.poll() is None:
            screen.xdotool("windowfocus", "--sync", window)
            screen.key("ctrl+q")
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def start(program: list[str], env: dict[str, str], cwd: Path, log: Path) -> FirstRun:
    with log.open("wb") as out:
        process = subprocess.Popen(program, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    return FirstRun(process, log)


def unlock_first_run(screen: Screen, run: FirstRun, *, timeout: float = 90) -> str:
    """Type the new profile's passphrase twice on the first run's screen and wait for the main window on
    the demo caseload; its window id. AssertionError with the program's output when it does not come, at
    once when the program ends, prints a traceback or error, or shows a window saying it cannot go on."""
    waiting = {"timeout": timeout, "alive": run.process, "refuse": FAILURE_TITLE, "check": run.trouble}
    try:
        ask = screen.wait_for_window(run.process.pid, PASSPHRASE_SCREEN, **waiting)  # type: ignore[arg-type]
        screen.type_into(ask, PASSPHRASE)
        screen.key("Tab")
        screen.xdotool("type", "--delay", "15", "--", PASSPHRASE)
        screen.key("Return")
        return screen.wait_for_window(run.process.pid, caseload_title(), **waiting)  # type: ignore[arg-type]
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- program output ---\n{run.output()[-4000:]}") from None
