"""Helpers for the fetch client's loopback tests (the real emulator, served by uvicorn)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from bbmigrate.client import ClientCredentials, PasswordLogin, RetryPolicy
from bbmigrate.emulator import (
    DEFAULT_CLIENT,
    SandboxConfig,
    create_app,
    password,
    serve_in_thread,
    username,
)

DATA = Path(__file__).resolve().parents[1] / "emulator" / "data"
CREDENTIALS = ClientCredentials(DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret)
BIG_USER = 42  # docs/sandbox.md: users whose number ends in 42 have 100-160 EOBs
USER = 7


def login_as(number: int, *, share: bool = True) -> PasswordLogin:
    return PasswordLogin(username(number), password(number), share_demographics=share)


class Waits:
    """A ``sleep`` for :class:`RetryPolicy` that records the waits instead of sleeping them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def fast_retry(waits: Waits | None = None, **kwargs) -> RetryPolicy:
    return RetryPolicy(base=0.001, cap=0.01, sleep=waits or (lambda s: None), **kwargs)


@dataclass
class Sandbox:
    url: str
    app: Starlette

    @property
    def state(self):
        return self.app.state.sandbox


@contextlib.contextmanager
def running(app: Starlette | None = None, **config) -> Iterator[Sandbox]:
    app = app or create_app(SandboxConfig(data_dir=DATA, **config))
    with serve_in_thread(app) as url:
        yield Sandbox(url, app)
