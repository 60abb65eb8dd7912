"""Logins over loopback against the emulator: the browser flow's listener, PKCE and state
checks, refresh-token rotation, and the CLI's token hygiene (0600 file, no token printed)."""

from __future__ import annotations

import json
import stat

import httpx
import pytest
from click.testing import CliRunner
from client_helpers import BIG_USER, CREDENTIALS, USER

from bbmigrate.cli import main
from bbmigrate.client import (
    PKCE,
    CallbackListener,
    OAuthApp,
    authorize_url,
    exchange_code,
    login_in_browser,
    login_with_password,
    refresh,
)
from bbmigrate.client.login import code_from_redirect, drive_authorization
from bbmigrate.emulator import password, username
from bbmigrate.errors import AuthError


def app_for(base_url: str, version: str = "v2", redirect: str = "http://127.0.0.1:8765/callback"):
    return OAuthApp(
        base_url, version, CREDENTIALS.client_id, CREDENTIALS.client_secret, redirect_uri=redirect
    )


def browser(number: int, *, tamper_state: bool = False, forge_first: bool = False):
    """Stands in for the user's browser: log in, approve, follow the redirect to the listener.

    ``forge_first``: a hostile local page first sends the listener callbacks with other states.
    """

    def open_url(url: str) -> None:
        redirect_uri = httpx.URL(url).params["redirect_uri"]
        with httpx.Client() as http:
            if forge_first:
                for query in ("state=wrong&error=access_denied", "code=evil&state=" + "x" * 32):
                    assert http.get(f"{redirect_uri}?{query}").status_code == 400
            location = drive_authorization(
                http,
                url,
                redirect_uri=redirect_uri,
                user=username(number),
                password=password(number),
            )
            if tamper_state:
                location = str(httpx.URL(location).copy_set_param("state", "x" * 32))
            # the listener's "you may close" page, or its refusal of a state it did not send
            assert http.get(location).status_code == (400 if tamper_state else 200)

    return open_url


def test_browser_login_through_the_loopback_listener(sandbox):
    shown = []
    token = login_in_browser(
        app_for(sandbox.url), port=0, open_url=browser(USER), announce=shown.append, timeout=10
    )
    assert shown and shown[0].startswith(f"{sandbox.url}/v2/o/authorize/?")
    assert "code_challenge_method=S256" in shown[0] and "client_secret" not in shown[0]
    response = httpx.get(
        f"{sandbox.url}/v2/fhir/Patient/{token.patient}",
        headers={"Authorization": f"Bearer {token.access_token}"},
    )
    assert response.status_code == 200 and response.json()["id"] == token.patient


def test_browser_login_ignores_forged_callbacks_and_takes_the_real_one(sandbox):
    token = login_in_browser(
        app_for(sandbox.url), port=0, open_url=browser(USER, forge_first=True), timeout=10
    )
    assert token.patient and token.access_token


def test_browser_login_with_only_a_wrong_state_times_out_naming_it(sandbox):
    with pytest.raises(AuthError, match=r"within 1 s \(1 with a wrong state ignored\)"):
        login_in_browser(
            app_for(sandbox.url), port=0, open_url=browser(USER, tamper_state=True), timeout=1
        )


def test_listener_answers_only_its_callback_path():
    with CallbackListener(0) as listener:
        base = listener.redirect_uri.removesuffix("/callback")
        assert httpx.get(f"{base}/elsewhere?code=x").status_code == 404
        assert httpx.get(f"{listener.redirect_uri}?code=c&state=s").status_code == 200
        assert listener.wait(1).endswith("/callback?code=c&state=s")


def test_pkce_mismatch_is_rejected(sandbox):
    app = app_for(sandbox.url)
    pkce = PKCE()
    with httpx.Client() as http:
        location = drive_authorization(
            http,
            authorize_url(app, pkce),
            redirect_uri=app.redirect_uri,
            user=username(USER),
            password=password(USER),
        )
        code = code_from_redirect(location, pkce, where="test")
        with pytest.raises(AuthError, match="code exchange: HTTP 400 invalid_grant"):
            exchange_code(http, app, code, PKCE().verifier)  # another verifier


def test_reused_refresh_token_is_rejected(sandbox):
    token = login_with_password(
        sandbox.url,
        username(USER),
        password(USER),
        client_id=CREDENTIALS.client_id,
        client_secret=CREDENTIALS.client_secret,
    )
    app = app_for(sandbox.url)
    with httpx.Client() as http:
        rotated = refresh(http, app, token)
        assert rotated.refresh_token != token.refresh_token
        with pytest.raises(AuthError, match="token refresh: HTTP 400 invalid_grant"):
            refresh(http, app, token)
        # The replay revoked the rotated token too (RFC 6749 §10.4): the user logs in again.
        with pytest.raises(AuthError, match="token refresh: HTTP 400 invalid_grant"):
            refresh(http, app, rotated)


def test_wrong_password_is_a_one_line_auth_error(sandbox):
    with pytest.raises(AuthError) as info:
        login_with_password(
            sandbox.url,
            username(USER),
            "not-the-password",
            client_id=CREDENTIALS.client_id,
            client_secret=CREDENTIALS.client_secret,
        )
    # The login page's error element, not its HTML, is what the user reads.
    assert str(info.value).endswith("HTTP 401 during login: Invalid username or password.")


def test_cli_token_file_is_0600_and_no_token_is_ever_printed(sandbox, tmp_path):
    token_file = tmp_path / "tokens.json"
    creds = ["--client-id", CREDENTIALS.client_id, "--client-secret", CREDENTIALS.client_secret]
    user = ["--user", username(BIG_USER), "--password", password(BIG_USER)]
    runner = CliRunner()
    login = runner.invoke(
        main,
        [
            "auth",
            "login",
            "--base-url",
            sandbox.url,
            "--token-file",
            str(token_file),
            "--json",
            *creds,
            *user,
        ],
    )
    assert login.exit_code == 0, login.output
    assert json.loads(login.stdout)["patient"]
    out = tmp_path / "bene"
    fetched = runner.invoke(
        main,
        [
            "fetch",
            "--base-url",
            sandbox.url,
            "--out",
            str(out),
            "--token-file",
            str(token_file),
            "--count",
            "50",
            "--json",
            *creds,
        ],
    )
    assert fetched.exit_code == 0, fetched.output
    summary = json.loads(fetched.stdout)
    assert summary["versions"]["v1"]["counts"]["ExplanationOfBenefit"] >= 100
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    secrets = [CREDENTIALS.client_secret]
    for entry in json.loads(token_file.read_text())["tokens"].values():
        secrets += [entry["access_token"], entry["refresh_token"]]
    texts = [login.stdout, login.stderr, fetched.stdout, fetched.stderr]
    texts += [p.read_text() for p in out.rglob("*.json")]
    assert any("manifest" in t or "requests" in t for t in texts)
    for secret in secrets:
        assert all(secret not in text for text in texts)


def test_cli_browser_login_saves_the_token(sandbox, tmp_path, monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", browser(USER))  # httpx plays the browser
    token_file = tmp_path / "tokens.json"
    result = CliRunner().invoke(
        main,
        [
            "auth", "login", "--base-url", sandbox.url, "--version", "v1", "--redirect-port", "0",
            "--token-file", str(token_file), "--timeout", "10",
            "--client-id", CREDENTIALS.client_id, "--client-secret", CREDENTIALS.client_secret,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{sandbox.url}/v1/o/authorize/?" in result.stderr  # the URL is printed too
    assert "logged in to v1" in result.stdout
    saved = json.loads(token_file.read_text())["tokens"]
    assert list(saved) == ["v1"] and saved["v1"]["access_token"] not in result.output
