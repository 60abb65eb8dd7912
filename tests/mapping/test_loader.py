"""Loading and validating mapping files: line numbers, unknown keys/ops/tables, bad paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bbmigrate.errors import MappingFileError
from bbmigrate.mapping import load_mappings
from bbmigrate.mapping.loader import load_from
from bbmigrate.resources import mappings_dir


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), root)
    return root


def _append_rule(root: Path, text: str) -> int:
    path = root / "patient.yaml"
    lines = path.read_text().splitlines()
    index = lines.index("rules:") + 1
    lines.insert(index, text)
    path.write_text("\n".join(lines) + "\n")
    return index + 1


def test_project_mappings_load_and_count():
    mapping = load_mappings()
    counts = mapping.rule_counts()
    assert set(mapping.claim_types) == {
        "carrier",
        "dme",
        "hha",
        "hospice",
        "inpatient",
        "outpatient",
        "pde",
        "snf",
    }
    assert counts["rules"] > 100
    assert counts["per_change"]["removed"] > 0 and counts["per_change"]["added"] > 0
    for rmap in mapping.maps.values():
        for rule in rmap.all_rules():
            assert rule.note and rule.origin.line > 0 and rule.change


def test_load_is_cached():
    assert load_mappings() is load_mappings()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('  - {id: bad.key, op: copy, v1: id, v2: id, sorce: x, note: "n"}', "unknown key 'sorce'"),
        ('  - {id: bad.op, op: teleport, v1: id, v2: id, note: "n"}', "unknown op 'teleport'"),
        ('  - {id: bad.path, op: copy, v1: "id[", v2: id, note: "n"}', "unbalanced"),
        (
            '  - {id: bad.table, op: lookup, v1: id, v2: id, table: nope, note: "n"}',
            "unknown concept table 'nope'",
        ),
        ("  - {id: bad.note, op: copy, v1: id, v2: id}", "needs a one-line 'note'"),
        (
            '  - {id: bad.follow, op: each, v1: "a[*]", v2: "b[+]", follow_to: x, rules: [], '
            'note: "n"}',
            "'follow_to' needs 'follow'",
        ),
    ],
)
def test_bad_rule_names_file_line_and_rule(tmp_path, rule, message):
    root = _copy(tmp_path)
    line = _append_rule(root, rule)
    with pytest.raises(MappingFileError) as err:
        load_from(root)
    text = str(err.value)
    assert text.startswith(f"patient.yaml:{line}:"), text
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("patient.yaml", "resource: Patient", "resource: 5", "'resource' must be a text"),
        (
            "concepts/adjudication.yaml",
            "tables:\n",
            "tables: 5\nunused:\n",
            "'tables' must be a list",
        ),
        (
            "eob/carrier.yaml",
            "claim_type: carrier",
            "claim_type: [carrier]",
            "'claim_type' must be a text",
        ),
        ("quirks/bfd.yaml", "  dme:\n", "  dme: 5\n  unused:\n", "'dme' must be a mapping"),
    ],
)
def test_a_file_section_of_the_wrong_shape_is_one_line(tmp_path, file, old, new, message):
    # a hand-edited folder: a one-line error naming the file and key, never a TypeError
    root = _copy(tmp_path)
    path = root / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(MappingFileError) as err:
        load_from(root)
    assert str(err.value).startswith(f"{file}:1: ") and message in str(err.value), err.value


def test_invalid_yaml_names_line(tmp_path):
    root = _copy(tmp_path)
    (root / "coverage.yaml").write_text("resource: Coverage\nrules:\n  - {id: x, op: copy\n")
    with pytest.raises(MappingFileError, match=r"^coverage.yaml:\d+: invalid YAML"):
        load_from(root)


def test_adding_a_rule_is_yaml_only(tmp_path):
    root = _copy(tmp_path)
    _append_rule(
        root,
        '  - {id: patient.extra, op: constant, v2: language, value: en, note: "added in YAML"}',
    )
    from bbmigrate.mapping import map_resource

    out = map_resource({"resourceType": "Patient", "id": "1"}, mappings=load_from(root))
    assert out["language"] == "en"
