"""The workbook, CSV and Markdown writers render the row model faithfully and atomically."""

from __future__ import annotations

import csv
import io
import os

import pytest
from openpyxl import load_workbook

from bbmigrate.errors import InputError
from bbmigrate.tables.excel import CHANGE_FILLS, SUMMARY, read_values
from bbmigrate.tables.output import is_stale, stale_files, write_all, write_tables
from bbmigrate.tables.rows import HEADERS, SHEETS, ComparisonTables, TableRow
from bbmigrate.tables.text_formats import csv_text, markdown_text

PROFILE = "http://hl7.org/fhir/us/carin-bb/STU1/StructureDefinition-C4BB-Example.html"


def _tables() -> ComparisonTables:
    return ComparisonTables(
        {
            "carrier": (
                TableRow(
                    "var_a",
                    "extension[url=a].valueCoding",
                    "extension[url=a].valueCoding",
                    "same",
                    label="Label A",
                    v1_example="1",
                    v2_example="1",
                    note="kept",
                    profile="C4BB-Example",
                    profile_url=PROFILE,
                    rule_id="r.a",
                    origin="f.yaml:3",
                ),
                TableRow("use", "", "use", "added", note="a constant\nwith | a pipe"),
                TableRow("var_b", "information[x]", "supportingInfo[x]", "moved"),
            ),
            "patient": (TableRow("var_c", "identifier[a]", "", "removed", note="dropped"),),
        },
        {"rules": 4},
    )


def test_workbook_has_summary_then_every_sheet_in_order_with_fixed_headers(tmp_path):
    path = write_tables(_tables(), "xlsx", tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [SUMMARY, *(title for title, _ in SHEETS.values())]
    carrier = wb["Carrier"]
    header = [c.value for c in carrier[1]]
    assert header[:8] == [
        "Variable",
        "Label",
        "V1 (STU3) element",
        "V2 (R4) element",
        "Change",
        "V1 example",
        "V2 example",
        "Note",
    ]
    assert header == list(HEADERS)
    assert carrier.freeze_panes == "B2"
    assert carrier.auto_filter.ref == f"A1:{carrier.cell(1, len(HEADERS)).column_letter}4"
    assert [carrier.cell(r, 5).value for r in (2, 3, 4)] == ["same", "added in v2", "moved"]
    # a fill per change kind, a hyperlink on the profile cell, wrapped notes
    assert carrier.cell(2, 1).fill.fgColor.rgb.endswith(CHANGE_FILLS["same"].fgColor.rgb[-6:])
    assert carrier.cell(3, 1).fill.fgColor.rgb != carrier.cell(2, 1).fill.fgColor.rgb
    profile_col = HEADERS.index("CARIN profile") + 1
    assert carrier.cell(2, profile_col).hyperlink.target == PROFILE
    assert carrier.cell(3, HEADERS.index("Note") + 1).alignment.wrap_text
    assert carrier.column_dimensions["H"].width > carrier.column_dimensions["E"].width


def test_summary_counts_match_rows_and_has_a_bar_chart(tmp_path):
    path = write_tables(_tables(), "xlsx", tmp_path / "t.xlsx")
    wb = load_workbook(path)
    summary = wb[SUMMARY]
    rows = {r[0].value: [c.value for c in r] for r in summary.iter_rows() if r[0].value}
    assert rows["Carrier"][2:8] == [1, 1, 0, 1, 0, 3]
    assert rows["Patient"][2:8] == [0, 0, 0, 0, 1, 1]
    assert rows["Total"][2:8] == [1, 1, 0, 1, 1, 4]
    assert len(summary._charts) == 1
    assert summary._charts[0].tagname == "barChart"


def test_csv_and_markdown_carry_the_same_rows(tmp_path):
    tables = _tables()
    rows = list(csv.reader(io.StringIO(csv_text(tables))))
    assert rows[0] == ["Sheet", *HEADERS]
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("Patient", "var_c"),
        ("Carrier", "var_a"),
        ("Carrier", "use"),
        ("Carrier", "var_b"),
    ]
    assert rows[3][HEADERS.index("Note") + 1] == "a constant\nwith | a pipe"
    md = markdown_text(tables)
    assert "| use |  |  | use | added in v2 |" in md
    assert "a constant<br>with \\| a pipe" in md
    assert md.index("## Patient") < md.index("## Coverage") < md.index("## Carrier")


def test_staleness_compares_content_not_bytes(tmp_path):
    tables = _tables()
    write_all(tables, tmp_path)
    assert stale_files(tables, tmp_path) == []
    # rewriting gives different zip bytes (timestamps) but the same content
    write_all(tables, tmp_path)
    assert stale_files(tables, tmp_path) == []
    changed = ComparisonTables(
        {**tables.sheets, "dme": (TableRow("x", "a", "b", "moved"),)}, tables.sources
    )
    assert len(stale_files(changed, tmp_path)) == 3
    (tmp_path / "bb2-v1-v2-comparison.xlsx").write_bytes(b"PK\x03\x04 truncated")
    assert is_stale(tables, "xlsx", tmp_path / "bb2-v1-v2-comparison.xlsx")
    write_all(tables, tmp_path)
    (tmp_path / "bb2-v1-v2-comparison.md").unlink()
    assert is_stale(tables, "markdown", tmp_path / "bb2-v1-v2-comparison.md")
    assert not is_stale(tables, "xlsx", tmp_path / "bb2-v1-v2-comparison.xlsx")


def test_read_values_rejects_a_non_workbook_with_one_line(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(InputError) as info:
        read_values(bad)
    assert str(info.value).startswith(str(bad))
    assert "\n" not in str(info.value)


def test_failed_write_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = write_tables(_tables(), "xlsx", tmp_path / "t.xlsx")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("bbmigrate.tables.excel.Workbook.save", boom)
    with pytest.raises(RuntimeError):
        write_tables(_tables(), "xlsx", path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_unknown_change_kind_is_refused():
    with pytest.raises(ValueError, match="unknown change kind"):
        TableRow("x", "a", "b", "renamed")


def test_written_files_are_readable_like_any_document(tmp_path):
    old = os.umask(0o022)
    try:
        paths = write_all(_tables(), tmp_path)
    finally:
        os.umask(old)
    assert {oct(p.stat().st_mode & 0o777) for p in paths} == {"0o644"}
