"""The adapter from the mapping model to rows, on a small mapping folder and samples of our own.

The project's mapping files keep changing; this pins the adapter's behaviour on a controlled
set: rule rows, route-table variables (seen and unseen), drops, gaps and v2-only variables.
"""

from __future__ import annotations

import json

import pytest

from bbmigrate.tables.build import build_tables
from bbmigrate.tables.readable import SECTIONS

V = "https://bluebutton.cms.gov/resources/variables/"
PROFILE = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient"

PATIENT_YAML = f"""
resource: Patient
vars:
  profile: {PROFILE}
rules:
  - {{id: p.resourceType, op: copy, v1: resourceType, v2: resourceType, note: "Same type."}}
  - {{id: p.profile, op: constant, v2: meta.profile, value: ["${{profile}}"], note: "Profile."}}
  - id: p.extension
    op: route
    v1: "extension[*]"
    key: url
    table: p-ext
    note: "Extensions by url."
    routes:
      default:
        v2: "extension[+]"
        rules:
          - {{id: p.extension.copy, op: copy, v1: "@", v2: "@", change: same, note: "Kept."}}
      drop:
        drop: "v2 does not send it."
  - {{id: p.gender, op: copy, v1: gender, v2: gender, note: "Unchanged."}}
gaps:
  - {{id: gap.p.mbi, v2: "identifier[system=urn:mbi]", variable: mbi_num, reason: "No MBI."}}
"""
TABLES_YAML = f"""
tables:
  - id: p-ext
    note: Patient extension url to route.
    key_prefix: {V}
    rows:
      old_cd: drop
      unseen_cd: {{route: default, display: Unseen Code}}
  - id: detection
    note: v2 markers.
    rows:
      r4_markers:
        "*": [meta.profile~carin-bb]
"""


def _coding(name: str, code: str, display: str | None = None) -> dict:
    coding = {"system": V + name, "code": code}
    return {"url": V + name, "valueCoding": {**coding, **({"display": display} if display else {})}}


@pytest.fixture(scope="module")
def patient_rows(tmp_path_factory):
    root = tmp_path_factory.mktemp("adapter")
    (root / "mappings" / "concepts").mkdir(parents=True)
    (root / "mappings" / "patient.yaml").write_text(PATIENT_YAML)
    (root / "mappings" / "concepts" / "p.yaml").write_text(TABLES_YAML)
    v1 = {
        "resourceType": "Patient",
        "id": "-7",
        "gender": "female",
        "extension": [_coding("race", "2", "Black"), _coding("old_cd", "X")],
    }
    v2 = {
        "resourceType": "Patient",
        "id": "-7",
        "gender": "female",
        "meta": {"profile": [PROFILE]},
        "extension": [_coding("race", "2", "Black"), _coding("v2_only_cd", "Q")],
    }
    for version, doc in (("v1", v1), ("v2", v2)):
        folder = root / "samples" / "-7" / version
        folder.mkdir(parents=True)
        (folder / "Patient.json").write_text(json.dumps(doc))
    (root / "samples" / "index.json").write_text(json.dumps({"beneficiaries": [{"id": "-7"}]}))
    tables = build_tables(mappings=root / "mappings", samples=root / "samples")
    assert all(not rows for key, rows in tables.ordered() if key != "patient")
    return {row.variable: row for row in tables.sheets["patient"]}, tables.sheets["patient"]


def test_rows_grouped_by_section_rule_rows_in_file_order_with_examples(patient_rows):
    rows, ordered = patient_rows
    ranks = [SECTIONS.index(r.section) for r in ordered]
    assert ranks == sorted(ranks)
    header = [r.variable for r in ordered if r.section == "header"]
    assert header[:2] == ["resourceType", "meta.profile"]
    extensions = [r.variable for r in ordered if r.section == "extensions"]
    # structural rows first, then the variables by name
    assert extensions == ["extension", "old_cd", "race", "unseen_cd", "v2_only_cd"]
    assert (rows["gender"].change, rows["gender"].v1_example) == ("same", "female")
    profile = rows["meta.profile"]
    assert (profile.change, profile.v1_element, profile.rule_id) == ("added", "", "p.profile")
    assert profile.v2_example.startswith("http://hl7.org/fhir/us/carin-bb/")
    assert not profile.is_variable


def test_variables_seen_in_the_samples_carry_their_rule_elements_and_examples(patient_rows):
    race = patient_rows[0]["race"]
    assert race.is_variable and race.change == "same"
    assert (race.rule_id, race.note) == ("p.extension.copy", "Kept.")
    assert race.v1_element == race.v2_element == "extension[N].valueCoding.code"
    assert (race.v1_example, race.v2_example) == ("2 (Black)", "2 (Black)")
    assert race.fhirpath == f"extension.where(url='{V}race').valueCoding.code"
    assert race.profile_url.endswith(
        "StructureDefinition-C4BB-Patient-definitions.html#Patient.extension"
    )


def test_a_dropped_variable_is_removed_with_the_reason(patient_rows):
    old = patient_rows[0]["old_cd"]
    assert (old.change, old.v2_element, old.v1_example) == ("removed", "", "X")
    assert old.note == "v2 does not send it."


def test_table_keys_the_samples_lack_still_get_a_row(patient_rows):
    unseen = patient_rows[0]["unseen_cd"]
    assert unseen.label == "Unseen Code"  # from the table row's display
    # readable: no mapping-path notation, the selector becomes the discriminator
    assert unseen.v1_element == "extension[N]"
    assert unseen.v1_discriminator == f"url = '{V}unseen_cd'"
    assert (unseen.v2_element, unseen.rule_id) == ("extension[N]", "p.extension.copy")
    assert unseen.v1_example == unseen.v2_example == ""


def test_gaps_and_v2_only_variables_are_added_in_v2(patient_rows):
    rows = patient_rows[0]
    assert (rows["mbi_num"].change, rows["mbi_num"].rule_id) == ("added", "gap.p.mbi")
    assert rows["mbi_num"].note == "Gap: No MBI."
    extra = rows["v2_only_cd"]
    assert (extra.change, extra.rule_id, extra.v2_example) == ("added", "", "Q")
    assert "no mapping rule" in extra.note


FACTS = {
    "variables": [
        {
            "id": 1,
            "column": "bene_race_cd",
            "url_name": "race",
            "label": "Race Code",
            "resource": "Patient",
            "sheets": ["patient"],
            "v1": {
                "element": "extension[N].valueCoding.code",
                "discriminator": [f"extension[N].url = '{V}race'"],
            },
            "v2": {
                "element": "extension[N].valueCoding.code",
                "discriminator": [f"extension[N].url = '{V}race'"],
            },
        },
        {
            "id": 2,
            "column": "bene_sex_ident_cd",
            "url_name": "",
            "label": "Sex Code",
            "resource": "Patient",
            "sheets": ["patient"],
            "v1": {"element": "gender"},
            "v2": {"element": "gender"},
        },
        {
            "id": 3,
            "column": "new_cd",
            "url_name": "v2_only_cd",
            "label": "New Code",
            "resource": "Patient",
            "sheets": ["patient"],
            "v1": {"element": ""},
            "v2": {
                "element": "extension[N].valueCoding.code",
                "discriminator": [f"extension[N].url = '{V}v2_only_cd'"],
            },
        },
    ]
}


def test_facts_give_every_dictionary_variable_a_row_under_its_column_name(tmp_path):
    (tmp_path / "mappings" / "concepts").mkdir(parents=True)
    (tmp_path / "mappings" / "patient.yaml").write_text(PATIENT_YAML)
    (tmp_path / "mappings" / "concepts" / "p.yaml").write_text(TABLES_YAML)
    (tmp_path / "mappings" / "variables.json").write_text(json.dumps(FACTS))
    folder = tmp_path / "samples" / "-7"
    for version in ("v1", "v2"):
        (folder / version).mkdir(parents=True)
        doc = {
            "resourceType": "Patient",
            "id": "-7",
            "gender": "female",
            "extension": [_coding("race", "2", "Black")],
        }
        if version == "v2":
            doc["extension"].append(_coding("v2_only_cd", "Q"))
        (folder / version / "Patient.json").write_text(json.dumps(doc))
    (tmp_path / "samples" / "index.json").write_text(json.dumps({"beneficiaries": [{"id": "-7"}]}))
    rows = build_tables(mappings=tmp_path / "mappings", samples=tmp_path / "samples")
    by_id = {r.dictionary_id: r for r in rows.sheets["patient"] if r.dictionary_id}
    race = by_id[1]
    # the mapper's row, joined on the URL name, shown under the column name
    assert (race.display_name, race.label, race.source) == (
        "bene_race_cd (URL: race)",
        "Race Code",
        "mapping rules",
    )
    assert race.v2_discriminator == f"url = '{V}race'"
    sex = by_id[2]  # no rule names it: a row from the facts, examples read from the samples
    assert (sex.display_name, sex.source, sex.change) == (
        "bene_sex_ident_cd",
        "variables facts file",
        "same",
    )
    assert (sex.v1_example, sex.v2_example, sex.label) == ("female", "female", "Sex Code")
    assert sex.note and sex.section == "header"
    new = by_id[3]  # joined to the v2-only row the samples show
    assert (new.display_name, new.change, new.label) == (
        "new_cd (URL: v2_only_cd)",
        "added in v2"[:5],
        "New Code",
    )
    assert new.v2_example == "Q"
