"""Injected faults: roughly the configured share, the BB2 statuses and bodies, reproducible by
seed, and never a change to the content of a successful response. Run in-process (ASGI)."""

from __future__ import annotations

import functools

import httpx
from sandbox_helpers import CLIENT_AUTH, DATA, REDIRECT, authorize_params, in_process, pkce_pair

from bbmigrate.emulator import SandboxConfig, create_app

REQUESTS = 300


async def _token(client: httpx.AsyncClient, user: int) -> dict[str, str]:
    verifier, challenge = pkce_pair()
    form = {
        **authorize_params(challenge),
        "username": f"BBUser{user:05d}",
        "password": f"PW{user:05d}!",
        "allow": "True",
    }
    redirect = await client.post("/v2/o/authorize/", data=form)
    code = httpx.URL(redirect.headers["location"]).params["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    token = (await client.post("/v2/o/token/", data=data, auth=CLIENT_AUTH)).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


@functools.cache
def _cached_run(rate: float, seed: int) -> list[tuple[int, dict, dict]]:
    return _run(rate, seed)


def _run(rate: float, seed: int) -> list[tuple[int, dict, dict]]:
    """REQUESTS distinct EOB reads/searches; (status, body, headers) for each."""
    app = create_app(SandboxConfig(data_dir=DATA, fault_rate=rate, seed=seed))

    async def requests(client: httpx.AsyncClient):
        headers = await _token(client, 42)
        out = []
        for i in range(REQUESTS):
            # Distinct URLs; `nonce` is an unknown parameter that BB2 drops silently.
            response = await client.get(
                "/v2/fhir/ExplanationOfBenefit", params={"_count": 1, "nonce": i}, headers=headers
            )
            out.append((response.status_code, response.json(), dict(response.headers)))
        return out

    return in_process(app, requests)


def test_fault_share_statuses_and_bodies():
    results = _cached_run(0.2, seed=7)
    statuses = [status for status, _, _ in results]
    failed = [r for r in results if r[0] != 200]
    assert 0.12 * REQUESTS <= len(failed) <= 0.28 * REQUESTS
    assert set(statuses) == {200, 429, 500, 502, 503}
    for status, body, headers in failed:
        if status in (429, 503):
            assert int(headers["retry-after"]) >= 1
        if status == 500:
            assert body == {"error": "Server Error (500)"}
        else:
            assert set(body) == {"detail"}


def test_faults_are_deterministic_by_seed_and_off_by_default():
    pattern = [status for status, _, _ in _cached_run(0.2, seed=7)]
    assert pattern == [status for status, _, _ in _run(0.2, seed=7)]
    assert pattern != [status for status, _, _ in _run(0.2, seed=8)]
    assert {status for status, _, _ in _run(0.0, seed=7)} == {200}


def test_fault_statuses_can_be_narrowed():
    app = create_app(SandboxConfig(data_dir=DATA, fault_rate=0.5, fault_statuses=(502, 503)))

    async def requests(client: httpx.AsyncClient):
        headers = await _token(client, 1)
        responses = [
            await client.get("/v2/fhir/Coverage", params={"n": i}, headers=headers)
            for i in range(60)
        ]
        return {r.status_code for r in responses}

    assert in_process(app, requests) == {200, 502, 503}


def test_retry_succeeds_with_unchanged_content():
    faulty = create_app(SandboxConfig(data_dir=DATA, fault_rate=0.5, seed=3))
    clean = create_app(SandboxConfig(data_dir=DATA))

    async def until_ok(client: httpx.AsyncClient):
        headers = await _token(client, 42)
        bodies, attempts = [], 0
        for start in range(0, 30, 10):
            while True:
                attempts += 1
                response = await client.get(
                    "/v1/fhir/ExplanationOfBenefit", params={"startIndex": start}, headers=headers
                )
                if response.status_code == 200:
                    bodies.append(response.json())
                    break
                assert response.status_code in (429, 500, 502, 503) and attempts < 100
        return bodies, attempts

    (faulty_bodies, attempts), (clean_bodies, clean_attempts) = (
        in_process(faulty, until_ok),
        in_process(clean, until_ok),
    )
    assert faulty_bodies == clean_bodies
    assert attempts > clean_attempts == 3
