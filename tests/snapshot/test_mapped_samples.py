"""Snapshots of the v1 samples mapped to v2: one EOB per claim type, plus Patient and Coverage.

A change in a mapping file or in the engine shows up here as a field-level diff of the mapped
resource; accept it with ``pytest tests/snapshot --snapshot-update`` and commit the files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bbmigrate import map_resource
from bbmigrate.jsonio import read_json
from bbmigrate.mapping import detect_claim_type, load_mappings
from bbmigrate.resources import samples_dir

CLAIM_TYPES = ("carrier", "dme", "hha", "hospice", "inpatient", "outpatient", "pde", "snf")


def _beneficiaries() -> list[Path]:
    try:
        root = samples_dir()
    except FileNotFoundError:
        return []
    return sorted(p for p in root.iterdir() if (p / "v1" / "ExplanationOfBenefit.json").is_file())


def _entries(bundle: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in bundle.get("entry") or ():
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
            yield entry["resource"]


def first_eob(kind: str) -> dict[str, Any] | None:
    """The first v1 EOB of a claim type over the samples (by beneficiary folder, then EOB id)."""
    mappings = load_mappings()
    for folder in _beneficiaries():
        bundle = read_json(folder / "v1" / "ExplanationOfBenefit.json")
        found = sorted(
            (eob for eob in _entries(bundle) if detect_claim_type(eob, mappings) == kind),
            key=lambda eob: eob["id"],
        )
        if found:
            return found[0]
    return None


@pytest.fixture(scope="module")
def sample() -> Path:
    """The first sample beneficiary folder."""
    folders = _beneficiaries()
    assert folders, "no samples with v1/ExplanationOfBenefit.json: the checkout is broken"
    return folders[0]


@pytest.mark.parametrize("kind", CLAIM_TYPES)
def test_mapped_eob(kind: str, sample: Path, fhir_snapshot) -> None:
    eob = first_eob(kind)
    assert eob is not None, f"no {kind} EOB in the v1 samples"
    assert map_resource(eob) == fhir_snapshot


def test_mapped_patient(sample: Path, fhir_snapshot) -> None:
    assert map_resource(read_json(sample / "v1" / "Patient.json")) == fhir_snapshot


def test_mapped_coverage(sample: Path, fhir_snapshot) -> None:
    bundle = read_json(sample / "v1" / "Coverage.json")
    assert list(_entries(bundle)), "the Coverage bundle has no entries"
    assert map_resource(bundle) == fhir_snapshot
