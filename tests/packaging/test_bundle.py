"""The installable fieldapp: dev/build-app builds the bundle, and the program from its archive works on a
computer that has neither the source nor the virtualenv.

One build per run (about a minute here; pytest's --durations shows it as this module's setup). A bundle
missing a form, a code table, a migration, a Qt plugin or the SQLCipher library fails here: the first run
must create the encrypted demo profile (SQLCipher, migrations, code tables) and show the main window (Qt's
xcb plugin, the forms) on the demo caseload.
"""

from __future__ import annotations

import configparser
import json
import os
import pty
import select
import subprocess
import tarfile
import time
import tomllib
from pathlib import Path

import pytest

from fieldapp.domain.records import ContactKind
from fieldapp.store.migrate import HEAD
from tests.factories import NOW, valid_contact
from tests.packaging import bundle
from tests.support.x11 import missing_tools, virtual_screen

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

VERSION = tomllib.loads((bundle.REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> bundle.Build:
    result = bundle.build(tmp_path_factory.mktemp("build"))
    print(f"\nbundle built by dev/build-app in {result.seconds:.0f} s:\n{result.report}")
    return result


@pytest.fixture(scope="module")
def installed(built: bundle.Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `fieldapp` program of the archive, unpacked away from the build and the checkout."""
    program = bundle.extract(built.archive, tmp_path_factory.mktemp("opt"))
    assert bundle.REPO not in program.parents
    return program


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def run_cli(program: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), *args],
        env=bundle.bare_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_archive_is_named_for_the_version_and_holds_desktop_entry_and_icon(built: bundle.Build) -> None:
    assert built.archive.name == f"fieldapp-{VERSION}-linux-x86_64.tar.gz"
    with tarfile.open(built.archive) as tar:
        names = set(tar.getnames())
        desktop_text = tar.extractfile("fieldapp/fieldapp.desktop").read().decode("utf-8")  # type: ignore[union-attr]
        icon = tar.extractfile("fieldapp/fieldapp.png").read()  # type: ignore[union-attr]
    assert {"fieldapp/fieldapp", "fieldapp/fieldapp-gui", "fieldapp/INSTALL.txt"} <= names
    assert not any(name.startswith("fieldapp/_internal/fieldapp/server") for name in names), "server bundled"
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str  # type: ignore[assignment,method-assign]
    desktop.read_string(desktop_text)
    entry = desktop["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "fieldapp"
    assert entry["Exec"].split()[0].endswith("/fieldapp/fieldapp-gui")
    assert entry["Icon"].endswith("/fieldapp/fieldapp.png")
    assert icon.startswith(b"\x89PNG\r\n\x1a\n")


def test_version_from_outside_the_source_tree(installed: Path, home: Path) -> None:
    done = run_cli(installed, home, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"fieldapp {VERSION}"
    gui = run_cli(installed.parent / "fieldapp-gui", home, "--help")  # what the menu entry starts
    assert gui.returncode == 0, gui.stderr
    assert gui.stdout.startswith("usage: fieldapp run")


def test_validate_exit_codes_as_documented(installed: Path, home: Path) -> None:
    """0 nothing blocks, 1 something blocks, 2 bad input (fieldapp/commands/validate.py, README)."""
    caseload = home / "caseload.json"  # the bundle's own copy of the demo caseload, beside the contacts
    caseload.write_bytes((installed.parent / "_internal" / "resources" / "demo_caseload.json").read_bytes())
    good = home / "good.json"
    good.write_text(valid_contact(ContactKind.CHILD_CASE).model_dump_json(), encoding="utf-8")
    blocked = home / "blocked.json"
    blocked.write_text(
        valid_contact(ContactKind.CHILD_CASE, method="TELEPHONE", narrative="").model_dump_json(),
        encoding="utf-8",
    )
    broken = home / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    now = NOW.isoformat()

    ok = run_cli(installed, home, "validate", "--caseload", str(caseload), str(good), "--now", now)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["blocks"] is False

    no = run_cli(installed, home, "validate", "--caseload", str(caseload), str(blocked), "--now", now)
    assert no.returncode == 1, no.stderr
    assert json.loads(no.stdout)["blocks"] is True

    bad = run_cli(installed, home, "validate", "--caseload", str(caseload), str(broken), "--now", now)
    assert bad.returncode == 2
    assert "broken.json" in bad.stderr


def verify_audit(program: Path, home: Path, passphrase: str) -> tuple[int, str]:
    """`fieldapp audit verify` on the default profile, the passphrase typed at its terminal prompt (a pty:
    it never reads a passphrase from an argument or the environment)."""
    parent, child = pty.openpty()
    process = subprocess.Popen(
        [str(program), "audit", "verify"],
        env=bundle.bare_env(home),
        cwd=home,
        stdin=child,
        stdout=child,
        stderr=child,
        close_fds=True,
    )
    os.close(child)
    seen = b""
    typed = False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([parent], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(parent, 4096)
                except OSError:  # the program ended and closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if not typed and b"Passphrase:" in seen:
                os.write(parent, passphrase.encode() + b"\n")
                typed = True
            if process.poll() is not None and not ready:
                break
        return process.wait(timeout=30), seen.decode("utf-8", errors="replace")
    finally:
        os.close(parent)
        if process.poll() is None:
            process.kill()


NEEDS_X = pytest.mark.skipif(
    bool(missing_tools()), reason=f"needs {', '.join(missing_tools())} (dev/run-tests)"
)


@pytest.fixture(scope="module")
def first_run(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """`fieldapp run --demo` as a worker's first start on a computer without a secure keyring, through its
    windows: the new profile's passphrase typed on the screen that asks for it, then the main window on the
    demo caseload, then Ctrl+Q. The home folder, the exit status and what the program printed."""
    home = tmp_path_factory.mktemp("first-run") / "home"
    home.mkdir()
    with virtual_screen() as screen:
        run = bundle.start(
            [str(installed), "run", "--demo"],
            bundle.bare_env(home, screen.display),
            cwd=home,
            log=home.parent / "first-run.log",
        )
        window = None
        try:
            window = bundle.unlock_first_run(screen, run)
        finally:
            status = run.stop(screen, window)
    return home, status, run.output()


@NEEDS_X
def test_first_run_creates_the_demo_profile_and_shows_the_caseload(
    installed: Path, first_run: tuple[Path, int, str]
) -> None:
    """It asks for a new profile passphrase, creates the encrypted demo profile in the user data folder,
    shows the main window on the demo caseload and quits cleanly; the profile's audit chain then verifies
    with that passphrase."""
    home, status, output = first_run
    assert status == 0, output
    assert "Traceback" not in output, output
    profile = bundle.default_profile(home)
    assert (profile / "fieldapp.db").is_file() and (profile / "profile.json").is_file()
    assert bundle.PASSPHRASE not in output

    code, said = verify_audit(installed, home, bundle.PASSPHRASE)
    assert code == 0, said
    assert "Audit trail intact" in said, said


MISSING = {
    "a form": "ui/main_window.ui",
    "a code table": "resources/codetables.toml",
    "the newest migration": f"fieldapp/store/migrations/versions/{HEAD}_*.py",
    "a migration in the chain": "fieldapp/store/migrations/versions/0002_*.py",
    "the Qt platform plugin": "PySide6/Qt/plugins/platforms/libqxcb.so",
    "the SQLCipher library": "sqlcipher3/_sqlite3*.so",
}


@NEEDS_X
@pytest.mark.parametrize("what", sorted(MISSING))
def test_a_bundle_missing_a_piece_fails_the_first_run(
    what: str, installed: Path, first_run: tuple[Path, int, str], home: Path, tmp_path: Path
) -> None:
    """The first-run check above would catch an incomplete bundle: each piece taken out of a copy (hard
    links: no second 260 MB) makes it fail, within seconds. (`first_run` first: the intact bundle passes
    the same check, so these failures are the missing piece's.)"""
    copy = tmp_path / "opt" / "fieldapp"
    copy.parent.mkdir()
    subprocess.run(["cp", "-al", str(installed.parent), str(copy)], check=True)
    (piece,) = (copy / "_internal").glob(MISSING[what])
    piece.unlink()
    with virtual_screen() as screen:
        run = bundle.start(
            [str(copy / "fieldapp"), "run", "--demo"],
            bundle.bare_env(home, screen.display),
            cwd=home,
            log=tmp_path / "run.log",
        )
        window = None
        try:
            with pytest.raises(AssertionError):
                window = bundle.unlock_first_run(screen, run, timeout=60)
        finally:
            run.stop(screen, window)
