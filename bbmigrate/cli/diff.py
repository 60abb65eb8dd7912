"""``bbmigrate diff``: what changed, field by field, between the v1 and v2 forms of the data."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from ..diff import ALL_KINDS, DiffOptions
from ..diff.filters import DiffConfig, load_config
from ..diff.model import NOT_SAME
from ..diff.render import FORMATS, make_writer, terminal_text
from ..diff.stream import Target, run_diff
from ..errors import InputError
from ..output_guard import guard_output
from .common import (
    fail_on_option,
    format_option,
    jobs_option,
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
    "--detail",
    is_flag=True,
    help="Also list every leaf record (text, markdown, html, xlsx); json and jsonl always do.",
)
@click.option(
    "--no-mapping",
    is_flag=True,
    help="Align by semantic keys only, without the mapping model's provenance.",
)
@jobs_option("Diff in this many processes (large inputs; the report is the same).")
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
    detail: bool,
    no_mapping: bool,
    jobs: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Diff LEFT (v1) and RIGHT (v2) field by field; with one folder, its v1/ and v2/.

    LEFT and RIGHT are resource files, Bundles, NDJSON files or folders. Resources are paired
    by type and id; a value that moved (item.service -> item.productOrService, an extension ->
    benefitBalance) is reported as `moved` with both paths and the mapping rule that moves it.
    Every report leads with the changes grouped by element (kind, v1 and v2 element pattern,
    rule, variable, counts, examples); per-leaf records follow with --detail and are always in
    json and jsonl. `same` leaves are counted, not listed (unless --only names them). With
    --baseline the text report is one summary line plus the records not in the baseline.

    \b
    Exit status: 0 done, 1 --fail-on matched, 2 bad input.

    \b
    Example:
      bbmigrate diff samples/-19990000004781
      bbmigrate diff v1/ExplanationOfBenefit.json v2/ExplanationOfBenefit.json --only moved
      bbmigrate diff samples/-19990000004781 --mapped --format html -o fidelity.html
      bbmigrate diff out/ --json > baseline.json
      bbmigrate diff out/ --baseline baseline.json --fail-on changed,removed,added
      bbmigrate diff big/ --format jsonl -o records.jsonl --jobs 2
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
    if output is None and not as_json and fmt == "xlsx":
        raise InputError("xlsx is binary: give an output file with -o", where="--format")

    def writer(kind: str, target: Path | None) -> Target:
        width, color = terminal_text(kind, target)
        made = make_writer(
            kind,
            mode="mapped" if mapped else "diff",
            detail=detail,
            only=only_kinds or (),
            baseline=baseline is not None,
            width=width,
            color=color,
        )
        return Target(made, target)

    # --json always means the JSON report on stdout; -o still gets the --format asked for.
    targets = [writer(fmt, output)] if output is not None else []
    if as_json:
        targets.append(writer("json", None))
    elif output is None:
        targets.append(writer(fmt, None))
    outcome = run_diff(
        left,
        right,
        options,
        targets,
        only=only_kinds,
        redact=redact,
        fail_kinds=fail_kinds or frozenset(),
        jobs=jobs,
        progress=lambda items, n: progress(items, total=n, label="diffing", quiet=quiet),
    )
    summary = outcome.head["summary"]
    if not quiet and (output is not None or as_json or fmt != "text"):
        counts = ", ".join(f"{k} {n}" for k, n in summary["counts"].items())
        click.echo(f"diff: {summary['resources']} resources; {counts}", err=True)
    tally = outcome.tally
    if tally.failures:
        # said even with --quiet (no progress, no summary): a failed gate must say why
        click.echo(
            failure_line(tally.failures, tally.failing_resources, fail_kinds, baseline),
            err=True,
        )
        sys.exit(1)


def failure_line(
    per_kind: Counter[str], resources: int, kinds: frozenset[str] | None, baseline: Path | None
) -> str:
    """Why the run failed, in one line: how many records of which kinds (and in how many
    resources), new against which baseline."""
    which = ", ".join(f"{kind} {n}" for kind, n in sorted(per_kind.items()))
    against = f" not in baseline {baseline}" if baseline is not None else ""
    return (
        f"diff: FAILED: {sum(per_kind.values())} records{against} in {resources} resources "
        f"({which}); --fail-on {','.join(sorted(kinds or ()))}"
    )
