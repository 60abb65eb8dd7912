"""When and how long to wait before retrying a BB2 request.

Retried: 429, 500, 502, 503 and 504 (honouring ``Retry-After`` when the server sends it), and
transport timeouts or dropped connections. Every request retried is a GET, which is idempotent,
and BB2 answers a bare 500 when BFD times out, so 500 is as transient as 502. Never retried: any
other status, in particular 400/401/403/404, which mean the request itself is wrong and would
fail again. Waits are "full jitter" exponential backoff, so two clients throttled together do not
come back in lockstep.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Retries after the first try. At a 50% fault rate one request still fails all 11 tries only
# 1 time in 2,048, so a 34-request fetch succeeds ~98% of the time; the waits (full jitter,
# capped at 20 s) keep a persistent outage to a couple of minutes before the fetch gives up.
DEFAULT_RETRIES = 10
# ConnectError is left out: a refused connection means a wrong base URL far more often than a blip.
RETRY_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Parse ``Retry-After`` (delta-seconds or an HTTP date); ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass
class RetryPolicy:
    """Bounded retries with jittered exponential backoff.

    ``attempts`` counts every try, the first included (``--retries N`` is ``attempts=N + 1``).
    A ``Retry-After`` above ``max_wait`` is not waited out: the request fails at once, naming
    the wait the server asked for.
    """

    attempts: int = DEFAULT_RETRIES + 1
    base: float = 0.5
    cap: float = 20.0
    max_wait: float = 120.0
    statuses: frozenset[int] = RETRY_STATUSES
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def should_retry_status(self, status: int, attempt: int) -> bool:
        return status in self.statuses and attempt < self.attempts

    def should_retry_exception(self, exc: Exception, attempt: int) -> bool:
        return isinstance(exc, RETRY_EXCEPTIONS) and attempt < self.attempts

    def backoff(self, attempt: int) -> float:
        """Full-jitter wait after failed try number ``attempt`` (1-based)."""
        return self.rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """The wait before the next try; at least what ``Retry-After`` asks for."""
        asked = retry_after_seconds(retry_after)
        jitter = self.backoff(attempt)
        return jitter if asked is None else asked + jitter * 0.1

    def wait(self, attempt: int, retry_after: str | None = None) -> float:
        seconds = self.delay(attempt, retry_after)
        self.sleep(seconds)
        return seconds


def asks_too_long(policy: RetryPolicy, retry_after: str | None) -> float | None:
    """The server's requested wait when it exceeds ``policy.max_wait``, else ``None``."""
    asked = retry_after_seconds(retry_after)
    return asked if asked is not None and asked > policy.max_wait else None
