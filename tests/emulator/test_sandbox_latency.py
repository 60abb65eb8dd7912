"""The emulator answers keep-alive GETs without a Nagle / delayed-ACK stall.

Before its listening socket was created as ``IPPROTO_TCP``, asyncio did not set ``TCP_NODELAY``
on accepted connections: the headers left at once and the body waited ~40 ms for the client's
delayed ACK, on every keep-alive response. These tests assert the mechanism (the socket options)
and its effect (a median far below the delayed-ACK interval), not a speed bar.
"""

from __future__ import annotations

import socket
import statistics
import time

from sandbox_helpers import bearer

from bbmigrate.emulator.server import _bind

DELAYED_ACK_S = 0.040  # Linux's minimum delayed-ACK timeout, the stall this guards against


def test_the_listening_socket_is_tcp_with_nodelay():
    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP  # what asyncio checks before setting NODELAY
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_keep_alive_gets_of_a_small_resource_are_not_held_back(live, login):
    token = login(live, 7)
    url = f"/v2/fhir/Patient/{token['patient']}"
    headers = bearer(token)
    first = live.get(url, headers=headers)  # opens the one keep-alive connection reused below
    assert first.status_code == 200 and len(first.content) < 4096
    times = []
    for _ in range(20):
        started = time.perf_counter()
        response = live.get(url, headers=headers)
        assert response.status_code == 200 and response.content == first.content
        times.append(time.perf_counter() - started)
    # A stalled server answers every one of these in >= 40 ms; an unstalled one in ~1 ms.
    assert statistics.median(times) < DELAYED_ACK_S / 3, [round(t * 1000, 1) for t in times]
