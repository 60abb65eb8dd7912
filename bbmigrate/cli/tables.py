"""``bbmigrate tables``: the V1/V2 comparison workbook (and CSV/Markdown) from the mapping files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from ..errors import InputError
from ..escaping import for_terminal
from ..output_guard import guard_output
from .common import (
    emit_json,
    format_option,
    json_option,
    output_option,
    progress,
    quiet_option,
)

_FORMATS = ("xlsx", "csv", "markdown", "html", "all")


@click.command()
@output_option(
    "File to write, or a folder to write the standard file name into (always a folder "
    "with --format all). Default: comparison_tables/bb2-v1-v2-comparison.<ext>.",
    dir_okay=True,
)
@format_option(
    _FORMATS,
    default="xlsx",
    help="Output format; 'all' writes xlsx, csv, markdown and html side by side.",
)
@click.option(
    "--mappings",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Mapping folder to describe (default: the project's mappings/).",
)
@click.option(
    "--samples",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Sample folder to take examples and labels from (default: the project's samples/).",
)
@click.option(
    "--dictionary",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="BFD data-dictionary folder (with data/V1, data/V2): read and check it whole before "
    "writing anything, and report how far the tables agree with it.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when the files at the output location are missing or stale.",
)
@click.option(
    "--variables",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Variables facts file (default: variables.json in the mapping folder).",
)
@json_option
@quiet_option
def tables(
    output: Path | None,
    fmt: str,
    mappings: Path | None,
    samples: Path | None,
    dictionary: Path | None,
    variables: Path | None,
    check: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Generate the STU3/V1 vs R4/V2 comparison tables from the mapping files.

    One sheet per resource and claim type (Patient, Coverage, carrier ... snf) after a Summary
    with counts and a chart; every row says where a BB2 variable lives in v1 and in v2, how it
    changed, an example from the samples, and which mapping rule does it.

    \b
    Example:
      bbmigrate tables                       # comparison_tables/bb2-v1-v2-comparison.xlsx
      bbmigrate tables --format all          # xlsx + csv + md + html in comparison_tables/
      bbmigrate tables --format html -o table.html  # one offline page with search and filters
      bbmigrate tables --format csv -o table.csv --json
      bbmigrate tables --check --format all  # exit 1 if the committed tables are stale
      bbmigrate tables --dictionary ../shared/reference/bfd/data-dictionary --check
    """
    from ..tables import SHEETS, build_tables
    from ..tables.output import DEFAULT_DIR, FORMATS, default_path, is_stale, write_tables

    if fmt == "all":
        if output is not None and output.suffix:
            raise InputError("with --format all, -o must be a folder", where=str(output))
        targets = [(f, default_path(f, output or DEFAULT_DIR)) for f in FORMATS]
    elif output is not None and output.is_dir():
        targets = [(fmt, default_path(fmt, output))]
    else:
        targets = [(fmt, output or default_path(fmt))]

    # the outputs are files of fixed names: each must not be one of the inputs' files
    for _, path in targets:
        guard_output(path, [mappings, samples, dictionary, variables])

    def bar(keys: Iterable[str]) -> Iterator[str]:
        return progress(keys, total=len(SHEETS), label="Building sheets", quiet=quiet)

    entries = None
    if dictionary is not None:
        from ..tables.dictionary import read_dictionary

        # Read and check the whole dictionary first: a bad file stops us before any write.
        entries = read_dictionary(dictionary)

    built = build_tables(mappings=mappings, samples=samples, progress=bar, variables=variables)
    result: dict[str, object] = built.summary()
    result["files"] = [str(path) for _, path in targets]
    if check:
        result["stale"] = [str(p) for f, p in targets if is_stale(built, f, p)]
    else:
        for f, path in targets:
            write_tables(built, f, path)

    if entries is not None:
        from ..tables.dictionary import compare

        agreement = compare(dict(built.ordered()), entries)
        result["dictionary"] = agreement.as_dict()

    if as_json:
        emit_json(result)
    elif not quiet:
        _print_summary(result, check)
    if check and result["stale"]:
        raise SystemExit(1)


def _print_summary(result: dict, check: bool) -> None:
    sheets = result["sheets"]
    for _key, info in sheets.items():  # type: ignore[union-attr]
        changes = ", ".join(f"{k} {v}" for k, v in info["changes"].items() if v)
        click.echo(f"{info['title']:<11} {info['rows']:>4} rows  {changes}", err=True)
    if check:
        stale = result["stale"]
        click.echo("stale: " + for_terminal(", ".join(stale)) if stale else "up to date", err=True)
    else:
        click.echo("wrote " + for_terminal(", ".join(result["files"])), err=True)  # type: ignore[arg-type]
    if "dictionary" in result:
        d = result["dictionary"]
        click.echo(
            f"data dictionary: {d['agreed']}/{d['compared']} V2 elements agree "
            f"({d['ratio']:.1%}), {len(d['disagreements'])} disagreements",
            err=True,
        )
