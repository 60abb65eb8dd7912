"""Commands load on demand: running one command does not import every other command's stack."""

import subprocess
import sys

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
