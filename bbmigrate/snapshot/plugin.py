"""pytest plugin registered by installing bbmigrate (entry point ``pytest11``).

Hooks and fixtures only; the logic lives in the snapshot extension.
"""

from __future__ import annotations

import pytest
from syrupy.location import PyTestLocation

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
