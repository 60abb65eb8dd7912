"""OAuth2 against BB2: the authorize URL, code exchange, refresh, and bearer auth for httpx.

:class:`BearerAuth` is an ``httpx.Auth`` generator flow: it adds ``Authorization: Bearer``,
refreshes first when the token is within the expiry leeway, and on a 401 refreshes once and
retries the request. BB2 refresh tokens are single use, so every refresh goes through a shared
:class:`TokenHolder` whose lock stops two threads from spending the same refresh token, and whose
callback persists the rotated token before it is used.
"""

from __future__ import annotations

import base64
import html
import re
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from ..errors import AuthError
from .pkce import PKCE
from .tokens import Token, TokenCallback

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"


@dataclass(frozen=True)
class OAuthApp:
    """A registered BB2 application talking to one API version of one server."""

    base_url: str
    version: str
    client_id: str
    client_secret: str
    redirect_uri: str = DEFAULT_REDIRECT_URI
    scope: str | None = None

    def __repr__(self) -> str:
        return (
            f"OAuthApp(base_url={self.base_url!r}, version={self.version!r}, "
            f"client_id={self.client_id!r}, client_secret=***, redirect_uri={self.redirect_uri!r})"
        )

    @property
    def authorize_endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.version}/o/authorize/"

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.version}/o/token/"

    def with_redirect(self, redirect_uri: str) -> OAuthApp:
        return OAuthApp(
            self.base_url,
            self.version,
            self.client_id,
            self.client_secret,
            redirect_uri,
            self.scope,
        )


def authorize_url(app: OAuthApp, pkce: PKCE) -> str:
    """The URL the user's browser opens; the client secret never appears in it."""
    params = {
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "response_type": "code",
        "state": pkce.state,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    if app.scope:
        params["scope"] = app.scope
    return f"{app.authorize_endpoint}?{urlencode(params)}"


def _basic(client_id: str, client_secret: str) -> str:
    raw = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _token_request(app: OAuthApp, form: dict[str, str]) -> httpx.Request:
    # client_secret_basic with a form-urlencoded body (RFC 6749 §2.3.1 encodes id and secret);
    # the official SDK's multipart body is what not to copy.
    headers = {
        "Accept": "application/json",
        "Authorization": _basic(app.client_id, app.client_secret),
    }
    return httpx.Request("POST", app.token_endpoint, data=form, headers=headers)


def code_request(app: OAuthApp, code: str, verifier: str) -> httpx.Request:
    return _token_request(
        app,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
            "code_verifier": verifier,
        },
    )


def refresh_request(app: OAuthApp, token: Token) -> httpx.Request:
    if not token.refresh_token:
        raise AuthError(
            "the token has no refresh token; log in again", where=f"{app.version} token"
        )
    return _token_request(
        app, {"grant_type": "refresh_token", "refresh_token": token.refresh_token}
    )


_ERROR_ELEMENT = re.compile(
    r"<(\w+)[^>]*\b(?:class|id)=['\"][^'\"]*error[^'\"]*['\"][^>]*>(.*?)</\1>", re.S | re.I
)
_TAG = re.compile(r"<[^>]+>")


def error_text(response: httpx.Response) -> str:
    """What went wrong, in one short line: OAuth/DRF JSON fields, or an HTML page's error text."""
    try:
        body: Any = response.json()
    except ValueError:
        page = response.text
        found = _ERROR_ELEMENT.search(page)
        text = found.group(2) if found else page
        return " ".join(html.unescape(_TAG.sub(" ", text)).split())[:200]
    if not isinstance(body, dict):
        return ""
    parts = [
        str(body[key])
        for key in ("error", "error_description", "message", "detail")
        if body.get(key)
    ]
    return ": ".join(parts)


def parse_token_response(
    response: httpx.Response, *, version: str, action: str, now: float | None = None
) -> Token:
    """Turn a token endpoint response into a :class:`Token` or a one-line :class:`AuthError`."""
    where = f"{version} {action}"
    if response.status_code != 200:
        detail = error_text(response)
        raise AuthError(
            f"HTTP {response.status_code}" + (f" {detail}" if detail else ""), where=where
        )
    try:
        body = response.json()
    except ValueError:
        raise AuthError("token endpoint did not return JSON", where=where) from None
    return Token.from_response(body, version=version, now=now)


def exchange_code(http: httpx.Client, app: OAuthApp, code: str, verifier: str) -> Token:
    """Exchange an authorization code (with its PKCE verifier) for a token."""
    response = http.send(code_request(app, code, verifier))
    return parse_token_response(response, version=app.version, action="code exchange")


def refresh(http: httpx.Client, app: OAuthApp, token: Token) -> Token:
    """Spend ``token``'s refresh token for a new token (whose refresh token replaces it)."""
    response = http.send(refresh_request(app, token))
    return parse_token_response(response, version=app.version, action="token refresh")


class TokenHolder:
    """The current token of one grant, shared by every request that uses it."""

    def __init__(self, token: Token, on_update: TokenCallback | None = None) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.on_update = on_update
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"TokenHolder({self.token!r}, refreshes={self.refreshes})"

    def update(self, token: Token) -> None:
        # Persist first: the old refresh token is already spent on the server.
        if self.on_update is not None:
            self.on_update(token)
        self.token = token
        self.refreshes += 1


class BearerAuth(httpx.Auth):
    """Bearer auth that refreshes before expiry and once after a 401, then retries.

    Without an ``app`` (no client credentials) it only adds the bearer and never refreshes.
    Only for the sync ``httpx.Client``: the holder's lock is held across the refresh round-trip.
    """

    requires_response_body = True

    def __init__(
        self,
        holder: TokenHolder,
        app: OAuthApp | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.holder = holder
        self.app = app
        self.clock = clock

    def __repr__(self) -> str:
        return f"BearerAuth({self.holder!r})"

    def _refresh(self, stale: Token) -> Generator[httpx.Request, httpx.Response, Token]:
        with self.holder.lock:
            current = self.holder.token
            if current.access_token != stale.access_token:
                return current  # another request refreshed while we waited
            assert self.app is not None
            response = yield refresh_request(self.app, current)
            fresh = parse_token_response(
                response, version=current.version, action="token refresh", now=self.clock()
            )
            self.holder.update(fresh)
            return fresh

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.holder.token
        can_refresh = self.app is not None and token.refresh_token is not None
        refreshed = False
        if can_refresh and token.expired(self.clock()):
            token = yield from self._refresh(token)
            refreshed = True
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401 and can_refresh and not refreshed:
            token = yield from self._refresh(token)
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            yield request
