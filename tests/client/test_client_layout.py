"""Writing the beneficiary folder: fresh, over an earlier run, and refusing a file in the way."""

from __future__ import annotations

import json

import pytest

from bbmigrate.client.layout import write_beneficiary
from bbmigrate.client.manifest import Manifest, VersionResult
from bbmigrate.errors import OutputError


def manifest(*versions: str) -> Manifest:
    return Manifest(
        base_url="http://127.0.0.1:1",
        versions={v: VersionResult(v) for v in versions},
        filters={},
        requests=[],
        started="s",
        finished="f",
        elapsed_s=0.0,
    )


def test_fresh_folder_gets_every_file_and_the_manifest_lists_them(tmp_path):
    out = tmp_path / "bene"
    docs = {"v1": {"Coverage": {"a": 1}}, "v2": {"Coverage": {"b": 2}, "Patient": {"c": 3}}}
    write_beneficiary(out, docs, manifest("v1", "v2"))
    assert json.loads((out / "v2" / "Patient.json").read_text()) == {"c": 3}
    listed = json.loads((out / "manifest.json").read_text())["versions"]
    assert listed["v2"]["files"] == ["v2/Coverage.json", "v2/Patient.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["bene"]


def test_earlier_run_keeps_other_versions_and_loses_stale_files(tmp_path):
    out = tmp_path / "bene"
    write_beneficiary(out, {"v1": {"Patient": {}}, "v2": {"Patient": {}}}, manifest("v1", "v2"))
    (out / "notes.txt").write_text("mine")
    write_beneficiary(out, {"v2": {"Coverage": {"new": True}}}, manifest("v2"))
    assert sorted(p.name for p in (out / "v2").iterdir()) == ["Coverage.json"]  # no old Patient
    assert (out / "v1" / "Patient.json").exists() and (out / "notes.txt").read_text() == "mine"
    assert list(json.loads((out / "manifest.json").read_text())["versions"]) == ["v2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bene"]


def test_a_file_where_the_folder_should_be_is_an_output_error(tmp_path):
    out = tmp_path / "bene"
    out.write_text("not a folder")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        write_beneficiary(out, {"v2": {"Coverage": {}}}, manifest("v2"))
    assert out.read_text() == "not a folder"
    assert [p.name for p in tmp_path.iterdir()] == ["bene"]
