"""HTTP side of OAuth2: ``/vN/o/authorize/`` (login and consent pages), ``/o/token/``,
``/o/revoke_token/``.

The authorize checks run in BB2's order with BB2's bodies. Login is a plain HTML form (the
sandbox's BBUserNNNNN / PWNNNNN! accounts); the consent page offers ``share_demographic_scopes``
and two buttons: ``id="approve"`` (``allow=True``) and ``id="deny"`` (no ``allow``, as in DOT).
A client without a browser may POST the login and the consent fields in one request
(see docs/sandbox.md).
"""

from __future__ import annotations

import html
import math
import re
import secrets
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from .oauth import OAuthError
from .population import patient_id

if TYPE_CHECKING:
    from .app import Sandbox

_OAUTH_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "state",
    "scope",
    "lang",
)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_TRUE = frozenset({"true", "1", "yes", "on", "allow", "approve", "authorize"})
_TICKET_SECONDS = 600
# RFC 7636 §4.2: a challenge is 43-128 characters of the unreserved set. Trailing '=' padding
# is stripped first, as BB2 stores it, so the official SDK's padded challenges still pass.
_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
MAX_STATE = 512
MAX_REDIRECT_URI = 2048
# Wrong passwords for one user: this many within the window lock that user's login for the rest
# of the window (an online guessing attack gets ~5 tries per 5 minutes).
LOGIN_FAILURES = 5
LOGIN_WINDOW = 300.0


def _sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def _with_query(uri: str, values: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(values)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(doc, status_code=status)


def _hidden(params: dict[str, str], extra: dict[str, str] | None = None) -> str:
    values = {k: params[k] for k in _OAUTH_FIELDS if params.get(k)}
    values.update(extra or {})
    return "".join(
        f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
        for k, v in values.items()
    )


def _login_page(path: str, params: dict[str, str], error: str = "") -> HTMLResponse:
    note = f"<p class='error' id='error'>{html.escape(error)}</p>" if error else ""
    form = (
        f"{note}<form method='post' action='{html.escape(path)}' id='login'>{_hidden(params)}"
        "<label>Username <input name='username' id='username'></label>"
        "<label>Password <input type='password' name='password' id='password'></label>"
        "<button type='submit' id='login-submit'>Log in</button></form>"
    )
    return _page("Medicare.gov sandbox login", form, 401 if error else 200)


def _consent_page(path: str, params: dict[str, str], ticket: str, app_name: str) -> HTMLResponse:
    form = (
        f"<p>{html.escape(app_name)} asks to read your Medicare claims data.</p>"
        f"<form method='post' action='{html.escape(path)}' id='consent'>"
        f"{_hidden(params, {'login_ticket': ticket})}"
        "<fieldset><legend>Share demographic data (name, date of birth, address)?</legend>"
        "<label><input type='radio' name='share_demographic_scopes' value='True' checked> "
        "Share</label><label><input type='radio' name='share_demographic_scopes' "
        "value='False'> Do not share</label></fieldset>"
        "<button type='submit' name='allow' value='True' id='approve'>Allow</button>"
        "<button type='submit' id='deny'>Deny</button></form>"
    )
    return _page("Authorize access", form)


def _check(request: Request, params: dict[str, str]) -> Response | None:
    """BB2's authorize checks, in its order; a response for the first failure, else None."""
    if "client_secret" in params:
        return PlainTextResponse("Illegal query parameter [client_secret] detected", 400)
    if request.method == "POST" and not params.get("state"):
        return JSONResponse({"status_code": 401, "message": "State required in POST body."}, 401)
    missing = [p for p in ("code_challenge", "code_challenge_method", "state") if not params.get(p)]
    if missing:
        message = f"Missing Required Parameter(s): {', '.join(missing)}"
        return JSONResponse({"status_code": 400, "message": message}, 400)
    if params["code_challenge_method"] != "S256":
        body = {
            "error": "invalid_request",
            "error_description": "code_challenge_method must be S256",
        }
        return JSONResponse(body, 400)
    if len(params["state"]) < 16:
        message = "State parameter should have a minimum of 16 characters"
        return JSONResponse({"status_code": 400, "message": message}, 400)
    if len(params["state"]) > MAX_STATE:
        message = f"State parameter should have a maximum of {MAX_STATE} characters"
        return JSONResponse({"status_code": 400, "message": message}, 400)
    if not _CHALLENGE.fullmatch(params["code_challenge"].rstrip("=")):
        body = {
            "error": "invalid_request",
            "error_description": "code_challenge must be 43-128 characters of "
            "A-Z, a-z, 0-9, '-', '.', '_', '~' (RFC 7636)",
        }
        return JSONResponse(body, 400)
    if len(params.get("redirect_uri", "")) > MAX_REDIRECT_URI:
        body = {"error": "invalid_request", "error_description": "redirect_uri is too long."}
        return JSONResponse(body, 400)
    client = _sandbox(request).oauth.client(params.get("client_id"))
    if client is None:
        body = {
            "error": "invalid_request",
            "error_description": "Invalid client_id parameter value.",
        }
        return JSONResponse(body, 400)
    if not client.accepts_redirect(params.get("redirect_uri", "")):
        body = {"error": "invalid_request", "error_description": "Mismatching redirect URI."}
        return JSONResponse(body, 400)
    if params.get("response_type") != "code":
        error = "unsupported_response_type" if params.get("response_type") else "invalid_request"
        target = _with_query(params["redirect_uri"], {"error": error, "state": params["state"]})
        return RedirectResponse(target, 302)
    return None


async def authorize(request: Request) -> Response:
    params = await _params(request)
    failure = _check(request, params)
    if failure is not None:
        return failure
    sandbox = _sandbox(request)
    path = request.url.path
    if request.method == "GET":
        return _login_page(path, params)
    client = sandbox.oauth.client(params["client_id"])
    if client is None:  # _check has answered already; this keeps the type checker informed
        return JSONResponse({"error": "invalid_client"}, 400)
    ticket = params.pop("login_ticket", "")
    number = _ticket_user(sandbox, ticket, client.client_id) if ticket else None
    if number is None:
        username = params.get("username", "")
        wait = _locked_for(sandbox, username)
        if wait:
            page = _login_page(path, params, "Too many failed logins; try again later.")
            page.status_code = 429
            page.headers["Retry-After"] = str(wait)
            return page
        number = sandbox.population.login(username, params.get("password", ""))
        if number is None:
            _record_failure(sandbox, username)
            return _login_page(path, params, "Invalid username or password.")
        sandbox.failed_logins.pop(_login_key(username), None)
    if not ticket and "allow" not in params:
        now = sandbox.config.clock.now()
        for stale in [k for k, v in sandbox.tickets.items() if v[2] < now]:
            del sandbox.tickets[stale]
        ticket = secrets.token_urlsafe(18)
        sandbox.tickets[ticket] = (number, client.client_id, now + _TICKET_SECONDS)
        return _consent_page(path, params, ticket, client.name)
    redirect_uri, state = params["redirect_uri"], params["state"]
    # As in DOT's form, only the approve button carries ``allow``: a consent POST without it
    # (the deny button) or with a false value is a refusal, and so is a grant with no scope.
    share = params.get("share_demographic_scopes", "True").strip().lower() in _TRUE
    scopes = sandbox.oauth.granted_scopes(client, params.get("scope"), share)
    if params.get("allow", "").strip().lower() not in _TRUE or not scopes:
        sandbox.oauth.revoke_pair(client.client_id, number)
        denied = {"error": "access_denied", "state": state}
        return RedirectResponse(_with_query(redirect_uri, denied), 302)
    code = sandbox.oauth.issue_code(
        client,
        redirect_uri=redirect_uri,
        challenge=params["code_challenge"],
        number=number,
        patient_id=patient_id(number),
        scopes=scopes,
        shared_demographics=share,
    )
    return RedirectResponse(_with_query(redirect_uri, {"code": code, "state": state}), 302)


def _locked_for(sandbox: Sandbox, username: str) -> int:
    """Seconds left on a user's login lock after repeated wrong passwords (0: not locked)."""
    failures = sandbox.failed_logins.get(_login_key(username))
    if not failures:
        return 0
    now = sandbox.config.clock.now()
    while failures and failures[0] <= now - LOGIN_WINDOW:
        failures.popleft()
    if len(failures) < LOGIN_FAILURES:
        return 0
    return max(1, math.ceil(failures[0] + LOGIN_WINDOW - now))


def _login_key(username: str) -> str:
    return username.strip().lower()[:64]  # bounded: long names cannot grow the table's keys


def _record_failure(sandbox: Sandbox, username: str) -> None:
    now = sandbox.config.clock.now()
    table = sandbox.failed_logins
    if len(table) > 10_000:  # many names guessed: forget the ones whose window has passed
        for key in [k for k, v in table.items() if not v or v[-1] <= now - LOGIN_WINDOW]:
            del table[key]
    table.setdefault(_login_key(username), deque(maxlen=LOGIN_FAILURES)).append(now)


def _ticket_user(sandbox: Sandbox, ticket: str, client_id: str) -> int | None:
    """The user a consent form was shown to; a ticket works once, for its client, for 10 min."""
    entry = sandbox.tickets.pop(ticket, None)
    if entry is None or entry[1] != client_id or entry[2] < sandbox.config.clock.now():
        return None
    return entry[0]


async def authorize_no_slash(request: Request) -> Response:
    # Django's APPEND_SLASH answers /o/authorize (how the official SDK calls it) with a 301.
    target = request.url.path + "/" + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(target, 301)


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def token(request: Request) -> Response:
    oauth = _sandbox(request).oauth
    form = await _form(request)
    try:
        client = oauth.authenticate_client(request.headers.get("authorization"), form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            body = oauth.exchange_code(client, form)
        elif grant_type == "refresh_token":
            body = oauth.refresh(client, form)
        else:
            raise OAuthError(400, {"error": "unsupported_grant_type"})
    except OAuthError as exc:
        return JSONResponse(exc.body, exc.status, headers=_NO_STORE)
    return JSONResponse(body, headers=_NO_STORE)


async def revoke_token(request: Request) -> Response:
    oauth = _sandbox(request).oauth
    form = await _form(request)
    try:
        client = oauth.authenticate_client(request.headers.get("authorization"), form)
    except OAuthError as exc:
        return JSONResponse(exc.body, exc.status)
    oauth.revoke(client, form.get("token", ""))
    return Response(status_code=200)
