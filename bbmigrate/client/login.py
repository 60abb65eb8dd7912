"""Getting a token: the browser flow with a loopback listener, and the emulator password login.

Browser flow (:func:`login_in_browser`): listen on ``http://127.0.0.1:<port>/callback``, open the
authorize URL, wait for the redirect, check ``state`` in constant time, exchange the code with the
PKCE verifier. Emulator flow (:func:`login_with_password`): the same authorization request, but
its login and consent forms are filled in by httpx, and the redirect to the callback is read
from the ``Location`` header instead of being followed. Only the local emulator has a password
form we may drive; against the real sandbox use the browser flow.
"""

from __future__ import annotations

import contextlib
import html
import threading
import webbrowser
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from ..errors import AuthError
from .oauth import OAuthApp, authorize_url, error_text, exchange_code
from .pkce import PKCE, states_match
from .tokens import Token

MAX_FORM_STEPS = 10
USER_FIELDS = ("username", "user", "login", "email", "userid", "user_id")


@contextlib.contextmanager
def _http_session(http: httpx.Client | None, where: str) -> Iterator[httpx.Client]:
    """Use ``http`` or a short-lived client; transport failures become an AuthError."""
    client = http or httpx.Client(timeout=30.0)
    try:
        yield client
    except httpx.HTTPError as exc:
        raise AuthError(f"{type(exc).__name__}: {exc}", where=where) from None
    finally:
        if http is None:
            client.close()


# -- the authorization response ------------------------------------------------------------


def code_from_redirect(url: str, pkce: PKCE, *, where: str) -> str:
    """The ``code`` of a redirect to our callback, after checking ``state`` and ``error``."""
    params = parse_qs(urlsplit(url).query)
    if "error" in params:
        reason = params["error"][0]
        text = params.get("error_description", [""])[0]
        raise AuthError(
            f"authorization refused: {reason}" + (f" ({text})" if text else ""), where=where
        )
    if not states_match(pkce.state, params.get("state", [None])[0]):
        raise AuthError(
            "state mismatch in the redirect; possible CSRF, not continuing", where=where
        )
    code = params.get("code", [""])[0]
    if not code:
        raise AuthError("redirect carries no authorization code", where=where)
    return code


# -- driving the emulator's HTML forms ------------------------------------------------------


class _Form(HTMLParser):
    """The first ``<form>`` of a page: action, method, inputs and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: list[dict[str, str]] = []
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if self._done:
            return
        if tag == "form" and not self._in_form:
            self._in_form = True
            self.action = a.get("action", "")
            self.method = (a.get("method") or "get").lower()
        elif self._in_form and tag in ("input", "button", "select", "textarea") and a.get("name"):
            a.setdefault("type", "submit" if tag == "button" else "text")
            a["tag"] = tag
            self.fields.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def _fill(form: _Form, user: str, password: str, share: bool) -> dict[str, str]:
    data: dict[str, str] = {}
    for field in form.fields:
        name, kind = field["name"], field["type"].lower()
        value = html.unescape(field.get("value", ""))
        lname = name.lower()
        if "share_demographic" in lname:
            if kind == "radio":
                if value.lower() == ("true" if share else "false"):
                    data[name] = value
            elif kind == "checkbox":
                if share:
                    data[name] = value or "True"
            else:
                data[name] = "True" if share else "False"
        elif kind == "password":
            data[name] = password
        elif lname in USER_FIELDS:
            data[name] = user
        elif kind == "submit":
            if lname in ("allow", "approve", "authorize", "accept"):
                data[name] = value or "Allow"
        elif kind in ("radio", "checkbox"):
            if "checked" in field:
                data[name] = value
        else:
            data[name] = value
    return data


def drive_authorization(
    http: httpx.Client,
    url: str,
    *,
    redirect_uri: str,
    user: str,
    password: str,
    share_demographics: bool = True,
    where: str = "login",
) -> str:
    """Walk from the authorize URL through login and consent forms to the callback redirect."""
    response = http.get(url, follow_redirects=False)
    for _ in range(MAX_FORM_STEPS):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers.get("location", ""))
            if location.startswith(redirect_uri):
                return location
            response = http.get(location, follow_redirects=False)
            continue
        if response.status_code != 200:
            detail = error_text(response)
            raise AuthError(f"HTTP {response.status_code} during login: {detail}", where=where)
        form = _Form()
        form.feed(response.text)
        if form.action is None:
            raise AuthError("login page has no form to submit", where=where)
        target = urljoin(str(response.url), form.action or str(response.url))
        data = _fill(form, user, password, share_demographics)
        if form.method == "post":
            response = http.post(target, data=data, follow_redirects=False)
        else:
            response = http.get(target, params=data, follow_redirects=False)
    raise AuthError(f"no redirect to the callback after {MAX_FORM_STEPS} steps", where=where)


def login_with_password(
    base_url: str,
    user: str,
    password: str,
    *,
    client_id: str,
    client_secret: str,
    version: str = "v2",
    share_demographics: bool = True,
    redirect_uri: str | None = None,
    scope: str | None = None,
    http: httpx.Client | None = None,
) -> Token:
    """Emulator login: authorize as ``user`` through its HTML forms and exchange the code."""
    app = OAuthApp(base_url, version, client_id, client_secret, scope=scope)
    if redirect_uri:
        app = app.with_redirect(redirect_uri)
    pkce = PKCE()
    where = f"{version} login as {user}"
    with _http_session(http, where) as client:
        location = drive_authorization(
            client,
            authorize_url(app, pkce),
            redirect_uri=app.redirect_uri,
            user=user,
            password=password,
            share_demographics=share_demographics,
            where=where,
        )
        code = code_from_redirect(location, pkce, where=where)
        return exchange_code(client, app, code, pkce.verifier)


# -- the browser flow ------------------------------------------------------------------------


_PAGE = (
    b"<!doctype html><title>bbmigrate</title><p>%s You can close this window "
    b"and return to the terminal.</p>"
)


class CallbackListener:
    """A one-shot HTTP server on 127.0.0.1 that captures the redirect to ``/callback``.

    With ``state`` given, a callback carrying any other state is answered 400 and ignored, and
    the listener keeps waiting: any local web page can send ``GET /callback?state=wrong`` to a
    loopback port, and such a forgery must not abort (or hijack) the real login.
    """

    def __init__(self, port: int = 0, path: str = "/callback", state: str | None = None) -> None:
        self.path = path
        self.ignored = 0
        self.result: str | None = None
        self._received = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != listener.path:
                    self.send_error(404)
                    return
                if state is not None and not states_match(
                    state, parse_qs(parts.query).get("state", [None])[0]
                ):
                    listener.ignored += 1
                    self.send_response(400)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(_PAGE % b"This is not the login bbmigrate is waiting for.")
                    return
                if listener._received.is_set():
                    self.send_error(409)  # the one real redirect came already
                    return
                host, port = self.server.server_address[:2]
                listener.result = f"http://{host}:{port}{self.path}"
                failed = "error=" in self.path
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(_PAGE % (b"Authorization failed." if failed else b"Logged in."))
                listener._received.set()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the query holds the code: never log it

        try:
            self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise AuthError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        # A short poll keeps shutdown() quick once the redirect has arrived.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def __enter__(self) -> CallbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, timeout: float) -> str:
        if not self._received.wait(timeout):
            ignored = f" ({self.ignored} with a wrong state ignored)" if self.ignored else ""
            raise AuthError(f"no redirect to {self.redirect_uri} within {timeout:.0f} s{ignored}")
        assert self.result is not None
        return self.result


def login_in_browser(
    app: OAuthApp,
    *,
    port: int = 8765,
    open_url: Callable[[str], object] = webbrowser.open,
    announce: Callable[[str], None] | None = None,
    timeout: float = 300.0,
    http: httpx.Client | None = None,
) -> Token:
    """The authorization-code flow with PKCE in the user's browser, redirected to loopback."""
    pkce = PKCE()
    where = f"{app.version} browser login"
    with CallbackListener(port, state=pkce.state) as listener:
        app = app.with_redirect(listener.redirect_uri)
        url = authorize_url(app, pkce)
        if announce is not None:
            announce(url)
        open_url(url)
        code = code_from_redirect(listener.wait(timeout), pkce, where=where)
    with _http_session(http, where) as client:
        return exchange_code(client, app, code, pkce.verifier)
