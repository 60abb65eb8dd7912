"""Issue #10 point 6: every bad input is one line naming the file, exit 2, never a traceback
and never an empty success."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from safety_data import BENE

from bbmigrate.cli import main
from bbmigrate.jsonio import MAX_DEPTH
from bbmigrate.resources import samples_dir


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line_error(result, *, naming: str, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bbmigrate: error: ") and naming in lines[0], lines[0]
    return lines[0]


def nested_patient(depth: int) -> str:
    """A Patient whose JSON nests exactly ``depth`` containers (extensions in extensions), as
    text: Python's own json module cannot write the deepest ones."""
    url = '"url": "http://example.org/x"'
    pairs, odd = divmod(depth - 3, 2)  # Patient {, extension [, innermost {
    node = f"{{{url}, " + ('"extension": []}' if odd else '"valueString": "v"}')
    for _ in range(pairs):
        node = f'{{{url}, "extension": [{node}]}}'
    return f'{{"resourceType": "Patient", "id": "deep", "extension": [{node}]}}'


def depth_of(text: str) -> int:
    deepest = level = 0
    for char in text:  # no string in these documents holds a bracket
        level += (char in "[{") - (char in "]}")
        deepest = max(deepest, level)
    return deepest


@pytest.fixture(scope="module")
def deep_files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("deep")
    files = {}
    for name, depth in (("ok", MAX_DEPTH), ("over", MAX_DEPTH + 1), ("255", 255), ("600", 600)):
        text = nested_patient(depth)
        assert depth_of(text) == depth
        files[name] = root / f"{name}.json"
        files[name].write_text(text)
    for depth in (1000, 1100):
        files[str(depth)] = root / f"deep{depth}.json"
        files[str(depth)].write_text(nested_patient(depth))
    # raw nesting past the parser's own limit (orjson reads 1,024 levels)
    (root / "lists.json").write_text("[" * 5000 + "]" * 5000)
    files["lists"] = root / "lists.json"
    (root / "deep.ndjson").write_text(
        json.dumps({"resourceType": "Patient", "id": "a"}) + "\n" + files["600"].read_text() + "\n"
    )
    files["ndjson"] = root / "deep.ndjson"
    return files


@pytest.mark.parametrize("command", ["map", "validate", "diff"])
def test_nesting_up_to_the_limit_is_handled(deep_files, command, tmp_path):
    ok = str(deep_files["ok"])
    args = {
        "map": ["map", ok, "-o", str(tmp_path / "m.json")],
        "validate": ["validate", ok, "--format", "json", "-o", str(tmp_path / "v.json")],
        "diff": ["diff", ok, ok, "--format", "json", "-o", str(tmp_path / "d.json")],
    }[command]
    result = invoke(*args)
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("depth", ["over", "255", "600", "1000", "1100", "lists", "ndjson"])
@pytest.mark.parametrize("command", ["map", "validate", "diff"])
def test_deeper_nesting_is_one_line(deep_files, command, depth, tmp_path):
    bad = str(deep_files[depth])
    args = {
        "map": ["map", bad, "-o", str(tmp_path / "m.json")],
        "validate": ["validate", bad, "--format", "json", "-o", str(tmp_path / "v.json")],
        "diff": ["diff", bad, bad, "--format", "json", "-o", str(tmp_path / "d.json")],
    }[command]
    line = one_line_error(invoke(*args), naming=bad)
    assert "nested deeper" in line or "depth limit" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "entry",
    [
        {"foo": 1},
        "str",
        5,
        {"resource": "x"},
        {"resource": {"id": "no-type"}},
        {"fullUrl": "https://x/Patient/1"},  # valid elements, no resource: bdl-5
    ],
)
def test_validate_bundle_entry_that_is_not_a_resource_is_a_finding(tmp_path, entry):
    patient = json.loads((samples_dir() / BENE / "v2" / "Patient.json").read_text())
    entries = [entry, {"resource": patient}]
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = invoke("validate", str(path), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    bad = [f for f in report["findings"] if f["source"] == f"{path}#entry[0]"]
    errors = [f["path"] for f in bad if f["severity"] == "error"]
    assert any(p.startswith("Bundle.entry[0]") or p == "resourceType" for p in errors), bad
    assert report["summary"]["resources"] == 2


@pytest.mark.parametrize("entry", [5, {"resource": {}}, "x"])
@pytest.mark.parametrize("command", ["map", "validate", "diff"])
def test_bundle_entry_that_is_not_an_array_is_one_line(tmp_path, command, entry):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entry}))
    out = tmp_path / "out.json"
    inputs = [str(path), str(path)] if command == "diff" else [str(path)]
    line = one_line_error(invoke(command, *inputs, "-o", str(out)), naming=str(path))
    assert "Bundle.entry is not an array" in line
    assert not out.exists()


def test_validate_bundle_of_only_bad_entries_is_never_clean(tmp_path):
    bundle = {"resourceType": "Bundle", "entry": [{"foo": 1}, "str", 5, {"resource": "x"}]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = invoke("validate", str(path), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    sources = {f["source"] for f in report["findings"] if f["severity"] == "error"}
    assert sources == {f"{path}#entry[{i}]" for i in range(4)}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty-bundle.json", '{"resourceType": "Bundle", "type": "searchset"}'),
        ("blank.ndjson", "\n\n"),
    ],
)
@pytest.mark.parametrize("command", ["map", "validate"])
def test_input_without_resources_is_exit_2(tmp_path, name, content, command):
    path = tmp_path / "in" / name
    path.parent.mkdir()
    path.write_text(content)
    out = tmp_path / "out" / name
    args = ["map", str(path), "-o", str(out)] if command == "map" else ["validate", str(path)]
    line = one_line_error(invoke(*args), naming=str(path))
    assert "no FHIR resources" in line
    # nothing written: no output, no temporary file beside it
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_diff_with_no_resources_on_either_side_is_exit_2(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"resourceType": "Bundle", "type": "searchset"}')
    out = tmp_path / "out"
    out.mkdir()
    result = invoke("diff", str(empty), str(empty), "--format", "json", "-o", str(out / "d.json"))
    assert "no FHIR resources" in one_line_error(result, naming=str(empty))
    assert list(out.iterdir()) == []


def test_folder_without_resources_is_exit_2(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(samples_dir() / BENE / "v1" / "userinfo.json", folder / "userinfo.json")
    one_line_error(invoke("map", str(folder), "-o", str(tmp_path / "out")), naming=str(folder))
    one_line_error(invoke("validate", str(folder)), naming=str(folder))


@pytest.mark.parametrize("command", ["map", "validate", "diff"])
def test_dangling_symlink_in_an_input_folder_is_reported(tmp_path, command):
    folder = tmp_path / "v1"
    folder.mkdir()
    shutil.copy(samples_dir() / BENE / "v1" / "Patient.json", folder / "Patient.json")
    (folder / "Coverage.json").symlink_to(tmp_path / "gone.json")
    args = {
        "map": ["map", str(folder), "-o", str(tmp_path / "out")],
        "validate": ["validate", str(folder)],
        "diff": ["diff", str(folder), str(folder)],
    }[command]
    line = one_line_error(invoke(*args), naming=str(folder / "Coverage.json"))
    assert "dangling symlink" in line or "No such file" in line


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("command", ["map", "validate", "diff"])
def test_unreadable_file_is_one_line(command):
    # /proc/self/mem opens but cannot be read at offset 0 (EIO), even for root; unlike chmod 000
    bad = "/proc/self/mem"
    args = {"map": ["map", bad], "validate": ["validate", bad], "diff": ["diff", bad, bad]}
    one_line_error(invoke(*args[command]), naming=bad)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file")
def test_permission_denied_is_one_line(tmp_path):
    path = tmp_path / "locked.json"
    shutil.copy(samples_dir() / BENE / "v1" / "Patient.json", path)
    path.chmod(0)
    line = one_line_error(invoke("map", str(path)), naming=str(path))
    assert "Permission denied" in line


@pytest.mark.parametrize(
    "args",
    [
        ["tables", "--mappings", "/nonexistent/mappings"],
        ["tables", "--samples", "/nonexistent/samples", "--format", "csv"],
        ["diff", "{tmp}", "{tmp}", "-o", "{tmp}"],
        ["map", "{tmp}/x.json", "--mappings", "/nonexistent/mappings"],
    ],
)
def test_bad_path_options_are_one_line_not_a_usage_block(tmp_path, args):
    result = invoke(*(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bbmigrate: error: "), result.stderr
    assert "Usage:" not in result.output


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"id": "x", "fhirMapping": [{}]},
        {"id": 1, "fhirMapping": ["not an object"]},
        {"id": 1, "fhirMapping": [{"discriminator": 5}]},
        {"id": 1, "appliesTo": 3, "fhirMapping": [{"resource": "ExplanationOfBenefit"}]},
    ],
)
def test_a_dictionary_with_wrong_field_types_is_one_line_and_nothing_is_written(tmp_path, document):
    root = tmp_path / "dd"
    (root / "data" / "V2").mkdir(parents=True)
    (root / "data" / "V1").mkdir()
    bad = root / "data" / "V2" / "2_bad.json"
    bad.write_text(json.dumps(document))
    out = tmp_path / "out"
    result = invoke(
        "tables", "--format", "csv", "-o", str(out / "t.csv"), "--dictionary", str(root)
    )
    one_line_error(result, naming=str(bad))
    assert not out.exists()


def _eob_lines(count: int) -> bytes:
    bundle = json.loads((samples_dir() / BENE / "v2" / "ExplanationOfBenefit.json").read_text())
    eobs = [e["resource"] for e in bundle["entry"]][:count]
    return b"".join(json.dumps(eob).encode() + b"\n" for eob in eobs)


def test_validate_reads_gzip_ndjson_as_the_same_lines(tmp_path):
    import gzip

    plain, packed = tmp_path / "eobs.ndjson", tmp_path / "eobs.ndjson.gz"
    plain.write_bytes(_eob_lines(3))
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    reports = []
    for path in (plain, packed):
        result = invoke("validate", str(path), "--json")
        assert result.exit_code in (0, 1), result.output
        report = json.loads(result.stdout)
        assert report["summary"]["resources"] == 3
        for finding in report["findings"]:
            finding["source"] = finding["source"].replace(path.name, "eobs")
        reports.append(report["findings"])
    assert reports[0] == reports[1]


def test_truncated_gzip_and_gzip_under_a_plain_name_are_one_line(tmp_path):
    import gzip

    data = gzip.compress(_eob_lines(3))
    truncated = tmp_path / "cut.ndjson.gz"
    truncated.write_bytes(data[: len(data) // 2])
    for command in ("validate", "map"):
        line = one_line_error(invoke(command, str(truncated)), naming=str(truncated))
        assert "truncated gzip data" in line
    misnamed = tmp_path / "packed.ndjson"
    misnamed.write_bytes(data)
    for command in ("validate", "map"):
        line = one_line_error(invoke(command, str(misnamed)), naming=str(misnamed))
        assert "gzip-compressed data, not JSON" in line
    # diff re-reads resources by offset: it says so instead of reading garbage
    packed = tmp_path / "eobs.ndjson.gz"
    packed.write_bytes(data)
    line = one_line_error(invoke("diff", str(packed), str(packed)), naming=str(packed))
    assert "gzip-compressed: diff reads .json and .ndjson files" in line
