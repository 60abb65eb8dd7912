"""The derived population: logins, determinism, v1/v2 agreement, variation between users."""

from __future__ import annotations

import orjson
import pytest
from sandbox_helpers import DATA

from bbmigrate.emulator.population import Population, password, patient_id, username
from bbmigrate.emulator.variation import Variation, shift_date
from bbmigrate.errors import InputError
from bbmigrate.resources import samples_dir


@pytest.fixture(scope="module")
def population() -> Population:
    return Population(DATA)


def _money(node, out=None):
    out = [] if out is None else out
    if isinstance(node, dict):
        if "value" in node and ("currency" in node or node.get("code") == "USD"):
            out.append(node["value"])
        for value in node.values():
            _money(value, out)
    elif isinstance(node, list):
        for value in node:
            _money(value, out)
    return out


def test_logins(population):
    assert population.login("BBUser00000", "PW00000!") == 0
    assert population.login(username(29999), password(29999)) == 29999
    for name, secret in [
        ("BBUser00001", "PW00002!"),
        ("BBUser30000", "PW30000!"),
        ("bbuser00001", "PW00001!"),
        ("BBUser1", "PW1!"),
    ]:
        assert population.login(name, secret) is None
    assert population.number_for_patient(patient_id(123)) == 123
    assert population.number_for_patient("567") is None


def test_same_user_twice_gives_the_same_bytes():
    first, second = Population(DATA).user(42), Population(DATA).user(42)
    assert orjson.dumps(first.claims[0].forms) == orjson.dumps(second.claims[0].forms)
    for version in ("v1", "v2"):
        assert orjson.dumps(first.patients[version]) == orjson.dumps(second.patients[version])
        assert orjson.dumps([c.forms[version] for c in first.claims]) == orjson.dumps(
            [c.forms[version] for c in second.claims]
        )


def test_users_from_the_same_sample_differ(population):
    a, b = population.user(2), population.user(4)  # both from sample 0 of 2
    assert a.patient_id != b.patient_id
    assert {c.id for c in a.claims}.isdisjoint({c.id for c in b.claims})
    pa, pb = a.patients["v2"], b.patients["v2"]
    assert pa["birthDate"] != pb["birthDate"]
    assert [i["value"] for i in pa["identifier"]] != [i["value"] for i in pb["identifier"]]
    base = Population(DATA).samples[0].patients["v2"]
    assert {i["value"] for i in pa["identifier"]}.isdisjoint(
        {i["value"] for i in base["identifier"]}
    )
    assert _money(a.claims[0].forms["v2"]) != _money(b.claims[0].forms["v2"])


def test_every_user_has_more_than_ten_claims_and_bbuser00042_over_100(population):
    counts = [len(population.user(n).claims) for n in range(0, 300, 7)]
    assert min(counts) > 10 and max(counts) > 30
    assert len(population.user(42).claims) >= 100
    assert len(population.user(142).claims) >= 100


def test_v1_and_v2_agree_on_ids_dates_amounts_and_references(population):
    user = population.user(9)
    ids = [c.id for c in user.claims]
    assert len(set(ids)) == len(ids)
    for claim in user.claims:
        v1, v2 = claim.forms["v1"], claim.forms["v2"]
        assert v1["id"] == v2["id"] == claim.id
        assert v1["billablePeriod"] == v2["billablePeriod"]
        assert v1["patient"] == v2["patient"] == {"reference": f"Patient/{user.patient_id}"}
        assert sorted(_money(v1)) == sorted(_money(v2))
        assert v1["meta"]["lastUpdated"] == v2["meta"]["lastUpdated"]
    assert [c["id"] for c in user.coverages["v1"]] == [c["id"] for c in user.coverages["v2"]]
    assert all(c["id"].endswith(f"-{user.patient_id}") for c in user.coverages["v2"])
    assert user.patients["v1"]["name"] == user.patients["v2"]["name"]
    assert user.userinfo["given_name"] == user.patients["v2"]["name"][0]["given"][0]


def test_replicas_are_new_claims_with_shifted_dates(population):
    user = population.user(4)  # sample 0 has 8 claims, so claims 0 and 8 share a base claim
    first, replica = user.claims[0], user.claims[8]
    assert first.type == replica.type and first.id != replica.id
    assert first.forms["v2"]["billablePeriod"] != replica.forms["v2"]["billablePeriod"]
    v2 = replica.forms["v2"]
    claim_number = replica.id.split("-", 1)[1]
    assert any(i["value"] == claim_number for i in v2["identifier"])


def test_variation_rules():
    variation = Variation(ids={"-9": "-12", "77": "88"}, day_shift=-1, money_factor=2.0)
    doc = {
        "id": "part-a--9",
        "patient": {"reference": "Patient/-9"},
        "identifier": [{"system": "s", "value": "77"}, {"system": "s", "value": "770"}],
        "code": "77",
        "billablePeriod": {"start": "2020-03-01", "end": "2020-03-01T10:00:00-05:00"},
        "x": "2021",
        "payment": {"amount": {"value": 10.5, "currency": "USD"}},
        "quantity": {"value": 3},
    }
    out = variation.apply(doc)
    assert out["id"] == "part-a--12" and out["patient"]["reference"] == "Patient/-12"
    assert [i["value"] for i in out["identifier"]] == ["88", "770"]
    assert out["code"] == "77" and out["x"] == "2021"
    assert out["billablePeriod"] == {"start": "2020-02-29", "end": "2020-02-29T10:00:00-05:00"}
    assert out["payment"]["amount"]["value"] == 21.0 and out["quantity"]["value"] == 3
    assert doc["id"] == "part-a--9"  # the input is not modified
    assert shift_date("2021-02-30", 3) == "2021-02-30"


def test_bad_data_dir_is_a_one_line_input_error(tmp_path):
    with pytest.raises(InputError, match="no beneficiary folders"):
        Population(tmp_path)
    folder = tmp_path / "b1"
    for version in ("v1", "v2"):
        (folder / version).mkdir(parents=True)
        (folder / version / "Patient.json").write_text('{"resourceType": "Patient", "id": "1"}')
        (folder / version / "Coverage.json").write_text('{"resourceType": "Bundle", "entry": []}')
    (folder / "v2" / "ExplanationOfBenefit.json").write_text('{"resourceType": "Bundle",')
    (folder / "v1" / "ExplanationOfBenefit.json").write_text('{"resourceType": "Bundle"}')
    with pytest.raises(InputError) as info:
        Population(tmp_path)
    assert "v2/ExplanationOfBenefit.json" in str(info.value) and "\n" not in str(info.value)


def test_packaged_samples_agree_between_versions():
    try:
        data = samples_dir()
        population = Population(data)
    except (FileNotFoundError, InputError):
        pytest.skip("samples/ has no beneficiaries yet (branch samples)")
    for number in range(len(population.samples)):
        user = population.user(number)
        assert len(user.claims) > 10
        for claim in user.claims:
            assert set(claim.forms) == {"v1", "v2"}, claim.id
            assert claim.forms["v1"]["id"] == claim.forms["v2"]["id"]
