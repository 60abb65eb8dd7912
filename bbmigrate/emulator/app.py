"""The sandbox as one Starlette ASGI app: routes, gzip and BB2's bare 500 body.

Use :func:`create_app` in-process (``httpx.ASGITransport``) or serve it over loopback with
:func:`bbmigrate.emulator.serve_in_thread`; the app object is the same in both.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import authorize, fhir
from .config import SandboxConfig
from .faults import FaultInjector, Throttle
from .oauth import OAuthServer
from .population import Population


@dataclass
class Sandbox:
    """The state behind one app: settings, population, OAuth store, throttle and faults."""

    config: SandboxConfig
    population: Population
    oauth: OAuthServer
    throttle: Throttle
    faults: FaultInjector
    # consent-form ticket -> (user number, client id, expiry): carries the login to the consent
    tickets: dict[str, tuple[int, str, float]] = field(default_factory=dict)
    # lower-cased username -> times of its latest wrong passwords (login throttling)
    failed_logins: dict[str, deque[float]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: SandboxConfig) -> Sandbox:
        return cls(
            config=config,
            population=Population(config.resolved_data_dir(), size=config.user_count),
            oauth=OAuthServer(config),
            throttle=Throttle(config.rate_limit, config.clock),
            faults=FaultInjector(config.fault_rate, config.seed, config.fault_statuses),
        )


async def _http_error(request: Request, exc: Exception) -> Response:
    # Routing errors in DRF's words: unknown paths and methods get a {"detail": ...} body too.
    status = getattr(exc, "status_code", 500)
    if status == 405:
        return JSONResponse({"detail": f'Method "{request.method}" not allowed.'}, 405)
    if status == 404:
        return JSONResponse({"detail": "Not found."}, 404)
    return JSONResponse({"detail": getattr(exc, "detail", "Error")}, status)


async def _server_error(request: Request, exc: Exception) -> Response:
    # Django's handler500 as BB2 configures it: no traceback, a fixed JSON body.
    return JSONResponse({"error": "Server Error (500)"}, 500)


def _routes() -> list[Route]:
    v = "/{version}"
    routes = [
        Route(f"{v}/o/authorize/", authorize.authorize, methods=["GET", "POST"]),
        Route(f"{v}/o/authorize", authorize.authorize_no_slash, methods=["GET", "POST"]),
        Route(f"{v}/o/token/", authorize.token, methods=["POST"]),
        Route(f"{v}/o/token", authorize.token, methods=["POST"]),
        Route(f"{v}/o/revoke_token/", authorize.revoke_token, methods=["POST"]),
        Route(f"{v}/connect/userinfo", fhir.userinfo),
        Route(f"{v}/fhir/metadata", fhir.metadata),
        Route(f"{v}/fhir/.well-known/smart-configuration", fhir.smart_config),
    ]
    searches = {
        "Patient": (fhir.patient_search, fhir.patient_read),
        "Coverage": (fhir.coverage_search, fhir.coverage_read),
        "ExplanationOfBenefit": (fhir.eob_search, fhir.eob_read),
    }
    for resource, (search, read) in searches.items():
        routes.append(Route(f"{v}/fhir/{resource}", search))
        routes.append(Route(f"{v}/fhir/{resource}/", search))
        routes.append(Route(f"{v}/fhir/{resource}/{{id}}", read))
        routes.append(Route(f"{v}/fhir/{resource}/{{id}}/", read))
    return routes


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A new sandbox app with its own state (``app.state.sandbox``)."""
    config = config or SandboxConfig()
    sandbox = Sandbox.from_config(config)
    app = Starlette(
        routes=_routes(),
        middleware=[Middleware(GZipMiddleware, minimum_size=config.gzip_minimum)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.sandbox = sandbox
    return app
