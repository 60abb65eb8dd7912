"""``bbmigrate demo``: the end-to-end run on the embedded default data."""

from __future__ import annotations

from pathlib import Path

import click

from ..demo import run_demo
from .common import emit_json, json_option, quiet_option


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for everything the demo writes: new, empty, or an earlier demo's output "
    "(replaced when the demo succeeds).",
)
@click.option(
    "--user",
    "user_index",
    type=click.IntRange(0, 29999),
    default=0,
    show_default=True,
    help="Which synthetic beneficiary to log in as (BBUser<NNNNN>).",
)
@click.option(
    "--no-share-demographics",
    is_flag=True,
    help="Decline to share demographics at consent (Patient and userinfo then answer 403).",
)
@json_option
@quiet_option
def demo(
    out: Path, user_index: int, no_share_demographics: bool, as_json: bool, quiet: bool
) -> None:
    """Run the whole migration locally: sandbox, login, fetch v1+v2, map, diff, tables, validate.

    Starts the BB2 sandbox emulator on a free loopback port, logs in as a synthetic beneficiary,
    fetches v1 and v2, maps v1 to v2 and compares the result with the real v2, then writes the
    reports under OUT and prints a short summary.

    \b
    Example:
      bbmigrate demo --out demo-out
      bbmigrate demo --out demo-out --user 42 --json
    """
    say = (lambda _line: None) if (quiet or as_json) else click.echo
    summary = run_demo(
        out, user_index=user_index, share_demographics=not no_share_demographics, say=say
    )
    if as_json:
        emit_json(summary.to_dict())
    else:
        say(f"done: everything is in {out}/ (summary.json lists each stage)")
