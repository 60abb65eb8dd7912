"""OAuth2 as BB2 runs it, over real loopback HTTP: authorize checks, PKCE, tokens, refresh."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import (
    CLIENT_AUTH,
    DATA,
    REDIRECT,
    authorize_params,
    bearer,
    exchange,
    get_code,
    pkce_pair,
    ticket_from,
)

from bbmigrate.emulator import DEFAULT_CLIENT, ONE_TIME_CLIENT, Client, SandboxConfig, patient_id
from bbmigrate.emulator.oauth import OAuthServer


def test_browser_flow_login_consent_code_token_and_data(live: httpx.Client):
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, scope="profile patient/ExplanationOfBenefit.rs")
    page = live.get("/v2/o/authorize/", params=params)
    assert page.status_code == 200 and "name='username'" in page.text
    # The form posts every OAuth parameter back in the body (state included).
    fields = {"username": "BBUser00007", "password": "PW00007!"}
    consent = live.post("/v2/o/authorize/", data={**params, **fields})
    assert consent.status_code == 200 and "id='approve'" in consent.text
    # The deny button sends no `allow` (as DOT's form): a refusal, and the ticket is used up.
    refused = live.post(
        "/v2/o/authorize/", data={**params, "login_ticket": ticket_from(consent.text)}
    )
    assert httpx.URL(refused.headers["location"]).params["error"] == "access_denied"
    consent = live.post("/v2/o/authorize/", data={**params, **fields})
    answer = {**params, "login_ticket": ticket_from(consent.text), "allow": "True"}
    redirect = live.post("/v2/o/authorize/", data={**answer, "share_demographic_scopes": "True"})
    assert redirect.status_code == 302
    location = httpx.URL(redirect.headers["location"])
    assert str(location).startswith(REDIRECT)
    assert location.params["state"] == params["state"]

    token = exchange(live, "v2", location.params["code"], verifier)
    assert token.status_code == 200
    assert token.headers["cache-control"] == "no-store"
    body = token.json()
    assert list(body) == [
        "access_token",
        "expires_in",
        "token_type",
        "scope",
        "refresh_token",
        "patient",
        "access_grant_expiration",
    ]
    assert body["patient"] == patient_id(7) and body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"].split() == ["profile", "patient/ExplanationOfBenefit.rs"]
    # One token reads both versions (BB2 has no version check on tokens).
    for version in ("v1", "v2"):
        eobs = live.get(f"/{version}/fhir/ExplanationOfBenefit", headers=bearer(body))
        assert eobs.status_code == 200 and eobs.json()["total"] > 10
    # The grant covered EOB only: Coverage is outside it.
    assert live.get("/v2/fhir/Coverage", headers=bearer(body)).status_code == 403


def test_headless_post_body_client_auth_and_multipart(live: httpx.Client):
    verifier, challenge = pkce_pair()
    code = get_code(live, "v1", 3, challenge=challenge)
    form = {
        "grant_type": (None, "authorization_code"),
        "code": (None, code),
        "redirect_uri": (None, REDIRECT),
        "code_verifier": (None, verifier),
        "client_id": (None, DEFAULT_CLIENT.client_id),
        "client_secret": (None, DEFAULT_CLIENT.client_secret),
    }
    # The official SDK posts multipart/form-data with the secret in the body.
    response = live.post("/v1/o/token", files=form)
    assert response.status_code == 200, response.text
    assert response.json()["patient"] == patient_id(3)


def test_sdk_style_padded_challenge_is_accepted(live: httpx.Client):
    verifier, challenge = pkce_pair(padded=True)
    assert challenge.endswith("=")
    code = get_code(live, "v2", 5, challenge=challenge)
    assert exchange(live, "v2", code, verifier).status_code == 200


def test_wrong_or_missing_verifier_is_rejected_and_code_is_single_use(live: httpx.Client):
    verifier, challenge = pkce_pair()
    code = get_code(live, "v2", 1, challenge=challenge)
    wrong = exchange(live, "v2", code, pkce_pair()[0])
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_grant"})
    # The failed exchange consumed the code.
    assert exchange(live, "v2", code, verifier).json() == {"error": "invalid_grant"}

    code = get_code(live, "v2", 1, challenge=challenge)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    missing = live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH)
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "invalid_request",
        "error_description": "Code verifier required.",
    }

    code = get_code(live, "v2", 1, challenge=challenge)
    assert exchange(live, "v2", code, verifier).status_code == 200
    assert exchange(live, "v2", code, verifier).json() == {"error": "invalid_grant"}


def test_code_expires_after_60_seconds(app, live: httpx.Client):
    verifier, challenge = pkce_pair()
    code = get_code(live, "v2", 2, challenge=challenge)
    app.state.sandbox.config.clock.advance(61)
    assert exchange(live, "v2", code, verifier).json() == {"error": "invalid_grant"}


def _checked(**changes):
    params = authorize_params(pkce_pair()[1])
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


@pytest.mark.parametrize(
    ("params", "status", "expected"),
    [
        (
            _checked(state="short-state-15ch"[:15]),
            400,
            {
                "status_code": 400,
                "message": "State parameter should have a minimum of 16 characters",
            },
        ),
        (
            _checked(code_challenge=None, state=None),
            400,
            {
                "status_code": 400,
                "message": "Missing Required Parameter(s): code_challenge, state",
            },
        ),
        (
            _checked(code_challenge_method="plain"),
            400,
            {"error": "invalid_request", "error_description": "code_challenge_method must be S256"},
        ),
        (
            _checked(client_id="nobody"),
            400,
            {"error": "invalid_request", "error_description": "Invalid client_id parameter value."},
        ),
        (
            _checked(redirect_uri="https://evil.example/cb"),
            400,
            {"error": "invalid_request", "error_description": "Mismatching redirect URI."},
        ),
    ],
)
def test_authorize_rejections_have_bb2_bodies(shared_live: httpx.Client, params, status, expected):
    response = shared_live.get("/v2/o/authorize/", params=params)
    assert response.status_code == status
    assert response.json() == expected


def test_client_secret_in_query_and_bad_response_type(shared_live: httpx.Client):
    leaked = shared_live.get("/v2/o/authorize/", params=_checked(client_secret="x"))
    assert leaked.status_code == 400
    assert leaked.text == "Illegal query parameter [client_secret] detected"
    params = _checked(response_type="token")
    response = shared_live.get("/v2/o/authorize/", params=params)
    assert response.status_code == 302
    location = httpx.URL(response.headers["location"])
    assert location.params["error"] == "unsupported_response_type"
    assert location.params["state"] == params["state"]
    # The official SDK calls /o/authorize without the slash; Django answers with a 301.
    bare = shared_live.get("/v2/o/authorize", params=params)
    assert bare.status_code == 301 and bare.headers["location"].startswith("/v2/o/authorize/?")


def test_wrong_password_and_deny(shared_live: httpx.Client):
    params = _checked()
    bad = shared_live.post(
        "/v2/o/authorize/", data={**params, "username": "BBUser00001", "password": "PW00002!"}
    )
    assert bad.status_code == 401 and "id='error'" in bad.text
    denied = shared_live.post(
        "/v2/o/authorize/",
        data={**params, "username": "BBUser00001", "password": "PW00001!", "allow": "False"},
    )
    location = httpx.URL(denied.headers["location"])
    assert location.params["error"] == "access_denied"
    assert location.params["state"] == params["state"]
    assert "code" not in location.params


def test_bad_client_credentials(shared_live: httpx.Client):
    data = {"grant_type": "refresh_token", "refresh_token": "x"}
    response = shared_live.post("/v2/o/token/", data=data, auth=(DEFAULT_CLIENT.client_id, "no"))
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})


def test_refresh_rotates_and_old_tokens_die(live: httpx.Client, login):
    first = login(live, 11)
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    refreshed = live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH)
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["patient"] == first["patient"]
    reused = live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH)
    assert (reused.status_code, reused.json()) == (400, {"error": "invalid_grant"})
    assert live.get("/v2/fhir/Coverage", headers=bearer(first)).status_code == 401
    # The replay of a rotated refresh token revokes what descends from it (RFC 6749 §10.4).
    assert live.get("/v2/fhir/Coverage", headers=bearer(second)).status_code == 401
    data = {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    again = live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_a_replayed_code_revokes_the_tokens_issued_from_it(live: httpx.Client, login):
    verifier, challenge = pkce_pair()
    code = get_code(live, "v2", 12, challenge=challenge)
    issued = exchange(live, "v2", code, verifier).json()
    data = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    rotated = live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH).json()
    other = login(live, 12)  # a separate login of the same user is not affected
    replay = exchange(live, "v2", code, verifier)
    assert (replay.status_code, replay.json()) == (400, {"error": "invalid_grant"})
    for token in (issued, rotated):
        assert live.get("/v2/fhir/Coverage", headers=bearer(token)).status_code == 401
    data = {"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]}
    assert live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH).status_code == 400
    assert live.get("/v2/fhir/Coverage", headers=bearer(other)).status_code == 200


def test_an_unknown_or_missing_refresh_token(shared_live: httpx.Client):
    data = {"grant_type": "refresh_token", "refresh_token": "never-issued"}
    unknown = shared_live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH)
    assert (unknown.status_code, unknown.json()) == (400, {"error": "invalid_grant"})
    missing = shared_live.post(
        "/v2/o/token/", data={"grant_type": "refresh_token"}, auth=CLIENT_AUTH
    )
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"code_challenge": "a" * 42}, "code_challenge must be 43-128"),
        ({"code_challenge": "a" * 129}, "code_challenge must be 43-128"),
        ({"code_challenge": "a" * 42 + "+"}, "code_challenge must be 43-128"),
        ({"code_challenge": "a" * 40 + " /%"}, "code_challenge must be 43-128"),
        ({"state": "s" * 513}, "maximum of 512"),
        ({"redirect_uri": "http://127.0.0.1:8765/" + "p" * 2100}, "redirect_uri is too long"),
    ],
)
def test_authorize_limits_challenge_state_and_redirect_uri(shared_live, change, expected):
    params = {**authorize_params(pkce_pair()[1]), **change}
    response = shared_live.get("/v2/o/authorize/", params=params)
    assert response.status_code == 400 and expected in response.text
    ok = shared_live.get("/v2/o/authorize/", params={**params, **authorize_params("c" * 43)})
    assert ok.status_code == 200  # the limits' edges: 43 unreserved characters pass


def test_repeated_wrong_passwords_lock_that_user_only(app, live: httpx.Client):
    params = authorize_params(pkce_pair()[1])

    def attempt(user: str, password: str) -> httpx.Response:
        return live.post(
            "/v2/o/authorize/", data={**params, "username": user, "password": password}
        )

    for _ in range(5):
        assert attempt("BBUser00003", "wrong").status_code == 401
    locked = attempt("BBUser00003", "PW00003!")  # even the right password waits now
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 300
    assert "PW00003" not in locked.text
    assert attempt("BBUser00004", "PW00004!").status_code == 200  # another user is unaffected
    app.state.sandbox.config.clock.advance(301)
    assert attempt("BBUser00003", "PW00003!").status_code == 200  # the lock ends with its window


def test_expired_token_gets_401_and_refresh_recovers(app, live: httpx.Client, login):
    token = login(live, 12)
    assert (
        live.get("/v2/fhir/Patient/" + token["patient"], headers=bearer(token)).status_code == 200
    )
    app.state.sandbox.config.clock.advance(3601)
    expired = live.get("/v2/fhir/Patient/" + token["patient"], headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json() == {"detail": "Authentication credentials were not provided."}
    assert "The access token has expired." in expired.headers["www-authenticate"]
    data = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    renewed = live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH).json()
    assert live.get("/v2/fhir/Patient/" + token["patient"], headers=bearer(renewed)).is_success


def test_reapproval_keeps_tokens_but_deny_or_withholding_revokes_them(live, login):
    first = login(live, 20, "v1")
    second = login(live, 20, "v2")  # a plain re-approval (e.g. per version) keeps both
    assert live.get("/v1/fhir/Coverage", headers=bearer(first)).status_code == 200
    assert live.get("/v2/fhir/Coverage", headers=bearer(second)).status_code == 200
    withheld = login(live, 20, "v2", share=False)
    for token in (first, second):
        assert live.get("/v1/fhir/Coverage", headers=bearer(token)).status_code == 401
    assert live.get("/v1/fhir/Coverage", headers=bearer(withheld)).status_code == 200
    params = authorize_params(pkce_pair()[1])
    form = {**params, "username": "BBUser00020", "password": "PW00020!", "allow": "False"}
    assert live.post("/v2/o/authorize/", data=form).status_code == 302
    assert live.get("/v1/fhir/Coverage", headers=bearer(withheld)).status_code == 401


def test_withheld_demographics_403_on_patient_and_userinfo_only(live: httpx.Client, login):
    token = login(live, 21, share=False)
    assert "profile" not in token["scope"].split()
    assert not any(s.startswith("patient/Patient.") for s in token["scope"].split())
    forbidden = {"detail": "You do not have permission to perform this action."}
    for version in ("v1", "v2"):
        for path in (f"fhir/Patient/{token['patient']}", "fhir/Patient", "connect/userinfo"):
            response = live.get(f"/{version}/{path}", headers=bearer(token))
            assert (response.status_code, response.json()) == (403, forbidden), path
        for path in ("fhir/ExplanationOfBenefit", "fhir/Coverage"):
            assert live.get(f"/{version}/{path}", headers=bearer(token)).status_code == 200


def test_missing_invalid_and_query_tokens(shared_live: httpx.Client):
    missing = shared_live.get("/v2/fhir/ExplanationOfBenefit")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="api"'
    invalid = shared_live.get("/v2/fhir/ExplanationOfBenefit", headers=bearer("nope"))
    assert invalid.status_code == 401
    assert "is invalid" in invalid.headers["www-authenticate"]
    in_query = shared_live.get("/v2/fhir/ExplanationOfBenefit", params={"access_token": "x"})
    assert in_query.status_code == 400
    assert in_query.json()["detail"].startswith("Using the access token in the query parameters")


def test_refresh_after_the_13_month_grant_ends(app, live: httpx.Client, login):
    token = login(live, 13)
    app.state.sandbox.config.clock.advance(397 * 86400)
    # The SDK sends client_id in the body as well as Basic auth; both together are fine.
    data = {
        "grant_type": "refresh_token",
        "refresh_token": token["refresh_token"],
        "client_id": DEFAULT_CLIENT.client_id,
    }
    response = live.post("/v2/o/token/", data=data, auth=CLIENT_AUTH)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["error_description"].startswith("User access has timed out.")


def test_one_time_app_gets_no_refresh_token(live: httpx.Client):
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, client_id=ONE_TIME_CLIENT.client_id)
    form = {**params, "username": "BBUser00030", "password": "PW00030!", "allow": "True"}
    code = httpx.URL(live.post("/v2/o/authorize/", data=form).headers["location"]).params["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    auth = (ONE_TIME_CLIENT.client_id, ONE_TIME_CLIENT.client_secret)
    token = live.post("/v2/o/token/", data=data, auth=auth).json()
    assert "refresh_token" not in token and token["patient"] == patient_id(30)
    assert live.get("/v2/fhir/Coverage", headers=bearer(token)).status_code == 200
    refresh = live.post(
        "/v2/o/token/", data={"grant_type": "refresh_token", "refresh_token": "x"}, auth=auth
    )
    assert refresh.status_code == 403 and refresh.json()["error"] == "invalid_client"


def test_research_study_grant_has_no_end():
    research = Client("study", "study-secret", data_access_type="RESEARCH_STUDY")
    config = SandboxConfig(data_dir=DATA, clients=(research,))
    oauth = OAuthServer(config)
    verifier, challenge = pkce_pair()
    code = oauth.issue_code(
        research,
        redirect_uri=REDIRECT,
        challenge=challenge,
        number=1,
        patient_id=patient_id(1),
        scopes=research.scopes,
    )
    form = {"code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    body = oauth.exchange_code(research, form)
    assert body["access_grant_expiration"] == "" and body["refresh_token"]
    config.clock.advance(10 * 365 * 86400)
    renewed = oauth.refresh(research, {"refresh_token": body["refresh_token"]})
    assert renewed["patient"] == patient_id(1)
