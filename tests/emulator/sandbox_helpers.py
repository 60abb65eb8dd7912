"""Helpers for the sandbox emulator tests: the tests' own PKCE (independent of the client's
bbmigrate/client/pkce.py, so the server is checked against a separate RFC 7636 implementation),
the headless login, and in-process requests through ``httpx.ASGITransport``."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bbmigrate.emulator import DEFAULT_CLIENT

DATA = Path(__file__).resolve().parent / "data"
REDIRECT = "http://127.0.0.1:8765/callback"
CLIENT_AUTH = (DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret)


def pkce_pair(padded: bool = False) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    return verifier, challenge if padded else challenge.rstrip("=")


def authorize_params(challenge: str, state: str | None = None, **extra: str) -> dict[str, str]:
    return {
        "client_id": DEFAULT_CLIENT.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state or secrets.token_urlsafe(24),
        **extra,
    }


def get_code(
    client: httpx.Client, version: str, user: int, *, share: bool = True, challenge: str
) -> str:
    """Log in and approve in one POST (the headless path); returns the code."""
    params = authorize_params(challenge)
    form = {
        **params,
        "username": f"BBUser{user:05d}",
        "password": f"PW{user:05d}!",
        "allow": "True",
        "share_demographic_scopes": "True" if share else "False",
    }
    response = client.post(f"/{version}/o/authorize/", data=form)
    assert response.status_code == 302, response.text
    location = httpx.URL(response.headers["location"])
    assert location.params["state"] == params["state"]
    return location.params["code"]


def exchange(client: httpx.Client, version: str, code: str, verifier: str) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    return client.post(f"/{version}/o/token/", data=data, auth=CLIENT_AUTH)


def bearer(token: dict[str, Any] | str) -> dict[str, str]:
    value = token if isinstance(token, str) else token["access_token"]
    return {"Authorization": f"Bearer {value}"}


def in_process(app, requests: Callable[[httpx.AsyncClient], Any]) -> Any:
    """``await requests(client)`` on ``app`` through ``httpx.ASGITransport`` (no sockets)."""

    async def main() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await requests(client)

    return asyncio.run(main())


def ticket_from(page: str) -> str:
    match = re.search(r"name='login_ticket' value='([^']+)'", page)
    assert match, "consent page has no login ticket"
    return match[1]
