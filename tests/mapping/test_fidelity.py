"""Fidelity of the mapper against the real BFD v2 responses (leaf recall and precision).

Run with ``-s`` to see the per-pair table. The floors below are the levels reached so far
(regression guards); the targets of issue #2 (recall >= 0.95 overall, >= 0.90 per pair) are
not met yet, see the report in mappings/README.md.
"""

from __future__ import annotations

import json
import random

import pytest

from bbmigrate.fidelity import score, total
from bbmigrate.leaves import IGNORED
from bbmigrate.mapping import load_mappings, map_resource, unmapped

PAIRS = [
    "patientRead",
    "coverageRead",
    "coverageSearchByPatientId",
    *[
        f"eobRead{t}"
        for t in ("Carrier", "Dme", "Hha", "Hospice", "Inpatient", "Outpatient", "Pde", "Snf")
    ],
    "eobByPatientIdPaged",
]
OVERALL_RECALL_FLOOR = 0.92
PAIR_RECALL_FLOOR = 0.84
PRECISION_FLOOR = 0.97


def _pair(bfd_responses, name):
    v1 = json.loads((bfd_responses / "v1" / f"{name}.json").read_text())
    v2 = json.loads((bfd_responses / "v2" / f"{name}.json").read_text())
    return v1, v2


@pytest.mark.reference
def test_fidelity_over_reference_pairs(bfd_responses):
    mapping = load_mappings()
    results = {}
    for name in PAIRS:
        v1, v2 = _pair(bfd_responses, name)
        results[name] = score(map_resource(v1, mappings=mapping), v2)
    print("\npair                          recall  precision  expected")
    for name, fid in results.items():
        print(f"{name:28s}  {fid.recall:.3f}   {fid.precision:.3f}     {fid.expected}")
    overall = total(results.values())
    print(f"{'TOTAL':28s}  {overall.recall:.3f}   {overall.precision:.3f}     {overall.expected}")
    assert overall.recall >= OVERALL_RECALL_FLOOR
    assert overall.precision >= PRECISION_FLOOR
    gaps = [g.v2.split("[")[0] for g in mapping.gaps]
    for name, fid in results.items():
        if name == "patientRead":
            # v1 read without IncludeIdentifiers has no MBIs: every miss must be a declared gap
            assert all(any(k[0].startswith(g) for g in gaps) for k in fid.missing), fid.missing
            continue
        assert fid.recall >= PAIR_RECALL_FLOOR, name


@pytest.mark.reference
@pytest.mark.parametrize("name", PAIRS)
def test_every_v1_leaf_is_mapped_or_dropped_on_purpose(bfd_responses, name):
    v1, _ = _pair(bfd_responses, name)
    assert unmapped(v1) == []


def _perturb(v1, v2, rng):
    """Change every value that v1 and v2 share (the same way on both sides)."""
    values = {}

    def collect(doc):
        if isinstance(doc, dict):
            for v in doc.values():
                collect(v)
        elif isinstance(doc, list):
            for v in doc:
                collect(v)
        elif isinstance(doc, str) and doc != IGNORED and not doc.startswith("http"):
            values.setdefault(doc, f"x{rng.randrange(10**9)}-{len(values)}")
        elif isinstance(doc, float) and not isinstance(doc, bool):
            values.setdefault(doc, round(doc + rng.randrange(1, 1000) + 0.25, 2))

    collect(v1)
    # codes drive lookups; keep those that name a code or a date shape stable
    keep = {k for k in values if isinstance(k, str) and (len(k) <= 2 or k[:4].isdigit())}

    def change(doc, key=None):
        if isinstance(doc, dict):
            return {k: change(v, k) for k, v in doc.items()}
        if isinstance(doc, list):
            return [change(v, key) for v in doc]
        if key not in ("value", "start", "end", "timingDate", "disposition"):
            return doc  # codes and vocabulary drive lookups; data values are what changes
        if doc in values and doc not in keep:
            return values[doc]
        return doc

    return change(v1), change(v2)


@pytest.mark.reference
def test_recall_is_robust_to_changed_values(bfd_responses):
    rng = random.Random(7)
    mapping = load_mappings()
    before, after = [], []
    for name in PAIRS[3:11]:
        v1, v2 = _pair(bfd_responses, name)
        before.append(score(map_resource(v1, mappings=mapping), v2))
        p1, p2 = _perturb(v1, v2, rng)
        assert p1 != v1
        after.append(score(map_resource(p1, mappings=mapping), p2))
    assert abs(total(before).recall - total(after).recall) < 0.02
