"""The redaction policy: what counts as a secret, stable placeholders, embedded replacement."""

from __future__ import annotations

from diff_data import EOB_V1, PATIENT_V1

from bbmigrate.redact import Redactor, category


def test_categories_follow_the_position_in_the_resource():
    assert category("id") == "ID"
    assert category("identifier[1].value") == "ID"
    assert category("extension[3].valueIdentifier.value") == "ID"
    assert category("patient.reference") == "REF"
    assert category("name[0].given[1]") == "NAME"
    assert category("careTeam[0].provider.display") == "NAME"
    assert category("birthDate") == "DATE"
    assert category("address[0].postalCode") == "ADDR"
    # identifiers FHIR types as plain strings (BB2 v2 Coverage carries the MBI in subscriberId)
    assert category("subscriberId") == "ID"
    assert category("entry[2].resource.subscriberId") == "ID"
    assert category("insurance[0].preAuthRef[1]") == "ID"
    # vocabulary is not PHI
    assert category("type.coding[0].display") is None
    assert category("extension[0].valueCoding.display") is None
    assert category("identifier[0].system") is None
    assert category("name[0].use") is None


def test_placeholders_are_stable_and_replace_embedded_secrets():
    redactor = Redactor()
    redactor.learn(PATIENT_V1)
    redactor.learn(EOB_V1)
    out = redactor.apply(
        {
            "a": "1S00E00AA01",
            "b": ["Patient/-20000000001234", "see claim 10000930037 here"],
            "c": "1S00E00AA01",
            "d": 123.45,
        }
    )
    assert out["a"] == out["c"] and out["a"].startswith("[ID-")
    assert out["b"][0] == "Patient/[ID-1]"
    assert out["b"][1].startswith("see claim [ID-") and out["b"][1].endswith("] here")
    assert out["d"] == 123.45
    assert "Quintero" in redactor.secrets and "1951-04-23" in redactor.secrets


def test_short_identifiers_are_not_secrets():
    redactor = Redactor()
    redactor.learn(
        {"resourceType": "X", "careTeam": [{"provider": {"identifier": {"value": "0"}}}]}
    )
    assert redactor.apply({"code": "0", "n": 0}) == {"code": "0", "n": 0}


def test_a_coverage_subscriber_id_is_redacted_without_a_patient_to_learn_it_from():
    # fetch --no-share-demographics leaves no Patient: the MBI is in Coverage.subscriberId only
    coverage = {"resourceType": "Coverage", "id": "part-a-1", "subscriberId": "3QF7DA2KW58"}
    redactor = Redactor()
    redactor.learn(coverage)
    assert redactor.apply({"v2_value": "3QF7DA2KW58", "note": "MBI 3QF7DA2KW58"}) == {
        "v2_value": "[ID-2]",
        "note": "MBI [ID-2]",
    }
