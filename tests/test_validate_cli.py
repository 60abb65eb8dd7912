"""``bbmigrate validate`` end to end on small hand-made inputs (works without reference data:
the bundled rule sets are used when the FHIR packages are absent)."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bbmigrate.cli import main

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "meta": {
        "lastUpdated": "2024-01-01T00:00:00Z",
        "profile": ["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient|2.0.0"],
    },
    "identifier": [
        {
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB"}
                ]
            },
            "system": "https://example.org/member",
            "value": "123",
        }
    ],
    "name": [{"family": "Doe", "given": ["Jane"]}],
    "gender": "female",
}


def _patient(**changes):
    doc = copy.deepcopy(PATIENT)
    doc.update(changes)
    return doc


def _run(*args):
    return CliRunner().invoke(main, ["validate", *map(str, args)])


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_patient()))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_patient(gender="F")))
    return good, bad


def test_clean_resource_exits_0(files):
    result = _run(files[0], "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] == 0
    assert report["summary"]["resources"] == 1


def test_findings_exit_1_with_path_rule_and_value(files):
    result = _run(files[1], "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"summary", "findings"}
    (finding,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert finding["path"] == "Patient.gender"
    assert finding["rule"] == "binding"
    assert finding["value"] == "F"
    assert {"severity", "resource", "path", "profile", "rule", "message", "value"} <= set(finding)


def test_text_output(files):
    result = _run(files[1])
    assert result.exit_code == 1
    assert "Patient.gender" in result.stdout
    assert "1 errors" in result.stdout


def test_fail_on_warning(tmp_path):
    path = tmp_path / "p.json"
    doc = {
        "resourceType": "Observation",
        "meta": {"profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-bmi"]},
        "status": "final",
        "code": {"text": "BMI"},
    }
    path.write_text(json.dumps(doc))
    assert _run(path).exit_code == 0  # R4-valid; the unknown profile is only a warning
    result = _run(path, "--fail-on", "warning", "--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["severity"], f["rule"]) for f in findings] == [
        ("warning", "profile"),
        ("information", "profile"),
    ]


def test_ig_110_needs_versioned_meta_profile(files):
    result = _run(files[0], "--ig", "1.1.0", "--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in findings if f["severity"] == "error"] == ["slice"]
    assert findings[0]["path"] == "Patient.meta.profile"


def test_string_boolean_is_a_type_error(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_patient(active="true")))
    result = _run(path, "--json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["path"], finding["value"]) == (
        "type",
        "Patient.active",
        "true",
    )


def test_ndjson_sources_name_the_line(tmp_path):
    path = tmp_path / "patients.ndjson"
    lines = [_patient(), _patient(id="p2", gender="M")]
    path.write_text("\n".join(json.dumps(doc) for doc in lines) + "\n")
    result = _run(path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"]["resources"] == 2
    assert {f["source"] for f in report["findings"]} == {f"{path}:2"}


def test_text_report_lists_sources_in_natural_order(tmp_path):
    # line 9 before line 10 (a plain string sort puts "10" first)
    path = tmp_path / "patients.ndjson"
    path.write_text("".join(json.dumps(_patient(id=f"p{n}", gender="M")) + "\n" for n in range(12)))
    result = _run(path)
    assert result.exit_code == 1
    order = [line for line in result.stdout.splitlines() if line.startswith(str(path))]
    assert order == [f"{path}:{n}" for n in range(1, 13)]


def test_bad_input_exits_2_with_one_line(tmp_path):
    path = tmp_path / "broken.ndjson"
    path.write_text(json.dumps(_patient()) + "\n{not json\n")
    result = _run(path)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert f"{path}:2" in result.stderr
    missing = _run(tmp_path / "nope.json")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    not_fhir = tmp_path / "x.json"
    not_fhir.write_text('{"hello": 1}')
    assert _run(not_fhir).exit_code == 2


def test_xlsx_report_and_no_partial_output(files, tmp_path):
    out = tmp_path / "r.xlsx"
    assert _run(files[1], "--format", "xlsx").exit_code == 2  # xlsx needs -o
    result = _run(files[1], "--format", "xlsx", "-o", out, "--must-support", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["output"] == str(out)
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", "Findings", "Must-support"]
    rows = list(book["Findings"].values)
    assert rows[0][:4] == ("severity", "profile", "rule", "element")
    assert ("error", "base R4", "binding", "Patient.gender") in [r[:4] for r in rows]
    assert _run(files[1], "--format", "xlsx", "-o", out, "--detail").exit_code == 1
    detail = list(load_workbook(out)["All findings"].values)
    assert detail[0][:4] == ("severity", "resource", "path", "rule")
    assert ("error", "Patient/p1", "Patient.gender", "binding") in [r[:4] for r in detail]
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    target = tmp_path / "never.json"
    assert _run(broken, "--format", "json", "-o", target).exit_code == 2
    assert not target.exists() and not list(tmp_path.glob(".never.json.*"))


def test_fetch_output_folder_checks_v2_only(tmp_path):
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    (tmp_path / "v1" / "Patient.json").write_text(json.dumps(_patient(gender="nonsense")))
    (tmp_path / "v2" / "Patient.json").write_text(json.dumps(_patient()))
    (tmp_path / "v2" / "userinfo.json").write_text('{"sub": "x", "patient": "p1"}')
    result = _run(tmp_path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["resources"] == 1


def test_must_support_report_and_redact(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_patient(gender="F")))
    result = _run(path, "--json", "--must-support", "--redact")
    report = json.loads(result.stdout)
    entry = report["must_support"][
        "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient"
    ]
    assert "Patient.birthDate" in entry["never_present"]
    assert "Patient.gender" not in entry["never_present"]
    assert entry["present"] + len(entry["never_present"]) == entry["must_support"]
    assert "F" not in [f["value"] for f in report["findings"]]
    text = _run(path, "--must-support", "--redact").stdout
    assert "- Patient.birthDate" in text and "[F]" not in text


@pytest.mark.parametrize("fmt", ["text", "json", "xlsx", "html"])
def test_redact_hides_resource_ids_and_the_patient_folder(tmp_path, fmt):
    patient_id = "-88880000001234"
    folder = tmp_path / patient_id / "v2"  # the fetch layout names the folder after the patient
    folder.mkdir(parents=True)
    (folder / "Patient.json").write_text(json.dumps(_patient(id=patient_id, gender="F")))
    out = tmp_path / f"report.{fmt}"
    result = _run(folder, "--redact", "--detail", "--format", fmt, "-o", out)
    assert result.exit_code == 1, result.output  # the bad gender is still reported
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheets = load_workbook(out).worksheets
        rows = [row for sheet in sheets for row in sheet.iter_rows(values_only=True)]
        shown = "\n".join(str(cell) for row in rows for cell in row)
    else:
        shown = out.read_text()
    assert "Patient/[ID-1]" in shown
    assert patient_id not in shown and "8888" not in shown


def test_jobs_give_the_same_report_in_the_same_order(tmp_path):
    lines = [_patient(id=f"p{i}", gender="F" if i % 3 == 0 else "female") for i in range(12)]
    path = tmp_path / "many.ndjson"
    path.write_text("\n".join(json.dumps(doc) for doc in lines) + "\n")
    one = _run(path, "--json", "--must-support")
    two = _run(path, "--json", "--must-support", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert [f["resource"] for f in json.loads(two.stdout)["findings"]] == [
        "Patient/p0",
        "Patient/p3",
        "Patient/p6",
        "Patient/p9",
    ]


def test_stdin_and_bad_package_dir(tmp_path):
    result = CliRunner().invoke(main, ["validate", "-", "--json"], input=json.dumps(_patient()))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["resources"] == 1
    empty = tmp_path / "pkgs"
    empty.mkdir()
    bad = _run("-", "--package-dir", empty)
    assert bad.exit_code == 2
    assert "carin4bb-200.tgz" in bad.stderr and str(empty) in bad.stderr


def test_no_invariants_is_said_in_the_summary(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            _patient(
                meta={
                    "lastUpdated": "2024-01-01T00:00:00Z",
                    "profile": [PATIENT["meta"]["profile"][0][:-6]],
                }
            )
        )
    )
    with_inv = json.loads(_run(path, "--json").stdout)
    without = json.loads(_run(path, "--json", "--no-invariants").stdout)
    assert with_inv["summary"]["invariants"] is True
    assert without["summary"]["invariants"] is False
    # The unversioned profile breaks only an invariant (patient-meta-profile-version).
    assert [f["rule"] for f in with_inv["findings"]] == ["patient-meta-profile-version"]
    assert without["findings"] == []
