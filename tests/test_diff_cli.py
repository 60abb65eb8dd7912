"""``bbmigrate diff`` through the CLI: formats, exit codes, baseline, redaction, bad input."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from diff_data import write_beneficiary
from openpyxl import load_workbook

from bbmigrate.cli import main
from bbmigrate.leaves import flatten
from bbmigrate.redact import category


def run(*args):
    return CliRunner().invoke(main, ["diff", *map(str, args)])


@pytest.fixture
def bene(tmp_path):
    return write_beneficiary(tmp_path / "bene")


def test_json_report_pairs_by_type_and_id(bene):
    result = run(bene, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    labels = [(r["resourceType"], r["id"], r["status"]) for r in data["resources"]]
    assert labels == [
        ("Patient", "-20000000001234", "paired"),
        ("ExplanationOfBenefit", "carrier-10000930037", "paired"),
    ]
    kinds = {c["kind"] for r in data["resources"] for c in r["changes"]}
    assert {"same", "moved", "changed", "removed", "added"} <= kinds
    # meta.lastUpdated is volatile and ignored by default (one aligned record per resource)
    assert data["summary"]["ignored"] == 1
    # what the count counts is said: records (a leaf's change), not resources
    assert "1 record ignored by $.meta.lastUpdated" in run(bene, "-q").output
    assert all(c["v1_path"] != "meta.lastUpdated" for r in data["resources"] for c in r["changes"])
    record = data["resources"][1]["changes"][0]
    assert set(record) >= {"kind", "v1_path", "v2_path", "v1_value", "v2_value", "rule", "variable"}


def test_unpaired_resources_are_whole_removed_or_added(bene, tmp_path):
    v2_only = tmp_path / "v2-only.json"
    v2_only.write_text(
        json.dumps({"resourceType": "Coverage", "id": "part-a-1", "status": "active"})
    )
    result = run(bene / "v1" / "Patient.json", v2_only, "--json")
    data = json.loads(result.stdout)
    status = {(r["resourceType"], r["status"]) for r in data["resources"]}
    assert status == {("Patient", "removed"), ("Coverage", "added")}
    coverage = next(r for r in data["resources"] if r["resourceType"] == "Coverage")
    assert [c["kind"] for c in coverage["changes"]] == ["added"] * 3


def test_only_and_ignore(bene):
    result = run(bene, "--json", "--only", "moved", "--ignore", "$.benefitBalance")
    data = json.loads(result.stdout)
    kinds = {c["kind"] for r in data["resources"] for c in r["changes"]}
    assert kinds == {"moved"}
    paths = [c["v2_path"] or "" for r in data["resources"] for c in r["changes"]]
    assert not any(p.startswith("benefitBalance") for p in paths)
    assert data["summary"]["counts"]["same"] > 0  # counts cover every record


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_text_formats_lead_with_the_grouped_moves(bene, fmt):
    result = run(bene, "--format", fmt)
    assert result.exit_code == 0, result.output
    # the element pattern, indexes generalised, the coding named by its system
    shown = result.stdout.replace("\\", "")  # Markdown escapes [ ] * _
    assert "item[*].productOrService.coding[system=" in shown
    assert "eob.item.service" in shown
    # The record (a line, or an HTML table row) of the service coding says "moved": the word
    # alone proves nothing, the page's CSS and kind filters always contain it.
    records = re.split(r"\n|<tr\b", shown)
    [record] = [r for r in records if "item[*].service.coding[system=" in r]
    assert re.search(r"\bmoved\b", record), record
    # per-leaf records only on request
    assert "item[0].productOrService.coding[0].code" not in shown
    detail = run(bene, "--format", fmt, "--detail")
    assert "item[0].productOrService.coding[0].code" in detail.stdout.replace("\\", "")


def test_html_is_self_contained(bene, tmp_path):
    out = tmp_path / "r.html"
    assert run(bene, "--format", "html", "-o", out).exit_code == 0
    page = out.read_text()
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "<script>" in page and 'name="kind"' in page


def test_xlsx_leads_with_groups_and_has_a_row_per_record_with_detail(bene, tmp_path):
    out = tmp_path / "r.xlsx"
    assert run(bene, "--format", "xlsx", "-o", out).exit_code == 0
    data = json.loads(run(bene, "--json").stdout)
    book = load_workbook(out)
    assert book.sheetnames == ["Changes by element", "Summary"]
    groups = list(book["Changes by element"].iter_rows(values_only=True))
    assert groups[0][:5] == ("kind", "v1 element", "v2 element", "leaves", "resources")
    assert len(groups) - 1 == len(data["groups"])
    assert book["Changes by element"].freeze_panes == "B2"
    # printed: the header on every page; on screen and paper: every row as tall as its
    # wrapped text (a row of 3 examples, one a line, is at least 3 lines), none overprints
    sheet = book["Changes by element"]
    assert sheet.print_title_rows == "$1:$1"
    for number, row in enumerate(groups[1:], start=2):
        examples = row[-1] or ""
        assert examples.count("\n") == min(3, len(data["groups"][number - 2]["examples"])) - 1
        assert sheet.row_dimensions[number].height >= 13 * (examples.count("\n") + 1)
    summary = dict(book["Summary"].iter_rows(values_only=True))
    assert summary["only in the left input"] == data["summary"]["only_left"]
    assert run(bene, "--format", "xlsx", "--detail", "-o", out).exit_code == 0
    rows = list(load_workbook(out)["Records"].iter_rows(values_only=True))
    assert rows[0][:4] == ("resource", "kind", "v1_path", "v2_path")
    assert len(rows) - 1 == sum(len(r["changes"]) for r in data["resources"])


def test_fail_on_exit_codes(bene):
    assert run(bene, "--format", "json", "--fail-on", "changed").exit_code == 1
    assert run(bene, "--json", "--fail-on", "changed", "--ignore", "$.item").exit_code == 0


def test_baseline_fails_only_on_new_differences(bene, tmp_path):
    baseline = tmp_path / "baseline.json"
    assert run(bene, "--format", "json", "-o", baseline).exit_code == 0
    assert run(bene, "--json", "--baseline", baseline).exit_code == 0
    changed = write_beneficiary(tmp_path / "b2", v2_changes={"status": "active"})
    result = run(changed, "--json", "--baseline", baseline)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    new = [c for r in data["resources"] for c in r["changes"] if c["new"]]
    assert [(c["kind"], c["v2_path"], c["v2_value"]) for c in new] == [
        ("added", "status", "active")
    ]
    assert data["summary"]["new"] == 1


def test_accepted_differences_do_not_fail(bene, tmp_path):
    config = tmp_path / "diff.yaml"
    config.write_text(
        "accept:\n  - path: $.item[*].quantity\n    kind: changed\n    reason: unit count\n"
    )
    result = run(bene, "--json", "--config", config, "--fail-on", "changed")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    accepted = [c for r in data["resources"] for c in r["changes"] if c.get("accepted")]
    assert [c["v1_path"] for c in accepted] == ["item[0].quantity.value"]


def _secrets(bene):
    out = set()
    for version in ("v1", "v2"):
        for file in (bene / version).glob("*.json"):
            for leaf in flatten(json.loads(file.read_text())):
                if category(leaf.path) in ("ID", "NAME", "DATE", "ADDR"):
                    out.add(str(leaf.value))
    return {s for s in out if len(s) >= 4}


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "xlsx"])
def test_redact_leaves_no_identifier_in_any_format(bene, tmp_path, fmt):
    secrets = _secrets(bene)
    assert {"1S00E00AA01", "Quintero", "1951-04-23", "10000930037", "Dr. Aurelio Brannigan"} <= (
        secrets
    )
    out = tmp_path / f"r.{fmt}"
    result = run(
        bene,
        "--format",
        fmt,
        "-o",
        out,
        "--redact",
        "--only",
        ",".join(["same", "moved", "changed", "removed", "added"]),
    )
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        book = load_workbook(out)
        text = "\n".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
        )
    else:
        text = out.read_text()
    assert "[ID-" in text and "[NAME-" in text
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []


def test_redaction_is_stable(bene):
    one = json.loads(run(bene, "--json", "--redact").stdout)
    two = json.loads(run(bene, "--json", "--redact").stdout)
    assert one == two
    patient, eob = one["resources"]
    assert patient["id"] == "[ID-1]"
    refs = [c["v1_value"] for c in eob["changes"] if c["v1_path"] == "patient.reference"]
    assert refs == ["Patient/[ID-1]"]


def test_bad_input_is_one_line_and_exit_2(bene, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Patient", "id": ')
    out = tmp_path / "never.json"
    result = run(broken, bene / "v2" / "Patient.json", "--format", "json", "-o", out)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"bbmigrate: error: {broken}: invalid JSON")
    assert not out.exists()
    for args in (
        [bene, "--only", "bogus"],
        [bene, "--ignore", "$[[["],
        [tmp_path / "missing"],
        [bene / "v1"],
        [bene, "--format", "xlsx"],
        [bene, "--baseline", broken],
    ):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("bbmigrate: error: ") and result.stderr.count("\n") == 1


def test_bad_config_names_the_file_and_key(bene, tmp_path):
    config = tmp_path / "diff.yaml"
    config.write_text("ignor:\n  - $.meta\n")
    result = run(bene, "--config", config)
    assert result.exit_code == 2
    assert result.stderr == f"bbmigrate: error: {config}: unknown key 'ignor'\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("accept: 5\n", "'accept' must be a list"),
        ("ignore: $.meta\n", "'ignore' must be a list of JSONPath strings"),
        ("accept:\n  - $.meta\n", "needs a 'path' (JSONPath) and a 'reason'"),
    ],
)
def test_config_of_the_wrong_shape_is_one_line(bene, tmp_path, text, message):
    config = tmp_path / "diff.yaml"
    config.write_text(text)
    result = run(bene, "--config", config)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"bbmigrate: error: {config}") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_mapped_with_no_pairs_says_nothing_was_compared(bene, tmp_path):
    # a v1 EOB no v2 resource pairs with: --mapped compares pairs, so nothing is compared,
    # and the report must not read "No differences" with a recall of 1.000
    left = tmp_path / "left.json"
    left.write_text((bene / "v1" / "Patient.json").read_text().replace('"id": "', '"id": "x', 1))
    result = run(left, bene / "v2" / "Patient.json", "--mapped")
    assert result.exit_code == 0, result.output
    assert "No differences" not in result.stdout and "recall" not in result.stdout
    assert "fidelity: nothing compared" in result.stdout
    assert "Nothing compared: no resource is in both inputs (1 only left, 1 only right)." in (
        result.stdout
    )
    paired = run(bene / "v1" / "Patient.json", bene / "v2" / "Patient.json", "--mapped")
    assert "fidelity: recall" in paired.stdout and "Nothing compared" not in paired.stdout


def test_ndjson_sides_and_duplicates(bene, tmp_path):
    lines = {}
    for version in ("v1", "v2"):
        bundle = json.loads((bene / version / "ExplanationOfBenefit.json").read_text())
        patient = (bene / version / "Patient.json").read_text()
        eob = json.dumps(bundle["entry"][0]["resource"])
        lines[version] = tmp_path / f"{version}.ndjson"
        lines[version].write_text(f"{patient}\n\n{eob}\n")
    data = json.loads(run(lines["v1"], lines["v2"], "--json").stdout)
    assert [r["status"] for r in data["resources"]] == ["paired", "paired"]
    folder = json.loads(run(bene, "--json").stdout)
    assert data["resources"] == folder["resources"]
    # the same resource twice with different content on one side is an input error
    clash = json.loads(lines["v1"].read_text().splitlines()[0])
    clash["gender"] = "male"
    lines["v1"].write_text(lines["v1"].read_text() + json.dumps(clash) + "\n")
    result = run(lines["v1"], lines["v2"])
    assert result.exit_code == 2
    assert "appears twice with different content" in result.stderr
    assert f"{lines['v1']}:4" in result.stderr


def test_redact_on_a_sample_beneficiary_hides_its_name_and_mbi():
    from bbmigrate.resources import samples_dir

    index = json.loads((samples_dir() / "index.json").read_text())
    bene = index["beneficiaries"][0]
    patient = json.loads((samples_dir() / bene["id"] / "v2" / "Patient.json").read_text())
    mbis = [i["value"] for i in patient["identifier"] if "mbi" in i.get("system", "")]
    result = run(samples_dir() / bene["id"], "--json", "--redact", "--quiet")
    assert result.exit_code == 0, result.output
    assert mbis and not any(mbi in result.stdout for mbi in mbis)
    assert not any(part in result.stdout for part in bene["name"].split() if len(part) > 1)
    assert bene["id"] not in result.stdout


def test_redact_hides_the_mbi_in_coverage_when_no_patient_was_shared(tmp_path):
    # `fetch --no-share-demographics` writes no Patient: the MBI (v2 Coverage.subscriberId)
    # must be recognised where it is, not only because a Patient identifier repeats it
    import shutil

    from bbmigrate.resources import samples_dir

    index = json.loads((samples_dir() / "index.json").read_text())
    source = samples_dir() / index["beneficiaries"][0]["id"]
    bene = tmp_path / "bene"
    shutil.copytree(source, bene)
    patient = json.loads((bene / "v2" / "Patient.json").read_text())
    mbis = [i["value"] for i in patient["identifier"] if "mbi" in i.get("system", "")]
    for side in ("v1", "v2"):
        (bene / side / "Patient.json").unlink()
    coverage = (bene / "v2" / "Coverage.json").read_text()
    assert mbis and all(mbi in coverage for mbi in mbis)
    for mapped in ((), ("--mapped",)):
        result = run(bene, "--json", "--redact", "--detail", "--quiet", *mapped)
        assert result.exit_code == 0, result.output
        assert "[ID-" in result.stdout
        assert not any(mbi in result.stdout for mbi in mbis), mapped


def test_xlsx_keeps_line_breaks_only_between_examples(tmp_path):
    # one example a line in its cell; a line break inside a value stays a visible "\n", there
    # and in every other cell (escaping.py's rule: data is shown, never obeyed)
    from openpyxl import Workbook

    from bbmigrate.diff.render import _GROUP_COLUMNS, _group_row, _sheet

    group = {
        "kind": "changed",
        "v1_pattern": "a",
        "v2_pattern": "b",
        "leaves": 2,
        "resources": 2,
        "note": "first\nsecond",
        "examples": [
            {"old": "x\ny", "new": "z", "resource": "Patient/1"},
            {"old": "u", "new": "v", "resource": "Patient/2"},
        ],
    }
    book = Workbook(write_only=True)
    _sheet(book, "g", _GROUP_COLUMNS, [_group_row(group)], breaks=len(_GROUP_COLUMNS) - 1)
    path = tmp_path / "g.xlsx"
    book.save(path)
    row = [c.value for c in load_workbook(path)["g"][2]]
    assert row[8] == "first\\nsecond"
    assert row[9] == "x\\ny → z (Patient/1)\nu → v (Patient/2)"
