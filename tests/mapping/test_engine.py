"""The engine on small hand-made v1 resources: ops, links, validity, detection and errors."""

from __future__ import annotations

import pytest

from bbmigrate import detect_claim_type, is_r4, map_resource, map_with_provenance
from bbmigrate.errors import InputError
from bbmigrate.mapping import unmapped

BB = "https://bluebutton.cms.gov/resources/variables/"


def _eob(kind: str = "CARRIER") -> dict:
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"{kind.lower()}-42",
        "meta": {"lastUpdated": "2024-01-02T03:04:05.000+00:00"},
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "https://bluebutton.cms.gov/resources/codesystem/eob-type",
                    "code": kind,
                },
                {"system": "http://hl7.org/fhir/ex-claimtype", "code": "professional"},
            ]
        },
        "patient": {"reference": "Patient/7"},
        "extension": [
            {
                "url": BB + "nch_clm_prvdr_pmt_amt",
                "valueMoney": {"value": 12.5, "system": "urn:iso:std:iso:4217", "code": "USD"},
            },
            {
                "url": BB + "some_new_variable",
                "valueMoney": {"value": 3.0, "system": "urn:iso:std:iso:4217", "code": "USD"},
            },
        ],
        "careTeam": [
            {
                "sequence": 7,
                "provider": {
                    "identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "99"}
                },
                "role": {
                    "coding": [
                        {"system": "http://hl7.org/fhir/claimcareteamrole", "code": "primary"}
                    ]
                },
            },
        ],
        "diagnosis": [
            {
                "sequence": 3,
                "diagnosisCodeableConcept": {
                    "coding": [
                        {"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z01", "display": "X"}
                    ]
                },
            },
        ],
        "insurance": {"coverage": {"reference": "Coverage/part-b-7"}},
        "item": [
            {
                "sequence": 1,
                "careTeamLinkId": [7],
                "diagnosisLinkId": [3],
                "service": {
                    "coding": [
                        {
                            "system": "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
                            "version": "5",
                            "code": "A1",
                        }
                    ]
                },
                "adjudication": [
                    {
                        "category": {
                            "coding": [
                                {
                                    "system": "https://bluebutton.cms.gov/resources/codesystem/adjudication",
                                    "code": BB + "line_nch_pmt_amt",
                                }
                            ]
                        },
                        "amount": {"value": 1.0, "system": "urn:iso:std:iso:4217", "code": "USD"},
                    }
                ],
            }
        ],
    }


def test_eob_core_patterns():
    out = map_resource(_eob())
    assert out["meta"]["profile"][0].endswith("C4BB-ExplanationOfBenefit-Professional-NonClinician")
    assert out["insurance"] == [{"focal": True, "coverage": {"reference": "Coverage/part-b-7"}}]
    # Money moved to benefitBalance; an unknown variable stays an extension with R4 Money
    financial = out["benefitBalance"][0]["financial"][0]
    assert financial["usedMoney"] == {"value": 12.5, "currency": "USD"}
    assert out["extension"] == [
        {"url": BB + "some_new_variable", "valueMoney": {"value": 3.0, "currency": "USD"}}
    ]
    # renumbered careTeam and diagnosis, links follow
    assert out["careTeam"][0]["sequence"] == 1 and out["item"][0]["careTeamSequence"] == [1]
    assert out["diagnosis"][0]["sequence"] == 1 and out["item"][0]["diagnosisSequence"] == [1]
    assert out["careTeam"][0]["role"]["coding"][0]["code"] == "performing"
    coding = out["item"][0]["productOrService"]["coding"][0]
    assert coding == {
        "system": "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
        "code": "A1",
    }
    cats = [c["code"] for c in out["item"][0]["adjudication"][0]["category"]["coding"]]
    assert cats == ["benefit", BB + "line_nch_pmt_amt"]
    systems = [c["system"] for c in out["diagnosis"][0]["diagnosisCodeableConcept"]["coding"]]
    assert systems == ["http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"]


def test_output_parses_as_r4_and_has_no_empty_elements():
    from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

    out = map_resource(_eob())
    ExplanationOfBenefit.model_validate(out)
    _assert_no_empty(out)


def _assert_no_empty(value, path="$"):
    assert value not in ({}, [], ""), path
    if isinstance(value, dict):
        for key, child in value.items():
            _assert_no_empty(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _assert_no_empty(child, f"{path}[{i}]")


def test_provenance_paths_are_concrete():
    out, records = map_with_provenance(_eob())
    by_v1 = {r.v1_path: r for r in records if r.v1_path}
    amount = by_v1["item[0].adjudication[0].amount.value"]
    assert amount.v2_path == "item[0].adjudication[0].amount.value"
    moved = by_v1["extension[0].valueMoney.value"]
    assert moved.v2_path == "benefitBalance[0].financial[0].usedMoney.value"
    assert by_v1["item[0].service.coding[0].version"].v2_path is None
    constants = [r for r in records if r.v1_path is None]
    assert any(r.v2_path == "use" for r in constants)
    for r in records:
        if r.v2_path:
            node = out
            for part in r.v2_path.replace("[", ".[").split("."):
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]


def test_unmapped_lists_nothing_for_known_elements_and_names_new_ones():
    eob = _eob()
    assert unmapped(eob) == []
    eob["brandNewElement"] = {"x": 1}
    assert unmapped(eob) == ["brandNewElement.x"]


def test_claim_type_detection_and_unknown_type():
    assert detect_claim_type(_eob("PDE")) == "pde"
    bad = _eob("SPACESHIP")
    bad["id"] = "spaceship-1"
    with pytest.raises(InputError, match="unknown claim type 'SPACESHIP'"):
        map_resource(bad)


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "ExplanationOfBenefit", "id": "x", "supportingInfo": []},
        {"resourceType": "Coverage", "id": "x", "class": [{"value": "A"}]},
        {
            "resourceType": "Patient",
            "meta": {
                "profile": ["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient"]
            },
        },
    ],
)
def test_r4_input_is_refused(resource):
    assert is_r4(resource)
    with pytest.raises(InputError, match="looks like v2/R4"):
        map_resource(resource)


def test_unsupported_resource_type():
    with pytest.raises(InputError, match="unsupported resourceType 'Observation'"):
        map_resource({"resourceType": "Observation"})
