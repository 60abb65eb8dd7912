"""PKCE (RFC 7636, S256) and OAuth ``state`` values.

The official BB2 SDK pads its challenge and puts ``=`` in the verifier; BB2 tolerates that by
re-padding, strict servers do not. Here the verifier uses only the RFC's unreserved characters and
the challenge is unpadded base64url, so the pair works against any RFC 7636 server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass, field

# RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-._~"
UNRESERVED = string.ascii_letters + string.digits + "-._~"
VERIFIER_MIN = 43
VERIFIER_MAX = 128
STATE_MIN = 16


def make_verifier(length: int = 64) -> str:
    """A fresh code verifier of ``length`` (43..128) characters drawn from ``secrets``."""
    if not VERIFIER_MIN <= length <= VERIFIER_MAX:
        raise ValueError(f"verifier length must be {VERIFIER_MIN}..{VERIFIER_MAX}, got {length}")
    return "".join(secrets.choice(UNRESERVED) for _ in range(length))


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(verifier)))`` without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_state(nbytes: int = 24) -> str:
    """An unguessable ``state`` value; BB2 rejects states shorter than 16 characters."""
    state = secrets.token_urlsafe(nbytes)
    if len(state) < STATE_MIN:
        raise ValueError(f"state must be at least {STATE_MIN} characters")
    return state


def states_match(expected: str, received: str | None) -> bool:
    """Compare the returned ``state`` with ours in constant time."""
    if not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


@dataclass(frozen=True)
class PKCE:
    """One authorization attempt's secrets: verifier, its S256 challenge and the state."""

    verifier: str = field(default_factory=make_verifier, repr=False)
    state: str = field(default_factory=make_state, repr=False)

    @property
    def challenge(self) -> str:
        return s256_challenge(self.verifier)

    def __repr__(self) -> str:
        return "PKCE(verifier=***, state=***)"
