"""OAuth2 state as BB2 keeps it: authorization codes, access and refresh tokens, grants.

No HTTP here; :mod:`.authorize` turns requests into calls and :class:`OAuthError` into responses.
Behaviour follows BB2 (django-oauth-toolkit with BB2's additions): PKCE S256 with the challenge
stored unpadded, single-use 60 s codes, rotating single-use refresh tokens, re-authorization
revoking the application/user pair's earlier tokens when the user denies or withholds
demographics (a plain re-approval keeps them), and the ``patient`` and
``access_grant_expiration`` fields in the token body.

Stricter than BB2 where the standards ask for it: every token descends from one authorization
code (its *family*); presenting a spent code again, or a refresh token already rotated, revokes
the whole family (RFC 6749 §4.1.2 and §10.4: the replay means a copy leaked, and the server cannot
tell the thief from the owner). An unknown refresh token is ``invalid_grant`` (§5.2).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from .config import Client, SandboxConfig

# Withholding demographics removes these from a grant (BB2 BENE_PERSONAL_INFO_SCOPES).
DEMOGRAPHIC_SCOPES = frozenset(
    {"profile"} | {f"patient/Patient.{s}" for s in ("read", "r", "s", "rs")}
)


class OAuthError(Exception):
    """An OAuth failure with BB2's status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def _invalid_grant() -> OAuthError:
    return OAuthError(400, {"error": "invalid_grant"})


@dataclass
class Grant:
    """What one approval gave one application for one user."""

    client_id: str
    number: int
    patient_id: str
    scopes: tuple[str, ...]
    expires_at: float  # inf for RESEARCH_STUDY apps, whose grants do not end
    data_access_type: str = "THIRTEEN_MONTH"

    def expiration_text(self) -> str:
        if self.expires_at == float("inf"):
            return ""
        return datetime.fromtimestamp(self.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    grant: Grant
    expires_at: float


@dataclass
class AccessToken:
    token: str
    grant: Grant
    expires_at: float
    refresh_token: str
    revoked: bool = False
    family: str = ""  # the authorization code every token of one login descends from


@dataclass
class _Refresh:
    grant: Grant
    access_token: str
    revoked: bool = False
    family: str = ""
    spent: bool = False  # rotated: presenting it again is a replay


def s256(verifier: str) -> str:
    """The unpadded S256 challenge for ``verifier`` (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass
class OAuthServer:
    config: SandboxConfig
    _codes: dict[str, _Code] = field(default_factory=dict)
    _access: dict[str, AccessToken] = field(default_factory=dict)
    _refresh: dict[str, _Refresh] = field(default_factory=dict)
    # spent authorization codes -> their family, so a replay can revoke what they issued
    _spent_codes: dict[str, str] = field(default_factory=dict)

    def client(self, client_id: str | None) -> Client | None:
        return next((c for c in self.config.clients if c.client_id == client_id), None)

    def authenticate_client(self, authorization: str | None, form: dict[str, str]) -> Client:
        """Client authentication by HTTP Basic or by ``client_id``/``client_secret`` in the body."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                raw = base64.b64decode(authorization[6:].strip(), validate=True).decode()
                client_id, _, secret = (unquote_plus(p) for p in raw.partition(":"))
            except (ValueError, UnicodeDecodeError):
                raise OAuthError(401, {"error": "invalid_client"}) from None
        client = self.client(client_id)
        if (
            client is None
            or secret is None
            or not hmac.compare_digest(client.client_secret.encode(), secret.encode())
        ):
            raise OAuthError(401, {"error": "invalid_client"})
        return client

    def granted_scopes(self, client: Client, requested: str | None, share: bool) -> tuple[str, ...]:
        """The app's scopes (or the requested subset of them), minus demographics if withheld."""
        wanted = set(requested.split()) if requested and requested.strip() else set(client.scopes)
        return tuple(
            s for s in client.scopes if s in wanted and (share or s not in DEMOGRAPHIC_SCOPES)
        )

    def issue_code(
        self,
        client: Client,
        *,
        redirect_uri: str,
        challenge: str,
        number: int,
        patient_id: str,
        scopes: tuple[str, ...],
        shared_demographics: bool = True,
    ) -> str:
        now = self.config.clock.now()
        if not shared_demographics:
            # BB2 drops the pair's earlier tokens so none keeps the demographic scopes.
            self.revoke_pair(client.client_id, number)
        grant = Grant(
            client.client_id,
            number,
            patient_id,
            scopes,
            self._grant_end(client, now),
            client.data_access_type,
        )
        code = secrets.token_urlsafe(24)
        # BB2 stores the challenge with its padding stripped, so padded challenges still match.
        self._codes[code] = _Code(
            client.client_id,
            redirect_uri,
            challenge.rstrip("="),
            grant,
            now + self.config.code_lifetime,
        )
        return code

    def exchange_code(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        code_value = form.get("code")
        if not code_value:
            raise OAuthError(
                400, {"error": "invalid_request", "error_description": "Missing code parameter."}
            )
        code = self._codes.pop(code_value, None)  # single use, even when the exchange fails
        if code is None:
            family = self._spent_codes.get(code_value)
            if family is not None:
                self.revoke_family(family)  # RFC 6749 §4.1.2: a replayed code
            raise _invalid_grant()
        self._spent_codes[code_value] = code_value
        if code.client_id != client.client_id or code.expires_at < self.config.clock.now():
            raise _invalid_grant()
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(
                400, {"error": "invalid_request", "error_description": "Mismatching redirect URI."}
            )
        verifier = form.get("code_verifier")
        if not verifier:
            raise OAuthError(
                400, {"error": "invalid_request", "error_description": "Code verifier required."}
            )
        # No character-set check: BB2 accepts the official SDK's verifiers that contain '='.
        if not 43 <= len(verifier) <= 128 or not hmac.compare_digest(
            s256(verifier), code.challenge
        ):
            raise _invalid_grant()
        return self._issue(code.grant, family=code_value)

    def _grant_end(self, client: Client, now: float) -> float:
        if client.data_access_type == "RESEARCH_STUDY":
            return float("inf")
        if client.data_access_type == "ONE_TIME":
            return now + self.config.token_lifetime
        return now + self.config.grant_days * 86400

    def refresh(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        if client.data_access_type == "ONE_TIME":
            raise OAuthError(
                403,
                {
                    "status_code": 403,
                    "error": "invalid_client",
                    "error_description": "Your application is not allowed to refresh tokens.",
                },
            )
        value = form.get("refresh_token")
        if not value:
            raise OAuthError(
                400,
                {
                    "status_code": 400,
                    "error": "invalid_request",
                    "error_description": "Missing refresh token parameter",
                },
            )
        record = self._refresh.get(value)
        if record is None or record.grant.client_id != client.client_id:
            raise _invalid_grant()
        if record.spent:
            self.revoke_family(record.family)  # a rotated refresh token came back: a replay
            raise _invalid_grant()
        if record.revoked:
            raise _invalid_grant()
        grant = record.grant
        if grant.expires_at < self.config.clock.now():
            raise OAuthError(
                401,
                {
                    "status_code": 401,
                    "error": "invalid_grant",
                    "error_description": "User access has timed out. To refresh Medicare data, "
                    "end user must re-authenticate and consent to share their data.",
                },
            )
        requested = form.get("scope")
        if requested:
            narrowed = tuple(s for s in grant.scopes if s in set(requested.split()))
            grant = dataclasses.replace(grant, scopes=narrowed)
        record.revoked = record.spent = True
        old = self._access.get(record.access_token)
        if old is not None:
            old.revoked = True
        return self._issue(grant, family=record.family)

    def revoke(self, client: Client, token: str) -> None:
        """``/o/revoke_token/``: revoke an access or refresh token; unknown tokens are ignored."""
        access = self._access.get(token)
        if access and access.grant.client_id == client.client_id:
            access.revoked = True
        refresh = self._refresh.get(token)
        if refresh and refresh.grant.client_id == client.client_id:
            refresh.revoked = True

    def access_token(self, token: str) -> tuple[AccessToken | None, str]:
        """The live token, or ``None`` with why (``invalid`` or ``expired``)."""
        record = self._access.get(token)
        if record is None or record.revoked:
            return None, "invalid"
        if record.expires_at <= self.config.clock.now():
            return None, "expired"
        return record, ""

    def _issue(self, grant: Grant, *, family: str) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(30), secrets.token_urlsafe(30)
        lifetime = self.config.token_lifetime
        self._access[access] = AccessToken(
            access, grant, self.config.clock.now() + lifetime, refresh, family=family
        )
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": lifetime,
            "token_type": "Bearer",
            "scope": " ".join(grant.scopes),
            "refresh_token": refresh,
            "patient": grant.patient_id,
            "access_grant_expiration": grant.expiration_text(),
        }
        if grant.data_access_type == "ONE_TIME":
            del body["refresh_token"]  # BB2 gives one-time apps no refresh token
        else:
            self._refresh[refresh] = _Refresh(grant, access, family=family)
        return body

    def revoke_family(self, family: str) -> None:
        """Revoke every token descending from one authorization code."""
        for record in [*self._access.values(), *self._refresh.values()]:
            if record.family == family:
                record.revoked = True

    def revoke_pair(self, client_id: str, number: int) -> None:
        """BB2's ``remove_application_user_pair_tokens_data_access``: on deny or withheld data."""
        for record in self._access.values():
            if record.grant.client_id == client_id and record.grant.number == number:
                record.revoked = True
        for refresh in self._refresh.values():
            if refresh.grant.client_id == client_id and refresh.grant.number == number:
                refresh.revoked = True
