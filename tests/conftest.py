"""Shared fixtures and the suite's checks on its own reference data.

Reference data lives outside the project, at ../shared/reference (``BBMIGRATE_REFERENCE``
overrides it; ``=/nonexistent`` gives a bare clone). Three rules hold here:

- with ``CI`` set, a missing or empty reference stops the run at once (it must not go green
  with a quarter of the suite skipped);
- a test that skips for missing reference data must carry ``@pytest.mark.reference``;
- a test carrying the marker must not pass without the reference (the marker would lie, and
  ``-m "not reference"`` would no longer split the suite).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from reference_data import (
    ENV_VAR,
    MISSING,
    PACKAGES,
    PARTS,
    REFERENCE,
    RESPONSES,
    missing_parts,
)
from reference_data import skip_without as _skip_without


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(ENV_VAR):
        # The validator looks for FHIR packages beside the project by itself; an overridden
        # reference must hide (or supply) them for the library too, not only for the tests.
        import bbmigrate.validate.packages as packages

        packages._RELATIVE_DEFAULT = PACKAGES


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and (missing := missing_parts()):
        raise pytest.UsageError(
            f"CI is set but the reference data at {REFERENCE} is missing or empty "
            f"({', '.join(missing)}): refusing to run with the reference tests skipped"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    marked = item.get_closest_marker("reference") is not None
    if report.skipped and not marked and MISSING in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} skipped for missing reference data but is not marked "
            "@pytest.mark.reference"
        )
    elif marked and report.when == "call" and report.passed and len(missing_parts()) == PARTS:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} is marked @pytest.mark.reference but passed without the reference "
            f"data ({REFERENCE}): it does not need it, remove the marker"
        )
    return report


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The shared BFD reference data; tests that need it skip with a reason when it is absent."""
    _skip_without(RESPONSES, "BFD endpoint responses")
    return REFERENCE


@pytest.fixture(scope="session")
def bfd_responses(reference_dir: Path) -> Path:
    return RESPONSES


@pytest.fixture(scope="session", autouse=True)
def _sighup_as_a_terminal_has_it():
    """The default SIGHUP disposition, whoever started the suite.

    Started under ``nohup`` (or a runner that ignores SIGHUP), the suite and its child
    processes inherit an ignored SIGHUP, and bbmigrate rightly leaves an ignored signal ignored
    (``jsonio``): the signal tests would then test nohup, not a terminal session."""
    previous = signal.getsignal(signal.SIGHUP) if hasattr(signal, "SIGHUP") else None
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    yield
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGHUP, previous)
