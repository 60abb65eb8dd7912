"""pytest plugin registered by installing bbmigrate (entry point ``pytest11``).

Hooks and fixtures only; the comparison logic lives in the snapshot extension. On top of
syrupy's own bookkeeping the plugin

- keeps the snapshots of a ``fhir_snapshot`` test that failed or errored: syrupy counts every
  snapshot such a test did not reach as unused, and ``--snapshot-update`` would delete it, so
  a test that raised before its assertion lost its snapshot. The plugin reports such a test to
  syrupy as skipped, which syrupy already treats as "its snapshots are not unused";
- names each unused snapshot (file and name) when syrupy fails the run for it, which syrupy
  itself does only with ``--snapshot-details``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.location import PyTestLocation
from syrupy.session import ItemStatus

from ..errors import InputError
from .assertion import FhirSnapshotAssertion
from .extension import FhirSnapshotExtension
from .normalize import compile_paths

IGNORE_INI = "bbmigrate_snapshot_ignore"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        IGNORE_INI,
        type="linelist",
        default=[],
        help="jsonpath-ng paths that fhir_snapshot replaces by IGNORED_FIELD in every snapshot "
        "(on top of meta.lastUpdated, Bundle id/timestamp and link hosts).",
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        compile_paths(config.getini(IGNORE_INI))
    except InputError as exc:
        raise pytest.UsageError(f"{IGNORE_INI}: {exc}") from None
    config.pluginmanager.register(_SnapshotBookkeeping(config), "bbmigrate-snapshot-bookkeeping")


class _SnapshotBookkeeping:
    """Hooks that need the run's config (see the module docstring)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.failed: set[str] = set()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Iterator[None]:
        outcome = yield
        report = outcome.get_result()
        if report.failed and "fhir_snapshot" in getattr(item, "fixturenames", ()):
            self.failed.add(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # After syrupy recorded the outcome (its hook is not trylast): a failed test's
        # snapshots are kept, as a skipped test's are.
        session = getattr(self.config, "_syrupy", None)
        if session is not None and report.nodeid in self.failed and report.when != "teardown":
            session.ran_item(report.nodeid, ItemStatus.SKIPPED.value)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        session = getattr(self.config, "_syrupy", None)
        report = getattr(session, "report", None)
        if report is None or report.update_snapshots or report.include_snapshot_details:
            return  # syrupy lists them itself
        if report.disable_unused_snapshots or not report.num_unused:
            return
        root = Path(str(self.config.rootpath))
        for collection in report.unused:
            location = Path(collection.location)
            shown = location.relative_to(root) if location.is_relative_to(root) else location
            names = sorted(snapshot.name for snapshot in collection if snapshot.name)
            label = ", ".join(names) if names else "(whole file)"
            terminalreporter.write_line(f"Unused snapshot {label} ({shown})")


@pytest.fixture
def fhir_snapshot(request: pytest.FixtureRequest) -> FhirSnapshotAssertion:
    """Snapshot a FHIR resource as one canonical JSON file: ``assert resource == fhir_snapshot``.

    Volatile fields are normalised; ``fhir_snapshot.ignoring("$.meta.versionId")`` ignores more
    for one assertion. Record with ``pytest --snapshot-update``.
    """
    config = request.config
    if not hasattr(config, "_syrupy"):
        pytest.fail("fhir_snapshot needs syrupy's pytest plugin, which is disabled", pytrace=False)
    return FhirSnapshotAssertion(
        update_snapshots=config.option.update_snapshots,
        update_new_snapshots_only=getattr(config.option, "update_new_snapshots_only", False),
        extension_class=FhirSnapshotExtension,
        test_location=PyTestLocation(request.node),
        session=config._syrupy,  # type: ignore[attr-defined]
        ignore=tuple(config.getini(IGNORE_INI)),
    )
