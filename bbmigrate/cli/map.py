"""``bbmigrate map``: v1 (STU3) resources in, v2 (R4 / CARIN) resources out."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from .. import jsonio
from ..escaping import for_terminal
from ..mapping import load_mappings, map_file
from ..output_guard import guard_output
from .common import emit_json, json_option, output_option, progress_bars, quiet_option


@click.command(name="map")
@click.argument("source", metavar="INPUT")
@output_option("Output file or folder (default: stdout).", dir_okay=True)
@click.option(
    "--unmapped",
    "list_unmapped",
    is_flag=True,
    help="List v1 leaves no rule consumed instead of mapping.",
)
@click.option("--keep-going", is_flag=True, help="Skip resources that fail, list them, exit 1.")
@click.option("--no-quirks", is_flag=True, help="Leave out the rules that imitate BFD v2 quirks.")
@click.option(
    "--mappings",
    "mappings_path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use another mappings folder.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for NDJSON inputs (default: every core for inputs of 8 MB or more, else 1). "
    "The output is the same whatever the number.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Map NDJSON on the workers of this Dask scheduler (pip install 'bbmigrate[dask]').",
)
@json_option
@quiet_option
def map_command(
    source: str,
    output: Path | None,
    list_unmapped: bool,
    keep_going: bool,
    no_quirks: bool,
    mappings_path: Path | None,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Map v1 resources (a .json resource or Bundle, .ndjson[.gz], a folder, or - for stdin) to v2.

    The output has the input's shape: a file for a file, NDJSON for NDJSON (gzip-compressed when
    OUTPUT ends in .gz), a folder of mapped files for a folder. A folder is one job: it appears
    whole at the end, or not at all. Without -o the result goes to stdout (then --json is not
    allowed). NDJSON is mapped on every core when large enough (--workers to choose).

    \b
    Example:
      bbmigrate map v1/ExplanationOfBenefit.json -o v2-mapped/ExplanationOfBenefit.json
      bbmigrate map --unmapped v1/Patient.json
      bbmigrate map v1/ -o mapped/ --keep-going --json
      bbmigrate map export.ndjson.gz -o mapped.ndjson.gz --workers 4
      bbmigrate map export/ -o mapped/ --scheduler tcp://10.0.0.5:8786
    """
    if as_json and output is None and not list_unmapped:
        raise click.UsageError("--json needs -o OUTPUT (stdout carries the mapped resources)")
    guard_output(output, [source, mappings_path], folder=source != "-" and Path(source).is_dir())
    mapping = load_mappings(mappings_path, quirks=not no_quirks)
    with jsonio.exit_on_signals(), progress_bars(quiet) as bars:
        tick = None if bars is None else partial(bars.advance, bars.add_task("mapping", total=None))
        report = map_file(
            source,
            output,
            mappings=mapping,
            keep_going=keep_going,
            list_unmapped=list_unmapped,
            tick=tick,
            workers=workers,
            scheduler=scheduler,
        )
    if as_json:
        emit_json(report.to_dict())
    else:
        for item in report.unmapped:
            click.echo(f"{for_terminal(item['where'])}: {for_terminal(item['path'])}")
        if list_unmapped and not report.unmapped and not report.failures:
            click.echo("no unmapped leaves")
        if len(report.files) > 1 and not quiet:
            for item in report.files:
                click.echo(
                    f"  {for_terminal(item['input'])}: {item['mapped']} mapped, "
                    f"{item['failed']} failed",
                    err=True,
                )
        for failure in report.failures:
            where, error = for_terminal(failure["where"]), for_terminal(failure["error"])
            click.echo(f"bbmigrate: failed: {where}: {error}", err=True)
        if not quiet and output is not None:
            click.echo(f"mapped {report.mapped} resource(s) to {for_terminal(output)}", err=True)
    if report.failures:
        sys.exit(1)
