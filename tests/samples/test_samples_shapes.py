"""Structural faithfulness: our EOBs have the shape BFD's EOBs of the same claim type have.

For each claim type and version, the union of our EOBs' shape paths must cover >= 85% of the
reference EOB's shape paths, and each of our EOBs must have >= 90% of its paths in the reference.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from sample_files import CLAIM_TYPES, REFERENCE_EOB_FILE, VERSIONS, claim_type, eobs, load
from sample_shapes import overlap, shape_paths

MIN_COVERAGE = 0.85
MIN_PRECISION = 0.90


def _ours(version: str) -> dict[str, list[set[str]]]:
    out: dict[str, list[set[str]]] = defaultdict(list)
    for _, eob in eobs(version):
        out[claim_type(eob)].append(shape_paths(eob))
    return out


@pytest.mark.reference
@pytest.mark.parametrize("version", VERSIONS)
def test_every_claim_type_is_shaped_like_bfd(version, bfd_responses, record_property):
    ours = _ours(version)
    assert sorted(ours) == sorted(CLAIM_TYPES)
    report = []
    for ctype in CLAIM_TYPES:
        reference = shape_paths(load(bfd_responses / version / REFERENCE_EOB_FILE[ctype]))
        coverage, _ = overlap(set().union(*ours[ctype]), reference)
        precision = min(overlap(mine, reference)[1] for mine in ours[ctype])
        report.append((ctype, coverage, precision))
        record_property(f"{version}-{ctype}", f"coverage={coverage:.3f} precision={precision:.3f}")
    print(f"\n{version} shape overlap (coverage of reference / worst precision):")
    for ctype, coverage, precision in report:
        print(f"  {ctype:11s} {coverage:.3f} / {precision:.3f}")
    low = [r for r in report if r[1] < MIN_COVERAGE or r[2] < MIN_PRECISION]
    assert not low, low


def test_shape_paths_ignore_values_but_see_structure():
    a = {
        "extension": [{"url": "u1", "valueCoding": {"system": "s", "code": "1"}}],
        "item": [{"sequence": 1}],
    }
    b = {
        "extension": [{"url": "u1", "valueCoding": {"system": "s", "code": "2"}}],
        "item": [{"sequence": 7}],
    }
    c = {
        "extension": [{"url": "u2", "valueCoding": {"system": "s", "code": "1"}}],
        "item": [{"sequence": 1}],
    }
    assert shape_paths(a) == shape_paths(b)
    assert shape_paths(a) != shape_paths(c)
    assert "extension[url=u1].valueCoding.code" in shape_paths(a)


def _counts(eob: dict, version: str) -> tuple[int, ...]:
    info = "information" if version == "v1" else "supportingInfo"
    return tuple(len(eob.get(key, [])) for key in ("diagnosis", "item", "careTeam", info))


@pytest.mark.reference
@pytest.mark.parametrize("version", VERSIONS)
def test_counts_vary_between_our_claims_and_differ_from_the_reference(version, bfd_responses):
    ours: dict[str, set[tuple[int, ...]]] = defaultdict(set)
    for _, eob in eobs(version):
        ours[claim_type(eob)].add(_counts(eob, version))
    for ctype, counts in ours.items():
        reference = _counts(load(bfd_responses / version / REFERENCE_EOB_FILE[ctype]), version)
        assert counts - {reference}, ctype  # at least one of ours is shaped differently
    # diagnoses, items, careTeam members and supportingInfo each take several values
    for position in range(4):
        assert len({c[position] for counts in ours.values() for c in counts}) >= 3
