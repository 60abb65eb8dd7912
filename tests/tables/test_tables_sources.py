"""Variables, values and labels found in resources; the data-dictionary reader and normaliser."""

from __future__ import annotations

import json

import pytest

from bbmigrate.errors import InputError
from bbmigrate.tables.dictionary import (
    agreement_kind,
    compare,
    elements_agree,
    normalise_element,
    read_dictionary,
)
from bbmigrate.tables.examples import load_samples
from bbmigrate.tables.rows import TableRow
from bbmigrate.tables.sample_values import find_variables, sheet_of

V = "https://bluebutton.cms.gov/resources/variables/"


def _eob(claim: str) -> dict:
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"{claim.lower()}-1",
        "type": {
            "coding": [
                {
                    "system": "https://bluebutton.cms.gov/resources/codesystem/eob-type",
                    "code": claim,
                }
            ]
        },
        "extension": [
            {
                "url": V + "nch_x",
                "valueCoding": {"system": V + "nch_x", "code": "O", "display": "Other"},
            },
            {"url": V + "amt_y", "valueMoney": {"value": 12.0, "currency": "USD"}},
        ],
        "identifier": [{"system": V + "clm_id", "value": "77"}],
        "supportingInfo": [
            {
                "category": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/claiminformationcategory",
                            "code": "info",
                        },
                        {
                            "system": "https://bluebutton.cms.gov/resources/codesystem/information",
                            "code": V + "wkly_dt",
                            "display": "Weekly Date",
                        },
                    ]
                },
                "timingDate": "2020-01-02",
            }
        ],
        "item": [
            {
                "adjudication": [
                    {
                        "category": {
                            "coding": [{"code": V + "line_amt", "display": "Line Amount"}]
                        },
                        "amount": {"value": 3.5},
                    }
                ]
            }
        ],
    }


def test_find_variables_reads_urls_systems_and_category_codes_with_labels():
    hits = {h.variable: h for h in find_variables(_eob("CARRIER"))}
    assert set(hits) == {"nch_x", "amt_y", "clm_id", "wkly_dt", "line_amt"}
    assert hits["nch_x"].value == "O (Other)" and hits["nch_x"].path == "extension[0]"
    assert hits["amt_y"].value == "12.0"
    assert hits["clm_id"].value == "77"
    assert (hits["wkly_dt"].value, hits["wkly_dt"].label) == ("2020-01-02", "Weekly Date")
    assert hits["wkly_dt"].slice == "claiminformationcategory#info"
    assert hits["line_amt"].slice == ""
    assert hits["line_amt"].path == "item[0].adjudication[0]"
    assert (hits["line_amt"].value, hits["line_amt"].label) == ("3.5", "Line Amount")


def test_sheet_of_uses_eob_type_then_id_prefix():
    assert sheet_of(_eob("SNF")) == "snf"
    assert sheet_of({"resourceType": "ExplanationOfBenefit", "id": "pde-9"}) == "pde"
    assert sheet_of({"resourceType": "Coverage"}) == "coverage"
    assert sheet_of({"resourceType": "Organization"}) is None


def test_load_samples_indexes_both_versions(tmp_path):
    for version in ("v1", "v2"):
        folder = tmp_path / "-1" / version
        folder.mkdir(parents=True)
        bundle = {"resourceType": "Bundle", "entry": [{"resource": _eob("HHA")}]}
        (folder / "ExplanationOfBenefit.json").write_text(json.dumps(bundle))
    (tmp_path / "index.json").write_text(json.dumps({"beneficiaries": [{"id": "-1"}]}))
    index = load_samples(tmp_path)
    assert index.variables("hha") == {"nch_x", "amt_y", "clm_id", "wkly_dt", "line_amt"}
    assert index.example("hha", "clm_id", "v2") == "77"
    assert index.label("wkly_dt") == "Weekly Date"
    assert index.variables("carrier") == set()


def test_load_samples_bad_index_is_one_line_error(tmp_path):
    (tmp_path / "index.json").write_text('{"beneficiaries": 3}')
    with pytest.raises(InputError, match=r"index\.json"):
        load_samples(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("supportingInfo[N].code.coding[N].code", {"supportingInfo.code.coding.code"}),
        ("eob.careTeam[N]provider.identifier[N].value", {"careTeam.provider.identifier.value"}),
        ("item[N].extention[N].valueCoding.code", {"item.extension.valueCoding.code"}),
        ("status AND extension[N].valueCoding.code", {"status", "extension.valueCoding.code"}),
        (
            "item[N].servicedPeriod.start OR  item[N].servicedDate",
            {"item.servicedPeriod.start", "item.servicedDate"},
        ),
        ("extension[url=https://x.org/a.b].valueMoney.value", {"extension.valueMoney.value"}),
        ("", set()),
    ],
)
def test_normalise_element(text, expected):
    assert normalise_element(text) == expected


def test_elements_agree_ignores_discriminators_case_and_containers_but_not_paths():
    assert (
        agreement_kind(
            "supportingInfo[category.coding.code=X].timingDate", "supportingInfo[N].timingDate"
        )
        == "same"
    )
    assert (
        agreement_kind(
            "item[N].extension[N].valueCoding.code", "item[N].extension[N].valuecoding.code"
        )
        == "same"
    )
    assert agreement_kind("payment", "payment.amount.value") == "container"
    assert not elements_agree(
        "extension[url=X].valueCoding.code", "supportingInfo[N].code.coding[N].code"
    )
    assert not elements_agree("item.extension", "item.extensionX")


def _dd_file(
    folder,
    number,
    stem,
    version,
    element,
    discriminator,
    applies=("Carrier",),
    resource="ExplanationOfBenefit",
):
    doc = {
        "id": number,
        "name": stem.title(),
        "appliesTo": list(applies),
        "suppliedIn": ["BB2"],
        "bfdColumnName": stem,
        "fhirMapping": [
            {
                "version": version,
                "resource": resource,
                "element": element,
                "fhirPath": "",
                "discriminator": discriminator,
            }
        ],
    }
    path = folder / "data" / version.replace("STU3", "V1").replace("R4", "V2")
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{number:04d}_{stem}.json").write_text(json.dumps(doc))


def test_read_dictionary_and_compare(tmp_path):
    _dd_file(
        tmp_path,
        1,
        "a_cd",
        "STU3",
        "extension[N].valueCoding.code",
        [f"extension[N].url = '{V}a_cd'"],
    )
    _dd_file(
        tmp_path,
        1,
        "a_cd",
        "R4",
        "extension[N].valueCoding.code",
        [f"extension[N].url = '{V}a_cd'"],
    )
    # a column name that differs from the URL name it is published under
    _dd_file(tmp_path, 2, "long_name", "STU3", "information[N].code", [])
    _dd_file(
        tmp_path,
        2,
        "long_name",
        "R4",
        "supportingInfo[N].code.coding[N].code",
        [f"supportingInfo[N].code.coding[N].system = '{V}short'"],
    )
    _dd_file(tmp_path, 3, "p_only", "STU3", "", [], applies=(), resource="Patient")
    _dd_file(
        tmp_path,
        3,
        "p_only",
        "R4",
        "identifier[N].value",
        [f"identifier[N].system = '{V}p_only'"],
        applies=(),
        resource="Patient",
    )
    entries = read_dictionary(tmp_path)
    assert [(e.stem, e.names, e.sheets) for e in entries] == [
        ("a_cd", ("a_cd",), ("carrier",)),
        ("long_name", ("short", "long_name"), ("carrier",)),
        ("p_only", ("p_only",), ("patient",)),
    ]
    rows = {
        "carrier": [
            TableRow(
                "a_cd",
                "extension[url=a]",
                "extension[url=a].valueCoding.code",
                "same",
                is_variable=True,
            ),
            TableRow(
                "short",
                "information",
                "extension[url=short].valueCoding.code",
                "moved",
                is_variable=True,
            ),
            TableRow(
                "ours_only", "", "extension[url=o].valueCoding.code", "added", is_variable=True
            ),
            TableRow("use", "", "use", "added"),
        ],
        "patient": [],
    }
    agreement = compare(rows, entries)
    assert (len(agreement.compared), agreement.agreed) == (2, 1)
    assert [c.variable for c in agreement.disagreements] == ["short"]
    assert agreement.only_ours == [("carrier", "ours_only")]
    assert agreement.only_dictionary == [("patient", "p_only")]


def test_read_dictionary_rejects_a_folder_without_data(tmp_path):
    with pytest.raises(InputError, match="data/V2"):
        read_dictionary(tmp_path)


def test_compare_joins_a_dated_variable_url_on_its_name(tmp_path):
    for version, element in (
        ("STU3", "extension[N].valueCoding.code"),
        ("R4", "extension[N].valueCoding.code"),
    ):
        _dd_file(
            tmp_path,
            7,
            "ptd_cntrct_id_01",
            version,
            element,
            [f"extension[N].url = '{V}ptdcntrct01'"],
            applies=("Part-D",),
            resource="Coverage",
        )
    row = TableRow(
        "ptdcntrct01/2024-1",
        "extension[N].valueCoding.code",
        "extension[N].valueCoding.code",
        "same",
        is_variable=True,
    )
    agreement = compare({"coverage": [row]}, read_dictionary(tmp_path))
    assert [(c.variable, c.agrees) for c in agreement.compared] == [("ptdcntrct01/2024-1", True)]
