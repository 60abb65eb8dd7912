"""Cross-check the aligner with DeepDiff as an independent oracle.

When v2 is v1 edited in place (values changed, keys deleted and added, no reordering) and no edit
touches a discriminator (so every untouched leaf keeps its semantic path), index paths and
semantic paths agree: DeepDiff's report must name exactly the leaves the aligner reports as
changed, removed and added, and every other leaf must be ``same`` at the same path.
"""

from __future__ import annotations

import copy
import json
import random

import pytest
from deepdiff import DeepDiff

from bbmigrate.diff.align import align
from bbmigrate.leaves import IGNORED, flatten

NAMES = ["patientRead", "coverageRead", "eobReadCarrier", "eobReadInpatient", "eobReadPde"]


def concrete(parts: list) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def edit(doc: dict, seed: int) -> dict:
    """Change some leaf values, delete some dict keys and add new ones, keeping list order."""
    rng = random.Random(seed)
    out = copy.deepcopy(doc)
    dicts = []

    def walk(node):
        if isinstance(node, dict):
            dicts.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(out)
    for node in rng.sample(dicts, min(12, len(dicts))):
        before = {leaf.path: leaf.key for leaf in flatten(out)}
        backup = dict(node)
        # IGNORED_FIELD means "any value" to the aligner, so editing it changes nothing
        scalar = [k for k, v in node.items() if isinstance(v, str | int | float) and v != IGNORED]
        action = rng.choice(["change", "delete", "add"])
        if action == "change" and scalar:
            key = rng.choice(scalar)
            node[key] = f"edited-{seed}-{key}"
        elif action == "delete" and len(node) > 1 and scalar:
            del node[rng.choice(scalar)]
        else:
            node[f"zzNew{seed}"] = "added value"
        after = {leaf.path: leaf.key for leaf in flatten(out)}
        if any(after[p] != k for p, k in before.items() if p in after):
            node.clear()
            node.update(backup)  # the edit re-keyed other leaves: not an in-place edit
    return out


def leaf_paths(parts: list, value) -> set[str]:
    base = concrete(parts)
    return (
        {
            f"{base}.{leaf.path}" if not leaf.path.startswith("[") else base + leaf.path
            for leaf in flatten(value)
        }
        if isinstance(value, dict | list)
        else {base}
    )


@pytest.mark.reference
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_aligner_agrees_with_deepdiff_on_in_place_edits(bfd_responses, name, seed):
    v1 = json.loads((bfd_responses / "v2" / f"{name}.json").read_text())
    v2 = edit(v1, seed)
    tree = DeepDiff(v1, v2, view="tree")
    expected = {"changed": set(), "removed": set(), "added": set()}
    for level in [*tree.get("values_changed", []), *tree.get("type_changes", [])]:
        expected["changed"].add(concrete(level.path(output_format="list")))
    for level in tree.get("dictionary_item_removed", []):
        expected["removed"] |= leaf_paths(level.path(output_format="list"), level.t1)
    for level in tree.get("dictionary_item_added", []):
        expected["added"] |= leaf_paths(level.path(output_format="list"), level.t2)
    assert any(expected.values())

    changes = align(v1, v2)
    got = {kind: set() for kind in expected}
    for change in changes:
        if change.kind in got:
            got[change.kind].add(change.v2_path if change.kind == "added" else change.v1_path)
        else:
            assert (change.kind, change.v1_path) == ("same", change.v2_path)
    assert got == expected
