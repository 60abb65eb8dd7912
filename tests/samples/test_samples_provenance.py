"""Our samples are our own: no reference file copied, none of the reference's identifiers reused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sample_files import SAMPLES, data_files, load


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _strings(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_strings(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_strings(v) for v in node)) if node else set()
    return {node} if isinstance(node, str) else set()


def _reference_identifiers(node: Any, out: set[str]) -> set[str]:
    """Resource ids, identifier values and NPIs/MBIs of the reference responses."""
    if isinstance(node, dict):
        for key in ("id", "value", "subscriberId"):
            value = node.get(key)
            if (
                isinstance(value, str)
                and value != "IGNORED_FIELD"
                and sum(c.isdigit() for c in value) >= 4
            ):
                out.add(value)
        for value in node.values():
            _reference_identifiers(value, out)
    elif isinstance(node, list):
        for value in node:
            _reference_identifiers(value, out)
    return out


@pytest.mark.reference
def test_no_sample_file_is_a_byte_copy_of_a_reference_file(reference_dir):
    reference = {_digest(p) for p in (reference_dir / "bfd").rglob("*") if p.is_file()}
    ours = [p for p in SAMPLES.rglob("*") if p.is_file()]
    assert len(reference) > 100 and len(ours) > 10
    assert [p for p in ours if _digest(p) in reference] == []


@pytest.mark.reference
def test_samples_do_not_contain_the_reference_identifiers(bfd_responses):
    reference: set[str] = set()
    for path in bfd_responses.rglob("*.json"):
        _reference_identifiers(json.loads(path.read_text(encoding="utf-8")), reference)
    reference.add("567834")  # the reference beneficiary, also as a substring of references
    assert {"567834", "9991831999"} <= reference
    for path in data_files():
        text = path.read_text(encoding="utf-8")
        assert "567834" not in text, path
        reused = reference & _strings(load(path))
        assert reused == set(), f"{path}: {sorted(reused)[:10]}"


@pytest.mark.reference
def test_sample_names_are_not_the_reference_names(bfd_responses):
    ref_patient = load(bfd_responses / "v1" / "patientRead.json")
    ref_names = {ref_patient["name"][0]["family"], *ref_patient["name"][0]["given"]}
    for path in data_files():
        if path.name == "Patient.json":
            name = load(path)["name"][0]
            assert not ({name["family"], *name["given"]} & ref_names)
