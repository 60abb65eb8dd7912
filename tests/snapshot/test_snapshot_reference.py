"""BFD's own response files, with their "IGNORED_FIELD" placeholders, used as stored snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bbmigrate.jsonio import read_json
from bbmigrate.snapshot.extension import FhirSnapshotExtension, canonical_json
from bbmigrate.snapshot.normalize import PLACEHOLDER

pytestmark = pytest.mark.reference


def filled(node: Any) -> Any:
    """What a live server might send where BFD wrote the placeholder."""
    if isinstance(node, dict):
        return {key: filled(value) for key, value in node.items()}
    if isinstance(node, list):
        return [filled(value) for value in node]
    if node == PLACEHOLDER:
        return "2026-11-28T10:11:12.123+00:00"
    if isinstance(node, str) and PLACEHOLDER in node:
        # BFD's "https://localhost:IGNORED_FIELD/..." stands for a port.
        return node.replace("localhost:" + PLACEHOLDER, "localhost:8443").replace(PLACEHOLDER, "c1")
    return node


def first_plain_leaf(node: Any, path: tuple = ()) -> tuple | None:
    """Path to the first string that is not a placeholder, url or resourceType, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if isinstance(value, (dict, list)):
            found = first_plain_leaf(value, (*path, key))
            if found:
                return found
        elif (
            isinstance(value, str)
            and PLACEHOLDER not in value
            and key not in ("url", "system", "resourceType")
        ):
            return (*path, key)
    return None


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_bfd_files_match_live_like_responses_and_catch_a_change(
    bfd_responses: Path, version: str
) -> None:
    extension = FhirSnapshotExtension()
    files = sorted((bfd_responses / version).glob("*.json"))
    assert files
    for path in files:
        stored = read_json(path)
        received = filled(stored)
        snapshot = canonical_json(stored)
        assert extension.matches(
            serialized_data=extension.serialize(received), snapshot_data=snapshot
        ), path.name

        leaf = first_plain_leaf(stored)
        assert leaf is not None, path.name
        parent = received
        for key in leaf[:-1]:
            parent = parent[key]
        parent[leaf[-1]] = parent[leaf[-1]] + "-changed"
        changes = extension.changes(extension.serialize(received), snapshot)
        assert changes is not None and len(changes) == 1, (path.name, changes)
        assert changes[0].kind == "changed" and changes[0].new.endswith("-changed")
        assert changes[0].path.endswith(str(leaf[-1])), (path.name, changes[0].path)
