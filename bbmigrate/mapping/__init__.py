"""The declarative v1 (STU3) → v2 (R4 / CARIN BB) mapper.

Rules live in ``mappings/`` (YAML); this package loads them into a frozen model
(:mod:`.model`), validates them (:mod:`.loader`) and applies them with a small closed set of
generic operations (:mod:`.ops`, :mod:`.engine`).
"""

from __future__ import annotations

from .detect import detect_claim_type, is_r4, r4_marker
from .engine import map_resource, map_stream, map_with_provenance, unmapped
from .files import MapReport, map_file
from .loader import load_mappings
from .model import ConceptTable, Gap, MappingSet, Origin, Provenance, ResourceMap, Rule

__all__ = [
    "ConceptTable",
    "Gap",
    "MapReport",
    "MappingSet",
    "Origin",
    "Provenance",
    "ResourceMap",
    "Rule",
    "detect_claim_type",
    "is_r4",
    "load_mappings",
    "map_file",
    "map_resource",
    "map_stream",
    "map_with_provenance",
    "r4_marker",
    "unmapped",
]
