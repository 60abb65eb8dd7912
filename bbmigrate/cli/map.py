"""``bbmigrate map``: v1 (STU3) resources in, v2 (R4 / CARIN) resources out."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

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
@json_option
@quiet_option
def map_command(
    source: str,
    output: Path | None,
    list_unmapped: bool,
    keep_going: bool,
    no_quirks: bool,
    mappings_path: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Map v1 resources (a .json resource or Bundle, .ndjson, a folder, or - for stdin) to v2.

    The output has the input's shape: a file for a file, NDJSON for NDJSON, a folder of mapped
    files for a folder. Without -o the result goes to stdout (then --json is not allowed).

    \b
    Example:
      bbmigrate map v1/ExplanationOfBenefit.json -o v2-mapped/ExplanationOfBenefit.json
      bbmigrate map --unmapped v1/Patient.json
      bbmigrate map v1/ -o mapped/ --keep-going --json
    """
    if as_json and output is None and not list_unmapped:
        raise click.UsageError("--json needs -o OUTPUT (stdout carries the mapped resources)")
    guard_output(output, [source, mappings_path], folder=source != "-" and Path(source).is_dir())
    mapping = load_mappings(mappings_path, quirks=not no_quirks)
    with progress_bars(quiet) as bars:
        tick = None if bars is None else partial(bars.advance, bars.add_task("mapping", total=None))
        report = map_file(
            source,
            output,
            mappings=mapping,
            keep_going=keep_going,
            list_unmapped=list_unmapped,
            tick=tick,
        )
    if as_json:
        emit_json(report.to_dict())
    else:
        for item in report.unmapped:
            click.echo(for_terminal(f"{item['where']}: {item['path']}"))
        if list_unmapped and not report.unmapped and not report.failures:
            click.echo("no unmapped leaves")
        for failure in report.failures:
            line = f"{failure['where']}: {failure['error']}"
            click.echo(f"bbmigrate: failed: {for_terminal(line)}", err=True)
        if not quiet and output is not None:
            click.echo(f"mapped {report.mapped} resource(s) to {output}", err=True)
    if report.failures:
        sys.exit(1)
