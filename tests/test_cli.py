import json

from click.testing import CliRunner

from bbmigrate.cli import main


def test_every_command_has_help_with_example_and_json_option():
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"{name} --help has no example"
        if not getattr(command, "commands", None):
            assert "--json" in result.output, f"{name} has no --json option"


def test_demo_writes_summary(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert json.loads((tmp_path / "d" / "summary.json").read_text()) == summary
