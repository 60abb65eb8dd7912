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
from .rows import CHANGE_LABELS, CHANGES, COLUMNS, HEADERS, SHEETS, ComparisonTables

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
_PROFILE_COLUMN = HEADERS.index("CARIN profile") + 1
_PRINTED_COLUMNS = 8  # the fixed columns; the tracing columns stay on screen only
_LINE_HEIGHT = 15.0  # points per text line at the default font
_MAX_LINES = 10


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped cell needs, estimated from its text and the column width."""
    per_line = max(1, int(width * 1.1))
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _page_setup(ws: Worksheet, *, repeat_header: bool) -> None:
    # Printing and PDF export (LibreOffice, Excel) fit the width of a landscape page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if repeat_header:
        ws.print_title_rows = "1:1"


def _write_sheet(ws: Worksheet, rows: tuple[Any, ...]) -> None:
    _header(ws, 1, list(HEADERS))
    for number, row in enumerate(rows, start=2):
        fill = CHANGE_FILLS[row.change]
        for col, (column, text) in enumerate(zip(COLUMNS, row.cells(), strict=True), start=1):
            cell = set_cell(ws.cell(row=number, column=col), text or None, keep_newlines=True)
            cell.fill, cell.border = fill, _BORDER
            cell.alignment = _WRAP if column.wrap else _TOP
        if row.profile_url:
            link = ws.cell(row=number, column=_PROFILE_COLUMN)
            link.hyperlink, link.font = row.profile_url, LINK_FONT
        # Spreadsheet apps do not grow rows for wrapped text on open, so size them here
        # (BFD's dictionary workbook does the same).
        lines = max(
            (_lines(text, c.width) for c, text in zip(COLUMNS, row.cells(), strict=True) if c.wrap),
            default=1,
        )
        ws.row_dimensions[number].height = _LINE_HEIGHT * min(lines, _MAX_LINES)
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    ws.freeze_panes = "B2"
    last = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
    ws.sheet_view.zoomScale = 90
    _page_setup(ws, repeat_header=True)
    ws.print_area = f"A1:{get_column_letter(_PRINTED_COLUMNS)}{len(rows) + 1}"


def _write_summary(ws: Worksheet, tables: ComparisonTables) -> None:
    ws["A1"] = "Blue Button 2.0: V1 (STU3) vs V2 (R4 / CARIN) comparison"
    ws["A1"].font = Font(bold=True, size=14)
    sources = tables.sources
    ws["A2"] = (
        "Generated by bbmigrate from the mapping files"
        + (f" ({sources['rules']} rules)" if "rules" in sources else "")
        + "; examples from the synthetic samples. Regenerate with: bbmigrate tables --format all"
    )
    ws["A2"].alignment = Alignment(wrap_text=False)

    top = 4
    labels = [CHANGE_LABELS[change] for change in CHANGES]
    _header(ws, top, ["Sheet", "Resource", *labels, "Total"])
    counts = tables.counts()
    for offset, (key, (title, resource)) in enumerate(SHEETS.items(), start=1):
        row = top + offset
        link = ws.cell(row=row, column=1, value=title)
        link.hyperlink, link.font = f"#'{title}'!A1", LINK_FONT
        ws.cell(row=row, column=2, value=resource)
        for col, change in enumerate(CHANGES, start=3):
            ws.cell(row=row, column=col, value=counts[key][change])
        ws.cell(row=row, column=3 + len(CHANGES), value=sum(counts[key].values()))
    total_row = top + len(SHEETS) + 1
    ws.cell(row=total_row, column=1, value="Total").font = Font(bold=True)
    for col in range(3, 4 + len(CHANGES)):
        letter = get_column_letter(col)
        # Values, not formulas: readers without a calculation engine (and our staleness test)
        # must see the same numbers.
        total = sum(ws.cell(row=r, column=col).value or 0 for r in range(top + 1, total_row))
        cell = ws.cell(row=total_row, column=col, value=total)
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
        ws.cell(row=legend + offset, column=1, value=CHANGE_LABELS[change]).fill = CHANGE_FILLS[
            change
        ]
        ws.cell(row=legend + offset, column=2, value=CHANGE_MEANINGS[change])

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
    chart.height, chart.width = 7.5, 18
    ws.add_chart(chart, f"A{legend + len(CHANGES) + 2}")
    _page_setup(ws, repeat_header=False)


def workbook_bytes(tables: ComparisonTables) -> bytes:
    """The workbook as ``.xlsx`` bytes."""
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY
    _write_summary(summary, tables)
    for key, rows in tables.ordered():
        _write_sheet(wb.create_sheet(SHEETS[key][0]), rows)
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
