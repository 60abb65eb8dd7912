"""The fetch manifest: what was requested, what came back, and what was written.

Every HTTP exchange (FHIR pages, retries, token refreshes, logins) is recorded by an httpx
response hook with its method, URL, status, bytes on the wire and elapsed time. URLs are stored
with secret-bearing query values (``code``, ``state``, tokens, passwords) replaced by ``***``,
and no header or body is ever recorded, so the manifest can never carry a token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from .. import __version__

REDACTED = "[redacted]"
TransportFailureCallback = Callable[[str, str, Exception, float], None]
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "refresh_token",
        "code",
        "state",
        "code_verifier",
        "client_secret",
        "password",
        "id_token",
    }
)


def redact_url(url: str | httpx.URL) -> str:
    """``url`` with the values of secret-bearing query parameters replaced by ``***``."""
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    query = [
        (key, "***" if key.lower() in SECRET_PARAMS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/:|,*")))


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class RequestRecord:
    version: str
    method: str
    url: str
    status: int
    bytes: int
    elapsed_ms: float
    error: str | None = None  # a transport failure (timeout, dropped connection): status 0

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "version": self.version,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "bytes": self.bytes,
            "elapsed_ms": self.elapsed_ms,
        }
        if self.error:
            doc["error"] = self.error
        return doc


class RequestLog:
    """Collects :class:`RequestRecord` s from any number of clients (thread-safe)."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def hook(self, version: str) -> Callable[[httpx.Response], None]:
        """An httpx ``response`` event hook recording exchanges under ``version``."""

        def record(response: httpx.Response) -> None:
            response.read()  # elapsed and byte counts are known only once the body is in
            item = RequestRecord(
                version=version,
                method=response.request.method,
                url=redact_url(response.request.url),
                status=response.status_code,
                bytes=response.num_bytes_downloaded,
                elapsed_ms=round(response.elapsed.total_seconds() * 1000, 2),
            )
            with self._lock:
                self.records.append(item)

        return record

    def failure(self, version: str) -> TransportFailureCallback:
        """A callback recording a request that got no response at all."""

        def record(method: str, url: str, exc: Exception, elapsed: float) -> None:
            item = RequestRecord(
                version, method, redact_url(url), 0, 0, round(elapsed * 1000, 2), type(exc).__name__
            )
            with self._lock:
                self.records.append(item)

        return record


@dataclass
class VersionResult:
    """What one API version yielded."""

    version: str
    patient_id: str | None = None
    demographics_withheld: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    eob_types: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    elapsed_s: float = 0.0
    files: list[str] = field(default_factory=list)
    token_refreshes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "demographics_withheld": self.demographics_withheld,
            "counts": dict(self.counts),
            "eob_types": dict(sorted(self.eob_types.items())),
            "pages": self.pages,
            "elapsed_s": round(self.elapsed_s, 3),
            "token_refreshes": self.token_refreshes,
            "files": list(self.files),
        }


@dataclass
class Manifest:
    """Everything ``manifest.json`` says about one fetch. Never holds a token."""

    base_url: str
    versions: dict[str, VersionResult]
    filters: dict[str, Any]
    requests: list[RequestRecord]
    started: str
    finished: str
    elapsed_s: float

    @property
    def demographics_withheld(self) -> bool:
        return any(result.demographics_withheld for result in self.versions.values())

    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        """The manifest as JSON; ``redact`` hides the patient id, in URLs too (it is PHI)."""
        statuses: dict[str, int] = {}
        for item in self.requests:
            statuses[str(item.status)] = statuses.get(str(item.status), 0) + 1
        doc = {
            "tool": f"bbmigrate {__version__}",
            "base_url": self.base_url,
            "started": self.started,
            "finished": self.finished,
            "elapsed_s": round(self.elapsed_s, 3),
            "filters": self.filters,
            "demographics_withheld": self.demographics_withheld,
            "versions": {v: r.to_dict() for v, r in sorted(self.versions.items())},
            "totals": {
                "requests": len(self.requests),
                "bytes": sum(item.bytes for item in self.requests),
                "statuses": dict(sorted(statuses.items())),
            },
            "requests": [item.to_dict() for item in self.requests],
        }
        return _redact_patients(doc, self.versions.values()) if redact else doc


def _redact_patients(doc: dict[str, Any], results: Iterable[VersionResult]) -> dict[str, Any]:
    ids = {r.patient_id for r in results if r.patient_id}
    for version in doc["versions"].values():
        if version["patient_id"]:
            version["patient_id"] = REDACTED
    for item in doc["requests"]:
        for pid in ids:
            item["url"] = item["url"].replace(pid, REDACTED)
    return doc


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start
