"""The PyInstaller spec parses, starts the `fieldapp` command line, and bundles resources/ and ui/.

Quick checks of the spec's text; tests/packaging/test_bundle.py builds it and runs the result."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "packaging" / "fieldapp.spec"


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == name]


def test_spec_names_the_launcher_and_bundles_resources_and_ui():
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    (analysis,) = _calls(tree, "Analysis")
    scripts = ast.unparse(analysis.args[0])
    assert scripts == "[str(ROOT / 'packaging' / 'launch.py')]"
    source = SPEC.read_text(encoding="utf-8")
    assert '(str(ROOT / "resources"), "resources")' in source
    assert '(str(ROOT / "ui"), "ui")' in source
    (exe,) = _calls(tree, "EXE")  # one EXE call, made twice by _program: a console and a windowed program
    assert {k.arg: ast.unparse(k.value) for k in exe.keywords if k.arg in ("name", "console")} == {
        "name": "name",
        "console": "console",
    }
    programs = {
        ast.literal_eval(call.args[0]): ast.literal_eval(call.keywords[0].value)
        for call in _calls(tree, "_program")
    }
    assert programs == {"fieldapp": True, "fieldapp-gui": False}
    for backend in ("Windows", "macOS", "SecretService", "fail"):
        assert f'"keyring.backends.{backend}"' in source, backend
    for path in (
        "resources/codetables.toml",
        "resources/demo_caseload.json",
        "ui/main_window.ui",
        "ui/lock_screen.ui",
    ):
        assert (REPO / path).is_file(), path


def test_launcher_runs_the_fieldapp_command_line():
    out = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "launch.py"), "--help"],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "run" in out.stdout and "validate" in out.stdout
