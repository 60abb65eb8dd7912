"""Validate R4 resources against base FHIR R4 and the CARIN Blue Button profiles, without Java.

Three layers: base R4 structure (``structure``), CARIN profile rules compiled from the IG
snapshots (``profiles`` + ``profile_rules``) and the profiles' FHIRPath invariants
(``invariants``). ``Validator`` checks single resources; ``validate_path`` a whole input.

The names below load on first use (PEP 562): the validator's modules and data (rule set, R4
schema: ~30 ms), which ``bbmigrate validate --help`` or a command that only needs the IG
versions should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import ResourceResult, Validator, choose_profile, claim_type
    from .findings import Finding
    from .profiles import DEFAULT_IG, IG_VERSIONS, load_ruleset
    from .report import Report, render, validate_path, validate_resources

_HOME = {
    "ResourceResult": "engine",
    "Validator": "engine",
    "choose_profile": "engine",
    "claim_type": "engine",
    "Finding": "findings",
    "DEFAULT_IG": "profiles",
    "IG_VERSIONS": "profiles",
    "load_ruleset": "profiles",
    "Report": "report",
    "render": "report",
    "validate_path": "report",
    "validate_resources": "report",
}
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


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value
