"""``bbmigrate auth login``: get a BB2 token and save it to the 0600 token file."""

from __future__ import annotations

from pathlib import Path

import click

from ..client import SANDBOX_URL, OAuthApp, TokenStore, login_in_browser, login_with_password
from ..client.fetch import NEED_CLIENT, check_base_url, default_credentials
from ..client.manifest import REDACTED
from ..client.tokens import default_token_file
from ..errors import InputError
from ..escaping import for_terminal
from .common import F, emit_json, json_option

BASE_URL_ENV = "BBMIGRATE_BASE_URL"
CLIENT_ID_ENV = "BBMIGRATE_CLIENT_ID"
CLIENT_SECRET_ENV = "BBMIGRATE_CLIENT_SECRET"


def base_url_option(func: F) -> F:
    return click.option(
        "--base-url",
        default=SANDBOX_URL,
        show_default=True,
        envvar=BASE_URL_ENV,
        callback=lambda _ctx, _param, value: check_base_url(value),
        help=f"BB2 server (the real sandbox, or the local emulator's URL; or ${BASE_URL_ENV}).",
    )(func)


def client_options(func: F) -> F:
    func = click.option(
        "--client-secret",
        envvar=CLIENT_SECRET_ENV,
        help=f"App client secret (better: set ${CLIENT_SECRET_ENV}).",
    )(func)
    return click.option(
        "--client-id", envvar=CLIENT_ID_ENV, help=f"App client id (or ${CLIENT_ID_ENV})."
    )(func)


def user_options(func: F) -> F:
    func = click.option(
        "--no-share-demographics",
        is_flag=True,
        help="Emulator login: withhold demographics (Patient and userinfo then answer 403).",
    )(func)
    func = click.option(
        "--password", envvar="BBMIGRATE_PASSWORD", help="Emulator login: the user's password."
    )(func)
    return click.option("--user", help="Emulator login: log in as this user, no browser.")(func)


def token_file_option(func: F) -> F:
    return click.option(
        "--token-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Token file (0600); default $BBMIGRATE_TOKEN_FILE or ~/.config/bbmigrate/tokens.json.",
    )(func)


def require_client(
    base_url: str, client_id: str | None, client_secret: str | None
) -> tuple[str, str]:
    """The app's client; for the local emulator (a loopback URL) its test client by default."""
    credentials = default_credentials(base_url, client_id, client_secret)
    if credentials is None:
        raise InputError(f"logging in {NEED_CLIENT}", where="auth")
    return credentials.client_id, credentials.client_secret


@click.group()
def auth() -> None:
    """Log in to Blue Button 2.0 and keep the token.

    \b
    Example:
      bbmigrate auth login --version v2 --client-id ID --client-secret SECRET
    """


@auth.command()
@base_url_option
@click.option(
    "--version",
    "version",
    type=click.Choice(["v1", "v2"]),
    default="v2",
    show_default=True,
    help="API version to authorize (a BB2 token reads both; fetch reuses it for the other).",
)
@client_options
@click.option(
    "--redirect-port",
    type=int,
    default=8765,
    show_default=True,
    help="Port of the loopback listener receiving http://127.0.0.1:PORT/callback.",
)
@click.option("--scope", default=None, help="Scopes to ask for (default: the app's scopes).")
@click.option("--no-browser", is_flag=True, help="Only print the authorize URL.")
@click.option(
    "--timeout",
    type=float,
    default=300.0,
    show_default=True,
    help="Seconds to wait for the browser redirect.",
)
@user_options
@token_file_option
@click.option("--redact", is_flag=True, help="Do not print the patient id.")
@json_option
def login(
    base_url: str,
    version: str,
    client_id: str | None,
    client_secret: str | None,
    redirect_port: int,
    scope: str | None,
    no_browser: bool,
    timeout: float,
    user: str | None,
    password: str | None,
    no_share_demographics: bool,
    token_file: Path | None,
    redact: bool,
    as_json: bool,
) -> None:
    """Authorize with PKCE and save the token (never printed) to the token file.

    Without --user, opens the authorize URL in a browser (and prints it) and waits for the
    redirect on a loopback listener. With --user/--password, fills in the local emulator's login
    and consent forms instead (emulator only).

    \b
    Example:
      bbmigrate auth login --client-id ID --client-secret SECRET
      bbmigrate auth login --base-url http://127.0.0.1:8000 --user BBUser00000 \\
          --password 'PW00000!' --json
    """
    cid, secret = require_client(base_url, client_id, client_secret)
    store = TokenStore(token_file or default_token_file())
    if user:
        if not password:
            raise InputError("--user needs --password (or $BBMIGRATE_PASSWORD)", where="auth login")
        token = login_with_password(
            base_url,
            user,
            password,
            client_id=cid,
            client_secret=secret,
            version=version,
            share_demographics=not no_share_demographics,
            scope=scope,
        )
    else:
        app = OAuthApp(base_url, version, cid, secret, scope=scope)

        def announce(url: str) -> None:
            click.echo(f"Open this URL to authorize bbmigrate:\n  {url}", err=True)

        token = login_in_browser(
            app,
            port=redirect_port,
            announce=announce,
            open_url=(lambda url: None) if no_browser else _open_browser,
            timeout=timeout,
        )
    store.save(token)
    summary = {"token_file": str(store.path), **token.summary()}
    if redact:
        summary["patient"] = REDACTED
    if as_json:
        emit_json(summary)
    else:
        patient = for_terminal(summary["patient"])  # the server's word: shown, never obeyed
        click.echo(f"logged in to {version} as patient {patient}; token saved to {store.path}")


def _open_browser(url: str) -> None:
    import webbrowser

    webbrowser.open(url)
