"""``BlueButtonClient``: typed reads of one BB2 API version over a given ``httpx.Client``.

The client owns no connection and no token: it is handed an ``httpx.Client`` (already carrying
:class:`~bbmigrate.client.oauth.BearerAuth`, or none in tests of anonymous errors), so the same
code runs against the real sandbox and the loopback emulator. It adds paging, retries and
one-line errors; every failure is an :class:`~bbmigrate.errors.ApiError` naming the URL and the
server's ``detail``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import httpx

from .. import __version__
from ..errors import ApiError, FetchError, InputError
from ..jsonio import loads
from .manifest import TransportFailureCallback, redact_url
from .paging import DEFAULT_PAGE_CAP, PageWalker, merge_pages
from .retry import RetryPolicy, asks_too_long

CLAIM_TYPES = ("carrier", "dme", "hha", "hospice", "inpatient", "outpatient", "pde", "snf")
MAX_COUNT = 50
USER_AGENT = f"bbmigrate/{__version__} (+https://pypi.org/project/bbmigrate/) httpx"
DEFAULT_HEADERS = {
    "Accept": "application/fhir+json",
    "Accept-Encoding": "gzip",
    "User-Agent": USER_AGENT,
}
PageCallback = Callable[[str, int, int | None], None]


class FetchCancelled(FetchError):
    """Raised in a worker when a sibling worker failed; the sibling's error is the one shown."""


class ForbiddenError(ApiError):
    """HTTP 403; on Patient or userinfo it means the beneficiary withheld demographics."""


def validate_types(types: Sequence[str] | None) -> list[str] | None:
    if not types:
        return None
    wanted = [t.strip().lower() for t in types if t.strip()]
    unknown = [t for t in wanted if t not in CLAIM_TYPES]
    if unknown:
        raise InputError(
            f"unknown claim type {unknown[0]!r}; known: {', '.join(CLAIM_TYPES)}", where="--type"
        )
    return wanted


def validate_since(since: str | date | None) -> str | None:
    if since is None or since == "":
        return None
    if isinstance(since, date):
        return since.isoformat()
    text = str(since).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            date.fromisoformat(text)
        else:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not an ISO date or date-time: {text!r}", where="--since") from None
    return text


def validate_count(count: int | None) -> int | None:
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise InputError(f"page size must be 1..{MAX_COUNT}, got {count}", where="--count")
    return count


def _detail(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return text.splitlines()[0][:200] if text else response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "error_description", "error", "message"):
            if body.get(key):
                return str(body[key]).replace("\n", " ")
        if body.get("resourceType") == "OperationOutcome":
            issues = body.get("issue") or [{}]
            return str(issues[0].get("diagnostics") or issues[0].get("code") or "OperationOutcome")
    return response.reason_phrase


class BlueButtonClient:
    """Reads Patient, Coverage, ExplanationOfBenefit and userinfo from one BB2 API version."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        version: str,
        *,
        retry: RetryPolicy | None = None,
        page_cap: int = DEFAULT_PAGE_CAP,
        on_page: PageCallback | None = None,
        stop: threading.Event | None = None,
        on_transport_error: TransportFailureCallback | None = None,
    ) -> None:
        if version not in ("v1", "v2"):
            raise InputError(f"unknown API version {version!r}; use v1 or v2", where="--version")
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.retry = retry or RetryPolicy()
        self.page_cap = page_cap
        self.on_page = on_page
        self.stop = stop
        self.on_transport_error = on_transport_error
        self.pages = 0
        self._count_lock = threading.Lock()  # searches may run in parallel threads

    def __repr__(self) -> str:
        return f"BlueButtonClient({self.base_url!r}, {self.version!r})"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    # -- one request -------------------------------------------------------------------------

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``url`` with retries; return the parsed JSON or raise a one-line ``ApiError``."""
        attempt = 0
        while True:
            attempt += 1
            if self.stop is not None and self.stop.is_set():
                raise FetchCancelled(
                    "stopped: another part of the fetch failed", where=self.version
                )
            started = time.perf_counter()
            try:
                response = self.http.get(url, params=params, headers=DEFAULT_HEADERS)
            except httpx.HTTPError as exc:
                if self.on_transport_error is not None:
                    self.on_transport_error("GET", url, exc, time.perf_counter() - started)
                if self.retry.should_retry_exception(exc, attempt):
                    self.retry.wait(attempt)
                    continue
                raise ApiError(
                    f"{type(exc).__name__}: {exc or 'request failed'} (after {attempt} tries)",
                    status=0,
                    url=redact_url(url),
                ) from None
            status = response.status_code
            if status == 200:
                shown = redact_url(response.request.url)
                try:
                    return loads(response.content, where=shown)
                except InputError as exc:  # the server's fault, not the user's input: exit 3
                    raise ApiError(exc.message, status=200, url=shown) from None
            retry_after = response.headers.get("Retry-After")
            if self.retry.should_retry_status(status, attempt):
                too_long = asks_too_long(self.retry, retry_after)
                if too_long is None:
                    self.retry.wait(attempt, retry_after)
                    continue
                detail = (
                    f"server asked to wait {too_long:.0f} s, more than {self.retry.max_wait:.0f} s"
                )
            else:
                detail = _detail(response)
                if status in self.retry.statuses:
                    detail += f" (gave up after {attempt} tries)"
            error = ForbiddenError if status == 403 else ApiError
            raise error(
                f"HTTP {status}: {detail}", status=status, url=redact_url(response.request.url)
            )

    # -- searches ----------------------------------------------------------------------------

    def iter_pages(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield each page of a search, following ``next`` links as opaque URLs."""
        first = httpx.URL(self.url(path), params=params)
        walker = PageWalker(str(first), page_cap=self.page_cap)
        url: str | None = str(first)
        expected_pages: int | None = None
        label = f"{self.version} {path.strip('/').rsplit('/', 1)[-1]}"
        while url is not None:
            walker.visit(url)
            page = self.get_json(url)
            if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
                raise ApiError("expected a FHIR Bundle", status=200, url=redact_url(url))
            with self._count_lock:
                self.pages += 1
            if expected_pages is None and isinstance(page.get("total"), int):
                size = len(page.get("entry") or ()) or 1
                expected_pages = max(1, -(-page["total"] // size))
            if self.on_page is not None:
                self.on_page(label, walker.pages, expected_pages)
            yield page
            url = walker.next_url(page, url)

    def search(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Every page of a search merged into one searchset Bundle (``total`` == entries)."""
        pages = list(self.iter_pages(path, params))
        merged = merge_pages(pages, self_url=str(httpx.URL(self.url(path), params=params)))
        reported = pages[0].get("total") if pages else None
        if isinstance(reported, int) and reported != merged["total"]:
            raise ApiError(
                f"server reported total {reported} but its pages held {merged['total']} entries",
                status=200,
                url=redact_url(self.url(path)),
            )
        return merged

    def coverage(self, patient_id: str | None = None, *, count: int | None = None) -> dict:
        params: dict[str, Any] = {}
        if patient_id:
            params["beneficiary"] = patient_id
        if count:
            params["_count"] = validate_count(count)
        return self.search("fhir/Coverage/", params)

    def eobs(
        self,
        patient_id: str | None = None,
        *,
        types: Sequence[str] | None = None,
        since: str | date | None = None,
        last_updated: str | date | None = None,
        count: int | None = None,
    ) -> dict:
        """All ExplanationOfBenefit resources, optionally of ``types`` updated ``since`` a date."""
        params: dict[str, Any] = {}
        if patient_id:
            params["patient"] = patient_id
        wanted = validate_types(types)
        if wanted:
            params["type"] = ",".join(wanted)
        stamp = validate_since(last_updated or since)
        if stamp:
            params["_lastUpdated"] = f"ge{stamp}"
        if count:
            params["_count"] = validate_count(count)
        return self.search("fhir/ExplanationOfBenefit/", params)

    # -- reads -------------------------------------------------------------------------------

    def patient(self, patient_id: str) -> dict:
        """The Patient resource; raises :class:`ForbiddenError` if demographics are withheld."""
        return self.get_json(self.url(f"fhir/Patient/{patient_id}"))

    def userinfo(self) -> dict:
        """The OpenID userinfo document; raises :class:`ForbiddenError` without ``profile``."""
        return self.get_json(self.url("connect/userinfo"))
