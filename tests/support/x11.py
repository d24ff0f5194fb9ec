"""A virtual X screen (Xvfb) and xdotool, to drive a built fieldapp as a worker would: through its windows
and the keyboard, with nothing inside the program that knows it is being tested.

Used by the bundle smoke test (tests/packaging) and bench/bench_bundle.py. Needs Debian's xvfb and xdotool
(dev/run-tests installs both).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def missing_tools() -> list[str]:
    return [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]


@dataclass(frozen=True)
class Screen:
    """One Xvfb display: `display` is the value for $DISPLAY."""

    display: str

    def xdotool(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["xdotool", *args],
            env={**os.environ, "DISPLAY": self.display},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def visible_windows(self, pid: int) -> dict[str, str]:
        """The visible top-level windows of process `pid`, id -> title (Qt sets _NET_WM_PID)."""
        found = self.xdotool("search", "--onlyvisible", "--pid", str(pid))
        titles: dict[str, str] = {}
        for window in found.stdout.split():
            name = self.xdotool("getwindowname", window)
            if name.returncode == 0:
                titles[window] = name.stdout.strip()
        return titles

    def wait_for_window(
        self,
        pid: int,
        title: str,
        *,
        timeout: float,
        alive: subprocess.Popen[bytes] | None = None,
        refuse: str | None = None,
        check: Callable[[], str | None] | None = None,
    ) -> str:
        """The id of the topmost visible window of `pid` whose title matches the regular expression `title`
        (case-insensitive). AssertionError naming the windows seen when none does within `timeout` s, and at
        once when the process `alive` has ended, a window's title matches `refuse`, or `check()` returns a
        reason (e.g. a traceback in the program's output)."""
        pattern = re.compile(title, re.IGNORECASE)
        refused = re.compile(refuse, re.IGNORECASE) if refuse else None
        deadline = time.monotonic() + timeout
        seen: dict[str, str] = {}
        while time.monotonic() < deadline:
            seen = self.visible_windows(pid)
            for name in seen.values():
                if refused is not None and refused.search(name):
                    raise AssertionError(f"a window titled {name!r} showed instead of /{title}/")
            matching = [window for window, name in seen.items() if pattern.search(name)]
            if matching:
                return matching[-1]  # the topmost: xdotool lists windows bottom to top (a dialog over its window)
            if alive is not None and alive.poll() is not None:
                raise AssertionError(
                    f"the program ended (exit {alive.returncode}) before a window titled /{title}/ showed"
                )
            reason = check() if check is not None else None
            if reason:
                raise AssertionError(f"{reason} before a window titled /{title}/ showed")
            time.sleep(0.05)
        raise AssertionError(f"no window titled /{title}/ within {timeout:.0f} s; visible: {seen}")

    def type_into(self, window: str, text: str) -> None:
        """Give `window` the keyboard focus and type `text` through the X server (XTEST), as keys."""
        self.xdotool("windowfocus", "--sync", window)
        self.xdotool("type", "--delay", "15", "--", text)

    def key(self, *keys: str) -> None:
        self.xdotool("key", *keys)

    def screenshot(self, path: Path) -> None:
        """The whole screen as PNG, grabbed by Qt through the X server (no extra image tool to install)."""
        script = (
            "import sys\nfrom PySide6.QtGui import QGuiApplication\napp = QGuiApplication(sys.argv[:1])\n"
            "sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)\n"
        )
        env = {**os.environ, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}
        subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=True, timeout=60)


@contextmanager
def virtual_screen(width: int = 1280, height: int = 800) -> Iterator[Screen]:
    """A fresh Xvfb display for the duration of the block (it picks a free display number itself)."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read, "rb") as pipe:
            number = pipe.readline().strip().decode()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield Screen(f":{number}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
