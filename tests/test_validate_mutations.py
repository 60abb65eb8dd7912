"""Deliberately broken copies of official CARIN examples give exactly the expected finding."""

from __future__ import annotations

import pytest
from validate_support import examples, kinds, packages_dir

from bbmigrate.validate import Validator

pytestmark = pytest.mark.reference

C4BB = "http://hl7.org/fhir/us/carin-bb/"


@pytest.fixture(scope="module")
def validator():
    return Validator("2.0.0", packages_dir())


def _inpatient():
    return examples("2.0.0")["ExplanationOfBenefit-EOBInpatient1.json"]


def _check(validator, resource):
    assert kinds(validator.validate(_inpatient()).findings) == set(), "example must start clean"
    return kinds(validator.validate(resource).findings)


def test_missing_required_slice(validator):
    eob = _inpatient()
    eob["supportingInfo"] = [
        s for s in eob["supportingInfo"] if s["category"]["coding"][0]["code"] != "admissionperiod"
    ]
    assert _check(validator, eob) == {("slice", "ExplanationOfBenefit.supportingInfo")}


def test_wrong_fixed_code(validator):
    eob = _inpatient()
    # A valid R4 claim-use code, but CARIN fixes use = claim (as patternCode, as CARIN does for
    # all its fixed codes).
    eob["use"] = "preauthorization"
    assert _check(validator, eob) == {("pattern", "ExplanationOfBenefit.use")}


def test_wrong_pattern_code(validator):
    eob = _inpatient()
    eob["type"]["coding"][0]["code"] = "oral"  # a real claim-type code, not institutional
    assert _check(validator, eob) == {("pattern", "ExplanationOfBenefit.type")}


def test_bad_cardinality(validator):
    eob = _inpatient()
    eob["insurance"][0]["focal"] = True
    eob["diagnosis"] = []
    # An empty array is not an absent element in JSON FHIR: ele-1 at the array, and the
    # profile's diagnosis 1..* is then unmet.
    assert _check(validator, eob) == {
        ("ele-1", "ExplanationOfBenefit.diagnosis"),
        ("cardinality", "ExplanationOfBenefit.diagnosis"),
    }


def test_cardinality_above_profile_max(validator):
    eob = _inpatient()
    # diagnosis.type is 0..* in R4 and 0..1 in C4BB (the duplicated subType coding this test
    # once used broke no maximum at all).
    eob["diagnosis"][0]["type"].append(dict(eob["diagnosis"][0]["type"][0]))
    eob["billablePeriod"] = {"end": eob["billablePeriod"]["end"]}  # billablePeriod.start 1..1
    assert _check(validator, eob) == {
        ("cardinality", "ExplanationOfBenefit.diagnosis[0].type[0]"),
        ("cardinality", "ExplanationOfBenefit.billablePeriod.start"),
    }


def test_violated_invariant(validator):
    eob = _inpatient()
    submitted = next(
        a for a in eob["adjudication"] if a["category"]["coding"][0]["code"] == "submitted"
    )
    eob["item"][0]["adjudication"] = [submitted]  # amounts at header AND line level
    assert _check(validator, eob) == {
        ("EOB-institutional-item-or-header-adjudication", "ExplanationOfBenefit")
    }


def test_violated_invariant_on_practitioner(validator):
    practitioner = examples("2.0.0")["Practitioner-Practitioner1.json"]
    assert kinds(validator.validate(practitioner).findings) == set()
    practitioner["identifier"][0]["type"]["coding"][0]["code"] = "SB"  # neither NPI nor TAX
    found = kinds(validator.validate(practitioner).findings)
    assert found == {("Practitioner-identifier", "Practitioner")}


def test_bad_required_binding_code_in_base_r4(validator):
    eob = _inpatient()
    eob["status"] = "finished"
    assert _check(validator, eob) == {("binding", "ExplanationOfBenefit.status")}


def test_bad_required_binding_code_in_carin_value_set(validator):
    eob = examples("2.0.0")["ExplanationOfBenefit-EOBProfessional2.json"]
    assert kinds(validator.validate(eob).findings) == set()
    eob["careTeam"][0]["role"]["coding"][0]["code"] = "chauffeur"
    found = kinds(validator.validate(eob).findings)
    assert found == {("binding", "ExplanationOfBenefit.careTeam[0].role")}


@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        ("focal", "true", "ExplanationOfBenefit.insurance[0].focal"),
        ("sequence", "1", "ExplanationOfBenefit.item[0].sequence"),
        ("amount", "12.50", "ExplanationOfBenefit.total[0].amount.value"),
    ],
)
def test_string_where_primitive_expected(validator, where, value, path):
    eob = _inpatient()
    if where == "focal":
        eob["insurance"][0]["focal"] = value
    elif where == "sequence":
        eob["item"][0]["sequence"] = value
    else:
        eob["total"][0]["amount"]["value"] = value
    assert _check(validator, eob) == {("type", path)}


def test_reference_to_a_resource_type_the_profile_does_not_allow(validator):
    eob = _inpatient()
    eob["patient"] = {"reference": "Organization/Payer1"}
    assert _check(validator, eob) == {("reference", "ExplanationOfBenefit.patient.reference")}


def test_local_reference_without_contained_resource(validator):
    eob = _inpatient()
    eob["provider"] = {"reference": "#nowhere"}
    assert _check(validator, eob) == {("reference", "ExplanationOfBenefit.provider.reference")}


def test_dangling_sequence_link_is_reported_as_information(validator):
    eob = _inpatient()
    eob["item"][0]["diagnosisSequence"] = [99]
    assert _check(validator, eob) == set()
    found = validator.validate(eob).findings
    assert [(f.rule, f.path, f.value) for f in found if f.rule == "sequence-link"] == [
        ("sequence-link", "ExplanationOfBenefit.item[0].diagnosisSequence[0]", 99)
    ]
