"""v1 and v2 of each sample say the same thing: same patient, claims, dates and amounts."""

from __future__ import annotations

import pytest
from sample_files import SAMPLES, beneficiary_ids, eobs, load
from sample_variables import collect


def _pairs():
    v2 = {(bid, e["id"]): e for bid, e in eobs("v2")}
    for bid, e1 in eobs("v1"):
        yield bid, e1, v2.pop((bid, e1["id"]))
    assert not v2, f"EOBs only in v2: {sorted(v2)}"


PAIRS = list(_pairs())


@pytest.mark.parametrize("bid,v1,v2", PAIRS, ids=[f"{b}/{e['id']}" for b, e, _ in PAIRS])
def test_every_variable_in_both_versions_has_the_same_values(bid, v1, v2):
    a, b = collect(v1), collect(v2)
    shared = sorted(set(a) & set(b))
    assert len(shared) >= 10  # the comparison really sees the claim
    differing = {key: (a[key], b[key]) for key in shared if a[key] != b[key]}
    assert differing == {}


@pytest.mark.parametrize("bid,v1,v2", PAIRS, ids=[f"{b}/{e['id']}" for b, e, _ in PAIRS])
def test_same_patient_claim_ids_dates_and_payment(bid, v1, v2):
    assert v1["patient"] == v2["patient"] == {"reference": f"Patient/{bid}"}
    ids1 = {i["system"]: i["value"] for i in v1["identifier"]}
    ids2 = {i["system"]: i["value"] for i in v2["identifier"]}
    assert ids1 == ids2
    assert v1["billablePeriod"].get("start") == v2["billablePeriod"].get("start")
    assert v1["billablePeriod"].get("end") == v2["billablePeriod"].get("end")
    assert v1["payment"].get("date") == v2["payment"].get("date")
    assert v1["payment"].get("amount", {}).get("value") == v2["payment"].get("amount", {}).get(
        "value"
    )
    items1 = [(i["sequence"], i.get("servicedDate"), i.get("servicedPeriod")) for i in v1["item"]]
    items2 = [(i["sequence"], i.get("servicedDate"), i.get("servicedPeriod")) for i in v2["item"]]
    assert items1 == items2
    dx1 = [
        d["diagnosisCodeableConcept"]["coding"][0]["code"]
        for d in v1.get("diagnosis", [])
        if "diagnosisCodeableConcept" in d
    ]
    dx2 = [d["diagnosisCodeableConcept"]["coding"][0]["code"] for d in v2.get("diagnosis", [])]
    assert dx1 == dx2


@pytest.mark.parametrize("bid", beneficiary_ids())
@pytest.mark.parametrize("name", ["Patient", "Coverage"])
def test_patient_and_coverage_variables_agree(bid, name):
    v1 = load(SAMPLES / bid / "v1" / f"{name}.json")
    v2 = load(SAMPLES / bid / "v2" / f"{name}.json")
    a, b = collect(v1), collect(v2)
    assert set(a) == set(b)
    assert all(a[key] == b[key] for key in a)


def test_collector_sees_a_variable_wherever_it_lives():
    url = "https://bluebutton.cms.gov/resources/variables/prpayamt"
    as_extension = {"extension": [{"url": url, "valueMoney": {"value": 5.0}}]}
    as_benefit = {"financial": [{"type": {"coding": [{"code": url}]}, "usedMoney": {"value": 5}}]}
    assert collect(as_extension) == collect(as_benefit) == {("prpayamt", "number"): {5.0}}
    assert collect(as_benefit) != collect(
        {"financial": [{"type": {"coding": [{"code": url}]}, "usedMoney": {"value": 6}}]}
    )
