"""``bbmigrate diff``: what changed, field by field, between the v1 and v2 forms of the data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..diff import ALL_KINDS, DiffOptions, diff_paths, report_dict
from ..diff.filters import DiffConfig, failing, load_config
from ..diff.model import NOT_SAME
from ..diff.render import FORMATS, write
from ..errors import InputError
from ..output_guard import guard_output
from .common import (
    fail_on_option,
    format_option,
    json_option,
    output_option,
    progress,
    quiet_option,
)


def _kinds(text: str | None, option: str) -> frozenset[str] | None:
    if text is None:
        return None
    kinds = frozenset(k.strip() for k in text.split(",") if k.strip())
    unknown = sorted(kinds - set(ALL_KINDS))
    if unknown or not kinds:
        bad = unknown[0] if unknown else text
        raise InputError(f"unknown kind {bad!r} (known: {', '.join(ALL_KINDS)})", where=option)
    return kinds


@click.command()
@click.argument("left", type=click.Path(path_type=Path))
@click.argument("right", type=click.Path(path_type=Path), required=False)
@click.option(
    "--mapped",
    is_flag=True,
    help="Map LEFT (v1) with bbmigrate first and compare "
    "the result with RIGHT (v2): reproduced, differs, missing, extra, plus recall "
    "and precision.",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="JSONPATH",
    help="Drop records at or under this JSONPath (repeatable), e.g. '$.meta'.",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML file with 'ignore' paths and 'accept'ed differences.",
)
@click.option("--only", "only", metavar="KINDS", help="List only these kinds (comma-separated).")
@format_option(FORMATS)
@output_option()
@fail_on_option(
    "Exit 1 when records of these kinds exist (not accepted, and new against --baseline).",
    metavar="KINDS",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A saved JSON report: fail only on records it does not have.",
)
@click.option(
    "--redact",
    is_flag=True,
    help="Replace names, identifiers and birth dates with stable placeholders.",
)
@click.option(
    "--no-mapping",
    is_flag=True,
    help="Align by semantic keys only, without the mapping model's provenance.",
)
@json_option
@quiet_option
def diff(
    left: Path,
    right: Path | None,
    mapped: bool,
    ignore: tuple[str, ...],
    config: Path | None,
    only: str | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    baseline: Path | None,
    redact: bool,
    no_mapping: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Diff LEFT (v1) and RIGHT (v2) field by field; with one folder, its v1/ and v2/.

    LEFT and RIGHT are resource files, Bundles, NDJSON files or folders. Resources are paired
    by type and id; a value that moved (item.service -> item.productOrService, an extension ->
    benefitBalance) is reported as `moved` with both paths and the mapping rule that moves it.
    `same` records are counted but listed only by json, html and xlsx (or with --only).

    \b
    Exit status: 0 done, 1 --fail-on matched, 2 bad input.

    \b
    Example:
      bbmigrate diff samples/-19990000004781
      bbmigrate diff v1/ExplanationOfBenefit.json v2/ExplanationOfBenefit.json --only moved
      bbmigrate diff samples/-19990000004781 --mapped --format html -o fidelity.html
      bbmigrate diff out/ --json > baseline.json
      bbmigrate diff out/ --baseline baseline.json --fail-on changed,removed,added
    """
    guard_output(output, [left, right, config, baseline])
    only_kinds = _kinds(only, "--only")
    fail_kinds = _kinds(fail_on, "--fail-on")
    if baseline is not None and fail_kinds is None:
        fail_kinds = NOT_SAME
    options = DiffOptions(
        mapped=mapped,
        ignore=ignore,
        config=load_config(config) if config else DiffConfig(),
        baseline=baseline,
        use_mapping=not no_mapping,
    )
    report, pairs = diff_paths(
        left,
        right,
        options,
        progress=lambda items, n: progress(items, total=n, label="diffing", quiet=quiet),
    )
    data = report_dict(report, pairs, only=only_kinds, redact=redact)
    # --json always means the JSON report on stdout; -o still gets the --format asked for.
    if output is not None:
        write(data, fmt, output)
    if as_json:
        write(data, "json", None)
    elif output is None:
        write(data, fmt, None)
    failures = failing(report.resources, fail_kinds) if fail_kinds else []
    if not quiet and (output is not None or as_json or fmt != "text"):
        counts = ", ".join(f"{k} {n}" for k, n in data["summary"]["counts"].items())
        click.echo(f"diff: {data['summary']['resources']} resources; {counts}", err=True)
    if failures:
        if not quiet:
            click.echo(
                f"diff: {len(failures)} records of kinds {','.join(sorted(fail_kinds or ()))}"
                " fail the run",
                err=True,
            )
        sys.exit(1)
