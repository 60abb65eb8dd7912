"""Fixtures for the sandbox emulator tests: apps on the tiny data set, live loopback servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sandbox_helpers import DATA, exchange, get_code, pkce_pair

from bbmigrate.emulator import SandboxConfig, create_app, serve_in_thread


@pytest.fixture
def login() -> Callable[..., dict[str, Any]]:
    """``login(client, user, version="v2", share=True)`` -> the token response body."""

    def run(client: httpx.Client, user: int, version: str = "v2", share: bool = True) -> dict:
        verifier, challenge = pkce_pair()
        code = get_code(client, version, user, share=share, challenge=challenge)
        response = exchange(client, version, code, verifier)
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(data_dir=DATA)


@pytest.fixture
def app(config: SandboxConfig):
    return create_app(config)


@pytest.fixture
def live(app) -> Iterator[httpx.Client]:
    """An httpx client on a real uvicorn server over loopback (fresh state per test)."""
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def shared_live() -> Iterator[httpx.Client]:
    """One loopback server per module for read-only tests."""
    app = create_app(SandboxConfig(data_dir=DATA))
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        client.app = app  # type: ignore[attr-defined]
        yield client
