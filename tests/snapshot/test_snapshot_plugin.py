"""The ``fhir_snapshot`` plugin from the outside: pytest runs on a throw-away test project.

Runs are in-process (a subprocess per run costs ~0.5 s). syrupy keeps its session in a module
global, so each run puts the outer session's back afterwards; otherwise this run's snapshot
bookkeeping would point at the inner one. Registration through the entry point is checked in a
subprocess, where nothing is imported beforehand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import syrupy

pytest_plugins = ["pytester"]

TEST_MODULE = """
import json
import pathlib

HERE = pathlib.Path(__file__).parent


def load():
    return json.loads((HERE / "eob.json").read_text(encoding="utf-8"))


def test_eob(fhir_snapshot):
    assert load() == fhir_snapshot
"""


def eob() -> dict[str, Any]:
    """A small synthetic EOB with the shapes that matter: extensions, nested lists, money."""
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": "carrier-900001",
        "meta": {"lastUpdated": "2026-01-02T03:04:05.678-05:00", "versionId": "7"},
        "status": "active",
        "extension": [
            {"url": "https://example.org/ext/zeta", "valueCode": "Z"},
            {"url": "https://example.org/ext/alpha", "valueCode": "A"},
            {"url": "https://example.org/ext/mid", "valueDate": "2020-05-01"},
        ],
        "provider": {"display": "Clinique Ørsted-Müller"},
        "supportingInfo": [{"sequence": 2, "category": {"text": "b"}}, {"sequence": 1}],
        "item": [
            {
                "sequence": 1,
                "adjudication": [
                    {"category": {"text": "paid"}, "amount": {"value": 1.0, "currency": "USD"}},
                    {"category": {"text": "allowed"}, "amount": {"value": 2.25, "currency": "USD"}},
                    {"category": {"text": "billed"}, "amount": {"value": 12.5, "currency": "USD"}},
                ],
            }
        ],
    }


def bundle() -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": "3f1a9c1e-0000-4000-8000-000000000001",
        "type": "searchset",
        "total": 1,
        "timestamp": "2026-01-02T03:04:05Z",
        "link": [
            {
                "relation": "self",
                "url": "http://127.0.0.1:43121/v2/fhir/ExplanationOfBenefit?patient=1",
            }
        ],
        "entry": [
            {
                "fullUrl": "http://127.0.0.1:43121/v2/fhir/ExplanationOfBenefit/carrier-900001",
                "resource": eob(),
            }
        ],
    }


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # pytest stops truncating assertion messages under CI; the inner runs must read the same
    # whether or not the outer run is on a CI machine.
    for name in ("CI", "BUILD_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_fhir=TEST_MODULE)
    write(pytester, eob())
    return pytester


def write(pytester: pytest.Pytester, resource: dict[str, Any]) -> None:
    (pytester.path / "eob.json").write_text(json.dumps(resource), encoding="utf-8")


def stored(pytester: pytest.Pytester, name: str = "test_eob") -> Path:
    return pytester.path / "__snapshots__" / "test_fhir" / f"{name}.json"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # No "-p bbmigrate...": the plugin must come from the installed entry point.
    outer = syrupy._syrupy
    try:
        return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
    finally:
        syrupy._syrupy = outer


def fails_with(pytester: pytest.Pytester, resource: dict[str, Any], *lines: str) -> str:
    """Write ``resource``, replay, expect one failure whose output matches ``lines``."""
    write(pytester, resource)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(list(lines))
    return result.stdout.str()


def test_plugin_is_registered_through_the_entry_point(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--trace-config", "--snapshot-update")
    result.assert_outcomes(passed=1)
    assert "bbmigrate.snapshot.plugin" in result.stdout.str()


def test_record_writes_one_canonical_json_file(project: pytest.Pytester) -> None:
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    text = stored(project).read_text(encoding="utf-8")
    expected = eob()
    expected["meta"]["lastUpdated"] = "IGNORED_FIELD"
    # An independent rendering: stdlib json, sorted keys, lists untouched, raw UTF-8.
    assert text == json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "Ørsted-Müller" in text
    assert text.index('"https://example.org/ext/zeta"') < text.index(
        '"https://example.org/ext/alpha"'
    )
    assert list(project.path.glob("__snapshots__/**/*.json")) == [stored(project)]
    assert stored(project).stat().st_mode & 0o044 == 0o044  # readable like a source file


def test_replay_passes_and_volatile_fields_may_change(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fhir=TEST_MODULE
        + """

def test_bundle(fhir_snapshot):
    assert json.loads((HERE / "bundle.json").read_text()) == fhir_snapshot
"""
    )
    (project.path / "bundle.json").write_text(json.dumps(bundle()))
    run(project, "--snapshot-update").assert_outcomes(passed=2)
    recorded = stored(project, "test_bundle").read_text()
    assert "43121" not in recorded and "3f1a9c1e" not in recorded
    run(project).assert_outcomes(passed=2)

    changed = eob()
    changed["meta"]["lastUpdated"] = "2027-12-31T00:00:00Z"
    write(project, changed)
    again = bundle()
    again["id"] = "another-id"
    again["timestamp"] = "2027-12-31T00:00:00Z"
    again["link"][0]["url"] = (
        "https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit?patient=1"
    )
    again["entry"][0]["fullUrl"] = (
        "https://localhost:9999/v2/fhir/ExplanationOfBenefit/carrier-900001"
    )
    again["entry"][0]["resource"]["meta"]["lastUpdated"] = "2030-01-01T00:00:00Z"
    (project.path / "bundle.json").write_text(json.dumps(again))
    run(project).assert_outcomes(passed=2)
    assert stored(project, "test_bundle").read_text() == recorded

    again["link"][0]["url"] = "https://localhost:9999/v2/fhir/ExplanationOfBenefit?patient=2"
    (project.path / "bundle.json").write_text(json.dumps(again))
    result = run(project)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(['*link[[]0].url: *patient=1" -> *patient=2"'])


def test_real_change_fails_naming_fhir_paths_and_both_values(project: pytest.Pytester) -> None:
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    changed = eob()
    changed["item"][0]["adjudication"][2]["amount"]["value"] = 13.25
    changed["supportingInfo"].append({"sequence": 3})
    del changed["extension"][1]
    changed["status"] = "cancelled"
    output = fails_with(
        project,
        changed,
        "*4 fields differ*",
        '*- extension[[]url=https://example.org/ext/alpha]: {*"valueCode":"A"}',
        "*item[[]0].adjudication[[]2].amount.value: 12.5 -> 13.25",
        '*status: "active" -> "cancelled"',
        '*+ supportingInfo[[]2]: {"sequence":3}',
    )
    # Removing one extension is reported once, not as a shift of the extensions after it.
    assert "ext/mid" not in output

    # Accepting the change rewrites the file with the new values; the replay then passes.
    run(project, "--snapshot-update").stdout.fnmatch_lines(["*1 snapshot updated*"])
    updated = json.loads(stored(project).read_text())
    assert updated["status"] == "cancelled" and len(updated["extension"]) == 2
    run(project).assert_outcomes(passed=1)


def test_reordered_list_fails(project: pytest.Pytester) -> None:
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    changed = eob()
    changed["extension"].reverse()
    fails_with(project, changed, "*extension: order zeta, alpha, mid -> mid, alpha, zeta")


def test_ignoring_applies_to_one_assertion(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fhir=TEST_MODULE
        + """

def test_two(fhir_snapshot):
    assert load() == fhir_snapshot.ignoring("$.meta.versionId", "$.item[*].sequence")
    assert load() == fhir_snapshot


@pytest.fixture
def versionless(fhir_snapshot):
    return fhir_snapshot.with_defaults(ignore=["$.meta.versionId"])


def test_fixture(versionless):
    assert load() == versionless.ignoring("$.item[*].sequence")
    assert load() == versionless
"""
    )
    project.makepyfile(
        test_fhir="import pytest\n" + project.path.joinpath("test_fhir.py").read_text()
    )
    run(project, "--snapshot-update").assert_outcomes(passed=3)
    first = json.loads(stored(project, "test_two").read_text())
    assert first["meta"]["versionId"] == "IGNORED_FIELD"
    assert first["item"][0]["sequence"] == "IGNORED_FIELD"
    assert json.loads(stored(project, "test_two.1").read_text())["meta"]["versionId"] == "7"

    changed = eob()
    changed["meta"]["versionId"] = "8"
    changed["item"][0]["sequence"] = 5
    write(project, changed)
    result = run(project, "-k", "test_two or test_fixture")
    result.assert_outcomes(failed=2)
    # test_two's first assert and test_fixture's first passed; the second of each failed on
    # what it did not ignore.
    result.stdout.fnmatch_lines(["*2 snapshots failed. 2 snapshots passed.*"])
    output = result.stdout.str()
    assert output.count('meta.versionId: "7" -> "8"') == 1
    assert output.count("item[0].sequence: 1 -> 5") == 2


def test_ini_option_ignores_paths_everywhere(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nbbmigrate_snapshot_ignore =\n    $.meta.versionId\n    $.status\n")
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    changed = eob()
    changed["meta"]["versionId"] = "99"
    changed["status"] = "cancelled"
    write(project, changed)
    run(project).assert_outcomes(passed=1)
    changed["provider"]["display"] = "Someone else"
    fails_with(project, changed, '*provider.display: "Clinique Ørsted-Müller" -> "Someone else"')


def test_bad_ini_path_is_a_usage_error_naming_it(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nbbmigrate_snapshot_ignore = $.item[\n")
    result = run(project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*bbmigrate_snapshot_ignore: '$.item[': invalid jsonpath*"])


def test_placeholder_in_snapshot_matches_any_value(project: pytest.Pytester) -> None:
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    path = stored(project)
    edited = json.loads(path.read_text())
    edited["id"] = "IGNORED_FIELD"
    edited["item"][0]["adjudication"][0]["amount"] = "IGNORED_FIELD"
    edited["extension"][2]["valueDate"] = "2020-IGNORED_FIELD-01"
    path.write_text(json.dumps(edited, indent=2))
    changed = eob()
    changed["id"] = "carrier-777"
    changed["item"][0]["adjudication"][0]["amount"] = {"value": 99, "currency": "EUR"}
    changed["extension"][2]["valueDate"] = "2020-12-01"
    write(project, changed)
    result = run(project, "--snapshot-update")
    result.assert_outcomes(passed=1)
    assert json.loads(path.read_text()) == edited  # a match is not rewritten

    changed["extension"][2]["valueDate"] = "2021-12-01"
    fails_with(project, changed, '*valueDate: "2020-IGNORED_FIELD-01" -> "2021-12-01"')


def test_unused_snapshot_is_reported_and_removed_on_update(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fhir=TEST_MODULE
        + "\n\ndef test_gone(fhir_snapshot):\n    assert load() == fhir_snapshot\n"
    )
    run(project, "--snapshot-update").assert_outcomes(passed=2)
    assert stored(project, "test_gone").is_file()

    project.makepyfile(test_fhir=TEST_MODULE)
    result = run(project)
    result.assert_outcomes(passed=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*1 snapshot unused*"])

    run(project, "--snapshot-update").assert_outcomes(passed=1)
    assert not stored(project, "test_gone").exists()
    assert stored(project).is_file()


def test_without_syrupy_the_fixture_says_why(project: pytest.Pytester) -> None:
    result = run(project, "-p", "no:syrupy")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fhir_snapshot needs syrupy's pytest plugin, which is disabled*"])


def test_syrupy_exclude_and_matcher_work_through_the_fixture(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fhir=TEST_MODULE
        + """
from syrupy.filters import paths
from syrupy.matchers import path_type


def test_options(fhir_snapshot):
    assert load() == fhir_snapshot(exclude=paths("provider"))
    assert load() == fhir_snapshot(matcher=path_type({"id": (str,)}))
"""
    )
    run(project, "--snapshot-update").assert_outcomes(passed=2)
    excluded = json.loads(stored(project, "test_options").read_text())
    assert "provider" not in excluded and excluded["status"] == "active"
    matched = json.loads(stored(project, "test_options.1").read_text())
    assert matched["id"] != eob()["id"] and matched["provider"] == eob()["provider"]


def test_unused_snapshot_failure_names_file_and_snapshot(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fhir=TEST_MODULE
        + "\n\ndef test_gone(fhir_snapshot):\n    assert load() == fhir_snapshot\n"
    )
    run(project, "--snapshot-update").assert_outcomes(passed=2)
    project.makepyfile(test_fhir=TEST_MODULE)
    result = run(project)  # no --snapshot-details
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        [
            "*1 snapshot unused*",
            "Unused snapshot test_gone (__snapshots__/test_fhir/test_gone.json)",
        ]
    )
    # With --snapshot-details syrupy names it itself; the plugin does not repeat it.
    detailed = run(project, "--snapshot-details").stdout.str()
    assert "test_gone" in detailed and "Unused snapshot test_gone (" not in detailed


ERRORS_FIRST = """
import json
import pathlib

HERE = pathlib.Path(__file__).parent


def load():
    return json.loads((HERE / "eob.json").read_text(encoding="utf-8"))


def test_eob(fhir_snapshot):
    raise RuntimeError("the code under test broke before the assertion")
    assert load() == fhir_snapshot


def test_fixture_error(broken, fhir_snapshot):
    assert load() == fhir_snapshot


def test_two(fhir_snapshot):
    assert load() == fhir_snapshot
    raise RuntimeError("broke between the assertions")
    assert load() == fhir_snapshot
"""


def test_update_keeps_the_snapshots_of_a_test_that_errored(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
import pathlib

import pytest


@pytest.fixture
def broken(request):
    if (pathlib.Path(str(request.config.rootpath)) / "BREAK").exists():
        raise RuntimeError("set-up broke")
"""
    )
    project.makepyfile(
        test_fhir=ERRORS_FIRST.replace(
            '    raise RuntimeError("the code under test broke before the assertion")\n', ""
        ).replace('    raise RuntimeError("broke between the assertions")\n', "")
    )
    run(project, "--snapshot-update").assert_outcomes(passed=3)
    names = ("test_eob", "test_fixture_error", "test_two", "test_two.1")
    recorded = {name: stored(project, name).read_text() for name in names}

    # Each test now fails before (one of) its assertions: in the call, in a fixture's set-up,
    # or between two assertions. --snapshot-update must not delete what they did not reach.
    (project.path / "BREAK").write_text("")
    project.makepyfile(test_fhir=ERRORS_FIRST)
    result = run(project, "--snapshot-update")
    result.assert_outcomes(failed=2, errors=1)
    assert "deleted" not in result.stdout.str()
    assert {name: stored(project, name).read_text() for name in names} == recorded

    # Without --snapshot-update the run fails for the errors only, not for unused snapshots.
    plain = run(project)
    plain.assert_outcomes(failed=2, errors=1)
    assert "unused" not in plain.stdout.str()


def test_an_ignore_path_added_later_applies_to_stored_snapshots(project: pytest.Pytester) -> None:
    one_off = "\n\ndef test_one_off(fhir_snapshot):\n    assert load() == fhir_snapshot{}\n"
    project.makepyfile(test_fhir=TEST_MODULE + one_off.format(""))
    run(project, "--snapshot-update").assert_outcomes(passed=2)
    recorded = {name: stored(project, name).read_text() for name in ("test_eob", "test_one_off")}
    assert json.loads(recorded["test_eob"])["meta"]["versionId"] == "7"

    # Both ways of ignoring, added after recording: the ini path for every assertion and
    # .ignoring() for one. Neither fails an existing snapshot nor rewrites it.
    project.makeini("[pytest]\nbbmigrate_snapshot_ignore =\n    $.meta.versionId\n")
    project.makepyfile(test_fhir=TEST_MODULE + one_off.format('.ignoring("$.item[*].sequence")'))
    run(project).assert_outcomes(passed=2)
    changed = eob()
    changed["meta"]["versionId"] = "8"
    write(project, changed)
    run(project).assert_outcomes(passed=2)
    changed["item"][0]["sequence"] = 9
    write(project, changed)
    result = run(project, "--snapshot-update")
    result.assert_outcomes(passed=2)  # test_eob's snapshot is rewritten: sequence is not ignored
    assert stored(project, "test_one_off").read_text() == recorded["test_one_off"]
    rewritten = json.loads(stored(project).read_text())
    assert (
        rewritten["item"][0]["sequence"] == 9 and rewritten["meta"]["versionId"] == "IGNORED_FIELD"
    )

    # What is not ignored still fails, and the ignored fields are not listed.
    changed["status"] = "cancelled"
    write(project, changed)
    result = run(project)
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert output.count('status: "active" -> "cancelled"') == 2
    assert ".versionId:" not in output and ".sequence:" not in output
