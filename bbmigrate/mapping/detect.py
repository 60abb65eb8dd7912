"""Which resource, version and claim type an input is, driven by the ``detection`` table.

The markers live in ``mappings/concepts/detection.yaml``: paths that only an R4 (v2) resource
has, the path of the EOB claim-type code and the table that names the claim type.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..errors import InputError
from .access import first_reader, flat_reader
from .loader import load_mappings
from .model import MappingSet
from .paths import EACH, FIELD, compile_path, values

SUPPORTED = ("Patient", "Coverage", "ExplanationOfBenefit", "Bundle")


def _detection(mapping: MappingSet) -> Any:
    table = mapping.tables.get("detection")
    if table is None:
        raise InputError("no 'detection' concept table in the mappings", where=mapping.root)
    return table


def r4_marker(resource: dict, mapping: MappingSet | None = None) -> str | None:
    """The first v2-only element ``resource`` has (None for a plausible v1 resource)."""
    mapping = mapping or load_mappings()
    rtype = resource.get("resourceType")
    key = ("r4_markers", rtype if isinstance(rtype, str) else None)
    compiled = mapping.memo.get(key)
    if compiled is None:  # the markers of a resource type, compiled once per mapping set
        markers = _detection(mapping).get("r4_markers") or {}
        texts = [*markers.get(key[1], []), *markers.get("*", [])]
        compiled = []
        for text in texts:
            path = compile_path(text.partition("~")[0])
            flat = path and all(step[0] in (FIELD, EACH) for step in path)
            get = flat_reader(path) if flat else partial(values, path=path)
            compiled.append((text, path, text.partition("~")[2], get))
        mapping.memo[key] = compiled
    for text, path, want, get in compiled:
        if path and path[0][1] not in resource:  # most markers: the first field is absent
            continue
        for value in get(resource):
            if not want:
                return text
            for text_value in value if isinstance(value, list) else (value,):  # no generator
                if isinstance(text_value, str) and want in text_value:
                    return text
    return None


def is_r4(resource: dict, mapping: MappingSet | None = None) -> bool:
    """True when ``resource`` looks like FHIR R4 / BB2 v2 rather than STU3 / v1."""
    return r4_marker(resource, mapping) is not None


def detect_claim_type(eob: dict, mapping: MappingSet | None = None) -> str:
    """The claim type of a v1 (or v2) EOB: one of the names in ``mapping.claim_types``."""
    mapping = mapping or load_mappings()
    detection = _detection(mapping)
    names = mapping.tables.get(detection.get("claim_type_table"))
    get = mapping.memo.get("claim_type_path")
    if get is None:
        path = compile_path(detection.get("claim_type_path"))
        get = mapping.memo["claim_type_path"] = first_reader(path)
    code = get(eob)
    name = names.get(code) if code is not None and names is not None else None
    if name:
        return str(name)
    prefix = str(eob.get("id", "")).split("-", 1)[0].lower()
    if prefix in mapping.claim_types:
        return prefix
    known = ", ".join(mapping.claim_types)
    raise InputError(f"unknown claim type {code or prefix!r} (known: {known})")
