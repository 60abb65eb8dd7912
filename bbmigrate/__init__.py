"""bbmigrate: move Blue Button 2.0 integrations from v1 (FHIR STU3) to v2 (FHIR R4 / CARIN BB)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ApiError,
    AuthError,
    BBMigrateError,
    FetchError,
    InputError,
    MappingError,
    MappingFileError,
    OutputError,
    RuleError,
)

__version__ = "0.1.0"

# The mapper (and its YAML) loads on first use: the pytest plugin imports this package in every
# test run of a project that installs bbmigrate, and most runs never map anything.
_MAPPING_NAMES = frozenset(
    {
        "detect_claim_type",
        "is_r4",
        "load_mappings",
        "map_resource",
        "map_stream",
        "map_with_provenance",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MAPPING_NAMES:
        from . import mapping

        return getattr(mapping, name)
    raise AttributeError(f"module 'bbmigrate' has no attribute {name!r}")


if TYPE_CHECKING:
    from .mapping import (
        detect_claim_type,
        is_r4,
        load_mappings,
        map_resource,
        map_stream,
        map_with_provenance,
    )

__all__ = [
    "ApiError",
    "AuthError",
    "BBMigrateError",
    "FetchError",
    "InputError",
    "MappingError",
    "MappingFileError",
    "OutputError",
    "RuleError",
    "__version__",
    "detect_claim_type",
    "is_r4",
    "load_mappings",
    "map_resource",
    "map_stream",
    "map_with_provenance",
]
