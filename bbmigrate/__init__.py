"""bbmigrate: move Blue Button 2.0 integrations from v1 (FHIR STU3) to v2 (FHIR R4 / CARIN BB)."""

from __future__ import annotations

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
from .mapping import (
    detect_claim_type,
    is_r4,
    load_mappings,
    map_resource,
    map_stream,
    map_with_provenance,
)

__version__ = "0.1.0"

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
