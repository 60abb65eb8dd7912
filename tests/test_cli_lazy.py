"""Commands load on demand: running one command does not import every other command's stack."""

import inspect
import subprocess
import sys
from pathlib import Path

_PROBE = """
import sys
from click.testing import CliRunner
from bbmigrate.cli import main
result = CliRunner().invoke(main, ["diff", "--help"])
assert result.exit_code == 0, result.output
assert "Example" in result.output
heavy = sorted(m for m in ("openpyxl", "bbmigrate.demo", "bbmigrate.emulator", "starlette")
               if m in sys.modules)
print(",".join(heavy))
"""


def test_diff_command_runs_without_importing_the_other_commands():
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_an_unknown_command_is_still_a_usage_error():
    from click.testing import CliRunner

    from bbmigrate.cli import main

    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


_HEAVY = (
    "bbmigrate.client",
    "bbmigrate.demo",
    "bbmigrate.diff",
    "bbmigrate.emulator",
    "bbmigrate.mapping",
    "bbmigrate.tables",
    "bbmigrate.validate",
    "deepdiff",
    "fhir",
    "httpx",
    "openpyxl",
    "pydantic",
    "starlette",
    "uvicorn",
    "yaml",
)
# Printed at exit: the entry point (cli.run) ends the process itself once the command is done,
# after the atexit handlers.
_IMPORTED = """
import atexit, sys, runpy
sys.argv = ["bbmigrate", *sys.argv[1:]]
atexit.register(lambda: print(
    "IMPORTED:" + ",".join(sorted(m for m in sys.modules if m.startswith(HEAVY))), flush=True
))
runpy.run_module("bbmigrate", run_name="__main__")
""".replace("HEAVY", repr(_HEAVY))


def _imported(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORTED, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    last = out.stdout.rsplit("IMPORTED:", 1)[-1].strip()
    return set(filter(None, last.split(",")))


def test_top_level_help_imports_no_command_stack():
    # The list of commands is read from their modules' source, not by importing them.
    assert _imported("--help") == set()


def test_validate_help_imports_none_of_the_validator():
    # The options need the IG versions, report formats and an env var name: three light
    # modules, not pydantic, the R4B models or fhirpathpy (~0.1 s).
    loaded = _imported("validate", "--help")
    assert loaded <= {
        "bbmigrate.validate",
        "bbmigrate.validate.aggregate",
        "bbmigrate.validate.findings",
        "bbmigrate.validate.groups",
        "bbmigrate.validate.inputs",
        "bbmigrate.validate.mustsupport",
        "bbmigrate.validate.packages",
        "bbmigrate.validate.profiles",
        "bbmigrate.validate.report",
        "bbmigrate.validate.terminology",
    }, loaded
    assert "bbmigrate.validate.report" in loaded  # the probe sees what it should


def test_demo_help_imports_no_stage():
    # Each stage of the demo imports its stack when it runs.
    assert _imported("demo", "--help") == {"bbmigrate.demo"}


def test_map_of_one_file_imports_only_the_mapper(tmp_path):
    source = next((Path(__file__).parents[1] / "samples").glob("*/v1/Coverage.json"))
    loaded = _imported("map", str(source), "-o", str(tmp_path / "out.json"))
    assert (tmp_path / "out.json").exists()
    assert "bbmigrate.mapping" in loaded  # the probe sees what it should
    assert not loaded & {"httpx", "openpyxl", "starlette", "deepdiff", "bbmigrate.validate"}
    assert not {m for m in loaded if m.startswith(("bbmigrate.client", "bbmigrate.emulator"))}


def test_help_outlines_match_the_real_commands():
    from click.testing import CliRunner

    from bbmigrate.cli import COMMANDS, _load, _outline, main

    listed = CliRunner().invoke(main, ["--help"]).output
    _load(list(COMMANDS))
    for name in COMMANDS:
        real, outline = main.commands[name], _outline(name)
        assert outline.help == inspect.cleandoc(real.help or ""), name
        for limit in (30, 45, 80):
            assert outline.get_short_help_str(limit) == real.get_short_help_str(limit), name
        assert name in listed
    assert CliRunner().invoke(main, ["--help"]).output == listed
