from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from bbmigrate.errors import InputError
from bbmigrate.snapshot.extension import FhirSnapshotExtension, canonical_json
from bbmigrate.snapshot.normalize import PLACEHOLDER, normalize, placeholder_matches


def searchset() -> dict:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "meta": {"lastUpdated": "2026-01-01T00:00:00Z"},
    }
    eob = {
        "resourceType": "ExplanationOfBenefit",
        "id": "e1",
        "meta": {"lastUpdated": "2026-01-02T00:00:00Z", "profile": ["http://x/p"]},
        "contained": [{"resourceType": "Organization", "id": "o", "meta": {"lastUpdated": "t"}}],
    }
    return {
        "resourceType": "Bundle",
        "id": "b-123",
        "timestamp": "2026-01-03T00:00:00Z",
        "link": [
            {
                "relation": "next",
                "url": "http://127.0.0.1:5001/v1/fhir/ExplanationOfBenefit?startIndex=10",
            }
        ],
        "entry": [
            {
                "fullUrl": "https://sandbox.bluebutton.cms.gov:443/v1/fhir/Patient/p1",
                "resource": patient,
            },
            {"fullUrl": "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", "resource": eob},
        ],
    }


def test_default_volatile_fields_are_replaced_in_a_copy() -> None:
    original = searchset()
    before = copy.deepcopy(original)
    out = normalize(original)
    assert original == before
    assert out["id"] == PLACEHOLDER and out["timestamp"] == PLACEHOLDER
    assert (
        out["link"][0]["url"]
        == "https://localhost:IGNORED_FIELD/v1/fhir/ExplanationOfBenefit?startIndex=10"
    )
    assert out["entry"][0]["fullUrl"] == "https://localhost:IGNORED_FIELD/v1/fhir/Patient/p1"
    assert out["entry"][1]["fullUrl"] == before["entry"][1]["fullUrl"]  # not a server URL
    eob = out["entry"][1]["resource"]
    assert eob["meta"] == {"lastUpdated": PLACEHOLDER, "profile": ["http://x/p"]}
    assert eob["contained"][0]["meta"]["lastUpdated"] == PLACEHOLDER
    assert out["entry"][0]["resource"]["meta"]["lastUpdated"] == PLACEHOLDER
    # Ids of resources that are not Bundles are data, not volatile.
    assert eob["id"] == "e1" and eob["contained"][0]["id"] == "o"


def test_ignore_paths_use_jsonpath_ng_with_filters() -> None:
    eob = {
        "meta": {"versionId": "3"},
        "item": [{"sequence": 1}, {"sequence": 2}],
        "extension": [{"url": "a", "valueDate": "2020"}, {"url": "b", "valueDate": "2021"}],
    }
    out = normalize(
        eob,
        ignore=[
            "$.meta.versionId",
            "$.item[*].sequence",
            "$.extension[?(@.url=='b')].valueDate",
            "$.absent",
        ],
    )
    assert out == {
        "meta": {"versionId": PLACEHOLDER},
        "item": [{"sequence": PLACEHOLDER}, {"sequence": PLACEHOLDER}],
        "extension": [{"url": "a", "valueDate": "2020"}, {"url": "b", "valueDate": PLACEHOLDER}],
    }


def test_bad_ignore_path_names_the_path() -> None:
    with pytest.raises(InputError) as info:
        normalize({}, ignore=["$.item["])
    assert str(info.value).startswith("'$.item[': invalid jsonpath")
    with pytest.raises(InputError):
        FhirSnapshotExtension(ignore=["$..[?(@.x="])


def test_accepts_json_text_models_and_decimals() -> None:
    from fhir.resources.R4B.patient import Patient

    model = Patient(id="p1", birthDate="1950-02-03", meta={"lastUpdated": "2026-01-01T00:00:00Z"})
    assert normalize(model) == {
        "resourceType": "Patient",
        "id": "p1",
        "birthDate": "1950-02-03",
        "meta": {"lastUpdated": PLACEHOLDER},
    }
    assert normalize('{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(InputError, match=r"^snapshot data: invalid JSON at line 2, column 1"):
        normalize('{"a":\n}')
    assert normalize({"value": Decimal("12.5"), "t": (1, 2)}) == {"value": 12.5, "t": [1, 2]}


@pytest.mark.parametrize(
    ("stored", "received", "accepted"),
    [
        (PLACEHOLDER, "anything", True),
        (PLACEHOLDER, {"an": "object"}, True),
        (PLACEHOLDER, None, True),
        ("https://localhost:IGNORED_FIELD/v2/fhir", "https://localhost:8443/v2/fhir", True),
        ("https://localhost:IGNORED_FIELD/v2/fhir", "https://localhost:8443/v1/fhir", False),
        ("https://localhost:IGNORED_FIELD/v2/fhir", 8443, False),
        ("plain", "plain", False),  # no placeholder: compared normally, not here
        ("#IGNORED_FIELD", "#contained-1", True),
    ],
)
def test_placeholder_matching(stored: object, received: object, accepted: bool) -> None:
    assert placeholder_matches(stored, received) is accepted


def test_canonical_json_sorts_keys_keeps_lists_and_utf8() -> None:
    data = {"b": [3, 1, 2], "a": {"z": "é", "y": None}, "c": 1.5}
    text = canonical_json(data)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text.encode("utf-8").count("é".encode()) == 1


def test_syrupy_filters_and_matchers_still_apply() -> None:
    from syrupy.filters import paths
    from syrupy.matchers import path_type

    resource = {"resourceType": "Patient", "id": "p1", "text": {"div": "<div/>"}, "gender": "f"}
    extension = FhirSnapshotExtension()
    excluded = json.loads(extension.serialize(resource, exclude=paths("text")))
    assert excluded == {"resourceType": "Patient", "id": "p1", "gender": "f"}
    matched = json.loads(extension.serialize(resource, matcher=path_type({"id": (str,)})))
    assert matched["id"] != "p1" and matched["gender"] == "f"


def test_dataclass_reports_serialize_as_json() -> None:
    from dataclasses import dataclass

    @dataclass
    class Change:
        path: str
        old: object
        new: object

    text = FhirSnapshotExtension().serialize({"changes": [Change("status", "a", "b")]})
    assert json.loads(text) == {"changes": [{"path": "status", "old": "a", "new": "b"}]}
