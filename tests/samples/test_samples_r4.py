"""v2 samples are valid R4 (fhir.resources R4B models) and declare BFD's CARIN profiles."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sample_files import REFERENCE_EOB_FILE, VERSIONS, claim_type, data_files, eobs, load, resources


def _empty_elements(node: Any, path: str = "$") -> list[str]:
    if node in ({}, [], ""):
        return [path]
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _empty_elements(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _empty_elements(value, f"{path}[{i}]")
    return found


def test_every_v2_resource_parses_with_the_r4_models():
    checked = 0
    for _, doc in resources("v2"):
        model = get_fhir_model_class(doc["resourceType"])
        model.model_validate(doc)
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("path", data_files(), ids=lambda p: str(p.relative_to(p.parents[2])))
def test_no_empty_elements(path):
    assert _empty_elements(load(path)) == []


@pytest.mark.reference
def test_v2_declares_the_profiles_the_reference_declares(bfd_responses):
    ours: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for _, eob in eobs("v2"):
        ours[claim_type(eob)].add(tuple(eob["meta"]["profile"]))
    for ctype, profiles in ours.items():
        reference = load(bfd_responses / "v2" / REFERENCE_EOB_FILE[ctype])
        assert profiles == {tuple(reference["meta"]["profile"])}, ctype
    for name, ref_file in (("Patient", "patientRead.json"), ("Coverage", "coverageRead.json")):
        expected = load(bfd_responses / "v2" / ref_file)["meta"]["profile"]
        for path, doc in resources("v2"):
            if doc["resourceType"] == name:
                assert doc["meta"]["profile"] == expected, path


def test_v1_declares_no_profiles():
    for version in VERSIONS[:1]:
        for path, doc in resources(version):
            assert "profile" not in doc.get("meta", {}), path
