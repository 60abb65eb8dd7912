"""Settings of one sandbox instance, its registered client and an adjustable clock."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

RESOURCES = ("Patient", "Coverage", "ExplanationOfBenefit")
# What the default application may be granted: BB2's legacy ``.read`` and SMART v2 ``.rs``.
DEFAULT_SCOPES = (
    "profile",
    *(f"patient/{resource}.{suffix}" for resource in RESOURCES for suffix in ("read", "rs")),
)
_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d{1,5})?/")


class Clock:
    """Wall-clock time plus an offset that tests move forward to expire codes and tokens."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass(frozen=True)
class Client:
    """A registered application. Loopback redirect URIs on any port and path are accepted, as a
    developer registers ``http://127.0.0.1:<port>/callback`` for a local client."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    name: str = "bbmigrate test client"
    allow_loopback: bool = True
    # BB2's data access types: THIRTEEN_MONTH (refreshable, 13-month grant), ONE_TIME (no
    # refresh token, the grant ends with the access token) or RESEARCH_STUDY (grant never ends).
    data_access_type: str = "THIRTEEN_MONTH"

    def accepts_redirect(self, uri: str) -> bool:
        return uri in self.redirect_uris or (self.allow_loopback and bool(_LOOPBACK.match(uri)))


DEFAULT_CLIENT = Client(
    client_id="bbmigrate-sandbox-client",
    # A public test credential, documented in docs/sandbox.md; never a real secret.
    client_secret="bbmigrate-sandbox-secret",
    redirect_uris=("http://localhost:3001/api/bluebutton/callback/",),
)


ONE_TIME_CLIENT = Client(
    client_id="bbmigrate-sandbox-onetime",
    client_secret="bbmigrate-sandbox-onetime-secret",
    name="bbmigrate one-time test client",
    data_access_type="ONE_TIME",
)


@dataclass
class SandboxConfig:
    """Everything that varies between sandbox instances; the defaults are BB2's."""

    data_dir: Path | None = None  # None: the packaged samples/
    clients: tuple[Client, ...] = (DEFAULT_CLIENT, ONE_TIME_CLIENT)
    token_lifetime: int = 3600  # seconds; BB2's default since 2026-02 (36000 before)
    code_lifetime: int = 60
    grant_days: int = 396  # THIRTEEN_MONTH data access grants
    fault_rate: float = 0.0  # share of FHIR requests answered with one of fault_statuses
    fault_statuses: tuple[int, ...] = (429, 500, 502, 503)
    seed: int = 0
    rate_limit: tuple[int, float] | None = None  # (requests, seconds) per access token
    gzip_minimum: int = 1024
    user_count: int = 30_000
    clock: Clock = field(default_factory=Clock)

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return Path(self.data_dir)
        from ..resources import samples_dir

        return samples_dir()
