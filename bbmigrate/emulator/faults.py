"""Injected failures and per-token throttling, for clients' resilience tests.

Fault decisions are a hash of the seed, the request (method, path and query) and how many times
that same request was made before. So a run is reproducible whatever order concurrent requests
arrive in, a retried request eventually succeeds, and a fault never changes a successful body.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, deque
from typing import Any

from .config import Clock

FAULT_STATUSES = (429, 500, 502, 503)
# BB2's throttle default (TOKEN_THROTTLE_RATE unset): 100000 requests per second per token.
DEFAULT_RATE = (100_000, 1.0)


def fault_body(status: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers BB2 sends for an injected ``status``."""
    if status == 429:
        return {"detail": "Request was throttled. Expected available in 1 second."}, {
            "Retry-After": "1"
        }
    if status == 500:
        return {"error": "Server Error (500)"}, {}
    if status == 502:
        return {"detail": "An error occurred contacting the upstream server"}, {}
    return {"detail": "Service temporarily unavailable, try again later."}, {"Retry-After": "1"}


class FaultInjector:
    def __init__(self, rate: float, seed: int, statuses: tuple[int, ...] = FAULT_STATUSES) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        unknown = set(statuses) - set(FAULT_STATUSES)
        if not statuses or unknown:
            raise ValueError(f"fault statuses must be among {FAULT_STATUSES}, got {statuses}")
        self.rate = rate
        self.seed = seed
        self.statuses = tuple(statuses)
        self._attempts: Counter[str] = Counter()
        self.injected: Counter[int] = Counter()

    def pick(self, request_key: str) -> int | None:
        """The status to fail this request with, or ``None`` to serve it."""
        if self.rate <= 0.0:
            return None
        attempt = self._attempts[request_key]
        self._attempts[request_key] += 1
        digest = hashlib.sha256(f"{self.seed}\0{request_key}\0{attempt}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 >= self.rate:
            return None
        status = self.statuses[digest[8] % len(self.statuses)]
        self.injected[status] += 1
        return status


class Throttle:
    """DRF ``SimpleRateThrottle`` keyed by access token, with BB2's ``X-RateLimit-*`` headers."""

    def __init__(self, rate: tuple[int, float] | None, clock: Clock) -> None:
        self.limit, self.period = rate or DEFAULT_RATE
        self.clock = clock
        self._history: dict[str, deque[float]] = {}

    def hit(self, token: str) -> tuple[bool, dict[str, str]]:
        """Record one request; ``(allowed, headers)``. Refused requests carry ``Retry-After``."""
        now = self.clock.now()
        history = self._history.setdefault(token, deque())
        while history and history[0] <= now - self.period:
            history.popleft()
        allowed = len(history) < self.limit
        if allowed:
            history.append(now)
        reset = max(history[0] + self.period - now, 0.0) if history else 0.0
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - len(history), 0)),
            "X-RateLimit-Reset": f"{reset:.3f}",
        }
        if not allowed:
            headers["Retry-After"] = str(max(math.ceil(reset), 1))
        return allowed, headers
