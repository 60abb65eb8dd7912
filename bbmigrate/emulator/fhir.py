"""FHIR endpoints (``/vN/fhir/...``) and ``/vN/connect/userinfo``.

Every protected request goes through DRF's order as BB2 runs it: bearer authentication (401),
scope permission (403), per-token throttle (429), then the optional injected fault, then the
view. A token reads only its own patient: another patient's resource is a 404, another patient
in a search parameter a 403. v1 and v2 share patient ids, and one token reads both versions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .capability import capability_statement, smart_configuration
from .faults import fault_body
from .oauth import AccessToken
from .population import VERSIONS, Beneficiary
from .search import (
    FORBIDDEN,
    NOT_FOUND,
    DateFilter,
    Paging,
    Problem,
    SearchPage,
    instant,
    parse_types,
)

if TYPE_CHECKING:
    from .app import Sandbox

FHIR_JSON = "application/fhir+json"
_READ = ("read", "r", "rs")
_SEARCH = ("read", "s", "rs")
_NOT_PROVIDED = "Authentication credentials were not provided."
_TOKEN_IN_QUERY = (
    "Using the access token in the query parameters is not supported. "
    "Use the Authorization header instead"
)
View = Callable[[Request, "Sandbox", Beneficiary, str], dict[str, Any]]


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None, media: str = FHIR_JSON
) -> Response:
    return Response(orjson.dumps(body), status, headers=headers, media_type=media)


def _authenticate(sandbox: Sandbox, request: Request) -> AccessToken:
    if "access_token" in request.query_params:
        raise Problem(400, _TOKEN_IN_QUERY)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Problem(401, _NOT_PROVIDED, {"WWW-Authenticate": 'Bearer realm="api"'})
    record, why = sandbox.oauth.access_token(value.strip())
    if record is None:
        text = (
            "The access token has expired." if why == "expired" else "The access token is invalid."
        )
        challenge = f'Bearer realm="api",error="invalid_token",error_description="{text}"'
        raise Problem(401, _NOT_PROVIDED, {"WWW-Authenticate": challenge})
    return record


def _has_scope(token: AccessToken, scope: str) -> bool:
    if scope == "profile":
        return "profile" in token.grant.scopes
    resource, kind = scope.split(":")
    suffixes = _READ if kind == "read" else _SEARCH
    return any(f"patient/{resource}.{s}" in token.grant.scopes for s in suffixes)


def protected(
    scope: str, media: str = FHIR_JSON
) -> Callable[[View], Callable[[Request], Awaitable[Response]]]:
    """Wrap a view with authentication, the ``scope`` check (``profile`` or ``Resource:read``/
    ``Resource:search``), throttling and fault injection."""

    def wrap(view: View) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            version = request.path_params["version"]
            if version not in VERSIONS:
                return json_response({"detail": NOT_FOUND}, 404, media=media)
            sandbox: Sandbox = request.app.state.sandbox
            headers: dict[str, str] = {}
            try:
                token = _authenticate(sandbox, request)
                if not _has_scope(token, scope):
                    raise Problem(403, FORBIDDEN)
                allowed, headers = sandbox.throttle.hit(token.token)
                if not allowed:
                    wait = headers["Retry-After"]
                    raise Problem(
                        429, f"Request was throttled. Expected available in {wait} seconds."
                    )
                fault = sandbox.faults.pick(
                    f"{request.method} {request.url.path}?{request.url.query}"
                )
                if fault is not None:
                    body, extra = fault_body(fault)
                    return json_response(body, fault, {**headers, **extra}, media)
                # Deriving a user not yet cached takes a moment: keep the event loop free.
                user = await run_in_threadpool(sandbox.population.user, token.grant.number)
                return json_response(view(request, sandbox, user, version), 200, headers, media)
            except Problem as problem:
                return json_response(
                    problem.body, problem.status, {**headers, **problem.headers}, media
                )

        endpoint.__name__ = view.__name__
        return endpoint

    return wrap


def _params(request: Request) -> dict[str, list[str]]:
    return {key: request.query_params.getlist(key) for key in request.query_params}


def _base(request: Request, version: str, resource: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/{version}/fhir/{resource}"


def _subject_check(params: dict[str, list[str]], name: str, user: Beneficiary) -> None:
    for value in params.get(name, []):
        if value.removeprefix("Patient/") != user.patient_id:
            raise Problem(403, FORBIDDEN)


def _updated(resource: dict[str, Any]) -> Any:
    return instant(resource.get("meta", {}).get("lastUpdated"))


@protected("Patient:read")
def patient_read(request: Request, sandbox: Sandbox, user: Beneficiary, version: str) -> dict:
    if request.path_params["id"] != user.patient_id:
        raise Problem(404, NOT_FOUND)
    return user.patients[version]


def _last_updated(params: dict[str, list[str]]) -> DateFilter:
    return DateFilter.parse(params.get("_lastUpdated", []), "_lastUpdated")


def _page(
    request: Request,
    version: str,
    resource: str,
    subject: tuple[str, str],
    params: dict[str, list[str]],
    found: list[dict[str, Any]],
    filters: tuple[str, ...] = ("_lastUpdated",),
) -> dict[str, Any]:
    """The searchset page; the filters given are repeated in every paging link, as BFD does."""
    extra = [(name, value) for name in filters for value in params.get(name, [])]
    paging = Paging.parse(params)
    return SearchPage(_base(request, version, resource), paging, [subject], extra).bundle(found)


@protected("Patient:search")
def patient_search(request: Request, sandbox: Sandbox, user: Beneficiary, version: str) -> dict:
    params = _params(request)
    if any(value != user.patient_id for value in params.get("_id", [])):
        raise Problem(404, NOT_FOUND)
    updated = _last_updated(params)
    found = [p for p in (user.patients[version],) if updated.matches(_updated(p))]
    return _page(request, version, "Patient", ("_id", user.patient_id), params, found)


def _by_id(resources: Iterable[dict[str, Any]], wanted: str) -> dict[str, Any]:
    found = next((r for r in resources if r.get("id") == wanted), None)
    if found is None:
        raise Problem(404, NOT_FOUND)
    return found


@protected("Coverage:read")
def coverage_read(request: Request, sandbox: Sandbox, user: Beneficiary, version: str) -> dict:
    return _by_id(user.coverages[version], request.path_params["id"])


@protected("Coverage:search")
def coverage_search(request: Request, sandbox: Sandbox, user: Beneficiary, version: str) -> dict:
    params = _params(request)
    _subject_check(params, "beneficiary", user)
    updated = _last_updated(params)
    found = [c for c in user.coverages[version] if updated.matches(_updated(c))]
    return _page(request, version, "Coverage", ("beneficiary", user.patient_id), params, found)


@protected("ExplanationOfBenefit:read")
def eob_read(request: Request, sandbox: Sandbox, user: Beneficiary, version: str) -> dict:
    forms = (claim.forms[version] for claim in user.claims if version in claim.forms)
    return _by_id(forms, request.path_params["id"])


@protected("ExplanationOfBenefit:search")
def eob_search(request: Request, sandbox: Sandbox, user: Beneficiary, version: str) -> dict:
    params = _params(request)
    _subject_check(params, "patient", user)
    updated = _last_updated(params)
    served = DateFilter.parse(params.get("service-date", []), "service-date")
    types = parse_types(params.get("type", []))
    found = [
        claim.forms[version]
        for claim in user.claims
        if version in claim.forms
        and (types is None or claim.type in types)
        and updated.matches(claim.updated_at)
        and served.matches(claim.served_at)
    ]
    subject = ("patient", user.patient_id)
    filters = ("type", "_lastUpdated", "service-date")
    return _page(request, version, "ExplanationOfBenefit", subject, params, found, filters)


@protected("profile", media="application/json")
def userinfo(request: Request, sandbox: Sandbox, user: Beneficiary, version: str) -> dict:
    return user.userinfo


async def metadata(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in VERSIONS:
        return json_response({"detail": NOT_FOUND}, 404)
    return json_response(capability_statement(version, _base(request, version, "").rstrip("/")))


async def smart_config(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in VERSIONS:
        return json_response({"detail": NOT_FOUND}, 404, media="application/json")
    root = str(request.base_url).rstrip("/")
    return json_response(smart_configuration(root, version), media="application/json")
