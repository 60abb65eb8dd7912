"""OAuth2 tokens and the 0600 token file.

A :class:`Token` never shows its secrets: ``repr`` masks the access and refresh tokens, and
:meth:`Token.summary` is the only view meant for printing. :class:`TokenStore` keeps one token per
API version (``{"tokens": {"v2": {...}}}``) in a JSON file created with mode 0600 and replaced
atomically, so a crash while saving a rotated refresh token never leaves a truncated file.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import AuthError, InputError
from ..jsonio import read_json, write_json_atomic

EXPIRY_LEEWAY = 60.0
TOKEN_FILE_MODE = 0o600
VERSIONS = ("v1", "v2")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Token:
    """An access token as BB2 returns it, with the absolute expiry computed at receipt.

    ``version`` is the API version whose token endpoint issued it (refreshes go there).
    """

    access_token: str = field(repr=False)
    expires_at: float
    version: str
    refresh_token: str | None = field(default=None, repr=False)
    token_type: str = "Bearer"
    scope: frozenset[str] = frozenset()
    patient: str | None = None
    access_grant_expiration: str | None = None

    @classmethod
    def from_response(
        cls, body: Mapping[str, Any], *, version: str, now: float | None = None
    ) -> Token:
        """Build a token from a ``/vN/o/token/`` JSON body."""
        if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
            raise AuthError("token response has no access_token", where=f"{version} token")
        try:
            expires_in = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            raise AuthError("token response has a non-numeric expires_in") from None
        issued = time.time() if now is None else now
        scope = body.get("scope") or ""
        return cls(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or None,
            expires_at=issued + expires_in,
            version=version,
            token_type=str(body.get("token_type") or "Bearer"),
            scope=frozenset(scope.split() if isinstance(scope, str) else scope),
            patient=str(body["patient"]) if body.get("patient") is not None else None,
            access_grant_expiration=body.get("access_grant_expiration") or None,
        )

    def expired(self, now: float | None = None, leeway: float = EXPIRY_LEEWAY) -> bool:
        """True when the token expires within ``leeway`` seconds (clock skew, request time)."""
        return (time.time() if now is None else now) >= self.expires_at - leeway

    def expired_copy(self) -> Token:
        """The same token marked as already expired (forces a refresh before the next call)."""
        return replace(self, expires_at=0.0)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scope"] = sorted(self.scope)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str) -> Token:
        try:
            return cls(
                access_token=data["access_token"],
                refresh_token=data.get("refresh_token"),
                expires_at=float(data["expires_at"]),
                version=data["version"],
                token_type=data.get("token_type", "Bearer"),
                scope=frozenset(data.get("scope") or ()),
                patient=data.get("patient"),
                access_grant_expiration=data.get("access_grant_expiration"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a bbmigrate token entry ({exc})", where=where) from None

    def summary(self) -> dict[str, Any]:
        """What may be shown to a user: everything except the secrets."""
        return {
            "version": self.version,
            "patient": self.patient,
            "scope": sorted(self.scope),
            "expires_at": _iso(self.expires_at),
            "has_refresh_token": self.refresh_token is not None,
            "access_grant_expiration": self.access_grant_expiration,
        }


class TokenStore:
    """A token file holding one token per API version, written 0600 and atomically."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        # v1 and v2 may refresh at the same moment: read-modify-write must not lose either token.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def load_all(self) -> dict[str, Token]:
        if not self.path.exists():
            return {}
        doc = read_json(self.path)
        entries = doc.get("tokens") if isinstance(doc, dict) else None
        if not isinstance(entries, dict):
            raise InputError(
                "not a bbmigrate token file (no 'tokens' object)", where=str(self.path)
            )
        return {
            version: Token.from_dict(entry, where=f"{self.path}: tokens.{version}")
            for version, entry in entries.items()
        }

    def load(self, version: str) -> Token | None:
        return self.load_all().get(version)

    def save(self, token: Token) -> None:
        """Store ``token`` under its version, keeping the other versions' tokens."""
        with self._lock:
            tokens = self.load_all()
            tokens[token.version] = token
            doc = {"tokens": {v: t.to_dict() for v, t in sorted(tokens.items())}}
            write_json_atomic(self.path, doc, mode=TOKEN_FILE_MODE)


def default_token_file() -> Path:
    """``$BBMIGRATE_TOKEN_FILE`` or ``~/.config/bbmigrate/tokens.json``."""
    env = os.environ.get("BBMIGRATE_TOKEN_FILE")
    if env:
        return Path(env)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "bbmigrate" / "tokens.json"


TokenCallback = Callable[[Token], None]
