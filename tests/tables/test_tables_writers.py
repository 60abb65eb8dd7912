"""The workbook, CSV and Markdown writers render the row model faithfully and atomically."""

from __future__ import annotations

import csv
import io
import os

import pytest
from openpyxl import load_workbook

from bbmigrate.errors import InputError
from bbmigrate.escaping import formula_cells
from bbmigrate.tables.excel import (
    CHANGE_FILLS,
    COLUMN_DEFINITIONS,
    RULES,
    SUMMARY,
    SUMMARY_OF_CHANGES,
    read_values,
)
from bbmigrate.tables.html_page import html_text
from bbmigrate.tables.output import is_stale, stale_files, write_all, write_tables
from bbmigrate.tables.rows import HEADERS, RULE_HEADERS, SHEETS, ComparisonTables, TableRow
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
                    is_variable=True,
                    section="extensions",
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
                TableRow(
                    "var_b",
                    "extension[x]",
                    "extension[x]",
                    "moved",
                    is_variable=True,
                    section="extensions",
                    note="=SUM(A1)",
                ),
            ),
            "patient": (TableRow("var_c", "identifier[a]", "", "removed", note="dropped"),),
        },
        {"rules": 4},
    )


def test_workbook_has_summaries_then_every_sheet_in_order_with_fixed_headers(tmp_path):
    path = write_tables(_tables(), "xlsx", tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [
        SUMMARY,
        SUMMARY_OF_CHANGES,
        COLUMN_DEFINITIONS,
        *(title for title, _ in SHEETS.values()),
        RULES,
    ]
    assert formula_cells(wb) == []
    carrier = wb["Carrier"]
    header = [c.value for c in carrier[1]]
    assert header == [
        "Variable",
        "Label",
        "V1 (STU3) element",
        "V1 discriminator",
        "V2 (R4) element",
        "V2 discriminator",
        "Change",
        "V1 example",
        "V2 example",
        "Note",
    ]
    assert header == list(HEADERS)
    assert carrier.freeze_panes == "B2"
    # rows by section: a section title row, then its rows in an outline group
    assert carrier.cell(2, 1).value == "header (1 rows)"
    assert carrier.cell(3, 1).value == "use"
    assert carrier.cell(4, 1).value.startswith("extensions")
    assert [carrier.cell(r, 1).value for r in (5, 6)] == ["var_a", "var_b"]
    assert carrier.row_dimensions[3].outline_level == 1
    assert carrier.row_dimensions[2].outline_level == 0
    assert [carrier.cell(r, 7).value for r in (3, 5)] == ["added in v2", "same"]
    # a fill per change kind, wrapped notes, no formula from a leading "="
    assert carrier.cell(5, 1).fill.fgColor.rgb.endswith(CHANGE_FILLS["same"].fgColor.rgb[-6:])
    assert carrier.cell(3, 1).fill.fgColor.rgb != carrier.cell(5, 1).fill.fgColor.rgb
    assert carrier.cell(3, HEADERS.index("Note") + 1).alignment.wrap_text
    assert carrier.cell(6, HEADERS.index("Note") + 1).value == "=SUM(A1)"
    # printing: landscape, one page wide, header repeated, text of 8 pt or more
    setup = carrier.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert carrier.print_title_rows == "$1:$1"
    # the header row is tall enough for its longest wrapped heading ("V1 (STU3) element")
    widths = [carrier.column_dimensions[c.column_letter].width for c in carrier[1]]
    needed = max(-(-len(h) // int(w * 1.15)) for h, w in zip(HEADERS, widths, strict=True))
    assert needed >= 2 and carrier.row_dimensions[1].height >= 12 * needed
    assert min(carrier.cell(r, 1).font.sz for r in range(1, 7)) >= 8
    # the internal columns are on the Rules sheet, keyed by Sheet and Variable
    rules = wb[RULES]
    assert [c.value for c in rules[1]] == list(RULE_HEADERS)
    found = {(r[0].value, r[1].value): r for r in rules.iter_rows(min_row=2)}
    profile_col = RULE_HEADERS.index("CARIN profile")
    assert found[("Carrier", "var_a")][profile_col].hyperlink.target == PROFILE
    assert found[("Carrier", "var_a")][RULE_HEADERS.index("Rule id")].value == "r.a"
    # column definitions and the summary of changes
    defined = {r[1].value for r in wb[COLUMN_DEFINITIONS].iter_rows(min_row=2) if r[1].value}
    assert set(HEADERS) <= defined and set(RULE_HEADERS[1:]) <= defined
    changes = {r[0].value: [c.value for c in r] for r in wb[SUMMARY_OF_CHANGES].iter_rows()}
    assert changes["moved"][1] == 1 and changes["removed in v2"][1] == 1
    assert changes["extensions"][1:7] == [1, 1, 0, 0, 0, 2]


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
    assert summary._charts[0].x_axis.tickLblSkip == 1  # a label for every sheet


def test_csv_and_markdown_carry_the_same_rows_escaped(tmp_path):
    tables = _tables()
    rows = list(csv.reader(io.StringIO(csv_text(tables))))
    assert rows[0] == ["Sheet", "Section", *HEADERS]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("Patient", "header", "var_c"),
        ("Carrier", "header", "use"),
        ("Carrier", "extensions", "var_a"),
        ("Carrier", "extensions", "var_b"),
    ]
    note = HEADERS.index("Note") + 2
    # controls shown, never obeyed; a formula neutralised
    assert rows[2][note] == "a constant\\nwith | a pipe"
    assert rows[4][note] == "'=SUM(A1)"
    md = markdown_text(tables)
    assert "| use |  |  |  | use |  | added in v2 |" in md
    assert "a constant\\\\nwith \\| a pipe" in md
    assert md.index("## Patient") < md.index("## Coverage") < md.index("## Carrier")
    assert md.index("### Carrier: header") < md.index("### Carrier: extensions")
    page = html_text(tables)
    assert "=SUM(A1)" in page and "<script>" in page and page.count("<script>") == 1
    assert 'data-sheet="Carrier" data-change="moved"' in page


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
    assert len(stale_files(changed, tmp_path)) == 4
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
