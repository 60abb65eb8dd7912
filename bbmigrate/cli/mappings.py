"""``bbmigrate mappings``: check the mapping files and list what v1 cannot provide."""

from __future__ import annotations

from pathlib import Path

import click

from ..escaping import for_terminal
from ..mapping import load_mappings
from .common import emit_json, json_option

_path_option = click.option(
    "--mappings",
    "mappings_path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Mappings folder (default: the project's mappings/).",
)


@click.group()
def mappings() -> None:
    """Inspect the declarative mapping files.

    \b
    Example:
      bbmigrate mappings check --json
      bbmigrate mappings gaps
    """


@mappings.command()
@_path_option
@json_option
def check(mappings_path: Path | None, as_json: bool) -> None:
    """Validate every mapping file and print rule counts (exit 2 on the first error).

    \b
    Example:
      bbmigrate mappings check --json
    """
    counts = load_mappings(mappings_path).rule_counts()
    if as_json:
        emit_json({"ok": True, **counts})
        return
    click.echo(
        f"ok: {counts['rules']} rules, {counts['tables']} concept tables, {counts['gaps']} gaps, "
        f"{counts['quirk_rules']} quirk rules"
    )
    for name, count in counts["per_map"].items():
        click.echo(f"  {name}: {count} rules")


@mappings.command()
@_path_option
@json_option
def gaps(mappings_path: Path | None, as_json: bool) -> None:
    """List v2 elements that v1 cannot provide, and the v1 data dropped on purpose.

    \b
    Example:
      bbmigrate mappings gaps --json
    """
    mapping = load_mappings(mappings_path)
    gap_rows = [
        {
            "id": g.id,
            "v2": g.v2,
            "variable": g.variable,
            "reason": g.reason,
            "origin": str(g.origin),
        }
        for g in mapping.gaps
    ]
    drops = [
        {"id": r.id, "v1": r.v1, "reason": r.note, "origin": str(r.origin)} for r in mapping.drops()
    ]
    if as_json:
        emit_json({"gaps": gap_rows, "drops": drops})
        return
    click.echo("v2 elements v1 cannot provide:")
    for row in gap_rows:
        click.echo(for_terminal(f"  {row['v2']}: {row['reason']} ({row['origin']})"))
    click.echo("v1 data dropped on purpose:")
    for row in drops:
        click.echo(for_terminal(f"  {row['v1']}: {row['reason']} ({row['origin']})"))
