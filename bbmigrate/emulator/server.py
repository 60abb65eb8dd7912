"""Run the sandbox app with uvicorn in a background thread on a loopback port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import SandboxConfig

_START_TIMEOUT = 10.0


def _bind(host: str, port: int) -> socket.socket:
    """Bind here rather than in uvicorn, so a busy port is an ``OSError`` in the caller's thread.

    The socket is created as ``IPPROTO_TCP``: asyncio sets ``TCP_NODELAY`` on accepted
    connections only when their protocol says TCP, and a socket made with protocol 0 does not.
    Without it Nagle holds each response body until the client's delayed ACK (~40 ms on Linux)
    after the headers went out: every keep-alive GET paid that stall.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Linux passes this on to accepted sockets too; asyncio sets it again per connection.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@contextlib.contextmanager
def serve_in_thread(
    app_or_config: Starlette | SandboxConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[str]:
    """Serve the sandbox over real HTTP; yields the base URL, e.g. ``http://127.0.0.1:53117``.

    ``port=0`` takes a free port; a port in use raises ``OSError`` before anything starts. On
    exit the server is asked to stop and its thread joined.
    """
    app = app_or_config if isinstance(app_or_config, Starlette) else create_app(app_or_config)
    sock = _bind(host, port)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # uvicorn ends with SystemExit when startup fails
            failures.append(exc)

    thread = threading.Thread(target=run, name="bbmigrate-sandbox", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if failures or not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox server did not start on {host}:{port}")
            time.sleep(0.01)
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        yield f"http://{shown}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT)
        sock.close()
