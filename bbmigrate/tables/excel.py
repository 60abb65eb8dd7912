"""Render :class:`ComparisonTables` as an Excel workbook, and read one back as plain cell values.

Styling follows what a documentation author expects and what BFD's own data-dictionary workbook
does (``CsvToExcel.java``): a blue bold header, the header row and first column frozen, an
autofilter, fixed column widths and wrapped long texts. Each change kind has its own row fill so a
reader can filter or scan by colour; the Summary sheet carries the legend and a bar chart.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError
from ..escaping import set_cell
from ..sheet_rows import wrapped_lines
from .readable import SECTIONS
from .rows import (
    CHANGE_LABELS,
    CHANGES,
    COLUMNS,
    HEADERS,
    RULE_COLUMNS,
    RULE_HEADERS,
    SHEETS,
    Column,
    ComparisonTables,
    TableRow,
)

SUMMARY = "Summary"
HEADER_FILL = PatternFill("solid", fgColor="4385F4")  # BFD's data-dictionary header colour
HEADER_FONT = Font(bold=True, color="FFFFFF")
LINK_FONT = Font(color="0563C1", underline="single")
CHANGE_FILLS: dict[str, PatternFill] = {
    "same": PatternFill("solid", fgColor="E2EFDA"),
    "moved": PatternFill("solid", fgColor="DDEBF7"),
    "recoded": PatternFill("solid", fgColor="FFF2CC"),
    "added": PatternFill("solid", fgColor="FCE4D6"),
    "removed": PatternFill("solid", fgColor="F4CCCC"),
}
# The chart needs stronger tones than the row fills to read at a glance.
CHART_COLOURS = {
    "same": "70AD47",
    "moved": "5B9BD5",
    "recoded": "FFC000",
    "added": "ED7D31",
    "removed": "C00000",
}
CHANGE_MEANINGS: dict[str, str] = {
    "same": "Same element and value in v1 and v2.",
    "moved": "Same value, different element (path, slice or container) in v2.",
    "recoded": "Same information, but v2 codes or shapes it differently (system, code, type).",
    "added": "Only v2 has it: a constant v2 adds, or data v1 cannot provide (a gap).",
    "removed": "Only v1 has it: dropped in v2 on purpose (the note says why).",
}
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
# Cell text is 10 pt; the public columns are sized so that fit-to-width on a landscape Letter
# page scales by no less than 0.8, i.e. the printed text stays at 8 pt or more (rows.COLUMNS).
FONT_SIZE = 10
FONT_NAME = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
_FONT = Font(name=FONT_NAME, size=FONT_SIZE)
_HEADER_FONT = Font(name=FONT_NAME, bold=True, color="FFFFFF", size=FONT_SIZE)
_SECTION_FONT = Font(name=FONT_NAME, bold=True, size=FONT_SIZE)
_SECTION_FILL = PatternFill("solid", fgColor="D9D9D9")
_LINE_HEIGHT = 12.0  # points per text line at FONT_SIZE (LibreOffice sets 10 pt Arial at ~11.5)
_MAX_LINES = 12
RULES = "Rules"
COLUMN_DEFINITIONS = "Column definitions"
SUMMARY_OF_CHANGES = "Summary of changes"
# What a client migrating from v1 to v2 does about each change kind (Summary of changes).
CHANGE_ACTIONS: dict[str, str] = {
    "same": "Nothing: read the same element; only the surrounding resource is R4.",
    "moved": "Change the path your code reads (and the discriminator that selects the element).",
    "recoded": "Match the new code system or code in the v2 discriminator; the value is the same.",
    "added": "Optional: new data v2 sends; v1 clients never had it.",
    "removed": "Stop reading it: v2 does not send it (the note says why).",
}
# What changes in each section of the resource between STU3 and R4 / CARIN, in our words.
SECTION_ACTIONS: dict[str, str] = {
    "header": "Resource id, meta (CARIN profiles), status, type/subType, dates, provider and "
    "payment: R4 adds use, insurer and outcome; type gains CARIN codes.",
    "identifiers": "Identifiers gain CARIN identifier types (type.coding); the claim and group "
    "ids keep their BB systems.",
    "extensions": "Most BB variable extensions keep their URL; some move into supportingInfo or "
    "change value type.",
    "care team": "careTeam roles use CARIN codes; providers are identifiers with NPI types; "
    "line links become careTeamSequence.",
    "diagnosis": "Diagnosis types use CARIN/HL7 codes (principal, admitting, other); numbered "
    "diagnosis variables are read by position among their type.",
    "procedure": "Procedures keep code and date; the order gives the numbered variables.",
    "supportingInfo": "v1 information[] becomes supportingInfo[] with CARIN categories beside "
    "the BB variable code; sequences are renumbered.",
    "item/line": "item.service becomes productOrService; locations, quantities and line "
    "extensions mostly keep their shape.",
    "adjudication": "Adjudication categories gain CARIN codes beside the BB variable code; "
    "amounts keep their value (R4 Money).",
    "totals and benefit balance": "Claim-level amounts move into total[] and "
    "benefitBalance.financial[] with CARIN categories; payment keeps its amount.",
}


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped cell needs, estimated from its text and the column width."""
    return wrapped_lines(text, width, per_width=1.15, most=1_000)


def _header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = set_cell(ws.cell(row=row, column=col), value)
        cell.fill, cell.font, cell.border = HEADER_FILL, _HEADER_FONT, _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _size_header(ws: Worksheet, row: int = 1) -> None:
    """Once the column widths are set: a header wraps in its column like any cell, so its row
    is as tall as its longest heading needs (else "V1 (STU3) element" is cut off)."""
    lines = max(
        (
            _lines(str(cell.value), ws.column_dimensions[cell.column_letter].width or 10)
            for cell in ws[row]
            if cell.value
        ),
        default=1,
    )
    ws.row_dimensions[row].height = _LINE_HEIGHT * lines + 4


def _page_setup(ws: Worksheet, *, repeat_header: bool) -> None:
    # Landscape, fit to one page wide and as many tall as needed (fitToHeight=0), narrow margins.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.gridLines = False
    ws.oddFooter.center.text = "&A: page &P of &N"
    if repeat_header:
        ws.print_title_rows = "1:1"


def _text_cell(ws: Worksheet, row: int, col: int, value: Any, *, wrap: bool = True) -> Any:
    cell = set_cell(
        ws.cell(row=row, column=col), None if value == "" else value, keep_newlines=True
    )
    cell.font, cell.border = _FONT, _BORDER
    cell.alignment = _WRAP if wrap else _TOP
    return cell


def _size_row(ws: Worksheet, number: int, texts: list[str], columns: tuple[Column, ...]) -> None:
    # Spreadsheet apps do not grow rows for wrapped text on open, so size them here
    # (BFD's dictionary workbook does the same).
    lines = max(
        (_lines(text, c.width) for c, text in zip(columns, texts, strict=True) if c.wrap),
        default=1,
    )
    ws.row_dimensions[number].height = _LINE_HEIGHT * min(lines, _MAX_LINES)


def _write_sheet(ws: Worksheet, rows: tuple[TableRow, ...]) -> None:
    """A public sheet: the ten columns, rows grouped by section with foldable outline groups."""
    _header(ws, 1, list(HEADERS))
    number = 2
    for section in SECTIONS:
        members = [r for r in rows if r.section == section]
        if not members:
            continue
        title = set_cell(ws.cell(row=number, column=1), f"{section} ({len(members)} rows)")
        title.font, title.fill = _SECTION_FONT, _SECTION_FILL
        for col in range(2, len(COLUMNS) + 1):
            ws.cell(row=number, column=col).fill = _SECTION_FILL
        number += 1
        first = number
        for row in members:
            fill = CHANGE_FILLS[row.change]
            texts = row.cells()
            for col, (column, text) in enumerate(zip(COLUMNS, texts, strict=True), start=1):
                _text_cell(ws, number, col, text, wrap=column.wrap).fill = fill
            _size_row(ws, number, texts, COLUMNS)
            number += 1
        ws.row_dimensions.group(first, number - 1, outline_level=1, hidden=False)
    ws.sheet_properties.outlinePr.summaryBelow = False
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    _size_header(ws)
    ws.freeze_panes = "B2"
    last = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A1:{last}{max(1, number - 1)}"
    _page_setup(ws, repeat_header=True)


def _write_rules(ws: Worksheet, tables: ComparisonTables) -> None:
    """The internal columns, keyed by Sheet and Variable."""
    _header(ws, 1, list(RULE_HEADERS))
    number = 2
    profile_col = RULE_HEADERS.index("CARIN profile") + 1
    for key, rows in tables.ordered():
        for row in rows:
            for col, text in enumerate([SHEETS[key][0], *row.rule_cells()], start=1):
                _text_cell(ws, number, col, text, wrap=False)
            if row.profile_url:
                link = ws.cell(row=number, column=profile_col)
                link.hyperlink, link.font = row.profile_url, LINK_FONT
            number += 1
    ws.column_dimensions["A"].width = 11
    for col, column in enumerate(RULE_COLUMNS, start=2):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    _size_header(ws)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(RULE_HEADERS))}{max(1, number - 1)}"
    _page_setup(ws, repeat_header=True)


def _write_definitions(ws: Worksheet) -> None:
    _header(ws, 1, ["Sheet", "Column", "Meaning"])
    entries = [("Patient ... SNF", c) for c in COLUMNS] + [(RULES, c) for c in RULE_COLUMNS]
    for number, (where, column) in enumerate(entries, start=2):
        for col, text in enumerate((where, column.header, column.meaning), start=1):
            _text_cell(ws, number, col, text)
        ws.row_dimensions[number].height = _LINE_HEIGHT * _lines(column.meaning, 90)
    change_top = len(entries) + 3
    _header(ws, change_top, ["Change", "Meaning", ""])
    for offset, change in enumerate(CHANGES, start=1):
        _text_cell(ws, change_top + offset, 1, CHANGE_LABELS[change]).fill = CHANGE_FILLS[change]
        _text_cell(ws, change_top + offset, 2, CHANGE_MEANINGS[change])
    for letter, width in zip("ABC", (16, 22, 100), strict=True):
        ws.column_dimensions[letter].width = width
    _page_setup(ws, repeat_header=False)


def _write_changes(ws: Worksheet, tables: ComparisonTables) -> None:
    """Per change kind and per section: what a migrating client must change, with counts."""
    set_cell(ws["A1"], "Summary of changes: what a client moving from v1 to v2 must change")
    ws["A1"].font = Font(bold=True, size=13)
    all_rows = [row for _, rows in tables.ordered() for row in rows]
    last = 3 + len(CHANGES)  # the widest column: the advice texts end there
    _header(ws, 3, ["Change", "Rows", "Variables", "What a migrating client must do"])
    ws.merge_cells(start_row=3, start_column=4, end_row=3, end_column=last)
    for offset, change in enumerate(CHANGES, start=1):
        members = [r for r in all_rows if r.change == change]
        names = {r.display_name for r in members if r.is_variable}
        cells = (CHANGE_LABELS[change], len(members), len(names), CHANGE_ACTIONS[change])
        for col, value in enumerate(cells, start=1):
            _text_cell(ws, 3 + offset, col, value).fill = CHANGE_FILLS[change]
        # The advice spans the count columns below it, so it reads on one or two lines.
        ws.merge_cells(start_row=3 + offset, start_column=4, end_row=3 + offset, end_column=last)
        ws.row_dimensions[3 + offset].height = _LINE_HEIGHT * _lines(CHANGE_ACTIONS[change], 100)
    top = 4 + len(CHANGES) + 1
    labels = [CHANGE_LABELS[c] for c in CHANGES]
    _header(ws, top, ["Section", *labels, "Total", "What changes in this section"])
    for offset, section in enumerate(SECTIONS, start=1):
        members = [r for r in all_rows if r.section == section]
        counts = [sum(r.change == c for r in members) for c in CHANGES]
        values = [section, *counts, len(members), SECTION_ACTIONS[section]]
        for col, value in enumerate(values, start=1):
            _text_cell(ws, top + offset, col, value)
        ws.row_dimensions[top + offset].height = _LINE_HEIGHT * _lines(SECTION_ACTIONS[section], 60)
    ws.column_dimensions["A"].width = 24
    for col in range(2, 3 + len(CHANGES)):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.column_dimensions[get_column_letter(3 + len(CHANGES))].width = 60
    ws.column_dimensions["D"].width = max(ws.column_dimensions["D"].width or 0, 11)
    _page_setup(ws, repeat_header=False)


def _write_summary(ws: Worksheet, tables: ComparisonTables) -> None:
    set_cell(ws["A1"], "Blue Button 2.0: V1 (STU3) vs V2 (R4 / CARIN) comparison")
    ws["A1"].font = Font(bold=True, size=14)
    sources = tables.sources
    set_cell(
        ws["A2"],
        "Generated by bbmigrate from the mapping files"
        + (f" ({sources['rules']} rules)" if "rules" in sources else "")
        + (
            f", the variables facts file ({sources['variables']} variables)"
            if "variables" in sources
            else ""
        )
        + "; examples from the synthetic samples. Regenerate with: bbmigrate tables --format all",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)

    top = 4
    labels = [CHANGE_LABELS[change] for change in CHANGES]
    _header(ws, top, ["Sheet", "Resource", *labels, "Total"])
    counts = tables.counts()
    for offset, (key, (title, resource)) in enumerate(SHEETS.items(), start=1):
        row = top + offset
        link = set_cell(ws.cell(row=row, column=1), title)
        link.hyperlink, link.font = f"#'{title}'!A1", LINK_FONT
        set_cell(ws.cell(row=row, column=2), resource)
        for col, change in enumerate(CHANGES, start=3):
            set_cell(ws.cell(row=row, column=col), counts[key][change])
        set_cell(ws.cell(row=row, column=3 + len(CHANGES)), sum(counts[key].values()))
    total_row = top + len(SHEETS) + 1
    set_cell(ws.cell(row=total_row, column=1), "Total").font = Font(bold=True)
    for col in range(3, 4 + len(CHANGES)):
        letter = get_column_letter(col)
        # Values, not formulas: readers without a calculation engine (and our staleness test)
        # must see the same numbers.
        total = sum(ws.cell(row=r, column=col).value or 0 for r in range(top + 1, total_row))
        cell = set_cell(ws.cell(row=total_row, column=col), total)
        cell.font = Font(bold=True)
        ws.column_dimensions[letter].width = 14
    for col, fill in enumerate(CHANGE_FILLS.values(), start=3):
        ws.cell(row=top, column=col).fill = fill
        ws.cell(row=top, column=col).font = Font(bold=True)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 22

    legend = total_row + 2
    _header(ws, legend, ["Change", "Meaning"])
    for offset, change in enumerate(CHANGES, start=1):
        set_cell(ws.cell(row=legend + offset, column=1), CHANGE_LABELS[change]).fill = CHANGE_FILLS[
            change
        ]
        set_cell(ws.cell(row=legend + offset, column=2), CHANGE_MEANINGS[change])

    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    chart.title = "Rows per sheet and change kind"
    chart.y_axis.title = "rows"
    data = Reference(ws, min_col=3, max_col=2 + len(CHANGES), min_row=top, max_row=total_row - 1)
    categories = Reference(ws, min_col=1, min_row=top + 1, max_row=total_row - 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    for series, colour in zip(chart.series, CHART_COLOURS.values(), strict=True):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    # one label per sheet: left to itself, LibreOffice shows every other one at this height
    chart.x_axis.tickLblSkip = 1
    chart.height, chart.width = 9.5, 18
    ws.add_chart(chart, f"A{legend + len(CHANGES) + 2}")
    _page_setup(ws, repeat_header=False)


def workbook_bytes(tables: ComparisonTables) -> bytes:
    """The workbook as ``.xlsx`` bytes."""
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY
    _write_summary(summary, tables)
    _write_changes(wb.create_sheet(SUMMARY_OF_CHANGES), tables)
    _write_definitions(wb.create_sheet(COLUMN_DEFINITIONS))
    for key, rows in tables.ordered():
        _write_sheet(wb.create_sheet(SHEETS[key][0]), rows)
    _write_rules(wb.create_sheet(RULES), tables)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_values(path: str | Path) -> dict[str, list[list[str]]]:
    """Every sheet's cell values as text (empty cells as ``""``), for content comparisons."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise InputError(f"not a readable .xlsx workbook: {exc}", where=str(path)) from None
    try:
        return {
            ws.title: [
                ["" if value is None else str(value) for value in row]
                for row in ws.iter_rows(values_only=True)
            ]
            for ws in wb.worksheets
        }
    finally:
        wb.close()
