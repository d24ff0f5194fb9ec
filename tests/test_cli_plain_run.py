"""`fieldapp run`'s plain options are read without argparse (fieldapp.commands.run.plain_run: ~6 ms before the
first paint's read can start). What it reads must be exactly what argparse would: for any argument list it
accepts, argparse gives the same profile, demo and first-paint choice, and it leaves everything else (help,
abbreviations, errors, values that look like options) to argparse."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldapp import cli
from fieldapp.commands.run import plain_run

TOKENS = st.sampled_from(
    [
        "--demo",
        "--no-first-paint",
        "--profile",
        "--profile=",
        "--profile=p q",
        "--prof",
        "--dem",
        "--no",
        "-h",
        "--help",
        "--",
        "-",
        "-5",
        "--demo=1",
        "--unknown",
        "run",
        "dir",
        "",
        "some dir/with space",
        "~/profile",
    ]
)
ARGS = st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=6)


def argparse_run(args: list[str]) -> tuple[Path | None, bool, bool] | None:
    """What argparse makes of `fieldapp run ARGS`, or None when it refuses them (or prints help)."""
    parser = cli.build_parser(only="run")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            parsed = parser.parse_args(["run", *args])
        except SystemExit:
            return None
    return parsed.profile, bool(parsed.demo), not parsed.no_first_paint


@given(ARGS)
def test_plain_run_reads_only_what_argparse_reads_the_same_way(args: list[str]) -> None:
    plain = plain_run(args)
    if plain is not None:
        assert plain == argparse_run(args), args


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (None, False, True)),
        (["--demo"], (None, True, True)),
        (["--profile", "/tmp/w"], (Path("/tmp/w"), False, True)),
        (["--profile=/tmp/w", "--demo"], (Path("/tmp/w"), True, True)),
        (["--no-first-paint", "--profile", "a", "--profile", "b"], (Path("b"), False, False)),
    ],
)
def test_the_usual_starts_take_the_plain_path(args: list[str], expected: tuple[object, ...]) -> None:
    """The README's and the desktop entry's starts never build argparse's parser."""
    assert plain_run(args) == expected == argparse_run(args)


@pytest.mark.parametrize(
    "args",
    [["-h"], ["--prof", "x"], ["--profile"], ["--profile", "--demo"], ["--profile="], ["--demo=1"], ["x"]],
)
def test_anything_else_is_left_to_argparse(args: list[str]) -> None:
    assert plain_run(args) is None


def test_help_and_errors_still_come_from_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as help_exit:
        cli.main(["run", "--help"])
    assert help_exit.value.code == 0
    assert "--no-first-paint" in capsys.readouterr().out
    with pytest.raises(SystemExit) as error_exit:
        cli.main(["run", "--profile"])
    assert error_exit.value.code == 2
    assert "--profile: expected one argument" in capsys.readouterr().err
