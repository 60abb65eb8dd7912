"""The leaf scorer: semantic keys, multiset counting and IGNORED_FIELD handling."""

import json

import pytest

from bbmigrate.fidelity import score, total
from bbmigrate.leaves import element_key, flatten

PAIRS = ["patientRead", "coverageRead"] + [
    f"eobRead{t}"
    for t in ("Carrier", "Dme", "Hha", "Hospice", "Inpatient", "Outpatient", "Pde", "Snf")
]


def test_element_keys_follow_the_documented_precedence():
    assert element_key({"url": "u", "sequence": 1}) == "url=u"
    assert element_key({"resourceType": "Organization", "id": "x"}) == "resourceType=Organization"
    assert element_key({"resource": {"resourceType": "Patient", "id": "7"}}) == "entry=Patient/7"
    assert element_key({"relation": "next", "url": "x"}) == "url=x"
    cat = {"category": {"coding": [{"code": "b"}, {"code": "a"}]}, "sequence": 3}
    assert element_key(cat) == "category=a,b"
    assert element_key({"role": {"coding": [{"code": "primary"}]}}) == "role=primary"
    assert element_key({"type": {"coding": [{"code": "npi"}]}, "value": "1"}) == "type=npi"
    # a typed identifier with a system is keyed by its system, a diagnosis by its codes
    assert element_key({"type": {"coding": [{"code": "npi"}]}, "system": "s"}) == "system=s"
    dx = {
        "type": [{"coding": [{"code": "principal"}]}],
        "sequence": 1,
        "diagnosisCodeableConcept": {"coding": [{"code": "A40"}, {"code": "A40"}]},
    }
    assert element_key(dx) == "code=A40,A40"
    assert element_key({"sequence": 2, "system": "s"}) == "sequence=2"
    assert element_key({"value": 1}) == "*"


def test_list_order_does_not_matter_but_values_do():
    a = {"extension": [{"url": "x", "valueString": "1"}, {"url": "y", "valueString": "2"}]}
    b = {"extension": [{"url": "y", "valueString": "2"}, {"url": "x", "valueString": "1"}]}
    assert score(a, b).recall == 1.0
    c = {"extension": [{"url": "y", "valueString": "2"}, {"url": "x", "valueString": "9"}]}
    result = score(c, b)
    assert (result.shared, result.expected, result.mapped) == (3, 4, 4)
    assert [path for (path, _), _ in result.missing.items()] == ["extension[url=x].valueString"]


def test_integral_floats_equal_ints_but_booleans_do_not():
    assert score({"v": 2.0}, {"v": 2}).recall == 1.0
    assert score({"v": True}, {"v": 1}).recall == 0.0


def test_duplicates_count_as_a_multiset():
    expected = {"a": [{"v": 1}, {"v": 1}]}
    assert score({"a": [{"v": 1}]}, expected).recall == 0.5
    assert score({"a": [{"v": 1}] * 3}, expected).precision == pytest.approx(2 / 3)


def test_ignored_field_is_any_value_on_the_mapped_side():
    expected = {"meta": {"lastUpdated": "IGNORED_FIELD"}, "id": "x"}
    result = score({"meta": {"lastUpdated": "2024-01-01"}, "id": "x"}, expected)
    assert (result.expected, result.mapped, result.shared) == (1, 1, 1)


def test_concrete_paths_keep_indexes():
    leaves = flatten({"item": [{"sequence": 1, "adjudication": [{"amount": {"value": 3}}]}]})
    assert [leaf.path for leaf in leaves] == [
        "item[0].sequence",
        "item[0].adjudication[0].amount.value",
    ]
    assert leaves[1].key == "item[sequence=1].adjudication[*].amount.value"


@pytest.mark.reference
def test_raw_v1_scored_as_v2_matches_the_published_baseline(bfd_responses):
    """Scoring untouched v1 as if it were v2 gives the analysis' identity recall (599 of 3,145)."""
    results = []
    for name in PAIRS:
        v1 = json.loads((bfd_responses / "v1" / f"{name}.json").read_text())
        v2 = json.loads((bfd_responses / "v2" / f"{name}.json").read_text())
        results.append(score(v1, v2))
    summed = total(results)
    assert (summed.expected, summed.mapped, summed.shared) == (3145, 2255, 599)
