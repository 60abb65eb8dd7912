import json

import click
from click.testing import CliRunner

from bbmigrate.cli import COMMANDS, main


def _leaf_commands(group, path=()):
    """Every command as its argv path, subcommands included; loads lazily like the CLI does."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*path, name))


def test_every_command_has_help_with_example_and_json_option():
    runner = CliRunner()
    seen = []
    for argv, command in _leaf_commands(main):
        name = " ".join(argv)
        seen.append(name)
        result = runner.invoke(main, [*argv, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"{name} --help has no example"
        if not getattr(command, "commands", None):
            assert "--json" in result.output, f"{name} has no --json option"
    assert len([n for n in seen if " " not in n]) == len(COMMANDS)
    # Subcommands are checked as well as the top-level ones.
    assert "auth login" in seen and "sandbox serve" in seen


def test_demo_runs_every_stage_end_to_end(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--json", "--user", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert json.loads((out / "summary.json").read_text()) == summary
    stages = {stage["stage"]: stage for stage in summary["stages"]}
    assert list(stages) == ["fetch", "map", "diff", "diff-mapped", "tables", "validate"]
    fetched = stages["fetch"]["versions"]
    assert fetched["v1"]["counts"] == fetched["v2"]["counts"]
    eobs = json.loads((out / "fetch" / "v2" / "ExplanationOfBenefit.json").read_text())
    assert fetched["v2"]["counts"]["ExplanationOfBenefit"] == eobs["total"] == len(eobs["entry"])
    # one fidelity figure, per resource, as the mapped report shows it
    assert stages["map"] == {
        "stage": "map",
        "files": 3,
        "resources": 5 + fetched["v1"]["counts"]["ExplanationOfBenefit"],
    }
    score = stages["diff-mapped"]["fidelity"]
    assert score["recall"] >= 0.9 and score["precision"] >= 0.95
    assert stages["diff"]["counts"]["moved"] > 0
    for report in ("v1-vs-v2.html", "mapped-vs-v2.html"):
        assert (out / "reports" / report).stat().st_size > 0
    assert (out / "comparison_tables" / "bb2-v1-v2-comparison.xlsx").is_file()
    assert stages["validate"]["v2"]["resources"] == sum(fetched["v2"]["counts"].values())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "staging left behind"
    # the reports and summary name the inputs as they are in --out, not the staging folder
    assert (stages["diff"]["left"], stages["diff"]["right"]) == ("fetch/v1", "fetch/v2")
    for shown in (out / "summary.json", *(out / "reports").iterdir()):
        assert f".{out.name}." not in shown.read_text(), shown
    # issue #12: the demo writes at most 10 MB
    assert sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) <= 10 * 2**20


def test_demo_refuses_to_replace_a_folder_it_did_not_write(tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 2
    assert str(tmp_path) in result.output and result.output.strip().count("\n") == 0
    assert keep.read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]  # nothing staged either


def test_demo_may_replace_an_empty_folder_or_its_own_output(tmp_path):
    from bbmigrate.demo import _check_replaceable

    _check_replaceable(tmp_path)  # empty
    (tmp_path / "summary.json").write_text("{}")
    (tmp_path / "reports").mkdir()
    _check_replaceable(tmp_path)  # an earlier demo's output


def test_diff_json_goes_to_stdout_and_the_format_to_the_output_file(tmp_path):
    from diff_data import write_beneficiary

    bene = write_beneficiary(tmp_path / "bene")
    page = tmp_path / "r.html"
    result = CliRunner().invoke(
        main, ["diff", str(bene), "--format", "html", "-o", str(page), "--json", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "<html" in page.read_text()[:500].lower()  # not the JSON report
    assert json.loads(result.stdout)["summary"]["resources"] > 0
