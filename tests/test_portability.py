"""The desktop app runs on Windows and macOS too: nothing on its import path needs a Linux- or POSIX-only
facility (fcntl, os.fork, /proc, ...) without a fallback.

Two checks. A scan of the source names every use of such a facility, and each module that uses one must
also test for it (hasattr(os, ...), sys.platform, os.name, or an ImportError handler) — the fallback.
And every module of the app is imported in a Python without os.fork and without the fcntl, termios and
resource modules, as on Windows: a use of them at import time fails there. (Only these are taken away: the
libraries the app uses look up other POSIX calls themselves, on Linux only, since sys.platform still says
Linux here.) The office server (fieldapp.server) runs on the agency's Linux
host and is not checked.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "fieldapp"
POSIX_MODULES = {"fcntl", "termios", "resource", "pwd", "grp", "posix", "pty", "tty"}
POSIX_OS_CALLS = {"fork", "forkpty", "getuid", "geteuid", "getgid", "setsid", "killpg", "getpgid", "wait3"}
POSIX_SIGNALS = {"SIGKILL", "SIGALRM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGQUIT"}
GUARDS = (
    "hasattr(os",
    "sys.platform",
    "os.name",
    "platform.system",
    "except ImportError",
    "ModuleNotFoundError",
)


def app_modules() -> list[Path]:
    return sorted(p for p in APP.rglob("*.py") if "server" not in p.relative_to(APP).parts)


def posix_uses(source: str) -> list[str]:
    """Where the module uses a POSIX-only facility (line: what)."""
    uses: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            uses += [
                f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] in POSIX_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in POSIX_MODULES:
            uses.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id == "os" and node.attr in POSIX_OS_CALLS) or (
                node.value.id == "signal" and node.attr in POSIX_SIGNALS
            ):
                uses.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/proc")
        ):
            uses.append(f"{node.lineno}: {node.value!r}")
    return uses


def test_every_posix_only_use_has_a_fallback_in_its_module() -> None:
    unguarded: dict[str, list[str]] = {}
    for path in app_modules():
        source = path.read_text(encoding="utf-8")
        uses = posix_uses(source)
        if uses and not any(guard in source for guard in GUARDS):
            unguarded[str(path.relative_to(ROOT))] = uses
    assert unguarded == {}, f"POSIX-only facilities without a check for them: {unguarded}"


def test_the_scan_finds_what_it_looks_for() -> None:
    """So that the check above cannot pass by seeing nothing."""
    found = posix_uses(
        "import fcntl\nimport os, signal\nos.fork()\nos.kill(1, signal.SIGKILL)\nopen('/proc/self/stat')\n"
    )
    assert [use.split(": ")[1] for use in found] == [
        "import fcntl",
        "os.fork",
        "signal.SIGKILL",
        "'/proc/self/stat'",
    ]


WITHOUT_POSIX = """
import importlib, os, sys
for name in ("fork", "forkpty"):
    if hasattr(os, name):
        delattr(os, name)
for name in ("fcntl", "termios", "resource"):
    sys.modules[name] = None  # `import fcntl` now raises ImportError, as on Windows
failed = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {type(error).__name__}: {error}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_app_module_imports_without_posix_facilities() -> None:
    names = []
    for path in app_modules():
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts or parts[-1] == "__main__":
            continue  # Alembic runs these scripts itself, with its context set up; __main__ runs the CLI
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    script = WITHOUT_POSIX
    done = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
