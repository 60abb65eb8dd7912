"""Writing the beneficiary folder: fresh, over an earlier run, and refusing a file in the way."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from bbmigrate.client.layout import recover, write_beneficiary
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


# A child process writes fetch "new" over fetch "old" and is killed (os._exit, so no cleanup
# runs, as with SIGKILL or a power cut) just before install rename number N.
_CRASH = """
import os, sys
from bbmigrate.client import layout
from bbmigrate.client.manifest import Manifest, VersionResult

out, crash_at = sys.argv[1], int(sys.argv[2])
calls = []

def rename(src, dst):
    if len(calls) == crash_at:
        os._exit(9)
    calls.append(dst)
    os.rename(src, dst)

layout._rename = rename
if crash_at < 0:  # killed after writing the staging folder, before installing anything
    layout._install = lambda *args: os._exit(9)
docs = {v: {"Coverage": {"run": "new", "v": v}} for v in ("v1", "v2")}
manifest = Manifest("http://127.0.0.1:1", {v: VersionResult(v) for v in docs}, {"run": "new"},
                    [], "s", "f", 0.0)
layout.write_beneficiary(out, docs, manifest)
print(len(calls))
"""


def _run_crashing(out, crash_at: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _CRASH, str(out), str(crash_at)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _state(out) -> str:
    """'old' or 'new' when the folder is one complete fetch; fails on any mix."""
    runs = {json.loads((out / v / "Coverage.json").read_text())["run"] for v in ("v1", "v2")}
    runs.add(json.loads((out / "manifest.json").read_text())["filters"]["run"])
    assert len(runs) == 1, runs
    return runs.pop()


def test_an_install_killed_between_any_two_renames_recovers_to_one_complete_fetch(tmp_path):
    renames = int(_run_crashing(tmp_path / "probe", 10**6).stdout)  # a fresh folder: 1 rename
    assert renames == 1
    seen = set()
    for crash_at in range(-1, 8):
        out = tmp_path / f"bene{crash_at}"
        old = {v: {"Coverage": {"run": "old", "v": v}} for v in ("v1", "v2")}
        done = manifest("v1", "v2")
        done.filters = {"run": "old"}
        write_beneficiary(out, old, done)
        result = _run_crashing(out, crash_at)
        if result.returncode == 0:
            assert int(result.stdout) == crash_at <= 6  # finished before the crash point
            assert _state(out) == "new"
            break
        assert result.returncode == 9
        recover(out)
        seen.add(_state(out))
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
        assert (out / "v1").is_dir() and stat.S_IMODE(out.stat().st_mode) == 0o700
    else:
        pytest.fail("the install never completed")
    assert seen == {"old", "new"}  # killed before the journal: old; after it: rolled forward


def test_the_next_fetch_finishes_an_interrupted_install_first(tmp_path):
    out = tmp_path / "bene"
    done = manifest("v1", "v2")
    done.filters = {"run": "old"}
    write_beneficiary(out, {v: {"Coverage": {"run": "old"}} for v in ("v1", "v2")}, done)
    assert _run_crashing(out, 2).returncode == 9  # v1 swapped, v2 not yet: a mixed folder
    with pytest.raises(AssertionError):
        _state(out)
    # A later write (the next fetch) recovers first, then installs its own documents.
    write_beneficiary(out, {"v2": {"Coverage": {"run": "later"}}}, manifest("v2"))
    assert json.loads((out / "v1" / "Coverage.json").read_text())["run"] == "new"
    assert json.loads((out / "v2" / "Coverage.json").read_text())["run"] == "later"
    assert [p.name for p in tmp_path.iterdir()] == ["bene"]


def test_a_staging_folder_left_while_writing_is_removed(tmp_path):
    out = tmp_path / "bene"
    stranded = tmp_path / ".bene.fetch-abc123"
    (stranded / "v1").mkdir(parents=True)  # no journal: the run died before touching out
    (stranded / "v1" / "Coverage.json").write_text("{}")
    write_beneficiary(out, {"v1": {"Coverage": {}}}, manifest("v1"))
    assert [p.name for p in tmp_path.iterdir()] == ["bene"]
