"""BearerAuth driven by hand, request by request (unit; httpx's own style of auth tests).

The same flow runs over real HTTP against the emulator in test_fetch.py.
"""

import base64
from urllib.parse import parse_qs

import httpx
import pytest

from bbmigrate.client.oauth import BearerAuth, OAuthApp, TokenHolder, authorize_url
from bbmigrate.client.pkce import PKCE
from bbmigrate.client.tokens import Token
from bbmigrate.errors import AuthError

APP = OAuthApp("http://127.0.0.1:9", "v2", "client id", "s3cret:x")
NOW = 10_000.0


def token(access="acc-1", refresh="ref-1", expires_at=NOW + 3600) -> Token:
    return Token(access_token=access, refresh_token=refresh, expires_at=expires_at, version="v2")


def token_response(access: str, refresh: str) -> httpx.Response:
    body = {"access_token": access, "refresh_token": refresh, "expires_in": 3600}
    return httpx.Response(200, json=body)


def flow_for(holder: TokenHolder, app: OAuthApp | None = APP):
    auth = BearerAuth(holder, app, clock=lambda: NOW)
    return auth.sync_auth_flow(httpx.Request("GET", "http://127.0.0.1:9/v2/fhir/Coverage/"))


def test_valid_token_is_sent_once_as_bearer():
    flow = flow_for(TokenHolder(token()))
    request = next(flow)
    assert request.headers["Authorization"] == "Bearer acc-1"
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200, json={}))


def test_expired_token_is_refreshed_before_the_request_and_persisted():
    saved = []
    holder = TokenHolder(token(expires_at=NOW + 30), on_update=saved.append)
    flow = flow_for(holder)
    refresh = next(flow)
    assert refresh.method == "POST" and refresh.url.path == "/v2/o/token/"
    assert parse_qs(refresh.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["ref-1"],
    }
    scheme, encoded = refresh.headers["Authorization"].split()
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == "client%20id:s3cret%3Ax"
    request = flow.send(token_response("acc-2", "ref-2"))
    assert request.headers["Authorization"] == "Bearer acc-2"
    assert [t.refresh_token for t in saved] == ["ref-2"]
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))


def test_401_refreshes_once_and_retries_then_gives_up():
    holder = TokenHolder(token())
    flow = flow_for(holder)
    assert next(flow).headers["Authorization"] == "Bearer acc-1"
    refresh = flow.send(httpx.Response(401, json={"detail": "expired"}))
    assert refresh.url.path == "/v2/o/token/"
    retried = flow.send(token_response("acc-2", "ref-2"))
    assert retried.headers["Authorization"] == "Bearer acc-2"
    with pytest.raises(StopIteration):  # a second 401 is returned to the caller, not looped on
        flow.send(httpx.Response(401))
    assert holder.refreshes == 1


def test_rejected_refresh_is_a_one_line_auth_error():
    flow = flow_for(TokenHolder(token(expires_at=0)))
    next(flow)
    with pytest.raises(AuthError) as info:
        flow.send(httpx.Response(400, json={"error": "invalid_grant"}))
    assert str(info.value) == "v2 token refresh: HTTP 400 invalid_grant"


def test_no_client_credentials_means_no_refresh():
    flow = flow_for(TokenHolder(token(expires_at=0)), app=None)
    assert next(flow).headers["Authorization"] == "Bearer acc-1"
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(401))


def test_a_token_refreshed_meanwhile_is_reused_not_refreshed_again():
    stale = token(expires_at=0)
    holder = TokenHolder(token(access="acc-9", refresh="ref-9"))
    refresh = BearerAuth(holder, APP, clock=lambda: NOW)._refresh(stale)
    with pytest.raises(StopIteration) as done:  # no request yielded: the rotated token is used
        next(refresh)
    assert done.value.value.access_token == "acc-9"
    assert holder.refreshes == 0


def test_authorize_url_carries_pkce_and_state_but_no_secret():
    pkce = PKCE()
    url = httpx.URL(authorize_url(APP.with_redirect("http://127.0.0.1:1/callback"), pkce))
    params = dict(url.params)
    assert url.path == "/v2/o/authorize/"
    assert params["code_challenge"] == pkce.challenge
    assert params["code_challenge_method"] == "S256"
    assert params["state"] == pkce.state and params["response_type"] == "code"
    assert "s3cret" not in str(url)
