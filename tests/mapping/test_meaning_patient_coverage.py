"""What mapping a v1 Patient and Coverage to v2 must mean, without the reference data.

Expectations are written by hand from the mapping analysis (B.5-B.8, B.25, B.26) and checked, as
for the EOBs, on our v2 samples and on our mapping of their v1 twins.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from bbmigrate import map_resource
from bbmigrate.jsonio import read_json
from bbmigrate.resources import samples_dir

HL7 = "http://terminology.hl7.org/CodeSystem/"
C4BB_PROFILE = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
BB_VAR = "https://bluebutton.cms.gov/resources/variables/"
MBI = "http://hl7.org/fhir/sid/us-mbi"
MBI_HASH = "https://bluebutton.cms.gov/resources/identifier/mbi-hash"
US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
SIDES = ["v2-sample", "mapped-v1"]


def _beneficiaries() -> list:
    return sorted(p for p in samples_dir().iterdir() if (p / "v1" / "Patient.json").is_file())


def _resources(folder, version: str, name: str) -> Iterator[dict]:
    doc = read_json(folder / version / f"{name}.json")
    if doc["resourceType"] == "Bundle":
        yield from (entry["resource"] for entry in doc["entry"])
    else:
        yield doc


def _pairs(name: str, side: str) -> list[tuple[dict, dict]]:
    found = []
    for folder in _beneficiaries():
        v2 = {r["id"]: r for r in _resources(folder, "v2", name)}
        for v1 in _resources(folder, "v1", name):
            found.append((v1, v2[v1["id"]] if side == "v2-sample" else map_resource(v1)))
    assert found, f"no {name} in the samples"
    return found


def _codings(concept: dict | None) -> list[tuple[str, str]]:
    return [(c.get("system"), c.get("code")) for c in (concept or {}).get("coding", [])]


@pytest.mark.parametrize("side", SIDES)
def test_coverage(side):
    parts = set()
    for v1, v2 in _pairs("Coverage", side):
        assert v2["meta"]["profile"] == [C4BB_PROFILE + "C4BB-Coverage"]
        assert _codings(v2["type"]) == [(HL7 + "v3-ActCode", "SUBSIDIZ")]
        # grouping.subGroup / subPlan become the group and plan classes.
        classes = {_codings(c["type"])[0]: c["value"] for c in v2["class"]}
        assert classes == {
            (HL7 + "coverage-class", "group"): v1["grouping"]["subGroup"],
            (HL7 + "coverage-class", "plan"): v1["grouping"]["subPlan"],
        }
        assert "grouping" not in v2
        assert _codings(v2["relationship"]) == [(HL7 + "subscriber-relationship", "self")]
        assert v2["payor"] == [
            {"identifier": {"value": "Centers for Medicare and Medicaid Services"}}
        ]
        assert (v2["status"], v2["beneficiary"]) == (v1["status"], v1["beneficiary"])
        # The BB extensions carry over, url for url.
        assert [e["url"] for e in v1.get("extension", [])] == [
            e["url"] for e in v2.get("extension", [])
        ]
        parts.add(v1["grouping"]["subPlan"])
    assert {"Part A", "Part B", "Part D"} <= parts


@pytest.mark.parametrize("side", SIDES)
def test_patient(side):
    for v1, v2 in _pairs("Patient", side):
        assert v2["meta"]["profile"] == [C4BB_PROFILE + "C4BB-Patient"]
        identifiers = {i["system"]: i for i in v2["identifier"]}
        # B.8: the hashed MBI is dropped; B.5: bene_id is typed as the member number.
        assert MBI_HASH not in identifiers
        assert _codings(identifiers[BB_VAR + "bene_id"]["type"]) == [(HL7 + "v2-0203", "MB")]
        bene_id = next(i for i in v1["identifier"] if i["system"] == BB_VAR + "bene_id")
        assert identifiers[BB_VAR + "bene_id"]["value"] == bene_id["value"]
        # B.25: the BB race extension stays, and US Core race is added as Unknown.
        urls = [e["url"] for e in v2["extension"]]
        assert BB_VAR + "race" in urls
        [race] = [e for e in v2["extension"] if e["url"] == US_CORE_RACE]
        omb = next(e for e in race["extension"] if e["url"] == "ombCategory")
        assert (omb["valueCoding"]["system"], omb["valueCoding"]["code"]) == (
            HL7 + "v3-NullFlavor",
            "UNK",
        )
        for key in ("name", "gender", "birthDate", "address"):
            assert v2.get(key) == v1.get(key), key


def test_an_mbi_is_typed_and_keeps_its_currency():
    """B.5/B.7: a v1 MBI (sent with IncludeIdentifiers) gets v2-0203 MC, and its currency
    extension moves into the type coding."""
    v1 = copy.deepcopy(next(_resources(_beneficiaries()[0], "v1", "Patient")))
    currency = {
        "url": "https://bluebutton.cms.gov/resources/codesystem/identifier-currency",
        "valueCoding": {
            "system": "https://bluebutton.cms.gov/resources/codesystem/identifier-currency",
            "code": "current",
            "display": "Current",
        },
    }
    v1["identifier"].append({"extension": [currency], "system": MBI, "value": "1EG4TE5MK72"})
    v2 = map_resource(v1)
    [mbi] = [i for i in v2["identifier"] if i.get("system") == MBI]
    assert mbi["value"] == "1EG4TE5MK72"
    [coding] = mbi["type"]["coding"]
    assert (coding["system"], coding["code"]) == (HL7 + "v2-0203", "MC")
    assert coding["extension"] == [currency]
    assert "extension" not in mbi
