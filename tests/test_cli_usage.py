"""Issue #10 point 6, last clause: a bad path, a missing argument, an unknown option or a bad
value is one line ``bbmigrate: error: ...`` and exit 2 in every command, never Click's
three-line ``Usage: / Try ... / Error:`` block. Parametrised over every command's path
parameters, as the CLI registers them, so a new command or option is covered by itself."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bbmigrate.cli import main
from bbmigrate.cli.usage import OneLinePath


def _leaf_commands(group: click.Group, path: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


LEAVES = dict(_leaf_commands(main))


def _bad_values(kind: click.Path) -> list[tuple[str, str]]:
    """(what to pass, the reason expected) for each check the parameter makes."""
    bad = []
    if kind.exists:
        gone = {(True, False): "no such file", (False, True): "no such folder"}
        bad.append(("{tmp}/missing", gone.get((kind.file_okay, kind.dir_okay), "no such file")))
    if not kind.file_okay:
        bad.append(("{tmp}/a-file", "is a file; a folder is expected"))
    if not kind.dir_okay:
        bad.append(("{tmp}", "is a folder; a file is expected"))
    return bad


def _path_cases():
    for argv, command in LEAVES.items():
        for param in command.params:
            if not isinstance(param.type, click.Path):
                continue
            for value, reason in _bad_values(param.type):
                name = param.opts[-1] if isinstance(param, click.Option) else param.name
                yield pytest.param(
                    argv, param, value, reason, id=f"{' '.join(argv)} {name} {reason}"
                )


PATH_CASES = list(_path_cases())


def one_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Usage:" not in result.output and "Try '" not in result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bbmigrate: error: "), lines[0]
    return lines[0]


def test_every_path_parameter_has_the_one_line_wording():
    params = [p for c in LEAVES.values() for p in c.params if isinstance(p.type, click.Path)]
    assert params and all(type(p.type) is OneLinePath for p in params)
    # the commands that take paths are all here (a new one only adds cases)
    with_paths = {" ".join(argv) for argv, *_ in (case.values for case in PATH_CASES)}
    assert {"map", "tables", "fetch", "demo", "diff", "auth login", "sandbox serve"} <= with_paths


@pytest.mark.parametrize(("argv", "param", "value", "reason"), PATH_CASES)
def test_a_bad_path_is_one_line_naming_it(tmp_path, argv, param, value, reason):
    (tmp_path / "a-file").write_text("{}")
    path = value.format(tmp=tmp_path)
    # the bad path comes first, so Click checks it before any missing argument
    given = [param.opts[-1], path] if isinstance(param, click.Option) else [path]
    line = one_line(CliRunner().invoke(main, [*argv, *given]))
    assert line.startswith(f"bbmigrate: error: {path}: {reason}"), line
    if isinstance(param, click.Option):
        assert line.endswith(f"({max(param.opts, key=len)})"), line
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("argv", list(LEAVES), ids=" ".join)
def test_an_unknown_option_is_one_line_pointing_at_the_help(argv):
    line = one_line(CliRunner().invoke(main, [*argv, "--no-such-option"]))
    name = " ".join(argv)
    assert line == (
        f"bbmigrate: error: {name}: No such option '--no-such-option' "
        f"(see 'bbmigrate {name} --help')"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["map"], "map: Missing argument 'INPUT' (see 'bbmigrate map --help')"),
        # a missing path parameter is a usage mistake, not a bad path
        (["diff"], "diff: Missing argument 'LEFT' (see 'bbmigrate diff --help')"),
        (["fetch"], "fetch: Missing option '--out' (see 'bbmigrate fetch --help')"),
        (["sandbox", "serve", "--rate-limit", "x"], "Invalid value for '--rate-limit'"),
        (["sandbox", "serve", "--fault-statuses", "404"], "Invalid value for '--fault-statuses'"),
        (["map", "--workers", "0", "x.json"], "map: Invalid value for '--workers'"),
        (["fetch", "--out", "o", "--retries", "many"], "fetch: Invalid value for '--retries'"),
        (["diff", "a", "--format", "pdf"], "diff: Invalid value for '--format'"),
        (["validate", "--formt", "x"], "Did you mean '--format'?"),
        (["no-such-command"], "No such command 'no-such-command' (see 'bbmigrate --help')"),
        (["--no-such-option"], "No such option '--no-such-option' (see 'bbmigrate --help')"),
        (["map", "x.json", "--json"], "map: --json needs -o OUTPUT"),
    ],
)
def test_other_usage_errors_are_one_line(args, expected):
    assert expected in one_line(CliRunner().invoke(main, args))


def test_a_control_character_in_a_bad_path_is_shown_escaped(tmp_path):
    path = str(tmp_path / "\x1b]0;owned\x07")
    line = one_line(CliRunner().invoke(main, ["tables", "--mappings", path]))
    assert "\x1b" not in line and "\\x1b]0;owned\\x07: no such folder" in line


def test_a_group_without_its_subcommand_still_shows_its_help():
    result = CliRunner().invoke(main, ["auth"])
    assert "Usage:" in result.output and "login" in result.output


def test_help_and_version_are_untouched():
    assert CliRunner().invoke(main, ["map", "--help"]).exit_code == 0
    assert CliRunner().invoke(main, ["--version"]).output.startswith("bbmigrate, version")


def test_a_real_subprocess_prints_the_same_line(tmp_path):
    """Not only through CliRunner: the installed entry point, as a user runs it."""
    import subprocess
    import sys

    missing = tmp_path / "missing"
    run = subprocess.run(
        [sys.executable, "-m", "bbmigrate", "tables", "--dictionary", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"bbmigrate: error: {missing}: no such folder (--dictionary)\n"


def test_paths_checked_by_the_commands_themselves_read_alike(tmp_path):
    missing = Path(tmp_path / "missing.json")
    line = one_line(CliRunner().invoke(main, ["map", str(missing)]))
    assert line == f"bbmigrate: error: {missing}: no such file"


REQUIRING = [argv for argv, command in LEAVES.items() if any(p.required for p in command.params)]


@pytest.mark.parametrize("argv", REQUIRING, ids=" ".join)
def test_a_missing_argument_or_option_names_it(argv):
    line = one_line(CliRunner().invoke(main, list(argv)))
    name = " ".join(argv)
    assert line.startswith(f"bbmigrate: error: {name}: Missing "), line
    assert line.endswith(f"(see 'bbmigrate {name} --help')"), line
