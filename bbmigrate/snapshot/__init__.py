"""Snapshot testing of FHIR resources with syrupy (the ``fhir_snapshot`` pytest fixture)."""
