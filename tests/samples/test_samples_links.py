"""Internal references of every sample EOB resolve (careTeam, diagnosis, supportingInfo, #ids)."""

from __future__ import annotations

from typing import Any

import pytest
from sample_files import SAMPLES, VERSIONS, eobs, index

LINKS = {
    "v1": {"careTeamLinkId": "careTeam", "diagnosisLinkId": "diagnosis"},
    "v2": {
        "careTeamSequence": "careTeam",
        "diagnosisSequence": "diagnosis",
        "informationSequence": "supportingInfo",
    },
}


def _local_references(node: Any) -> list[str]:
    if isinstance(node, list):
        return [r for item in node for r in _local_references(item)]
    if not isinstance(node, dict):
        return []
    found = [node["reference"]] if str(node.get("reference", "")).startswith("#") else []
    inner = [r for key, v in node.items() if key != "contained" for r in _local_references(v)]
    return found + inner


@pytest.mark.parametrize("version", VERSIONS)
def test_item_links_point_at_existing_elements(version):
    checked = 0
    for _, eob in eobs(version):
        for key in ("careTeam", "diagnosis", "supportingInfo", "information", "procedure", "item"):
            sequences = [e["sequence"] for e in eob.get(key, [])]
            assert len(sequences) == len(set(sequences)), (eob["id"], key)
        for item in eob["item"]:
            for link, target in LINKS[version].items():
                existing = {e["sequence"] for e in eob.get(target, [])}
                for seq in item.get(link, []):
                    assert seq in existing, (eob["id"], item["sequence"], link, seq)
                    checked += 1
    assert checked > 40


@pytest.mark.parametrize("version", VERSIONS)
def test_contained_references_resolve_and_nothing_is_contained_for_nothing(version):
    for _, eob in eobs(version):
        ids = {"#" + c["id"] for c in eob.get("contained", [])}
        refs = set(_local_references(eob))
        assert refs == ids, eob["id"]


def test_readme_describes_the_current_samples():
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for entry in index()["beneficiaries"]:
        assert f"`{entry['id']}` | {entry['name']} | {entry['eob_count']} |" in readme
