"""The escaping rules themselves: what each format function makes of one hostile value."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from safety_data import HOSTILE, RAW_CONTROL, assert_markdown_inert_tags

from bbmigrate.escaping import (
    append_row,
    for_csv,
    for_html,
    for_markdown,
    for_terminal,
    formula_cells,
    set_cell,
    visible,
)


def test_controls_become_the_same_visible_escape_everywhere():
    value = "a\x1b]0;t\x07\rb\u202e"
    shown = "a\\x1b]0;t\\x07\\rb\\u202e"
    assert for_terminal(value) == shown
    assert for_html(value) == shown
    assert for_csv(value) == shown
    # Markdown also backslash-escapes its own syntax: the backslashes and the bracket
    assert for_markdown(value) == shown.replace("\\", "\\\\").replace("]", "\\]")


def test_keep_newlines_keeps_only_the_line_feed():
    assert visible("a\nb\x01", keep_newlines=True) == "a\nb\\x01"
    assert visible("a\nb") == "a\\nb"
    assert for_csv("=x\ny", keep_newlines=True) == "'=x\ny"
    assert for_markdown("a|b\n<i>c</i>", breaks=True) == "a\\|b<br>&lt;i&gt;c&lt;/i&gt;"


def test_markdown_keeps_quotes_and_still_escapes_tags():
    # no "<" gets through, so no tag or attribute can open: quotes may stay readable
    assert for_markdown("use = 'usual' \"x\" <b onclick='y'>") == (
        "use = 'usual' \"x\" &lt;b onclick='y'&gt;"
    )


@pytest.mark.parametrize("number", ["-19990000004781", "+1", "-0.5", "1e5"])
def test_a_signed_number_is_data_in_csv_and_markdown(number):
    assert for_csv(number) == number
    assert for_markdown(number) == number


@pytest.mark.parametrize("value", HOSTILE)
def test_every_hostile_value_is_inert_in_every_format(value):
    assert RAW_CONTROL.search(for_terminal(value)) is None
    assert "<" not in for_html(value) and '"' not in for_html(value)
    assert_markdown_inert_tags(f"| {for_markdown(value)} |\n|---|\n| {for_markdown(value)} |\n")
    field = next(csv.reader(io.StringIO(for_csv(value))))[0] if value else ""
    assert not field.startswith(("=", "+", "-", "@")) or field.lstrip("+-").isdigit()


@pytest.mark.parametrize("write_only", [False, True])
def test_workbook_cells_are_never_formulas(tmp_path, write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("data")
    append_row(sheet, [*HOSTILE, 3, None, True])
    if not write_only:
        set_cell(sheet.cell(row=2, column=1), "=1+1")
        set_cell(sheet.cell(row=2, column=2), "tab\tand\nline", keep_newlines=True)
    path = tmp_path / "book.xlsx"
    book.save(path)
    loaded = load_workbook(path)
    assert formula_cells(loaded) == []
    values = [c.value for c in loaded["data"][1]]
    assert values[0] == HOSTILE[0] and values[5] == "a\\x01b" and values[-3:] == [3, None, True]
    if not write_only:
        assert loaded["data"]["A2"].value == "=1+1"
        assert loaded["data"]["B2"].value == "tab\\tand\nline"
