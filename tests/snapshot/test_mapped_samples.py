"""Snapshots of the v1 samples mapped to v2: one EOB per claim type, plus Patient and Coverage.

A change in a mapping file or in the engine shows up here as a field-level diff of the mapped
resource; accept it with ``pytest tests/snapshot --snapshot-update`` and commit the files.

Until ``bbmigrate.map_resource`` exists, the samples' own v2 files are snapshotted instead, so
the claim-type coverage of the samples is pinned either way. A case without a recorded snapshot
is skipped with the command that records it: branches of the mapper and the samples land in
parallel, and a brand-new case must not break everyone's CI before its first recording.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import bbmigrate
from bbmigrate.jsonio import read_json
from bbmigrate.mapping import detect_claim_type, load_mappings
from bbmigrate.resources import samples_dir

CLAIM_TYPES = ("carrier", "dme", "hha", "hospice", "inpatient", "outpatient", "pde", "snf")
MAP: Callable[[dict[str, Any]], Any] | None = getattr(bbmigrate, "map_resource", None)
# Mapped v1 when the mapper is installed, else the samples' v2 files as they are.
SOURCE = "v1" if MAP is not None else "v2"


def _beneficiaries() -> list[Path]:
    try:
        root = samples_dir()
    except FileNotFoundError:
        return []
    return sorted(p for p in root.iterdir() if (p / SOURCE / "ExplanationOfBenefit.json").is_file())


def _entries(bundle: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in bundle.get("entry") or ():
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
            yield entry["resource"]


def first_eob(kind: str) -> dict[str, Any] | None:
    """The first EOB of a claim type over the samples (by beneficiary folder, then EOB id)."""
    mappings = load_mappings()
    for folder in _beneficiaries():
        bundle = read_json(folder / SOURCE / "ExplanationOfBenefit.json")
        found = sorted(
            (eob for eob in _entries(bundle) if detect_claim_type(eob, mappings) == kind),
            key=lambda eob: eob["id"],
        )
        if found:
            return found[0]
    return None


def converted(resource: dict[str, Any]) -> Any:
    return MAP(resource) if MAP is not None else resource


@pytest.fixture
def recorded(fhir_snapshot, request: pytest.FixtureRequest):
    """``fhir_snapshot``, or a skip naming the command when the case was never recorded."""
    location = fhir_snapshot.extension.get_location(
        test_location=fhir_snapshot.test_location, index=0
    )
    if not fhir_snapshot.update_snapshots and not Path(location).is_file():
        pytest.skip(f"no snapshot recorded yet: pytest {request.node.nodeid} --snapshot-update")
    return fhir_snapshot


@pytest.fixture(scope="module")
def sample() -> Path:
    """The first sample beneficiary folder (fixtures before ``recorded``, so this skip wins)."""
    folders = _beneficiaries()
    if not folders:
        pytest.skip(f"no samples with {SOURCE}/ExplanationOfBenefit.json in this checkout yet")
    return folders[0]


@pytest.mark.parametrize("kind", CLAIM_TYPES)
def test_mapped_eob(kind: str, sample: Path, recorded) -> None:
    eob = first_eob(kind)
    assert eob is not None, f"no {kind} EOB in the {SOURCE} samples"
    assert converted(eob) == recorded


def test_mapped_patient(sample: Path, recorded) -> None:
    assert converted(read_json(sample / SOURCE / "Patient.json")) == recorded


def test_mapped_coverage(sample: Path, recorded) -> None:
    bundle = read_json(sample / SOURCE / "Coverage.json")
    assert list(_entries(bundle)), "the Coverage bundle has no entries"
    assert converted(bundle) == recorded
