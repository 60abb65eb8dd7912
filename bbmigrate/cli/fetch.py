"""``bbmigrate fetch``: one beneficiary from v1 and v2 into the shared folder layout."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click

from ..client import PasswordLogin, RetryPolicy, TokenStore, fetch_beneficiary
from ..client.bluebutton import PageCallback
from ..client.fetch import default_credentials
from ..client.retry import DEFAULT_RETRIES
from ..client.tokens import default_token_file
from ..errors import InputError
from ..escaping import for_terminal
from ..output_guard import guard_output
from .auth import base_url_option, client_options, token_file_option, user_options
from .common import emit_json, json_option, progress_bars, quiet_option


@contextlib.contextmanager
def page_progress(quiet: bool) -> Iterator[PageCallback | None]:
    """A rich bar per search (pages fetched) on stderr; nothing when not a TTY or quiet."""
    with progress_bars(quiet) as bar:
        if bar is None:
            yield None
            return
        tasks: dict[str, int] = {}

        def on_page(label: str, done: int, total: int | None) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(f"{label} pages", total=total)
            bar.update(tasks[label], completed=done, total=max(total or done, done))

        yield on_page


def _split(values: tuple[str, ...]) -> list[str] | None:
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    return items or None


@click.command()
@base_url_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Beneficiary folder to write (v1/, v2/, manifest.json).",
)
@click.option("--versions", default="v1,v2", show_default=True, help="API versions to fetch.")
@click.option(
    "--type",
    "types",
    multiple=True,
    help="EOB claim types, comma-separated or repeated (default: all).",
)
@click.option("--since", default=None, help="Only EOBs updated on or after this ISO date.")
@click.option("--count", type=int, default=None, help="Page size, 1..50 (server default 10).")
@click.option(
    "--retries",
    type=click.IntRange(0, 100),
    default=DEFAULT_RETRIES,
    show_default=True,
    help="Retries per request after 429/500/502/503/504 or a timeout (jittered backoff).",
)
@token_file_option
@client_options
@user_options
@click.option("--redact", is_flag=True, help="Keep the patient id out of the output and manifest.")
@json_option
@quiet_option
def fetch(
    base_url: str,
    out: Path,
    versions: str,
    types: tuple[str, ...],
    since: str | None,
    count: int | None,
    retries: int,
    token_file: Path | None,
    client_id: str | None,
    client_secret: str | None,
    user: str | None,
    password: str | None,
    no_share_demographics: bool,
    redact: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Fetch Patient, Coverage, every EOB page and userinfo from v1 and v2 concurrently.

    Tokens come from --user/--password (emulator login) or the token file written by
    `bbmigrate auth login`; with --client-id/--client-secret an expired token is refreshed and
    the rotated token saved (for a loopback --base-url the emulator's test client is the
    default). Failed requests are retried (--retries). Nothing is written unless every version
    succeeds.

    \b
    Example:
      bbmigrate fetch --out bene --type carrier,pde --since 2020-01-01
      bbmigrate fetch --base-url http://127.0.0.1:8000 --user BBUser00000 \\
          --password 'PW00000!' --out bene --json
    """
    # A loopback --base-url is the local emulator: its public test client is the default there.
    credentials = default_credentials(base_url, client_id, client_secret)
    login = None
    if user:
        if not password:
            raise InputError("--user needs --password (or $BBMIGRATE_PASSWORD)", where="fetch")
        login = PasswordLogin(user, password, share_demographics=not no_share_demographics)
    store = TokenStore(token_file) if token_file else None
    if store is None and login is None:
        store = TokenStore(default_token_file())
    # Before any request: the folder must not hold (or be) the token file, which fetch reads
    # and writes back (rotated tokens are saved during the fetch); bbmigrate's own data
    # folders are refused by the guard itself.
    guard_output(out, [store.path if store else None], folder=True)
    with page_progress(quiet) as on_page:
        manifest = fetch_beneficiary(
            base_url,
            out,
            credentials=credentials,
            login=login,
            token_store=store,
            versions=versions,
            types=_split(types),
            since=since,
            count=count,
            progress=on_page,
            retry=RetryPolicy(attempts=retries + 1),
            redact=redact,
        )
    doc = manifest.to_dict(redact=redact)
    summary = {"out": str(out), **{k: v for k, v in doc.items() if k != "requests"}}
    if as_json:
        emit_json(summary)
    elif not quiet:
        for version, result in summary["versions"].items():
            counts = result["counts"]
            withheld = " (demographics withheld)" if result["demographics_withheld"] else ""
            click.echo(
                f"{version}: {counts['Patient']} Patient, {counts['Coverage']} Coverage, "
                f"{counts['ExplanationOfBenefit']} EOB in {result['pages']} pages{withheld}"
            )
        click.echo(f"written to {for_terminal(out)} ({summary['totals']['requests']} requests)")
