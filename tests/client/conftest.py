"""Fixtures for the fetch client's loopback tests: the real emulator served by uvicorn in a thread.

Every test here talks HTTP over 127.0.0.1 to ``bbmigrate.emulator``; nothing is mocked. The
emulator runs on its small test data set (two beneficiaries, replicated into 30,000 users).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from client_helpers import Sandbox, running


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """One emulator per test module, for tests that do not move its clock or inject faults."""
    with running() as server:
        yield server
