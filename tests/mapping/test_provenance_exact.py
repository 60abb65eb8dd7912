"""Provenance is exact: every record resolves in the FINAL output and every output leaf has one.

Checked on every reference v1 response and every sample resource, with and without quirks, by
:mod:`provenance_audit` (the kinds of defect are listed there). The audit itself is tested on
records corrupted the ways the engine used to get them wrong.
"""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from bbmigrate.mapping import load_mappings, map_resource, map_with_provenance
from bbmigrate.resources import samples_dir

from .provenance_audit import KINDS, audit, check, leaves, rule_ops


def _sample_files() -> list[Path]:
    return sorted(p for p in samples_dir().glob("*/v1/*.json") if p.stem != "userinfo")


@pytest.fixture(scope="module", params=[True, False], ids=["quirks", "noquirks"])
def mapping(request):
    return load_mappings(quirks=request.param)


def _reference_files(bfd_responses: Path) -> list[Path]:
    return sorted(p for p in (bfd_responses / "v1").glob("*.json") if p.stem != "metadata")


def _assert_exact(path: Path, mapping) -> None:
    found = audit(orjson.loads(path.read_bytes()), mapping)
    problems = {kind: found[kind][:5] for kind in KINDS if found[kind]}
    assert not problems, f"{path.name}: {problems}"


@pytest.mark.reference
def test_reference_provenance_is_exact(bfd_responses: Path, mapping) -> None:
    files = _reference_files(bfd_responses)
    assert len(files) >= 10
    for path in files:
        _assert_exact(path, mapping)


def test_sample_provenance_is_exact(mapping) -> None:
    files = _sample_files()
    assert any(p.stem == "ExplanationOfBenefit" for p in files)
    for path in files:
        _assert_exact(path, mapping)


def _sample_eob() -> dict:
    path = next(p for p in _sample_files() if p.stem == "ExplanationOfBenefit")
    return orjson.loads(path.read_bytes())


def test_provenance_does_not_change_the_output() -> None:
    bundle = _sample_eob()
    out, _ = map_with_provenance(copy.deepcopy(bundle))
    assert out == map_resource(bundle)


@pytest.mark.reference
def test_prepended_coding_is_found_at_its_final_index(bfd_responses: Path) -> None:
    """A copy merged after a constant prepended a coding: the copy's codings moved by one."""
    v1 = orjson.loads((bfd_responses / "v1" / "eobReadInpatient.json").read_bytes())
    out, records = map_with_provenance(v1)
    v1_leaves, v2_leaves = leaves(v1), leaves(out)
    moved = [
        r
        for r in records
        if r.v1_path
        and r.v2_path
        and r.v1_path.endswith("category.coding[0].code")
        and r.v2_path.endswith("category.coding[1].code")
    ]
    assert moved, "expected copied codings behind a prepended one"
    for r in moved:
        assert v2_leaves[r.v2_path] == v1_leaves[r.v1_path]


@pytest.mark.reference
def test_renumbered_sequences_are_produced_by_renumber(bfd_responses: Path) -> None:
    """A new number is produced (v1_path None); the v1 sequence it replaces is consumed."""
    v1 = orjson.loads((bfd_responses / "v1" / "eobReadInpatient.json").read_bytes())
    out, records = map_with_provenance(v1)
    numbers = [r for r in records if r.v2_path and r.v2_path.endswith("].sequence")]
    by_path = {r.v2_path: r for r in numbers if r.v2_path.startswith("supportingInfo[")}
    assert len(by_path) == len(out["supportingInfo"])
    ops = rule_ops(load_mappings())
    assert all(r.v1_path is None and ops[r.rule_id] == "renumber" for r in by_path.values())
    old = {
        r.v1_path: r.v2_path for r in records if r.v1_path and r.v1_path.startswith("information[")
    }
    assert all(old[f"information[{i}].sequence"] is None for i in range(len(v1["information"])))


# --- the audit catches what it is meant to catch ----------------------------------------------


@pytest.fixture(scope="module")
def exact() -> tuple[dict, dict, list, dict]:
    mapping = load_mappings()
    v1 = _sample_eob()
    out, records = map_with_provenance(copy.deepcopy(v1), mappings=mapping)
    return v1, out, records, rule_ops(mapping)


def _swap(records: list, index: int, **change) -> list:
    return [
        *records[:index],
        records[index].__class__(**{**records[index].__dict__, **change}),
        *records[index + 1 :],
    ]


def test_audit_passes_exact_records(exact) -> None:
    assert not any(check(*exact).values())


def test_audit_catches_a_stale_index(exact) -> None:
    v1, out, records, ops = exact
    i = next(
        i
        for i, r in enumerate(records)
        if r.v1_path and r.v2_path and ops[r.rule_id] == "copy" and "coding[1]" in r.v2_path
    )
    stale = records[i].v2_path.replace("coding[1]", "coding[0]")
    found = check(v1, out, _swap(records, i, v2_path=stale), ops)
    assert found["mismatch"]


def test_audit_catches_a_missing_path_and_an_uncovered_leaf(exact) -> None:
    v1, out, records, ops = exact
    i = next(i for i, r in enumerate(records) if r.v2_path and r.v2_path.endswith("sequence"))
    found = check(v1, out, _swap(records, i, v2_path=records[i].v2_path + "x"), ops)
    assert found["unresolved"]
    assert records[i].v2_path in found["uncovered"]


def test_audit_catches_a_written_leaf_recorded_as_dropped(exact) -> None:
    v1, out, records, ops = exact
    i = next(i for i, r in enumerate(records) if r.v2_path and ops[r.rule_id] == "copy")
    found = check(v1, out, _swap(records, i, v2_path=None), ops)
    assert found["lost"]
