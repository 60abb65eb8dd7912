"""Every kind of CARIN profile rule, checked against the rule sets bbmigrate ships.

No reference data: small resources written here, validated against the bundled CARIN 2.0.0 rule
set (``bbmigrate/validate/rulesets/``), the one a user without the FHIR packages gets. Each
resource starts clean, and each test breaks one rule and expects exactly that finding, so a
validator that stopped checking a kind of rule (or began to flag valid data) fails here even in
a bare clone.
"""

from __future__ import annotations

import copy

import pytest

import bbmigrate.validate.profiles as profiles
from bbmigrate.validate import Validator, validate_resources
from bbmigrate.validate.profile_rules import ProfileWalker

C4BB = "http://hl7.org/fhir/us/carin-bb/"
SUPPORTING_INFO = C4BB + "CodeSystem/C4BBSupportingInfoType"
HL7_ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
NCPDP_DAW = "http://terminology.hl7.org/CodeSystem/NCPDPDispensedAsWrittenOrProductSelectionCode"


def concept(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "meta": {
        "lastUpdated": "2024-01-01T00:00:00Z",
        "profile": [C4BB + "StructureDefinition/C4BB-Patient|2.0.0"],
    },
    "identifier": [
        {
            "type": concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MB"),
            "system": "https://example.org/member",
            "value": "123",
        }
    ],
    "name": [{"family": "Doe", "given": ["Jane"]}],
    "gender": "female",
}

COVERAGE = {
    "resourceType": "Coverage",
    "id": "cov-1",
    "meta": {
        "lastUpdated": "2024-01-01T00:00:00Z",
        "profile": [C4BB + "StructureDefinition/C4BB-Coverage|2.0.0"],
    },
    "status": "active",
    "subscriberId": "1S00E00AA00",
    "beneficiary": {"reference": "Patient/p1"},
    "relationship": concept(
        "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self"
    ),
    "period": {"start": "2020-01-01", "end": "2020-12-31"},
    "payor": [{"identifier": {"value": "CMS"}}],
    "class": [
        {"type": concept(COVERAGE_CLASS, "group"), "value": "Medicare"},
        {"type": concept(COVERAGE_CLASS, "plan"), "value": "Part A"},
    ],
}

# A Part D event as CARIN's Pharmacy profile wants it: the four required supportingInfo slices,
# a line amount typed by the C4BBAdjudication value set, the header payment status.
PHARMACY_EOB = {
    "resourceType": "ExplanationOfBenefit",
    "id": "pde-1",
    "meta": {
        "lastUpdated": "2024-01-01T00:00:00Z",
        "profile": [C4BB + "StructureDefinition/C4BB-ExplanationOfBenefit-Pharmacy|2.0.0"],
    },
    "identifier": [
        {
            "type": concept(C4BB + "CodeSystem/C4BBIdentifierType", "uc"),
            "system": "https://example.org/claim",
            "value": "c1",
        }
    ],
    "status": "active",
    "type": concept("http://terminology.hl7.org/CodeSystem/claim-type", "pharmacy"),
    "use": "claim",
    "patient": {"reference": "Patient/p1"},
    "billablePeriod": {"start": "2024-01-01"},
    "created": "2024-01-02T00:00:00Z",
    "insurer": {"identifier": {"value": "CMS"}},
    "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}},
    "outcome": "complete",
    "supportingInfo": [
        {
            "sequence": 1,
            "category": concept(SUPPORTING_INFO, "dayssupply"),
            "valueQuantity": {"value": 30},
        },
        {
            "sequence": 2,
            "category": concept(SUPPORTING_INFO, "dawcode"),
            "code": concept(NCPDP_DAW, "0"),
        },
        {
            "sequence": 3,
            "category": concept(SUPPORTING_INFO, "refillnum"),
            "valueQuantity": {"value": 0},
        },
        {
            "sequence": 4,
            "category": concept(SUPPORTING_INFO, "refillsauthorized"),
            "valueQuantity": {"value": 2},
        },
    ],
    "insurance": [{"focal": True, "coverage": {"reference": "Coverage/part-d-1"}}],
    "item": [
        {
            "sequence": 1,
            "productOrService": concept("http://hl7.org/fhir/sid/ndc", "00002-1433-80"),
            "servicedDate": "2024-01-01",
            "adjudication": [
                {
                    "category": concept(HL7_ADJUDICATION, "benefit"),
                    "amount": {"value": 10.0, "currency": "USD"},
                }
            ],
        }
    ],
    "adjudication": [
        {
            "category": concept(
                C4BB + "CodeSystem/C4BBAdjudicationDiscriminator", "benefitpaymentstatus"
            ),
            "reason": concept(C4BB + "CodeSystem/C4BBPayerAdjudicationStatus", "innetwork"),
        }
    ],
    "total": [
        {
            "category": concept(HL7_ADJUDICATION, "submitted"),
            "amount": {"value": 12.0, "currency": "USD"},
        }
    ],
}


@pytest.fixture(scope="module")
def validator():
    """A validator on the bundled rule set, whether or not FHIR packages are beside the project."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(profiles, "find_package_dir", lambda *args, **kwargs: None)
        built = Validator("2.0.0")
    assert built.ruleset is profiles._bundled("2.0.0")
    return built


def problems(validator, resource) -> set[tuple[str, str]]:
    """(rule, path) of every error and warning."""
    found = validator.validate(resource).findings
    return {(f.rule, f.path) for f in found if f.severity in ("error", "warning")}


def fresh(resource: dict) -> dict:
    return copy.deepcopy(resource)


@pytest.mark.parametrize("resource", [PATIENT, COVERAGE, PHARMACY_EOB], ids=lambda r: r["id"])
def test_the_hand_written_resources_are_clean(validator, resource):
    result = validator.validate(fresh(resource))
    assert result.profile is not None and result.profile.endswith(
        resource["meta"]["profile"][0].split("|")[0].rsplit("/", 1)[-1]
    )
    assert problems(validator, fresh(resource)) == set()


# -- cardinality -----------------------------------------------------------------------------
def test_cardinality_min_the_profile_raises(validator):
    coverage = fresh(COVERAGE)
    del coverage["subscriberId"]  # 0..1 in R4, 1..1 in C4BB-Coverage
    assert problems(validator, coverage) == {("cardinality", "Coverage.subscriberId")}


def test_cardinality_max_the_profile_lowers(validator):
    coverage = fresh(COVERAGE)
    coverage["payor"].append({"display": "A second payer"})  # 1..* in R4, 1..1 in C4BB
    assert problems(validator, coverage) == {("cardinality", "Coverage.payor[0]")}


def test_cardinality_min_inside_a_nested_element(validator):
    eob = fresh(PHARMACY_EOB)
    eob["billablePeriod"] = {"end": "2024-01-31"}  # billablePeriod.start is 1..1 in C4BB
    assert problems(validator, eob) == {
        ("cardinality", "ExplanationOfBenefit.billablePeriod.start")
    }


# -- fixed and pattern values ----------------------------------------------------------------
def test_pattern_on_a_code(validator):
    eob = fresh(PHARMACY_EOB)
    eob["use"] = "preauthorization"  # a valid R4 claim-use, but CARIN's pattern is "claim"
    assert problems(validator, eob) == {("pattern", "ExplanationOfBenefit.use")}


def test_pattern_on_a_codeable_concept(validator):
    eob = fresh(PHARMACY_EOB)
    eob["type"]["coding"][0]["code"] = "oral"  # a real claim-type code, not pharmacy
    assert problems(validator, eob) == {("pattern", "ExplanationOfBenefit.type")}


def test_a_pattern_is_met_by_a_value_with_more_in_it(validator):
    eob = fresh(PHARMACY_EOB)
    eob["type"]["coding"][0]["display"] = "Pharmacy"
    eob["type"]["coding"].append({"system": "https://example.org/local", "code": "rx"})
    assert problems(validator, eob) == set()


def test_fixed_value(validator):
    # No CARIN profile uses fixed[x] (it fixes codes by pattern), yet the walker must honour
    # one: give the bundled Coverage profile a fixed status and break it.
    ruleset = copy.deepcopy(validator.ruleset)
    root = ruleset["profiles"][C4BB + "StructureDefinition/C4BB-Coverage"]["root"]
    status = next(c for c in root["children"] if c["id"] == "Coverage.status")
    status["fixed"] = "active"
    walker = ProfileWalker(ruleset, validator.valuesets)
    profile = ruleset["profiles"][C4BB + "StructureDefinition/C4BB-Coverage"]

    def rules(resource):
        state = walker.walk(resource, profile, path="Coverage", label="Coverage/cov-1", source=None)
        return {(f.rule, f.path) for f in state.findings}

    assert rules(fresh(COVERAGE)) == set()
    assert rules(fresh(COVERAGE) | {"status": "cancelled"}) == {("fixed", "Coverage.status")}


# -- slices and their discriminators -----------------------------------------------------------
def test_required_slice_missing(validator):
    patient = fresh(PATIENT)
    # Still an identifier, but typed MR: it is not the required memberid slice (type MB).
    patient["identifier"][0]["type"]["coding"][0]["code"] = "MR"
    assert problems(validator, patient) == {("slice", "Patient.identifier")}


def test_slice_max_counts_only_matching_elements(validator):
    coverage = fresh(COVERAGE)
    coverage["class"][1] = fresh(COVERAGE)["class"][0]  # two group classes, no plan
    assert problems(validator, coverage) == {("slice", "Coverage.class[0]")}


def test_discriminator_tells_apart_the_supporting_info_slices(validator):
    eob = fresh(PHARMACY_EOB)
    # Four entries still (the element's own 4..*), but two say refillnum and none dayssupply.
    eob["supportingInfo"][0]["category"]["coding"][0]["code"] = "refillnum"
    found = problems(validator, eob)
    assert found == {("slice", "ExplanationOfBenefit.supportingInfo"),
                     ("slice", "ExplanationOfBenefit.supportingInfo[0]")}  # fmt: skip
    messages = {f.message for f in validator.validate(eob).findings if f.rule == "slice"}
    assert any("supportingInfo:dayssupply: at least 1" in m for m in messages), messages
    assert any("supportingInfo:refillNum: at most 1" in m for m in messages), messages


def test_slice_told_apart_by_a_required_binding(validator):
    eob = fresh(PHARMACY_EOB)
    # item.adjudication:adjudicationamounttype is the slice whose category is bound to
    # C4BBAdjudication; a category outside that value set leaves the required slice empty.
    eob["item"][0]["adjudication"][0]["category"] = concept(HL7_ADJUDICATION, "not-a-category")
    assert ("slice", "ExplanationOfBenefit.item[0].adjudication") in problems(validator, eob)


# -- required bindings -----------------------------------------------------------------------
def test_required_binding_on_a_codeable_concept(validator):
    coverage = fresh(COVERAGE)
    coverage["relationship"]["coding"][0]["code"] = "friend"
    assert problems(validator, coverage) == {("binding", "Coverage.relationship")}


def test_required_binding_on_a_carin_value_set(validator):
    eob = fresh(PHARMACY_EOB)
    eob["adjudication"][0]["reason"]["coding"][0]["code"] = "maybe"
    assert problems(validator, eob) == {("binding", "ExplanationOfBenefit.adjudication[0].reason")}


# -- invariants ------------------------------------------------------------------------------
def test_invariant_of_the_profile(validator):
    eob = fresh(PHARMACY_EOB)
    eob["meta"]["profile"] = [C4BB + "StructureDefinition/C4BB-ExplanationOfBenefit-Pharmacy"]
    assert problems(validator, eob) == {
        ("EOB-pharmacy-meta-profile-version", "ExplanationOfBenefit")
    }


def test_invariant_on_an_element(validator):
    eob = fresh(PHARMACY_EOB)
    other = concept("http://terminology.hl7.org/CodeSystem/payeetype", "other")
    eob["payee"] = {"type": other}  # "other" payee without the party it requires
    assert problems(validator, eob) == {
        ("EOB-payee-other-type-requires-party", "ExplanationOfBenefit.payee")
    }
    eob["payee"]["party"] = {"display": "A. N. Other"}
    assert problems(validator, eob) == set()


def test_invariant_inherited_from_us_core(validator):
    patient = fresh(PATIENT)
    patient["name"] = [{"text": "Jane Doe"}]  # us-core-8: family or given (or a reason why not)
    assert problems(validator, patient) == {("us-core-8", "Patient.name[0]")}


# -- references --------------------------------------------------------------------------------
def test_reference_to_a_type_the_profile_does_not_allow(validator):
    coverage = fresh(COVERAGE)
    coverage["beneficiary"] = {"reference": "Organization/o1"}
    assert problems(validator, coverage) == {("reference", "Coverage.beneficiary.reference")}


# -- must-support ----------------------------------------------------------------------------
def test_must_support_reports_what_no_resource_populates(validator):
    bare = fresh(COVERAGE)
    del bare["period"], bare["class"]
    report = validate_resources([(bare, "a.json"), (fresh(COVERAGE), "b.json")], validator)
    entry = report.must_support[C4BB + "StructureDefinition/C4BB-Coverage"]
    # Present in the second resource: not missing. Never populated by either: missing.
    assert entry["resources"] == 2
    assert "Coverage.period" not in entry["never_present"]
    assert "Coverage.class:plan" not in entry["never_present"]
    assert set(entry["never_present"]) == {
        "Coverage.identifier",
        "Coverage.class:group.name",
        "Coverage.class:plan.name",
    }
    assert entry["present"] == entry["must_support"] - 3

    only_bare = validate_resources([(bare, "a.json")], validator).must_support
    missing = set(only_bare[C4BB + "StructureDefinition/C4BB-Coverage"]["never_present"])
    assert {"Coverage.period", "Coverage.class", "Coverage.class:plan.value"} <= missing
