"""Engine features added for fidelity, on small hand-made v1 resources (no reference data).

Multi-route rows, linked_from/unlinked_from guards, dedupe, follow + bind (contained line
observations), financial entries that become supportingInfo, and the v1 IncludeIdentifiers
Patient form (MBIs typed MC with their currency, HICNs and hashes dropped on purpose).
"""

from __future__ import annotations

import copy

from bbmigrate import map_resource, map_with_provenance
from bbmigrate.mapping import load_mappings, unmapped

BB = "https://bluebutton.cms.gov/resources/variables/"
MONEY = {"system": "urn:iso:std:iso:4217", "code": "USD"}
NUBC = "https://www.nubc.org/CodeSystem/RevenueCodes"


def _eob(kind: str, **fields) -> dict:
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"{kind.lower()}-1",
        "status": "active",
        "type": {
            "coding": [
                {"system": "https://bluebutton.cms.gov/resources/codesystem/eob-type", "code": kind}
            ]
        },
        "patient": {"reference": "Patient/1"},
        **fields,
    }


def _coding(var: str, code: str, display: str | None = None) -> dict:
    out = {"system": BB + var, "code": code}
    if display:
        out["display"] = display
    return out


def _dx(seq: int, code: str) -> dict:
    coding = [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]
    return {"sequence": seq, "diagnosisCodeableConcept": {"coding": coding}}


def test_a_row_naming_two_routes_maps_the_element_twice_and_quirk_routes_switch_off():
    ext = {"url": BB + "rev_cntr_ddctbl_coinsrnc_cd", "valueCoding": _coding(
        "rev_cntr_ddctbl_coinsrnc_cd", "Q7", "Some label")}  # fmt: skip
    item = {"sequence": 1, "revenue": {"extension": [ext], "coding": [_coding("rev_cntr", "1")]}}
    v1 = _eob("HOSPICE", item=[item])
    codings = map_resource(v1)["item"][0]["revenue"]["coding"]
    assert {c["system"]: c["code"] for c in codings} == {
        BB + "rev_cntr": "1",
        BB + "rev_cntr_ddctbl_coinsrnc_cd": "Q7",
        NUBC: "Q7",
    }
    plain = map_resource(v1, quirks=False)["item"][0]["revenue"]["coding"]
    assert NUBC not in {c["system"] for c in plain}
    assert unmapped(v1) == []


def test_untyped_diagnosis_type_depends_on_whether_a_line_points_at_it():
    v1 = _eob(
        "DME",
        diagnosis=[_dx(1, "Q10"), _dx(2, "Q20")],
        item=[{"sequence": 1, "diagnosisLinkId": [2]}],
    )
    out = map_resource(v1)
    types = {
        d["diagnosisCodeableConcept"]["coding"][0]["code"]: d["type"][0]["coding"][0]["code"]
        for d in out["diagnosis"]
    }
    assert types == {"Q10": "other", "Q20": "secondary"}
    # swapping the link swaps the types: the rule keys on the link, not on the codes
    v1["item"][0]["diagnosisLinkId"] = [1]
    out = map_resource(v1)
    assert [d["type"][0]["coding"][0]["code"] for d in out["diagnosis"]] == ["secondary", "other"]


def test_identical_repeated_extensions_are_sent_once():
    ext = {"url": BB + "ime_op_clm_val_amt", "valueMoney": {"value": 5.5, **MONEY}}
    other = {"url": BB + "ime_op_clm_val_amt", "valueMoney": {"value": 6.5, **MONEY}}
    v1 = _eob("INPATIENT", extension=[ext, copy.deepcopy(ext), other])
    out = map_resource(v1)
    values = [e["valueMoney"]["value"] for e in out["extension"] if e["url"] == ext["url"]]
    assert values == [5.5, 6.5]


def _lab_eob(ref: str) -> dict:
    obs = {
        "resourceType": "Observation",
        "id": "a1b2",
        "status": "unknown",
        "code": {"coding": [_coding("line_hct_hgb_type_cd", "R1")]},
        "valueQuantity": {"value": 42.0},
    }
    other = {"resourceType": "Observation", "id": "zz", "status": "final"}
    referral = {"resourceType": "ReferralRequest", "id": "a1b2", "status": "completed"}
    item = {
        "sequence": 4,
        "extension": [{"url": BB + "line_hct_hgb_rslt_num", "valueReference": {"reference": ref}}],
    }
    return _eob("CARRIER", contained=[referral, obs, other], item=[item])


def test_a_followed_reference_renames_the_contained_observation_after_its_line():
    v1 = _lab_eob("#a1b2")
    out = map_resource(v1)
    observations = [c for c in out["contained"] if c["resourceType"] == "Observation"]
    ids = sorted(o["id"] for o in observations)
    assert ids == ["line-observation-4", "zz"]  # the unreferenced one is kept as it was
    lab = next(o for o in observations if o["id"] == "line-observation-4")
    assert lab["valueQuantity"] == {"value": 42.0}
    info = next(s for s in out["supportingInfo"] if s["category"]["coding"][1]["code"].endswith(
        "line_hct_hgb_rslt_num"))  # fmt: skip
    assert info["valueReference"] == {"reference": "#line-observation-4"}
    assert out["item"][0]["informationSequence"] == [info["sequence"]]
    assert unmapped(v1) == []
    # the ReferralRequest that shares the id is not taken for the observation
    assert not any(c.get("status") == "completed" for c in out["contained"])


def test_hha_visit_count_becomes_supporting_info():
    financial = {
        "type": {"coding": [{
            "system": "https://bluebutton.cms.gov/resources/codesystem/benefit-balance",
            "code": BB + "clm_hha_tot_visit_cnt", "display": "Claim HHA Total Visit Count"}]},
        "usedUnsignedInt": 7,
    }  # fmt: skip
    medical = {"coding": [{"system": "http://hl7.org/fhir/benefit-category", "code": "medical"}]}
    v1 = _eob("HHA", benefitBalance=[{"category": medical, "financial": [financial]}])
    out = map_resource(v1)
    assert "benefitBalance" not in out
    (info,) = out["supportingInfo"]
    assert info["valueQuantity"] == {"value": 7}
    assert [c["code"] for c in info["category"]["coding"]] == ["info", BB + "clm_hha_tot_visit_cnt"]
    assert info["category"]["coding"][1]["system"].endswith("/codesystem/information")
    assert unmapped(v1) == []


CURRENCY = "https://bluebutton.cms.gov/resources/codesystem/identifier-currency"


def _mbi(value: str, currency: str, start: str | None = None) -> dict:
    ident = {
        "extension": [
            {"url": CURRENCY, "valueCoding": {"system": CURRENCY, "code": currency}},
        ],
        "system": "http://hl7.org/fhir/sid/us-mbi",
        "value": value,
    }
    if start:
        ident["period"] = {"start": start}
    return ident


def test_patient_include_identifiers_form_maps_mbis_and_drops_hicns_with_reasons():
    hicn = {"system": "http://hl7.org/fhir/sid/us-medicare", "value": "543217066U"}
    hicn_hash = {
        "system": "https://bluebutton.cms.gov/resources/identifier/hicn-hash",
        "value": "ab",
    }
    mbi_hash = {"system": "https://bluebutton.cms.gov/resources/identifier/mbi-hash", "value": "cd"}
    bene = {"system": BB + "bene_id", "value": "77"}
    v1 = {
        "resourceType": "Patient",
        "id": "77",
        "identifier": [
            bene,
            mbi_hash,
            hicn,
            hicn_hash,
            _mbi("1AA0AA0AA01", "current", "2020-01-01"),
            _mbi("1AA0AA0AA00", "historic"),
        ],
    }
    out, records = map_with_provenance(v1)
    by_value = {i["value"]: i for i in out["identifier"]}
    assert set(by_value) == {"77", "1AA0AA0AA01", "1AA0AA0AA00"}
    current = by_value["1AA0AA0AA01"]
    assert current["system"] == "http://hl7.org/fhir/sid/us-mbi"
    assert current["period"] == {"start": "2020-01-01"}
    (coding,) = current["type"]["coding"]
    assert (coding["system"], coding["code"], coding["display"]) == (
        "http://terminology.hl7.org/CodeSystem/v2-0203",
        "MC",
        "Patient's Medicare number",
    )
    assert coding["extension"] == [
        {"url": CURRENCY, "valueCoding": {"system": CURRENCY, "code": "current"}}
    ]
    assert "extension" not in current  # moved into the coding, not kept beside it
    assert by_value["77"]["type"]["coding"][0]["code"] == "MB"
    assert unmapped(v1) == []
    # HICN, HICN hash and MBI hash are consumed by a drop that states why
    dropped = {r.v1_path for r in records if r.v2_path is None and r.v1_path}
    assert {"identifier[1].value", "identifier[2].value", "identifier[3].value"} <= dropped
    rule = next(r for r in records if r.v1_path == "identifier[2].value").rule_id
    route = next(r for r in load_mappings().maps["Patient"].rules if r.id == rule)
    assert "HICN" in route.params["routes"]["drop"].drop


def test_an_unknown_diagnosis_type_code_gets_the_claim_types_default_type():
    dx = _dx(1, "Q10")
    dx["type"] = [{"coding": [{
        "system": "https://bluebutton.cms.gov/resources/codesystem/diagnosis-type",
        "code": "some-future-type"}]}]  # fmt: skip
    out = map_resource(_eob("CARRIER", diagnosis=[dx]))
    assert out["diagnosis"][0]["type"][0]["coding"][0]["code"] == "secondary"
    out = map_resource(_eob("OUTPATIENT", diagnosis=[dx]))
    assert out["diagnosis"][0]["type"][0]["coding"][0]["code"] == "other"


def test_an_unknown_care_team_role_keeps_its_code_under_the_r4_system():
    member = {
        "sequence": 1,
        "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "5"}},
        "role": {"coding": [{"system": "http://hl7.org/fhir/claimcareteamrole", "code": "novel"}]},
    }
    out = map_resource(_eob("INPATIENT", careTeam=[member]))
    assert out["careTeam"][0]["role"]["coding"] == [
        {"system": "http://terminology.hl7.org/CodeSystem/claimcareteamrole", "code": "novel"}
    ]
