"""Run the sandbox app with uvicorn in a background thread on a loopback port."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import SandboxConfig

_START_TIMEOUT = 10.0


@contextlib.contextmanager
def serve_in_thread(
    app_or_config: Starlette | SandboxConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[str]:
    """Serve the sandbox over real HTTP; yields the base URL, e.g. ``http://127.0.0.1:53117``.

    ``port=0`` takes a free port. On exit the server is asked to stop and the thread joined.
    """
    app = app_or_config if isinstance(app_or_config, Starlette) else create_app(app_or_config)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="bbmigrate-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"sandbox server did not start on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    try:
        yield f"http://{shown}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT)
