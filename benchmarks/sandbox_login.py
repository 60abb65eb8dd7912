"""Log in to the in-process sandbox as one of its users (for the fetch and diff benchmarks)."""

from __future__ import annotations

from bbmigrate import emulator
from bbmigrate.client import login_with_password
from bbmigrate.client.tokens import Token


def login_user(base_url: str, user: int) -> Token:
    """A v2 token for ``BBUser<user>`` through the sandbox's login and consent forms."""
    client = emulator.DEFAULT_CLIENT
    return login_with_password(
        base_url,
        emulator.username(user),
        emulator.password(user),
        client_id=client.client_id,
        client_secret=client.client_secret,
    )
