"""Layer 1 (base R4) on hand-made resources: what fhir.resources alone lets through."""

from __future__ import annotations

import pytest

from bbmigrate.validate import Validator


@pytest.fixture(scope="module")
def validator():
    return Validator("2.0.0")


def _errors(validator, resource):
    found = validator.validate(resource).findings
    return {(f.rule, f.path, f.value) for f in found if f.severity == "error"}


def _obs(**extra):
    return {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, **extra}


def test_r4_observation_is_clean(validator):
    assert _errors(validator, _obs()) == set()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("valueBoolean", "true", "expected JSON boolean, found string"),
        ("valueInteger", "1", "expected JSON integer, found string"),
        ("valueInteger", True, "expected JSON integer, found bool"),
        ("valueString", 12, "expected JSON string, found int"),
    ],
)
def test_json_primitive_types(validator, field, value, expected):
    found = validator.validate(_obs(**{field: value})).findings
    assert [(f.rule, f.path, f.message) for f in found if f.severity == "error"] == [
        ("type", f"Observation.{field}", expected)
    ]


def test_decimal_as_string(validator):
    resource = _obs(valueQuantity={"value": "12.50", "unit": "mg"})
    assert _errors(validator, resource) == {("type", "Observation.valueQuantity.value", "12.50")}


def test_required_binding_uses_r4_codes_not_truncated_model_lists(validator):
    # fhir.resources lists Observation.status as "registered | preliminary | final | amended +";
    # the R4 value set also has unknown, corrected, cancelled, entered-in-error.
    assert _errors(validator, _obs(status="unknown")) == set()
    assert _errors(validator, _obs(status="done")) == {("binding", "Observation.status", "done")}


def test_empty_values_are_ele_1(validator):
    resource = _obs(category=[], code={"text": "x", "coding": [{}]}, valueString="")
    assert {(r, p) for r, p, _ in _errors(validator, resource)} == {
        ("ele-1", "Observation.category"),
        ("ele-1", "Observation.code.coding[0]"),
        ("ele-1", "Observation.valueString"),
    }


def test_ext_1_value_and_nested_extension(validator):
    both = {
        "url": "http://e.org/x",
        "valueString": "a",
        "extension": [{"url": "y", "valueCode": "b"}],
    }
    neither = {"url": "http://e.org/z"}
    found = _errors(validator, _obs(extension=[both, neither]))
    assert {(r, p) for r, p, _ in found} == {
        ("ext-1", "Observation.extension[0]"),
        ("ext-1", "Observation.extension[1]"),
    }


def test_dom_3_unreferenced_contained(validator):
    contained = [
        {"resourceType": "Patient", "id": "pat"},
        {"resourceType": "Patient", "id": "used"},
    ]
    resource = _obs(contained=contained, subject={"reference": "#used"})
    assert _errors(validator, resource) == {("dom-3", "Observation.contained[0]", "pat")}


def test_model_errors_keep_their_path(validator):
    resource = _obs(effectiveDateTime="2024-13-45", bogus=1)
    found = {(r, p) for r, p, _ in _errors(validator, resource)}
    assert found == {
        ("structure", "Observation.effectiveDateTime"),
        ("structure", "Observation.bogus"),
    }


def test_missing_required_elements(validator):
    resource = {"resourceType": "Observation", "code": {"text": "x"}}
    assert _errors(validator, resource) == {("cardinality", "Observation.status", None)}


def test_unknown_resource_type(validator):
    assert _errors(validator, {"resourceType": "Claimz"}) == {
        ("structure", "resourceType", "Claimz")
    }


def test_member_of_uses_each_validators_own_value_sets():
    from bbmigrate.validate.invariants import InvariantChecker
    from bbmigrate.validate.terminology import ValueSetIndex

    def checker(code):
        return InvariantChecker(
            ValueSetIndex({"urn:vs": {"codes": {"s": [code]}, "unchecked": []}})
        )

    first, second = checker("a"), checker("b")
    node = {"id": "Observation", "constraints": [["k", "code.memberOf('urn:vs')", "in vs"]]}
    resource = _obs(code={"coding": [{"system": "s", "code": "a"}]})

    def failed(inv):
        found, _ = inv.check(
            [(node, "Observation", resource)],
            resource=resource,
            root=resource,
            label="x",
            profile="p",
            source=None,
        )
        return [f.rule for f in found]

    assert failed(first) == []
    assert failed(second) == ["k"]  # compiled separately: not the first checker's value sets
    assert failed(first) == []


def test_null_primitive_in_array_with_its_extension(validator):
    dar = {
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                "valueCode": "unknown",
            }
        ]
    }
    person = {"resourceType": "Person", "name": [{"given": [None, "B"], "_given": [dar, None]}]}
    assert _errors(validator, person) == set()
    person["name"][0]["_given"] = [None, None]
    assert _errors(validator, person) == {("type", "Person.name[0].given[0]", None)}
