"""Validate the mapper's output for the reference v1 responses, beside the real v2 responses.

Mapped output must be valid base R4 (layer 1): the mapper owns that. CARIN profile findings
are reported, not thresholded: BB2 v2 itself does not conform to CARIN (see docs/validate.md),
so the useful figure is mapped vs real v2, per IG version.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from validate_support import fill_placeholders, packages_dir

from bbmigrate import map_resource
from bbmigrate.jsonio import read_json
from bbmigrate.validate import Validator

pytestmark = pytest.mark.reference
_INDEX = re.compile(r"\[\d+\]")


def _resources(doc):
    return [e["resource"] for e in doc["entry"]] if doc["resourceType"] == "Bundle" else [doc]


@pytest.mark.parametrize("ig", ["1.1.0", "2.0.0"])
def test_mapped_v1_is_valid_r4_and_compares_with_real_v2(ig, bfd_responses, record_property):
    validator = Validator(ig, packages_dir())
    counts: Counter = Counter()
    kinds: dict[str, set] = {"mapped": set(), "real": set()}
    base_errors = []
    for path in sorted((bfd_responses / "v1").glob("*.json")):
        v1 = fill_placeholders(read_json(path))
        if v1["resourceType"] == "CapabilityStatement":
            continue
        real = fill_placeholders(read_json(bfd_responses / "v2" / path.name))
        for side, doc in (("mapped", map_resource(v1)), ("real", real)):
            for resource in _resources(doc):
                counts[f"{side} resources"] += 1
                for f in validator.validate(resource, source=path.name).findings:
                    counts[f"{side} {f.severity}"] += 1
                    kinds[side].add((f.rule, f.element or _INDEX.sub("", f.path)))
                    if side == "mapped" and f.severity == "error" and f.profile is None:
                        base_errors.append(f"{path.name} {f.resource} {f.path}: {f.message}")
    assert base_errors == []
    assert counts["mapped resources"] == counts["real resources"]
    new_kinds = sorted(f"{rule} {where}" for rule, where in kinds["mapped"] - kinds["real"])
    record_property("counts", dict(counts))
    record_property("finding kinds only in mapped output", new_kinds)
    print(f"\nCARIN {ig}: {dict(counts)}; kinds only in mapped output: {new_kinds}")
