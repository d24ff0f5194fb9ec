"""Every console and GUI script named in pyproject.toml resolves to a callable, and `fieldapp-gui` starts
the same way as `fieldapp run` (it once called the window's bootstrap without its start options)."""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def scripts() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {**project.get("scripts", {}), **project.get("gui-scripts", {})}


@pytest.mark.parametrize("name", sorted(scripts()))
def test_script_target_exists(name: str) -> None:
    module, _, attribute = scripts()[name].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute)), name


def test_fieldapp_gui_takes_the_run_commands_options(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from fieldapp.cli import gui_main

    monkeypatch.setattr(sys, "argv", ["fieldapp-gui", "--help"])
    with pytest.raises(SystemExit) as exit_:
        gui_main()
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--profile" in out and "--demo" in out
