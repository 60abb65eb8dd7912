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


# Token values go into an Authorization header: a CR or LF (or any control character) would
# split it. Such a value is refused, and never shown, since it is a secret.
_UNSAFE = frozenset(map(chr, [*range(0x20), 0x7F]))


def _check_secret(value: object, name: str, where: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value:
        raise InputError(f"'{name}' must be a non-empty string", where=where)
    if not _UNSAFE.isdisjoint(value):
        raise InputError(
            f"'{name}' holds a line break or control character; refused (value not shown)",
            where=where,
        )


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
        for name in ("access_token", "refresh_token"):
            try:
                _check_secret(body.get(name), name, f"{version} token", optional=True)
            except InputError as exc:  # the server's answer, not the user's input: exit 3
                raise AuthError(exc.message, where=exc.where) from None
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
        """A token from its token-file entry; every field's type is checked, values never shown."""

        def bad(message: str) -> InputError:
            return InputError(f"not a bbmigrate token entry: {message}", where=where)

        if not isinstance(data, Mapping):
            raise bad("expected an object")
        if "access_token" not in data or "expires_at" not in data or "version" not in data:
            raise bad("needs 'access_token', 'expires_at' and 'version'")
        _check_secret(data["access_token"], "access_token", where)
        _check_secret(data.get("refresh_token"), "refresh_token", where, optional=True)
        expires_at = data["expires_at"]
        if isinstance(expires_at, bool) or not isinstance(expires_at, int | float):
            raise bad("'expires_at' must be a number (seconds since 1970)")
        if data["version"] not in VERSIONS:
            raise bad(f"'version' must be one of {', '.join(VERSIONS)}")
        scope = data.get("scope") or []
        if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
            raise bad("'scope' must be a list of strings")
        for name in ("token_type", "patient", "access_grant_expiration"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise bad(f"'{name}' must be a string")
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=float(expires_at),
            version=data["version"],
            token_type=data.get("token_type") or "Bearer",
            scope=frozenset(scope),
            patient=data.get("patient"),
            access_grant_expiration=data.get("access_grant_expiration"),
        )

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
