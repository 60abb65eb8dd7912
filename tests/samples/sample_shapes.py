"""Shape paths: the structure of a FHIR JSON document with its values and list positions removed.

A shape path is the JSON path of a leaf where each list item is named by the KIND of thing it is
(its extension url, identifier or coding system, category/role/type codes, resource type) rather
than by its index, so two claims with different data but the same structure share their paths.
"""

from __future__ import annotations

import re
from typing import Any

_BB = "https://bluebutton.cms.gov/resources/"
_VARIABLES = _BB + "variables/"
# Diagnosis and procedure code systems: their codes are clinical data, not kinds of element.
_DATA_SYSTEMS = {
    "http://hl7.org/fhir/sid/icd-10-cm",
    "http://hl7.org/fhir/sid/icd-10",
    "http://hl7.org/fhir/sid/icd-9-cm",
    "http://www.cms.gov/Medicare/Coding/ICD10",
}
# A numbered variable (icd_dgns_cd7, clm_poa_ind_sw20, dual_03) is the same kind as its
# siblings: how many of them a claim carries is data.
_NUMBERED = re.compile(r"(" + re.escape(_VARIABLES) + r"[a-z_]*?[a-z_])\d+$")


def _kind_of_coding(coding: dict[str, Any]) -> str:
    system = str(coding.get("system", ""))
    # A code drawn from a BB variable's own value set is data (e.g. the line's type of service),
    # so only its system names the kind; codes of the other systems are the kind itself.
    if system.startswith(_VARIABLES):
        return _NUMBERED.sub(r"\1#", system)
    if system in _DATA_SYSTEMS:
        return system
    return f"{system}|{coding.get('code', '')}"


def _codes(concept: Any) -> str:
    """Comma-joined kinds of the codings of a CodeableConcept (or a list of them), sorted."""
    concepts = concept if isinstance(concept, list) else [concept]
    keys = sorted(
        _kind_of_coding(c)
        for cc in concepts
        if isinstance(cc, dict)
        for c in cc.get("coding", [])
        if isinstance(c, dict)
    )
    return ",".join(keys)


def item_kind(item: Any) -> str:
    """The discriminator kind that names a list item in a shape path."""
    if not isinstance(item, dict):
        return ""
    if "url" in item:
        return "url=" + _NUMBERED.sub(r"\1#", str(item["url"]))
    if "resourceType" in item:
        return f"rt={item['resourceType']}"
    if "relation" in item:
        return f"relation={item['relation']}"
    for key in ("category", "role"):
        if key in item and isinstance(item[key], dict | list):
            return f"{key}={_codes(item[key])}"
    if "system" in item:
        return f"system={item['system']}"
    if isinstance(item.get("type"), dict | list):
        return f"type={_codes(item['type'])}"
    return ""


def shape_paths(doc: Any, prefix: str = "") -> set[str]:
    """All shape paths of the leaves of ``doc``."""
    out: set[str] = set()
    _walk(doc, prefix, out)
    return out


def _walk(node: Any, path: str, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _walk(value, f"{path}.{key}" if path else key, out)
    elif isinstance(node, list):
        for item in node:
            _walk(item, f"{path}[{item_kind(item)}]", out)
    else:
        out.add(path.replace(_BB, "BB/"))


def overlap(mine: set[str], reference: set[str]) -> tuple[float, float]:
    """(share of the reference's paths present in mine, share of mine present in the reference)."""
    shared = mine & reference
    return len(shared) / max(len(reference), 1), len(shared) / max(len(mine), 1)
