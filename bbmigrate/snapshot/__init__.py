"""Snapshot testing of FHIR resources with syrupy (the ``fhir_snapshot`` pytest fixture).

Installing bbmigrate registers the plugin (``bbmigrate.snapshot.plugin``); see docs/snapshots.md.
"""

from __future__ import annotations

from .assertion import FhirSnapshotAssertion
from .changes import FieldChange, field_changes
from .extension import FhirSnapshotExtension, canonical_json
from .normalize import PLACEHOLDER, normalize

__all__ = [
    "PLACEHOLDER",
    "FhirSnapshotAssertion",
    "FhirSnapshotExtension",
    "FieldChange",
    "canonical_json",
    "field_changes",
    "normalize",
]
