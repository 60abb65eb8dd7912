"""Validate R4 resources against base FHIR R4 and the CARIN Blue Button profiles, without Java.

Three layers: base R4 structure (``structure``), CARIN profile rules compiled from the IG
snapshots (``profiles`` + ``profile_rules``) and the profiles' FHIRPath invariants
(``invariants``). ``Validator`` checks single resources; ``validate_path`` a whole input.
"""

from __future__ import annotations

from .engine import ResourceResult, Validator, choose_profile, claim_type
from .findings import Finding
from .profiles import DEFAULT_IG, IG_VERSIONS, load_ruleset
from .report import Report, render, validate_path, validate_resources

__all__ = [
    "DEFAULT_IG",
    "IG_VERSIONS",
    "Finding",
    "Report",
    "ResourceResult",
    "Validator",
    "choose_profile",
    "claim_type",
    "load_ruleset",
    "render",
    "validate_path",
    "validate_resources",
]
