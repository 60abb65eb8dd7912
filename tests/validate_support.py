"""Helpers shared by the validate tests (imported, not a conftest: the shared one stays small)."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from reference_data import PACKAGES, skip_without

from bbmigrate.validate.packages import IG_PACKAGES, read_package

# BFD's test fixtures blank volatile values; give them well-formed stand-ins of the right type.
PLACEHOLDER = "IGNORED_FIELD"
_STAND_INS = {
    "lastUpdated": "2024-01-01T00:00:00.000-05:00",
    "created": "2024-01-01T00:00:00-05:00",
    "id": "placeholder-1",
    "reference": "#placeholder-1",
}


def packages_dir() -> Path:
    for name in IG_PACKAGES.values():
        skip_without(PACKAGES / name, "FHIR package")
    return PACKAGES


@cache
def _examples(ig: str) -> dict[str, dict]:
    return read_package(PACKAGES / IG_PACKAGES[ig], examples=True).examples


def examples(ig: str) -> dict[str, dict]:
    """Official CARIN examples of one IG version, by file name (fresh copies)."""
    packages_dir()
    return copy.deepcopy(_examples(ig))


def fill_placeholders(node: Any, key: str | None = None) -> Any:
    if isinstance(node, dict):
        return {k: fill_placeholders(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [fill_placeholders(v, key) for v in node]
    if node == PLACEHOLDER:
        return _STAND_INS.get(key or "", node)
    return node


def kinds(findings, *, severities=("error", "warning")) -> set[tuple[str, str]]:
    return {(f.rule, f.path) for f in findings if f.severity in severities}


def reference_resources(bfd_responses: Path) -> list[dict]:
    """Distinct resources of the reference v2 responses, placeholders filled."""
    from bbmigrate.jsonio import read_json
    from bbmigrate.validate.inputs import iter_resources

    found: dict[Any, dict] = {}
    for path in sorted((bfd_responses / "v2").glob("*.json")):
        if read_json(path)["resourceType"] == "CapabilityStatement":
            continue
        for resource, _ in iter_resources(str(path)):
            found[resource.get("id")] = fill_placeholders(resource)
    return list(found.values())


def sample_resources() -> list[dict]:
    """Every resource of the bundled samples, v1 (STU3: much of it invalid R4) and v2."""
    from bbmigrate.resources import samples_dir
    from bbmigrate.validate.inputs import iter_resources

    return [
        resource
        for path in sorted(Path(samples_dir()).glob("*/v[12]/*.json"))
        if path.name != "userinfo.json"
        for resource, _ in iter_resources(str(path))
    ]
