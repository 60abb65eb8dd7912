"""``bbmigrate sandbox``: run the local BB2 sandbox emulator, or show one of its users."""

from __future__ import annotations

import dataclasses
import signal
import threading
from pathlib import Path

import click

from ..errors import BBMigrateError
from .common import emit_json, json_option, quiet_option

_data_option = click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sample beneficiaries folder (default: the packaged samples/).",
)


@click.group()
def sandbox() -> None:
    """A local Blue Button 2.0 sandbox (OAuth2 + FHIR v1/v2) for tests and demos.

    \b
    Example:
      bbmigrate sandbox serve --port 8000
    """


def _rate(value: str | None) -> tuple[int, float] | None:
    if not value:
        return None
    count, _, seconds = value.partition("/")
    try:
        return int(count), float(seconds or 1)
    except ValueError:
        raise click.BadParameter(
            f"expected N/SECONDS, got {value!r}", param_hint="'--rate-limit'"
        ) from None


@sandbox.command()
@click.argument("number", type=click.IntRange(0, 29_999))
@_data_option
@json_option
def user(number: int, data: Path | None, as_json: bool) -> None:
    """Show sandbox user NUMBER: login, patient id and claim counts (no server needed).

    \b
    Example:
      bbmigrate sandbox user 42 --json
    """
    from ..emulator import SandboxConfig
    from ..emulator.population import Population, password

    population = Population(SandboxConfig(data_dir=data).resolved_data_dir(), cache_size=1)
    bene = population.user(number)
    by_type: dict[str, int] = {}
    for claim in bene.claims:
        by_type[claim.type] = by_type.get(claim.type, 0) + 1
    info = {
        "username": bene.username,
        "password": password(number),
        "patient_id": bene.patient_id,
        "name": bene.userinfo["name"],
        "sample": population.samples[number % len(population.samples)].folder.name,
        "eob_count": len(bene.claims),
        "eob_by_type": dict(sorted(by_type.items())),
        "coverage_count": len(bene.coverages["v2"]),
    }
    if as_json:
        emit_json(info)
    else:
        click.echo(
            f"{info['username']} / {info['password']}: patient {info['patient_id']}, "
            f"{info['eob_count']} EOBs {info['eob_by_type']}"
        )


def _statuses(value: str) -> tuple[int, ...]:
    try:
        statuses = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        statuses = ()
    if not statuses or not set(statuses) <= {429, 500, 502, 503}:
        raise click.BadParameter(
            f"expected a comma list of 429,500,502,503, got {value!r}",
            param_hint="'--fault-statuses'",
        )
    return statuses


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one.",
)
@_data_option
@click.option(
    "--fault-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Share of FHIR requests answered with 429/500/502/503.",
)
@click.option(
    "--fault-statuses",
    default="429,500,502,503",
    show_default=True,
    metavar="LIST",
    help="Statuses injected faults use (any of 429,500,502,503).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for injected faults.")
@click.option(
    "--token-lifetime",
    default=3600,
    show_default=True,
    type=click.IntRange(1),
    help="Access token lifetime in seconds (BB2: 3600).",
)
@click.option(
    "--rate-limit",
    default=None,
    metavar="N/SECONDS",
    help="Per-token throttle, e.g. 100/60 (default BB2's 100000/1).",
)
@click.option(
    "--client-secret",
    envvar="BBMIGRATE_SANDBOX_CLIENT_SECRET",
    default=None,
    help="Secret of the registered test client (default: the documented one).",
)
@json_option
@quiet_option
def serve(
    host: str,
    port: int,
    data: Path | None,
    fault_rate: float,
    fault_statuses: str,
    seed: int,
    token_lifetime: int,
    rate_limit: str | None,
    client_secret: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Serve the sandbox on HOST:PORT until Ctrl-C (or SIGTERM).

    Logins are BBUser00000..BBUser29999 with passwords PW00000!..PW29999!; the registered
    client and its loopback redirect URIs are described in docs/sandbox.md.

    \b
    Example:
      bbmigrate sandbox serve --port 8000 --fault-rate 0.1 --seed 7 --json
    """
    from ..emulator import (
        DEFAULT_CLIENT,
        ONE_TIME_CLIENT,
        SandboxConfig,
        create_app,
        serve_in_thread,
    )

    client = DEFAULT_CLIENT
    if client_secret:
        client = dataclasses.replace(client, client_secret=client_secret)
    config = SandboxConfig(
        data_dir=data,
        clients=(client, ONE_TIME_CLIENT),
        fault_rate=fault_rate,
        fault_statuses=_statuses(fault_statuses),
        seed=seed,
        token_lifetime=token_lifetime,
        rate_limit=_rate(rate_limit),
    )
    app = create_app(config)
    population = app.state.sandbox.population
    population.check()  # a sample that cannot be served is refused now, not per request later
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server = serve_in_thread(app, host=host, port=port)
        url = server.__enter__()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BBMigrateError(f"cannot listen on {host}:{port}: {reason}", where="sandbox") from None
    try:
        info = {
            "url": url,
            "v1": f"{url}/v1",
            "v2": f"{url}/v2",
            "client_id": client.client_id,
            "client_secret": "custom" if client_secret else "default (see docs/sandbox.md)",
            "redirect_uris": [
                *client.redirect_uris,
                "http://127.0.0.1:<port>/<path>",
                "http://localhost:<port>/<path>",
            ],
            "users": {
                "first": "BBUser00000",
                "last": f"BBUser{population.size - 1:05d}",
                "password": "PW<same 5 digits>!",
                "many_claims": "BBUser00042",
            },
            "samples": len(population.samples),
            "data": str(population.data_dir),
            "fault_rate": fault_rate,
            "fault_statuses": list(config.fault_statuses),
            "seed": seed,
            "token_lifetime": token_lifetime,
        }
        if as_json:
            emit_json(info)
        elif not quiet:
            click.echo(f"bbmigrate sandbox on {url} (v1 and v2); Ctrl-C stops it", err=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.__exit__(None, None, None)
