"""What `fieldapp run`'s window process imports before and after its first paint: PySide6's `__feature__`
import hook is taken out (no fieldapp module uses a feature, and Qt's lazily created classes still import),
and the process that paints imports none of what wording the read takes (the forked reader words it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from fieldapp.app import forked_read
from tests.gui.test_first_paint import _fill

REPO = Path(__file__).resolve().parents[2]


def _run(script: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    env.pop(forked_read.IN_PROCESS, None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()


def test_no_fieldapp_module_asks_for_a_pyside_feature():
    """Skipping the hook would silently switch off `from __feature__ import ...`: none may rely on it."""
    users = [
        str(path.relative_to(REPO))
        for path in sorted((REPO / "fieldapp").rglob("*.py"))
        if re.search(
            r"^\s*(from __feature__ import|import __feature__)", path.read_text(encoding="utf-8"), re.M
        )
    ]
    assert users == []


def test_skipping_the_feature_hook_keeps_lazy_qt_classes_and_stops_reading_sources():
    lines = _run(
        """
import builtins, inspect
import PySide6.QtWidgets
from fieldapp.gui.pyside_import import skip_feature_import
read = []
real = inspect.getsource
inspect.getsource = lambda obj: read.append(getattr(obj, "__name__", "?")) or real(obj)
import colorsys  # with the hook: PySide6 reads its source
print("hooked", "colorsys" in read)
print(skip_feature_import(), skip_feature_import())
from PySide6.QtWidgets import QSpinBox, QWizard  # classes PySide6 creates on first use
print(QSpinBox.__name__, QWizard.WizardButton.NextButton.name)
import json.tool  # without it: no source read
print("after", "json.tool" in read, builtins.__import__ is builtins.__orig_import__)
"""
    )
    assert lines == ["hooked True", "True False", "QSpinBox NextButton", "after False True"]


def test_the_painting_process_imports_no_wording_modules(opened, clock):
    """With the read forked, the window's process paints from plain lines: no zoneinfo, tomllib, code-table
    or first-paint dataclasses, words or records before the paint, nor pickle or dataclasses, which PySide6
    does not import either (the read crosses the pipe with marshal; StartOptions is a named tuple)."""
    _fill(opened)
    directory = opened.directory
    opened.close()
    lines = _run(
        f"""
import sys
from datetime import datetime
from fieldapp.commands.run import start_first_paint
def clock():
    return datetime.fromisoformat({clock().isoformat()!r})
pending = start_first_paint({str(directory)!r}, clock)
from fieldapp.gui.launcher import Launcher, StartOptions, make_application, skip_feature_import
skip_feature_import()
app = make_application()
launcher = Launcher(StartOptions(None, False, None, clock=clock, first_paint=pending))
window = launcher.show_first_paint()
assert window is not None, launcher.skip_reason
print(type(pending).__name__, window.drafts_model.rowCount(), window.pending_label.text())
wording = ("zoneinfo", "tomllib", "fieldapp.app.first_paint", "fieldapp.app.texts",
           "fieldapp.domain.first_paint_tables", "fieldapp.domain.agency_time", "pydantic", "keyring",
           "pickle", "dataclasses")
print(sorted(m for m in wording if m in sys.modules))
"""
    )
    assert lines == ["ForkedRead 1 2 contacts waiting to sync", "[]"]


def test_the_app_is_fusion_styled_without_building_qstyle_before_the_first_paint():
    """`-style Fusion` on Qt's command line, not setStyle(): the same look where the platform's default (here
    forced with QT_STYLE_OVERRIDE) is another style, and PySide6 does not build QStyle's Python enums (~5 ms)
    on the way to the first paint."""
    lines = _run(
        """
import os
os.environ["QT_STYLE_OVERRIDE"] = "Windows"
import PySide6.QtWidgets as widgets
from fieldapp.gui.launcher import make_application
app = make_application()
print("QStyle built", "QStyle" in vars(widgets))
app.setStyleSheet("")  # the style sheet wraps the style; without it app.style() is the style itself
print(app.style().name())
"""
    )
    assert lines == ["QStyle built False", "fusion"]


def test_fieldapp_run_imports_pyside_without_the_hook_before_the_launchers_modules():
    """import_pyside (what `fieldapp run` does before importing the launcher) leaves no hook that reads the
    source of the launcher, the forms module or the first paint's (~1.5 ms before the first paint)."""
    lines = _run(
        """
import builtins, inspect
read = []
real = inspect.getsource
inspect.getsource = lambda obj: read.append(getattr(obj, "__name__", "?")) or real(obj)
from fieldapp.gui.pyside_import import import_pyside
import_pyside()
print(builtins.__import__ is builtins.__orig_import__)
import fieldapp.gui.launcher, fieldapp.gui.first_paint
print(sorted(name for name in read if name.startswith("fieldapp")))
"""
    )
    assert lines == ["True", "[]"]
