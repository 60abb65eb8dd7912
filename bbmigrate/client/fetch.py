"""Fetch one beneficiary from v1 and v2 into the shared folder layout, plus ``manifest.json``.

Layout written under ``out_dir``: ``vN/Patient.json`` (absent when demographics are withheld),
``vN/Coverage.json`` and ``vN/ExplanationOfBenefit.json`` (every page merged into one searchset
Bundle whose ``total`` equals its entries), ``vN/userinfo.json`` (absent when withheld) and
``manifest.json``.

Everything is fetched into memory first; nothing touches ``out_dir`` until every version
succeeded, and then :func:`~bbmigrate.client.layout.write_beneficiary` installs it atomically.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import ApiError, AuthError, InputError
from .bluebutton import (
    CLAIM_TYPES,
    BlueButtonClient,
    FetchCancelled,
    ForbiddenError,
    PageCallback,
    validate_count,
    validate_since,
    validate_types,
)
from .layout import write_beneficiary
from .login import login_with_password
from .manifest import Manifest, RequestLog, Stopwatch, VersionResult, utc_now
from .oauth import BearerAuth, OAuthApp, TokenHolder
from .retry import RetryPolicy
from .tokens import VERSIONS, Token, TokenStore

SANDBOX_URL = "https://sandbox.bluebutton.cms.gov"


@dataclass(frozen=True)
class ClientCredentials:
    """The registered app's id and secret (needed to log in and to refresh tokens)."""

    client_id: str
    client_secret: str = field(repr=False)


# The local emulator's registered test client (docs/sandbox.md): a public credential, used when
# a loopback base URL is given no client, so the documented emulator commands need no setup.
EMULATOR_CREDENTIALS = ClientCredentials("bbmigrate-sandbox-client", "bbmigrate-sandbox-secret")
NEED_CLIENT = (
    "needs the app's client id and secret: pass --client-id/--client-secret or set "
    "BBMIGRATE_CLIENT_ID/BBMIGRATE_CLIENT_SECRET"
)


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash, or a one-line ``InputError`` if it is no http URL."""
    try:
        parts = urlsplit(str(base_url))
        host, _port = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError as exc:
        raise InputError(f"not a valid URL ({exc})", where="--base-url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InputError("expected an http:// or https:// URL with a host", where="--base-url")
    return str(base_url).rstrip("/")


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_credentials(
    base_url: str, client_id: str | None, client_secret: str | None
) -> ClientCredentials | None:
    """The given client; else, for a loopback (emulator) URL, the emulator's test client."""
    if client_id and client_secret:
        return ClientCredentials(client_id, client_secret)
    if not client_id and not client_secret and is_loopback(base_url):
        return EMULATOR_CREDENTIALS
    return None


@dataclass(frozen=True)
class PasswordLogin:
    """An emulator user to log in as (the real sandbox needs the browser flow)."""

    user: str
    password: str = field(repr=False)
    share_demographics: bool = True


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~20 ms; every client of every fetch shares one context.
    return httpx.create_ssl_context()


def parse_versions(text: str | Sequence[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    versions = tuple(dict.fromkeys(v.strip().lower() for v in items if v.strip()))
    bad = [v for v in versions if v not in VERSIONS]
    if bad or not versions:
        shown = bad[0] if bad else text
        raise InputError(f"unknown API version {shown!r}; use v1, v2 or v1,v2", where="--versions")
    return versions


def _resolve_tokens(
    base_url: str,
    versions: Sequence[str],
    tokens: Token | Mapping[str, Token] | None,
    credentials: ClientCredentials | None,
    login: PasswordLogin | None,
    store: TokenStore | None,
    http: httpx.Client | None,
) -> dict[str, Token]:
    given = {tokens.version: tokens} if isinstance(tokens, Token) else dict(tokens or {})
    if login is not None and any(version not in given for version in versions):
        if credentials is None:
            raise AuthError(f"a password login {NEED_CLIENT}", where="login")
        # One login serves both versions: a BB2 grant reads /v1 and /v2 alike, and a second
        # consent that withholds demographics would revoke the first consent's tokens.
        issuer = "v2" if "v2" in versions else versions[0]
        token = login_with_password(
            base_url,
            login.user,
            login.password,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            version=issuer,
            share_demographics=login.share_demographics,
            http=http,
        )
        if store is not None:
            store.save(token)
        return {version: given.get(version, token) for version in versions}
    found = {version: given[version] for version in versions if version in given}
    for version in versions:
        if version not in found and store is not None:
            token = store.load(version)
            if token is not None:
                found[version] = token
    for version in versions:
        # BB2 lets one grant read both versions (one crosswalk id); reuse it when only one exists.
        if version not in found:
            other = next(iter(found.values()), None) or next(iter(given.values()), None)
            if other is None and store is not None:
                other = next(iter(store.load_all().values()), None)
            if other is None:
                raise AuthError(
                    "no token: run `bbmigrate auth login` or pass --user/--password", where=version
                )
            found[version] = other
    return found


def _holders(tokens: Mapping[str, Token], store: TokenStore | None) -> dict[str, TokenHolder]:
    # Versions sharing one token share one holder, so its single-use refresh token is spent once.
    by_token: dict[str, TokenHolder] = {}
    holders = {}
    for version, token in tokens.items():
        holder = by_token.get(token.access_token)
        if holder is None:
            holder = TokenHolder(token, on_update=store.save if store is not None else None)
            by_token[token.access_token] = holder
        holders[version] = holder
    return holders


def _patient_id(token: Token, userinfo: Mapping[str, Any] | None, coverage: Mapping) -> str | None:
    if token.patient:
        return token.patient
    if userinfo and userinfo.get("patient"):
        return str(userinfo["patient"])
    for entry in coverage.get("entry") or ():
        ref = ((entry.get("resource") or {}).get("beneficiary") or {}).get("reference", "")
        if ref.startswith("Patient/"):
            return ref.split("/", 1)[1]
    return None


def claim_type(eob: Mapping[str, Any]) -> str:
    """The BB2 claim type of an EOB: its ``eob-type`` coding, else its id's ``<type>--`` prefix."""
    for coding in (eob.get("type") or {}).get("coding") or ():
        if str(coding.get("system", "")).endswith("/eob-type") and coding.get("code"):
            return str(coding["code"]).lower()
    prefix = str(eob.get("id", "")).split("-", 1)[0].lower()
    return prefix if prefix in CLAIM_TYPES else "unknown"


def _fetch_version(
    bb: BlueButtonClient,
    holder: TokenHolder,
    *,
    types: Sequence[str] | None,
    since: str | None,
    count: int | None,
) -> tuple[dict[str, Any], VersionResult]:
    clock = Stopwatch()
    result = VersionResult(bb.version)
    docs: dict[str, Any] = {}
    known = holder.token.patient
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{bb.version}-eob") as pool:
        # EOB paging is the long pole; with the patient id known from the token it starts at
        # once and overlaps the userinfo, Coverage and Patient requests.
        early = (
            pool.submit(bb.eobs, known, types=types, since=since, count=count) if known else None
        )
        try:
            try:
                docs["userinfo"] = bb.userinfo()
            except ForbiddenError:
                result.demographics_withheld = True
            coverage = bb.coverage(known, count=count)
            pid = _patient_id(holder.token, docs.get("userinfo"), coverage)
            result.patient_id = pid
            if pid is not None:
                try:
                    docs["Patient"] = bb.patient(pid)
                except ForbiddenError:
                    result.demographics_withheld = True
        except BaseException:
            if bb.stop is not None:
                bb.stop.set()  # stop the EOB paging too; this error is the one to report
            raise
        eobs = early.result() if early else bb.eobs(pid, types=types, since=since, count=count)
    docs["Coverage"] = coverage
    docs["ExplanationOfBenefit"] = eobs
    for entry in eobs.get("entry") or ():
        kind = claim_type(entry.get("resource") or {})
        result.eob_types[kind] = result.eob_types.get(kind, 0) + 1
    result.counts = {
        "Patient": int("Patient" in docs),
        "Coverage": coverage["total"],
        "ExplanationOfBenefit": eobs["total"],
    }
    result.pages = bb.pages
    result.elapsed_s = clock.seconds()
    return docs, result


def fetch_beneficiary(
    base_url: str,
    out_dir: str | os.PathLike[str],
    tokens: Token | Mapping[str, Token] | None = None,
    *,
    credentials: ClientCredentials | None = None,
    login: PasswordLogin | None = None,
    token_store: TokenStore | None = None,
    versions: Sequence[str] = VERSIONS,
    types: Sequence[str] | None = None,
    since: str | date | None = None,
    count: int | None = None,
    progress: PageCallback | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    clock: Callable[[], float] = time.time,
    redact: bool = False,
) -> Manifest:
    """Fetch one beneficiary from each of ``versions`` concurrently and write the folder layout.

    Tokens come from ``tokens``, else a password ``login`` (emulator), else ``token_store``.
    ``credentials`` are needed to log in and to refresh; refreshed tokens are saved to the store.
    ``redact`` keeps the patient id out of ``manifest.json`` (the data files still hold it).
    """
    base_url = check_base_url(base_url)
    versions = parse_versions(versions)
    wanted_types = validate_types(types)
    since_text = validate_since(since)
    validate_count(count)
    out = Path(out_dir)
    started, watch, log = utc_now(), Stopwatch(), RequestLog()
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)

    def client(version: str, auth: httpx.Auth | None = None) -> httpx.Client:
        # Redirects are followed (httpx drops the Authorization header if one leaves the origin).
        return httpx.Client(
            auth=auth,
            verify=_tls_context(),
            timeout=timeout,
            limits=limits,
            follow_redirects=True,
            event_hooks={"response": [log.hook(version)]},
        )

    with contextlib.ExitStack() as stack:
        login_http = stack.enter_context(client("login")) if login is not None else None
        found = _resolve_tokens(
            base_url, versions, tokens, credentials, login, token_store, login_http
        )
    holders = _holders(found, token_store)
    stop = threading.Event()

    def run(version: str) -> tuple[dict[str, Any], VersionResult]:
        holder = holders[version]
        issuer = holder.token.version
        app = (
            OAuthApp(base_url, issuer, credentials.client_id, credentials.client_secret)
            if credentials
            else None
        )
        auth = BearerAuth(holder, app, clock=clock)
        with client(version, auth) as http:
            bb = BlueButtonClient(
                http,
                base_url,
                version,
                retry=retry,
                on_page=progress,
                stop=stop,
                on_transport_error=log.failure(version),
            )
            try:
                docs, result = _fetch_version(
                    bb, holder, types=wanted_types, since=since_text, count=count
                )
            except ApiError as exc:
                if exc.status != 401 or app is not None:
                    raise
                hint = "; the token cannot be refreshed without the client id and secret"
                raise ApiError(exc.message + hint, status=401, url=exc.url) from None
        result.token_refreshes = holder.refreshes
        return docs, result

    with ThreadPoolExecutor(max_workers=len(versions), thread_name_prefix="fetch") as pool:
        futures = {pool.submit(run, version): version for version in versions}
        outcomes: dict[str, tuple[dict[str, Any], VersionResult]] = {}
        failure: Exception | None = None
        try:
            for future in as_completed(futures):
                try:
                    outcomes[futures[future]] = future.result()
                except Exception as exc:
                    stop.set()  # the other version stops at its next request, not at its end
                    if failure is None or isinstance(failure, FetchCancelled):
                        failure = exc
        except BaseException:
            stop.set()  # Ctrl-C: let the workers end at their next request
            raise
        if failure is not None:
            raise failure
    outcomes = {version: outcomes[version] for version in versions}

    manifest = Manifest(
        base_url=base_url,
        versions={v: result for v, (_, result) in outcomes.items()},
        filters={"types": wanted_types, "since": since_text, "count": count},
        requests=list(log.records),
        started=started,
        finished=utc_now(),
        elapsed_s=watch.seconds(),
    )
    docs = {v: docs for v, (docs, _) in outcomes.items()}
    write_beneficiary(out, docs, manifest, redact=redact)
    return manifest
