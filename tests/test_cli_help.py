"""`fieldapp` and `fieldapp-server` explain themselves: `--version`, a one-line description for every
subcommand, and for every option a help text that says its default.

Walks the real argparse parsers, so a subcommand or option added later is held to the same rule.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.cli import build_parser as app_parser
from fieldapp.cli import main as app_main
from fieldapp.server.cli import build_parser as server_parser
from fieldapp.server.cli import main as server_main

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PARSERS = {"fieldapp": app_parser, "fieldapp-server": server_parser}


def walk(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser under `parser` (itself first), named by its command path."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, f"{path} {name}")


def subcommand_helps(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    helps: dict[str, str | None] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest: choice.help for choice in action._choices_actions}
            for name in action.choices:
                helps[name] = listed.get(name)
    return helps


def in_required_group(parser: argparse.ArgumentParser, action: argparse.Action) -> bool:
    return any(
        group.required and action in group._group_actions for group in parser._mutually_exclusive_groups
    )


def problems(program: str) -> list[str]:
    found: list[str] = []
    for path, parser in walk(PARSERS[program](), program):
        for name, help_text in subcommand_helps(parser).items():
            if not help_text or help_text == argparse.SUPPRESS:
                found.append(f"`{path} {name}`: no description in the command list")
            elif "\n" in help_text or len(help_text) > 100:
                found.append(f"`{path} {name}`: the description is not one short line")
        for action in parser._actions:
            if isinstance(
                action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)
            ):
                continue
            label = "/".join(action.option_strings) or action.dest
            help_text = action.help or ""
            if not help_text.strip() or help_text == argparse.SUPPRESS:
                found.append(f"`{path}` {label}: no help text")
                continue
            takes_value = action.nargs != 0
            optional_value = bool(action.option_strings) or action.nargs in ("?", "*")
            exempt = action.required or in_required_group(parser, action)
            if takes_value and optional_value and not exempt and "default" not in help_text.lower():
                found.append(f"`{path}` {label}: the help does not say the default")
    return found


@pytest.mark.parametrize("program", sorted(PARSERS))
def test_every_subcommand_and_option_explains_itself(program: str) -> None:
    assert problems(program) == []


@pytest.mark.parametrize(("program", "main"), [("fieldapp", app_main), ("fieldapp-server", server_main)])
def test_version(program: str, main, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"{program} {VERSION}"


def test_the_walk_sees_nested_subcommands_and_options() -> None:
    """The check above cannot pass by seeing nothing: it reaches `audit verify` and `serve --port`."""
    app_paths = dict(walk(app_parser(), "fieldapp"))
    assert "fieldapp audit verify" in app_paths and "fieldapp run" in app_paths
    serve = dict(walk(server_parser(), "fieldapp-server"))["fieldapp-server serve"]
    assert any("--port" in action.option_strings for action in serve._actions)
