"""A local Blue Button 2.0 sandbox: OAuth2 + FHIR v1/v2 over synthetic beneficiaries.

``create_app(SandboxConfig(...))`` gives the ASGI app; ``serve_in_thread(app_or_config)`` serves
it over loopback HTTP and yields the base URL. See docs/sandbox.md.
"""

from .app import Sandbox, create_app
from .config import DEFAULT_CLIENT, ONE_TIME_CLIENT, Client, Clock, SandboxConfig
from .population import password, patient_id, username
from .server import serve_in_thread

__all__ = [
    "DEFAULT_CLIENT",
    "ONE_TIME_CLIENT",
    "Client",
    "Clock",
    "Sandbox",
    "SandboxConfig",
    "create_app",
    "password",
    "patient_id",
    "serve_in_thread",
    "username",
]
