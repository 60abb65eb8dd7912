"""Rules for v1/v2 shapes the shared reference does not show (learnt from other BFD fixtures).

Hand-made v1 EOBs with our own values: a line's tax number stated as a careTeam member, and a
multi-line carrier claim whose performing member repeats its extensions once per line.
"""

from __future__ import annotations

import pytest

from bbmigrate import map_resource
from bbmigrate.mapping import unmapped

from .test_engine_features import _eob as make_eob

BB = "https://bluebutton.cms.gov/resources/variables/"
TAX_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
NPI = "http://hl7.org/fhir/sid/us-npi"
STU3_ROLE = "http://hl7.org/fhir/claimcareteamrole"


def _member(seq: int, system: str, value: str, role: str, **extra) -> dict:
    return {
        "sequence": seq,
        "provider": {"identifier": {"system": system, "value": value}},
        "responsible": True,
        "role": {"coding": [{"system": STU3_ROLE, "code": role, "display": role.title()}]},
        **extra,
    }


def _ext(var: str, code: str) -> dict:
    return {"url": BB + var, "valueCoding": {"system": BB + var, "code": code}}


def _eob(kind: str, care_team: list, items: list) -> dict:
    return make_eob(kind, careTeam=care_team, item=items)


def _tax_numbers(item: dict) -> list[str]:
    return [
        e["valueCoding"]["code"] for e in item.get("extension", []) if e["url"] == BB + "tax_num"
    ]


def _member_values(v2: dict) -> list[str]:
    return [m["provider"].get("identifier", {}).get("value") for m in v2["careTeam"]]


@pytest.mark.parametrize("kind", ["CARRIER", "DME"])
def test_a_tax_number_member_becomes_the_tax_num_of_the_lines_that_link_to_it(kind):
    v1 = _eob(
        kind,
        [
            _member(1, NPI, "1112223334", "primary"),
            _member(2, TAX_SYSTEM, "55-1234567", "other"),
            _member(3, TAX_SYSTEM, "66-7654321", "other"),
        ],
        [
            {"sequence": 1, "careTeamLinkId": [1, 2]},
            {"sequence": 2, "careTeamLinkId": [1, 3]},
            {"sequence": 3, "careTeamLinkId": [1]},
        ],
    )
    v2 = map_resource(v1)
    assert [_tax_numbers(item) for item in v2["item"]] == [["55-1234567"], ["66-7654321"], []]
    tax_ext = v2["item"][0]["extension"][0]
    assert tax_ext == {
        "url": BB + "tax_num",
        "valueCoding": {"system": BB + "tax_num", "code": "55-1234567"},
    }
    # the tax members are not providers: only the NPI member is left, and every line links to it
    assert _member_values(v2) == ["1112223334"]
    assert [item["careTeamSequence"] for item in v2["item"]] == [[1], [1], [1]]
    assert unmapped(v1) == []


def test_a_member_with_an_npi_and_role_other_stays_a_care_team_member():
    v1 = _eob(
        "CARRIER",
        [_member(1, NPI, "1112223334", "primary"), _member(2, NPI, "9998887776", "other")],
        [{"sequence": 1, "careTeamLinkId": [1, 2]}],
    )
    v2 = map_resource(v1)
    assert _tax_numbers(v2["item"][0]) == []
    assert sorted(_member_values(v2)) == ["1112223334", "9998887776"]
    assert len(v2["item"][0]["careTeamSequence"]) == 2


def test_a_tax_member_on_a_claim_type_without_tax_numbers_is_reported_unmapped():
    v1 = _eob(
        "HHA",
        [_member(1, NPI, "1112223334", "primary"), _member(2, TAX_SYSTEM, "55-1", "other")],
        [{"sequence": 1, "careTeamLinkId": [1, 2]}],
    )
    v2 = map_resource(v1)
    assert "55-1" not in str(v2)
    assert any(path.startswith("careTeam[1]") for path in unmapped(v1))


def test_a_multi_line_claim_lists_its_performing_and_organisation_members_once():
    lines = 3
    org = {
        "url": NPI,
        "valueCoding": {"system": NPI, "code": "4445556667", "display": "SOME CLINIC"},
    }
    repeated = [_ext("carr_line_prvdr_type_cd", "0"), _ext("prtcptng_ind_cd", "1"), org] * lines
    performer = _member(1, NPI, "1231231231", "primary", extension=repeated)
    items = [{"sequence": n, "careTeamLinkId": [1]} for n in range(1, lines + 1)]
    v2 = map_resource(_eob("CARRIER", [performer], items))
    assert sorted(_member_values(v2)) == ["1231231231", "4445556667"]
    member = next(m for m in v2["careTeam"] if m["provider"]["identifier"]["value"] == "1231231231")
    assert [e["url"] for e in member["extension"]] == [
        BB + "carr_line_prvdr_type_cd",
        BB + "prtcptng_ind_cd",
    ]
    assert [m["sequence"] for m in v2["careTeam"]] == [1, 2]
    assert [item["careTeamSequence"] for item in v2["item"]] == [[1, 2]] * lines
    assert [item["sequence"] for item in v2["item"]] == [1, 2, 3]


def test_distinct_members_of_the_same_role_are_both_kept():
    v1 = _eob(
        "CARRIER",
        [_member(1, NPI, "1000000001", "primary"), _member(2, NPI, "1000000002", "primary")],
        [{"sequence": 1, "careTeamLinkId": [1]}, {"sequence": 2, "careTeamLinkId": [2]}],
    )
    v2 = map_resource(v1)
    assert sorted(_member_values(v2)) == ["1000000001", "1000000002"]
    assert [item["careTeamSequence"] for item in v2["item"]] == [[1], [2]]


CURRENCY = "https://bluebutton.cms.gov/resources/codesystem/identifier-currency"
MBI = "http://hl7.org/fhir/sid/us-mbi"
MBI_HASH = "https://bluebutton.cms.gov/resources/identifier/mbi-hash"


def _patient(identifiers: list) -> dict:
    return {"resourceType": "Patient", "id": "7", "identifier": identifiers}


def _mbi(value: str, currency: str) -> dict:
    coding = {"system": CURRENCY, "code": currency, "display": currency.title()}
    return {"extension": [{"url": CURRENCY, "valueCoding": coding}], "system": MBI, "value": value}


def test_the_mbi_hash_period_dates_the_current_mbi_only():
    hashed = {"system": MBI_HASH, "value": "ab12", "period": {"start": "2019-02-03"}}
    v1 = _patient([_mbi("1AA0AA00AA1", "historic"), _mbi("2BB0BB00BB2", "current"), hashed])
    v2 = map_resource(v1)
    periods = {i["value"]: i.get("period") for i in v2["identifier"]}
    assert periods == {"1AA0AA00AA1": None, "2BB0BB00BB2": {"start": "2019-02-03"}}
    assert unmapped(v1) == []


def test_without_include_identifiers_the_mbi_hash_period_invents_no_mbi():
    v1 = _patient([{"system": MBI_HASH, "value": "ab12", "period": {"start": "2019-02-03"}}])
    assert "identifier" not in map_resource(v1)
    assert unmapped(v1) == []
