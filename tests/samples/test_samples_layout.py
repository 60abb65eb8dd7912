"""The samples/ layout contract other engineers rely on (index, folders, bundles, ids, userinfo)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sample_files import CLAIM_TYPES, SAMPLES, VERSIONS, beneficiary_ids, claim_type, index, load

FILES = ("Patient.json", "Coverage.json", "ExplanationOfBenefit.json", "userinfo.json")
BB2_PATIENT_ID = re.compile(r"^-\d{14}$")


def test_index_lists_every_beneficiary_folder_and_nothing_else():
    folders = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and not p.name.startswith("_"))
    assert sorted(beneficiary_ids()) == folders
    assert len(folders) == 2


@pytest.mark.parametrize("bid", beneficiary_ids())
@pytest.mark.parametrize("version", VERSIONS)
def test_beneficiary_folder_has_the_four_files(bid, version):
    assert sorted(p.name for p in (SAMPLES / bid / version).iterdir()) == sorted(FILES)


@pytest.mark.parametrize("entry", index()["beneficiaries"], ids=lambda e: e["id"])
def test_index_counts_match_the_eob_bundles(entry):
    bid = entry["id"]
    assert BB2_PATIENT_ID.match(bid)
    for version in VERSIONS:
        bundle = load(SAMPLES / bid / version / "ExplanationOfBenefit.json")
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
        assert bundle["total"] == len(bundle["entry"]) == entry["eob_count"]
        counts = Counter(claim_type(e["resource"]) for e in bundle["entry"])
        assert dict(counts) == entry["claim_types"]
        for e in bundle["entry"]:
            assert e["resource"]["patient"]["reference"] == f"Patient/{bid}"
    patient = load(SAMPLES / bid / "v1" / "Patient.json")
    assert entry["name"].split()[-1] == patient["name"][0]["family"]


def test_each_beneficiary_has_more_than_ten_eobs_and_the_first_has_every_claim_type():
    entries = index()["beneficiaries"]
    assert all(e["eob_count"] > 10 for e in entries)
    assert sorted(entries[0]["claim_types"]) == sorted(CLAIM_TYPES)
    assert max(entries[0]["claim_types"].values()) > 1  # several claims of some types
    assert entries[0]["claim_types"] != entries[1]["claim_types"]


@pytest.mark.parametrize("bid", beneficiary_ids())
@pytest.mark.parametrize("version", VERSIONS)
def test_bb2_style_ids_and_links(bid, version):
    base = f"https://sandbox.bluebutton.cms.gov/{version}/fhir/"
    coverage = load(SAMPLES / bid / version / "Coverage.json")
    assert coverage["total"] == 4
    assert [e["resource"]["id"] for e in coverage["entry"]] == [f"part-{p}-{bid}" for p in "abcd"]
    eobs = load(SAMPLES / bid / version / "ExplanationOfBenefit.json")
    for bundle in (coverage, eobs):
        assert bundle["link"] and all(link["url"].startswith(base) for link in bundle["link"])
    for e in eobs["entry"]:
        ctype, _, claim = e["resource"]["id"].partition("-")
        assert ctype in CLAIM_TYPES and re.fullmatch(r"-?\d+", claim)
    assert load(SAMPLES / bid / version / "Patient.json")["id"] == bid


@pytest.mark.parametrize("bid", beneficiary_ids())
def test_userinfo_has_the_bb2_shape_and_is_the_same_in_both_versions(bid):
    v1 = load(SAMPLES / bid / "v1" / "userinfo.json")
    v2 = load(SAMPLES / bid / "v2" / "userinfo.json")
    assert list(v1) == ["sub", "name", "given_name", "family_name", "email", "iat", "patient"]
    assert v1 == v2
    assert v1["sub"] == v1["patient"] == bid


@pytest.mark.parametrize("bid", beneficiary_ids())
def test_last_updated_is_identical_between_versions(bid):
    for name in ("Patient", "Coverage", "ExplanationOfBenefit"):
        v1 = load(SAMPLES / bid / "v1" / f"{name}.json")
        v2 = load(SAMPLES / bid / "v2" / f"{name}.json")
        assert v1["meta"]["lastUpdated"] == v2["meta"]["lastUpdated"]
        stamps1 = {
            e["resource"]["id"]: e["resource"]["meta"]["lastUpdated"] for e in v1.get("entry", [])
        }
        stamps2 = {
            e["resource"]["id"]: e["resource"]["meta"]["lastUpdated"] for e in v2.get("entry", [])
        }
        assert stamps1 == stamps2
        assert all(
            re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", s)
            for s in stamps1.values()
        )
