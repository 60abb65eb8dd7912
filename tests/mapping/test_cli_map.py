"""``bbmigrate map`` and ``bbmigrate mappings`` through the CLI: shapes, errors, keep-going."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bbmigrate.cli import main

BB = "https://bluebutton.cms.gov/resources/variables/"
PATIENT = {
    "resourceType": "Patient",
    "id": "1",
    "gender": "male",
    "identifier": [{"system": BB + "bene_id", "value": "1"}],
}


def _run(*args, stdin=None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_map_single_file_to_file(tmp_path):
    src = tmp_path / "p.json"
    src.write_text(json.dumps(PATIENT))
    result = _run("map", str(src), "-o", str(tmp_path / "out.json"), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["identifier"][0]["type"]["coding"][0]["code"] == "MB"
    assert json.loads(result.stdout)["mapped"] == 1


def test_map_ndjson_keeps_shape_and_names_bad_line(tmp_path):
    src = tmp_path / "in.ndjson"
    src.write_text(json.dumps(PATIENT) + "\n\n" + json.dumps(PATIENT) + "\n{oops\n")
    out = tmp_path / "out.ndjson"
    result = _run("map", str(src), "-o", str(out))
    assert result.exit_code == 2
    assert f"{src}:4" in result.output and not out.exists()
    result = _run("map", str(src), "-o", str(out), "--keep-going")
    assert result.exit_code == 1
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["resourceType"] == "Patient"


def test_map_bundle_names_entry_and_refuses_r4(tmp_path):
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 2,
        "entry": [
            {"resource": PATIENT},
            {"resource": {"resourceType": "Coverage", "id": "c", "class": [{"value": "x"}]}},
        ],
    }
    src = tmp_path / "b.json"
    src.write_text(json.dumps(bundle))
    result = _run("map", str(src), "-o", str(tmp_path / "o.json"))
    assert result.exit_code == 2
    assert "entry[1]" in result.output and "looks like v2/R4" in result.output
    assert not (tmp_path / "o.json").exists()


def test_map_stdin_to_stdout_and_directory(tmp_path):
    result = _run("map", "-", stdin=json.dumps(PATIENT))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["meta"]["profile"][0].endswith("C4BB-Patient")
    (tmp_path / "in" / "v1").mkdir(parents=True)
    (tmp_path / "in" / "v1" / "Patient.json").write_text(json.dumps(PATIENT))
    result = _run("map", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "v1" / "Patient.json").read_text())["id"] == "1"


def test_invalid_json_is_one_line_exit_2(tmp_path):
    src = tmp_path / "bad.json"
    src.write_text("{\n  nope")
    result = _run("map", str(src))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and str(src) in result.output


def test_unmapped_lists_unknown_leaves(tmp_path):
    src = tmp_path / "p.json"
    src.write_text(json.dumps({**PATIENT, "newThing": "x"}))
    result = _run("map", "--unmapped", str(src), "--json")
    assert json.loads(result.stdout)["unmapped"] == [{"where": str(src), "path": "newThing"}]


def test_mappings_check_and_gaps_json():
    result = _run("mappings", "check", "--json")
    assert result.exit_code == 0
    counts = json.loads(result.stdout)
    assert counts["ok"] and counts["rules"] > 100
    gaps = json.loads(_run("mappings", "gaps", "--json").stdout)
    assert any(
        g["variable"] and g["variable"].endswith("carr_clm_blg_npi_num") for g in gaps["gaps"]
    )
    assert gaps["drops"]


def test_directory_skips_json_that_is_not_a_fhir_resource(tmp_path):
    """A fetch folder holds userinfo.json beside the resources: skipped, named, not an error."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "Patient.json").write_text(json.dumps(PATIENT))
    (tmp_path / "in" / "userinfo.json").write_text(json.dumps({"sub": "x", "patient": "1"}))
    result = _run("map", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["skipped"] == [str(tmp_path / "in" / "userinfo.json")]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Patient.json"]
    # the same document given on its own is still refused
    result = _run("map", str(tmp_path / "in" / "userinfo.json"))
    assert result.exit_code == 2
