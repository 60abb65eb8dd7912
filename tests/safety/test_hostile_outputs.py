"""The same hostile values through every report format of diff, diff --mapped, validate, tables.

Issue #10 points 1 and 2: no spreadsheet formula, no raw HTML or ``javascript:`` link, no
terminal control sequence, whatever a resource, a mapping file or a sample holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from safety_data import (
    assert_csv_inert,
    assert_html_inert,
    assert_markdown_inert,
    assert_no_raw_control,
    assert_text_inert,
    assert_workbook_inert,
    hostile_beneficiary,
    hostile_tables_inputs,
)

from bbmigrate.cli import main

# one report per (command, arguments): the diff side, the mapped diff, validate
DIFF = ("diff", "{bene}")
MAPPED = ("diff", "{bene}/v1", "{bene}/v2", "--mapped")
VALIDATE = ("validate", "{bene}/v2")


@pytest.fixture(scope="module")
def bene(tmp_path_factory) -> Path:
    return hostile_beneficiary(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def tables_inputs(tmp_path_factory) -> tuple[Path, Path]:
    return hostile_tables_inputs(tmp_path_factory.mktemp("hostile-tables"))


def run(args: tuple[str, ...], bene: Path, *extra: str) -> tuple[int, str, str]:
    argv = [a.format(bene=bene) for a in args] + list(extra)
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", [DIFF, MAPPED, VALIDATE], ids=["diff", "mapped", "validate"])
def test_text(command, bene):
    _, out, err = run(command, bene, "--format", "text")
    assert_text_inert(out)
    assert_no_raw_control(err, "stderr")


@pytest.mark.parametrize("command", [DIFF, MAPPED], ids=["diff", "mapped"])
def test_markdown(command, bene):
    _, out, _ = run(command, bene, "--format", "markdown")
    assert_markdown_inert(out)


@pytest.mark.parametrize("command", [DIFF, MAPPED], ids=["diff", "mapped"])
def test_html(command, bene, tmp_path):
    report = tmp_path / "report.html"
    run(command, bene, "--format", "html", "-o", str(report))
    assert_html_inert(report.read_text())


@pytest.mark.parametrize("command", [DIFF, MAPPED, VALIDATE], ids=["diff", "mapped", "validate"])
def test_xlsx(command, bene, tmp_path):
    book = tmp_path / "report.xlsx"
    # --detail: validate's grouped sheets name rules and elements; the values are in the details
    detail = ("--detail",) if command is VALIDATE else ()
    run(command, bene, "--format", "xlsx", *detail, "-o", str(book))
    assert_workbook_inert(book)


def test_tables_every_format(tables_inputs, tmp_path):
    mappings, samples = tables_inputs
    args = ["tables", "--format", "all", "-o", str(tmp_path), "--quiet"]
    result = CliRunner().invoke(
        main, [*args, "--mappings", str(mappings), "--samples", str(samples)]
    )
    assert result.exit_code == 0, result.output
    assert_workbook_inert(tmp_path / "bb2-v1-v2-comparison.xlsx")
    assert_csv_inert((tmp_path / "bb2-v1-v2-comparison.csv").read_text())
    assert_markdown_inert((tmp_path / "bb2-v1-v2-comparison.md").read_text())
    # every other format --format all writes (an HTML page is on its way) obeys the same rule
    for path in tmp_path.iterdir():
        if path.suffix == ".html":
            assert_html_inert(path.read_text())


def test_mappings_gaps_text(tables_inputs):
    mappings, _ = tables_inputs
    result = CliRunner().invoke(main, ["mappings", "gaps", "--mappings", str(mappings)])
    assert result.exit_code == 0, result.output
    assert_text_inert(result.stdout)


def test_error_lines_show_controls_escaped(tmp_path):
    """A file name (or a quoted value) in a one-line error cannot drive the terminal."""
    bad = tmp_path / "\x1b]0;owned\x07.json"
    bad.write_text("{")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert_no_raw_control(result.stderr, "stderr")
    assert "\\x1b]0;owned\\x07.json" in result.stderr


def test_fetch_summary_shows_a_hostile_out_path_escaped(tmp_path):
    from bbmigrate.emulator import SandboxConfig, create_app, serve_in_thread

    out = tmp_path / "\x1b]0;owned\x07"
    login = ["--user", "BBUser00001", "--password", "PW00001!", "--versions", "v2", "--count", "50"]
    with serve_in_thread(create_app(SandboxConfig())) as url:
        result = CliRunner().invoke(main, ["fetch", "--base-url", url, "--out", str(out), *login])
    assert result.exit_code == 0, result.output
    assert (out / "v2" / "Patient.json").is_file()
    assert_no_raw_control(result.stdout, "stdout")
    assert "\\x1b]0;owned\\x07" in result.stdout
