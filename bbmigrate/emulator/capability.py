"""The sandbox's own CapabilityStatements (``/vN/fhir/metadata``) and SMART configuration.

Shaped like BFD's (STU3 for v1, R4 for v2) but describing what this emulator serves.
"""

from __future__ import annotations

from typing import Any

from .search import MAX_COUNT

_FHIR_VERSION = {"v1": "3.0.2", "v2": "4.0.1"}
_COMMON_PARAMS = [
    ("_count", "number", f"Page size; default 10, at most {MAX_COUNT} (alias: count)."),
    ("startIndex", "number", "Offset of the first entry of the page."),
    ("_lastUpdated", "date", "lt/le/gt/ge comparison on meta.lastUpdated; repeat for a range."),
]
_SEARCH_PARAMS = {
    "Patient": [("_id", "token", "The logical id (must be the token's patient).")],
    "Coverage": [("beneficiary", "reference", "The token's patient.")],
    "ExplanationOfBenefit": [
        ("patient", "reference", "The token's patient."),
        (
            "type",
            "token",
            "Claim types: carrier, dme, hha, hospice, inpatient, outpatient, pde, snf.",
        ),
        ("service-date", "date", "lt/le/gt/ge comparison on the billable period."),
    ],
}


def _resource(version: str, resource: str) -> dict[str, Any]:
    params = [
        {"name": name, "type": kind, "documentation": doc}
        for name, kind, doc in _SEARCH_PARAMS[resource] + _COMMON_PARAMS
    ]
    profile = (
        f"http://hl7.org/fhir/{'Profile' if version == 'v1' else 'StructureDefinition'}/{resource}"
    )
    return {
        "type": resource,
        "profile": {"reference": profile} if version == "v1" else profile,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": params,
    }


def capability_statement(version: str, base_url: str) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-01-01",
        "publisher": "bbmigrate sandbox emulator",
        "kind": "instance",
        "software": {"name": "bbmigrate Blue Button 2.0 sandbox emulator", "version": "1"},
        "implementation": {"description": "Local BB2 sandbox emulator", "url": base_url},
        "fhirVersion": _FHIR_VERSION[version],
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "resource": [_resource(version, r) for r in sorted(_SEARCH_PARAMS)],
            }
        ],
    }
    if version == "v1":
        statement["acceptUnknown"] = "extensions"
    return statement


def smart_configuration(root_url: str, version: str) -> dict[str, Any]:
    return {
        "authorization_endpoint": f"{root_url}/{version}/o/authorize/",
        "token_endpoint": f"{root_url}/{version}/o/token/",
        "revocation_endpoint": f"{root_url}/{version}/o/revoke_token/",
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["profile"]
        + [f"patient/{r}.{s}" for r in sorted(_SEARCH_PARAMS) for s in ("read", "rs")],
        "capabilities": ["client-confidential-symmetric", "context-standalone-patient"],
    }
