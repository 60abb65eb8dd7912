"""Generated tables: complete, consistent with the mapping model, fresh, close to BFD's DD."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bbmigrate.cli import main
from bbmigrate.mapping import load_mappings
from bbmigrate.tables.build import build_tables
from bbmigrate.tables.dictionary import compare, read_dictionary
from bbmigrate.tables.examples import load_samples
from bbmigrate.tables.output import DEFAULT_DIR, stale_files
from bbmigrate.tables.rows import CLAIM_TYPES, HEADERS, SHEETS
from bbmigrate.tables.sample_values import find_variables, sheet_of, variable_name

PROJECT = Path(__file__).resolve().parents[2]
SAMPLES = PROJECT / "samples"
MIN_DICTIONARY_AGREEMENT = 0.90


@pytest.fixture(scope="module")
def tables():
    return build_tables()


@pytest.fixture(scope="module")
def samples():
    index = load_samples()
    # The samples are part of the checkout: an empty index is a broken tree, not a reason to skip.
    assert index.beneficiaries, "samples/index.json lists no beneficiaries"
    return index


def _variables(rows) -> set[str]:
    return {row.variable for row in rows}


def test_committed_tables_are_up_to_date(tables):
    stale = stale_files(tables, PROJECT / DEFAULT_DIR)
    assert stale == [], f"regenerate with: bbmigrate tables --format all  (stale: {stale})"


def test_every_sheet_has_rows_with_the_change_kinds_the_model_allows(tables):
    for key, rows in tables.ordered():
        assert rows, f"sheet {key} is empty"
        assert {row.change for row in rows} <= {"same", "moved", "recoded", "added", "removed"}
        assert all(row.variable for row in rows), key
        names = [row.display_name for row in rows if row.is_variable]
        assert len(names) == len(set(names)), f"{key}: a variable has two rows"
        # every row says which rule (or gap) it documents, except v2-only sample findings and
        # dictionary variables no rule names (their row comes from the facts file)
        untraced = [
            r.variable
            for r in rows
            if not r.rule_id and "no mapping rule" not in r.note and r.source == "mapping rules"
        ]
        assert untraced == [], f"{key}: rows without a rule: {untraced}"


def test_every_variable_the_samples_emit_has_a_row(tables, samples):
    for key, rows in tables.ordered():
        missing = samples.variables(key) - _variables(rows)
        assert not missing, f"{key}: sample variables without a row: {sorted(missing)}"


def _applicable(rules, key):
    """Rules with a variable that run for sheet ``key`` (a parent's claim types bind children)."""
    for rule in rules:
        if rule.claim_types and key not in rule.claim_types:
            continue
        if rule.variable:
            yield rule
        yield from _applicable(rule.rules, key)
        for route in rule.params.get("routes", {}).values():
            yield from _applicable(route.rules, key)


def test_every_rule_variable_and_gap_has_a_row_on_its_sheets(tables):
    mappings = load_mappings()
    for key, (_, resource) in SHEETS.items():
        rmap = mappings.for_resource(resource, key if key in CLAIM_TYPES else None)
        if rmap is None:
            continue
        names = {variable_name(rule.variable) for rule in _applicable(rmap.rules, key)}
        missing = names - _variables(tables.sheets[key])
        assert not missing, f"{key}: rule variables without a row: {sorted(missing)}"
    rule_ids = {row.rule_id for _, rows in tables.ordered() for row in rows}
    variables = {row.variable for _, rows in tables.ordered() for row in rows}
    undocumented = [
        gap.id
        for gap in mappings.gaps
        if gap.id not in rule_ids and variable_name(gap.variable) not in variables
    ]
    assert undocumented == []


def test_examples_come_from_the_samples(tables, samples):
    """Each variable row's examples are values found in the raw sample files of that version."""
    raw = {
        version: "\n".join(
            (path).read_text() for path in sorted(SAMPLES.glob(f"*/{version}/*.json"))
        )
        for version in ("v1", "v2")
    }
    checked = 0
    for _, rows in tables.ordered():
        for row in rows:
            for version, example in (("v1", row.v1_example), ("v2", row.v2_example)):
                if not row.is_variable or not example or example.endswith("…"):
                    continue
                value = example.split(" (", 1)[0]
                value = value.split(": ", 1)[-1]  # a structure shown as "field: value"
                value = value.split(" to ", 1)[0]  # a period shown as "start to end"
                if value.replace(".", "", 1).isdigit():
                    value = value.removesuffix(".0")  # 12.0 is written 12 or 12.0
                assert value in raw[version], (row.variable, version, example)
                checked += 1
    assert checked > 400


def _reference_pairs(bfd_responses: Path):
    for v1_file in sorted((bfd_responses / "v1").glob("*Read*.json")):
        v2_file = bfd_responses / "v2" / v1_file.name
        yield json.loads(v1_file.read_text()), json.loads(v2_file.read_text())


MIN_REFERENCE_COVERAGE = 0.97
MIN_DICTIONARY_COVERAGE = 0.85


@pytest.mark.reference
def test_the_variables_the_reference_emits_have_rows(tables, samples, bfd_responses, capsys):
    """BFD's own v1 and v2 responses: (nearly) every BB2 variable in them has a row on its sheet.

    Variables the mapper passes through by a default route are listed only when the samples
    show them (the mapping files do not name them); the misses are printed for the mapping and
    sample owners.
    """
    pairs: set[tuple[str, str]] = set()
    for v1, v2 in _reference_pairs(bfd_responses):
        for document in (v1, v2):
            key = sheet_of(document)
            if key in SHEETS:
                pairs |= {(key, hit.variable) for hit in find_variables(document)}
    missing = sorted(p for p in pairs if p[1] not in _variables(tables.sheets[p[0]]))
    coverage = 1 - len(missing) / len(pairs)
    with capsys.disabled():
        print(f"\nreference variables with a row: {len(pairs) - len(missing)}/{len(pairs)}")
        print(f"  missing: {missing}")
    assert len(pairs) > 300
    assert coverage >= MIN_REFERENCE_COVERAGE


@pytest.mark.reference
def test_the_variables_the_dictionary_lists_have_rows(tables, samples, reference_dir, capsys):
    entries = read_dictionary(reference_dir / "bfd" / "data-dictionary")
    agreement = compare(dict(tables.ordered()), entries)
    expected = {
        (sheet, entry.names[0])
        for entry in entries
        if entry.bb2 and entry.by_url and (entry.v1_element or entry.v2_element)
        for sheet in entry.sheets
    }
    missing = set(agreement.only_dictionary)
    with capsys.disabled():
        print(f"\ndictionary variables with a row: {len(expected - missing)}/{len(expected)}")
        print(f"  missing: {sorted(missing)}")
    assert len(expected) > 400
    assert 1 - len(missing) / len(expected) >= MIN_DICTIONARY_COVERAGE


@pytest.mark.reference
def test_v2_elements_agree_with_the_data_dictionary(tables, samples, reference_dir, capsys):
    entries = read_dictionary(reference_dir / "bfd" / "data-dictionary")
    agreement = compare(dict(tables.ordered()), entries)
    with capsys.disabled():
        print(
            f"\ndata dictionary: {agreement.agreed}/{len(agreement.compared)} V2 elements agree "
            f"({agreement.ratio:.1%})"
        )
        for c in agreement.disagreements:
            print(f"  {c.sheet:<10} {c.variable:<32} ours {c.ours!r:<60} DD {c.theirs!r}")
    assert len(agreement.compared) >= 300
    assert agreement.ratio >= MIN_DICTIONARY_AGREEMENT


def test_cli_writes_the_requested_format_and_reports_json(tmp_path, tables):
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(main, ["tables", "-o", str(out), "--format", "csv", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == tables.summary()["rows"]
    assert report["files"] == [str(out)]
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["Sheet", "Section", *HEADERS]
    assert len(rows) - 1 == report["rows"]


def test_cli_check_reports_stale_files_with_exit_1(tmp_path):
    result = CliRunner().invoke(
        main, ["tables", "--check", "--format", "all", "-o", str(tmp_path), "--json"]
    )
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)["stale"]) == 4
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_output_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["tables", "--format", "all", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "must be a folder" in result.output


@pytest.mark.reference
def test_cli_dictionary_report_matches_the_library(tmp_path, tables, reference_dir):
    dictionary = reference_dir / "bfd" / "data-dictionary"
    result = CliRunner().invoke(
        main,
        [
            "tables",
            "-o",
            str(tmp_path / "t.md"),
            "--format",
            "markdown",
            "--dictionary",
            str(dictionary),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["dictionary"]
    # Checked against the dictionary files themselves, not against the comparison code again.
    files = {
        json.loads(path.read_text())["id"]: json.loads(path.read_text())
        for path in (dictionary / "data" / "V2").glob("*.json")
    }
    assert report["compared"] == report["agreed"] + len(report["disagreements"])
    assert report["compared"] >= 300 and report["ratio"] == round(
        report["agreed"] / report["compared"], 4
    )
    for row in report["disagreements"]:
        entry = files[row["dictionary_id"]]
        assert row["theirs"] == entry["fhirMapping"][0]["element"]
        assert row["ours"] != row["theirs"] and not row["agrees"]


def test_cli_output_folder_and_bad_dictionary(tmp_path):
    result = CliRunner().invoke(main, ["tables", "-o", str(tmp_path), "--format", "csv", "-q"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["bb2-v1-v2-comparison.csv"]
    empty = tmp_path / "no-dictionary"
    empty.mkdir()
    result = CliRunner().invoke(
        main, ["tables", "--check", "-o", str(tmp_path), "--dictionary", str(empty)]
    )
    assert result.exit_code == 2
    assert "data/V2" in result.output and result.output.strip().count("\n") == 0


@pytest.mark.reference
def test_profile_links_point_at_elements_of_the_carin_profile(tables, reference_dir):
    """Each row's link anchors an element id that the CARIN profile's snapshot defines."""
    package = reference_dir / "fhir-packages" / "carin4bb-110.tgz"
    ids: dict[str, set[str]] = {}
    with tarfile.open(package) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if member.name.count("/") == 1 and name.startswith("StructureDefinition-C4BB-"):
                doc = json.load(tar.extractfile(member))
                ids[doc["id"]] = {e["id"] for e in doc.get("snapshot", {}).get("element", [])}
    checked, bad = 0, []
    for key, rows in tables.ordered():
        for row in rows:
            page, _, anchor = row.profile_url.partition("#")
            assert page.startswith("http://hl7.org/fhir/us/carin-bb/STU1/StructureDefinition-C4BB-")
            profile = row.profile
            assert profile in ids, f"{key}: unknown profile {profile}"
            checked += 1
            if anchor not in ids[profile]:
                bad.append((key, row.variable, anchor))
    assert checked > 1000
    assert bad == []


def test_cli_bad_mapping_or_sample_folder_is_one_line_exit_2(tmp_path):
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "patient.yaml").write_text("resource: Patient\nrules:\n  - {id: x, op: nope}\n")
    result = CliRunner().invoke(main, ["tables", "--check", "--mappings", str(mappings)])
    assert result.exit_code == 2
    assert "patient.yaml" in result.output and result.output.strip().count("\n") == 0
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "index.json").write_text('{"beneficiaries": [{"id": "-1"}]')
    result = CliRunner().invoke(main, ["tables", "--check", "--samples", str(samples)])
    assert result.exit_code == 2
    assert "index.json" in result.output and result.output.strip().count("\n") == 0


def test_cli_bad_dictionary_field_is_one_line_exit_2_and_writes_nothing(tmp_path):
    for version in ("V1", "V2"):
        folder = tmp_path / "dd" / "data" / version
        folder.mkdir(parents=True)
        doc = {
            "id": 1,
            "name": "A",
            "appliesTo": "Carrier",  # must be a list
            "suppliedIn": ["BB2"],
            "bfdColumnName": "a",
            "fhirMapping": [],
        }
        (folder / "0001_a.json").write_text(json.dumps(doc))
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(
        main, ["tables", "--dictionary", str(tmp_path / "dd"), "-o", str(out)]
    )
    assert result.exit_code == 2
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    assert "0001_a.json" in message and "appliesTo" in message
    assert not out.exists()
