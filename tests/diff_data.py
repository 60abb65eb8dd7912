"""Small synthetic v1/v2 documents for the diff tests (no reference data needed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

PATIENT_V1: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "-20000000001234",
    "meta": {"lastUpdated": "2024-01-01T00:00:00Z"},
    "identifier": [
        {
            "system": "https://bluebutton.cms.gov/resources/identifier/mbi-hash",
            "value": "abc123hash",
        },
        {"system": "http://hl7.org/fhir/sid/us-mbi", "value": "1S00E00AA01"},
    ],
    "name": [{"use": "usual", "family": "Quintero", "given": ["Ximena", "Q"]}],
    "gender": "female",
    "birthDate": "1951-04-23",
    "address": [{"state": "06", "postalCode": "94107"}],
}

PATIENT_V2: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "-20000000001234",
    "meta": {
        "lastUpdated": "2025-06-01T00:00:00Z",
        "profile": ["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient"],
    },
    "identifier": [
        {
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MC"}
                ]
            },
            "system": "http://hl7.org/fhir/sid/us-mbi",
            "value": "1S00E00AA01",
        }
    ],
    "name": [{"use": "usual", "family": "Quintero", "given": ["Ximena", "Q"]}],
    "gender": "female",
    "birthDate": "1951-04-23",
    "address": [{"state": "06", "postalCode": "94107"}],
}

EOB_V1: dict[str, Any] = {
    "resourceType": "ExplanationOfBenefit",
    "id": "carrier-10000930037",
    "identifier": [
        {"system": "https://bluebutton.cms.gov/resources/variables/clm_id", "value": "10000930037"}
    ],
    "patient": {"reference": "Patient/-20000000001234"},
    "extension": [
        {
            "url": "https://bluebutton.cms.gov/resources/variables/nch_clm_prvdr_pmt_amt",
            "valueMoney": {"value": 123.45, "system": "urn:iso:std:iso:4217", "code": "USD"},
        }
    ],
    "careTeam": [
        {
            "sequence": 1,
            "provider": {"identifier": {"value": "9990000001"}, "display": "Dr. Aurelio Brannigan"},
        }
    ],
    "item": [
        {
            "sequence": 1,
            "service": {
                "coding": [
                    {
                        "system": "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
                        "code": "92999",
                    }
                ]
            },
            "quantity": {"value": 1},
        }
    ],
}

EOB_V2: dict[str, Any] = {
    "resourceType": "ExplanationOfBenefit",
    "id": "carrier-10000930037",
    "identifier": [
        {"system": "https://bluebutton.cms.gov/resources/variables/clm_id", "value": "10000930037"}
    ],
    "patient": {"reference": "Patient/-20000000001234"},
    "benefitBalance": [
        {
            "financial": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "https://bluebutton.cms.gov/resources/codesystem/benefit-balance",
                                "code": "https://bluebutton.cms.gov/resources/variables/nch_clm_prvdr_pmt_amt",
                            }
                        ]
                    },
                    "usedMoney": {"value": 123.45, "currency": "USD"},
                }
            ]
        }
    ],
    "careTeam": [
        {
            "sequence": 1,
            "provider": {"identifier": {"value": "9990000001"}, "display": "Dr. Aurelio Brannigan"},
        }
    ],
    "item": [
        {
            "sequence": 1,
            "productOrService": {
                "coding": [
                    {
                        "system": "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
                        "code": "92999",
                    }
                ]
            },
            "quantity": {"value": 2},
        }
    ],
}


def write_beneficiary(root: Path, *, v2_changes: dict[str, Any] | None = None) -> Path:
    """A fetch-output folder (v1/ and v2/) with one Patient and one EOB Bundle."""
    for version, patient, eob in (("v1", PATIENT_V1, EOB_V1), ("v2", PATIENT_V2, EOB_V2)):
        folder = root / version
        folder.mkdir(parents=True, exist_ok=True)
        eob = copy.deepcopy(eob)
        if version == "v2" and v2_changes:
            eob.update(v2_changes)
        (folder / "Patient.json").write_text(json.dumps(patient))
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 1,
            "entry": [{"resource": eob}],
        }
        (folder / "ExplanationOfBenefit.json").write_text(json.dumps(bundle))
        (folder / "userinfo.json").write_text(json.dumps({"sub": "x", "name": "Ximena"}))
    return root
