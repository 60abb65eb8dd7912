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


def test_templates_render_exactly_what_the_full_walk_gives():
    fast, slow = Population(DATA), Population(DATA, compiled=False)
    for number in (0, 1, 42, 777):
        a, b = fast.user(number), slow.user(number)
        assert orjson.dumps(a.patients) == orjson.dumps(b.patients)
        assert orjson.dumps(a.coverages) == orjson.dumps(b.coverages)
        assert orjson.dumps([c.forms for c in a.claims]) == orjson.dumps(
            [c.forms for c in b.claims]
        )


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
    with pytest.raises(InputError, match="no such folder"):
        Population(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        Population(tmp_path / "file")
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


def _sample_from_reference(bfd_responses, folder):
    """A sample folder built (in tmp) from the real BFD responses for one beneficiary."""
    files = {
        "Patient.json": "patientRead.json",
        "Coverage.json": "coverageSearchByPatientId.json",
        "ExplanationOfBenefit.json": "eobByPatientIdPaged.json",
    }
    for version in ("v1", "v2"):
        target = folder / "bene" / version
        target.mkdir(parents=True)
        for name, source in files.items():
            (target / name).write_bytes((bfd_responses / version / source).read_bytes())
    return folder


def _amounts(node):
    return [v for v in _money(node) if v]


def _check_variation(population: Population, number: int) -> None:
    """User ``number`` shares no member number with its sample, and each of its claims is the
    sample claim with one date shift and one amount factor, the same in v1 and v2."""
    sample = population.samples[number % len(population.samples)]
    user = population.user(number)
    assert len(user.claims) > 10
    base_values = {
        ident["value"]
        for version in ("v1", "v2")
        for ident in sample.patients[version].get("identifier", [])
    }
    derived = orjson.dumps([user.patients, user.coverages, [c.forms for c in user.claims]])
    for value in base_values:  # no member number or patient id of the sample survives
        assert orjson.dumps(value) not in derived, value
    mbi = [i["value"] for i in user.patients["v2"]["identifier"] if i["system"].endswith("us-mbi")]
    assert {c["subscriberId"] for c in user.coverages["v2"]} <= set(mbi)
    for index, claim in enumerate(user.claims):
        source = sample.claims[index % len(sample.claims)].forms
        assert set(claim.forms) == {"v1", "v2"}, claim.id
        assert claim.forms["v1"]["id"] == claim.forms["v2"]["id"] == claim.id
        pairs = []
        for version in ("v1", "v2"):
            form = claim.forms[version]
            assert form["patient"]["reference"] == f"Patient/{user.patient_id}"
            assert form["billablePeriod"]["start"] == claim.forms["v1"]["billablePeriod"]["start"]
            assert form["billablePeriod"]["end"] == claim.forms["v1"]["billablePeriod"]["end"]
            pairs += zip(_amounts(source[version]), _amounts(form), strict=True)
        # One factor per claim, the same in v1 and v2 (each amount rounded to cents).
        old, new = max(pairs, key=lambda pair: abs(pair[0]))
        factor = new / old
        assert factor != 1.0
        assert all(abs(n - o * factor) <= 0.01 + abs(o) * 1e-3 for o, n in pairs), claim.id


@pytest.mark.reference
def test_variation_on_real_bfd_shapes(bfd_responses, tmp_path):
    _check_variation(Population(_sample_from_reference(bfd_responses, tmp_path)), 5)


def test_variation_on_the_packaged_samples():
    population = Population(samples_dir())
    for number in (0, 1, 42, 29999):
        _check_variation(population, number)
    slow = Population(samples_dir(), compiled=False)
    for number in (3, 42):
        assert orjson.dumps(population.user(number).claims[-1].forms) == orjson.dumps(
            slow.user(number).claims[-1].forms
        )
        assert orjson.dumps(population.user(number).patients) == orjson.dumps(
            slow.user(number).patients
        )
