"""``bbmigrate validate``: R4 + CARIN Blue Button conformance of resources, without Java."""

from __future__ import annotations

import atexit
import gc
import sys
from pathlib import Path

import click

from ..errors import InputError
from ..output_guard import guard_output

# Only what the options need: `validate --help` must not import the validator (~0.1 s).
from ..validate.packages import ENV_VAR
from ..validate.profiles import DEFAULT_IG, IG_VERSIONS
from ..validate.report import FORMATS, render_pieces, validate_path, write_report
from .common import (
    emit_json,
    fail_on_option,
    format_option,
    json_option,
    output_option,
    progress,
    quiet_option,
)

_AT_EXIT: list[bool] = []


def _skip_final_collection() -> None:
    """At exit, leave every object out of the interpreter's last garbage collection: it walks
    all that the validator loaded (rule set, R4 schema, compiled rules), ~15 ms of a one-file
    run's ~90, and nothing a finished command holds needs collecting. (``atexit``: a test
    invoking the command in process keeps its normal collections until it ends.)"""
    if not _AT_EXIT:
        atexit.register(gc.freeze)
        _AT_EXIT.append(True)


@click.command()
@click.argument("source", metavar="INPUT")
@click.option(
    "--ig",
    type=click.Choice(IG_VERSIONS),
    default=DEFAULT_IG,
    show_default=True,
    help="CARIN Blue Button IG version to check against.",
)
@format_option(
    FORMATS,
    help="Report format (xlsx needs -o). xlsx and html group the findings by profile and rule.",
)
@output_option()
@fail_on_option(
    "Exit 1 when a finding is at least this severe.",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
)
@click.option(
    "--must-support",
    is_flag=True,
    help="Add the corpus must-support report (elements never populated per profile).",
)
@click.option(
    "--detail",
    is_flag=True,
    help="xlsx/html: also list every finding (an 'All findings' sheet; every location per group).",
)
@click.option(
    "--package-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Folder with carin4bb-*.tgz and hl7.fhir.r4.core.tgz (or ${ENV_VAR}); "
    "default ../shared/reference/fhir-packages, else the bundled rule set.",
)
@click.option(
    "--redact",
    is_flag=True,
    help="Hide found values and resource ids (they may hold PHI); sources by file name only.",
)
@click.option(
    "--no-invariants",
    is_flag=True,
    help="Skip the FHIRPath invariants (saves about a sixth of the time; the summary says so).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Validate in this many processes (large inputs).",
)
@json_option
@quiet_option
def validate(
    source: str,
    ig: str,
    fmt: str,
    output: Path | None,
    fail_on: str,
    must_support: bool,
    detail: bool,
    package_dir: Path | None,
    redact: bool,
    no_invariants: bool,
    jobs: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Validate INPUT against FHIR R4 and the CARIN Blue Button profiles.

    INPUT is a resource file, a Bundle, NDJSON, a folder (searched recursively) or a fetch
    output folder (only its v2/ is checked), or - for stdin. The profile comes from
    meta.profile, else from the resource type and the EOB claim type. Exit status: 0 clean,
    1 findings at or above --fail-on, 2 bad input.

    \b
    Example:
      bbmigrate validate out/567834/v2 --ig 2.0.0
      bbmigrate validate eob.json --format json -o report.json --must-support
      bbmigrate validate bundle.json --ig 1.1.0 --format xlsx -o report.xlsx
      bbmigrate validate out/567834 --format html -o report.html --must-support
      bbmigrate validate claims.ndjson --jobs 2 --quiet --json > report.json
    """
    if fmt == "xlsx" and output is None:
        raise InputError("--format xlsx needs -o FILE", where="--format")
    guard_output(output, [source, package_dir])
    _skip_final_collection()
    from ..validate.engine import Validator

    validator = Validator(ig, package_dir, invariants=not no_invariants)
    report = validate_path(
        source,
        validator,
        jobs=jobs,
        wrap=lambda results: progress(results, total=None, label="validating", quiet=quiet),
    )
    if report.summary["resources"] == 0:
        raise InputError("no FHIR resources found", where=source)
    if output is not None:
        write_report(
            output,
            render_pieces(report, fmt, must_support=must_support, redact=redact, detail=detail),
        )
    if as_json:
        if output is None:
            emit_json(report.as_dict(must_support=must_support, redact=redact))
        else:
            emit_json({"summary": report.summary, "output": str(output)})
    elif output is None:
        sys.stdout.buffer.writelines(
            render_pieces(report, fmt, must_support=must_support, redact=redact, detail=detail)
        )
    elif not quiet:
        s = report.summary
        click.echo(
            f"{s['errors']} errors, {s['warnings']} warnings in {s['resources']} "
            f"resources; report written to {output}",
            err=True,
        )
    sys.exit(1 if report.failed(fail_on) else 0)
