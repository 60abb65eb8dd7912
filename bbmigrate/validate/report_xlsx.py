"""The validate report as an Excel workbook people read, filter and print.

Sheets: ``Summary`` (severity × profile), ``Findings`` (one row per group of findings, with
counts and example locations), ``Not checked`` (value sets that could not be expanded offline,
when any), ``Must-support`` (element × resources present, with ``--must-support``) and
``All findings`` (one row per finding, with ``--detail``). Every sheet has a styled, frozen,
filtered header, set widths and wrapping, and prints landscape, fit to the page width, with the
header repeated on each page. Every cell goes through :mod:`bbmigrate.escaping`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..escaping import append_row, set_cell
from ..sheet_rows import row_height, wrapped_lines
from .groups import (
    SEVERITY_HEADINGS,
    example_texts,
    group_findings,
    must_support_rows,
    profile_name,
    severity_table,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from .report import Report

EXAMPLES = 3  # example locations per group: enough to find the pattern, bounded for printing
_HEADER_FILL = "1F4E79"
_DETAIL_COLUMNS = (
    ("severity", 10),
    ("resource", 30),
    ("path", 42),
    ("rule", 18),
    ("message", 50),
    ("value", 28),
    ("profile", 24),
    ("element", 36),
    ("source", 28),
)


def _sheet(book: Any, title: str, columns: Sequence[tuple[str, float]], *, first: bool = False):
    """A sheet with a styled header row, column widths and landscape fit-to-width printing."""
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.active if first else book.create_sheet(title)
    sheet.title = title
    font = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor=_HEADER_FILL)
    align = Alignment(wrap_text=True, vertical="center")
    for index, (name, width) in enumerate(columns, start=1):
        cell = set_cell(sheet.cell(row=1, column=index), name)
        cell.font, cell.fill, cell.alignment = font, fill, align
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_LETTER
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = "&A, page &P of &N"
    return sheet


def _finish(sheet: Worksheet, *, wrap: Sequence[int] = (), numbers: Sequence[int] = ()) -> None:
    """Wrap the long text columns, align everything top, and filter over the whole table."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    widths = {
        index: sheet.column_dimensions[get_column_letter(index)].width or 10
        for index in range(1, sheet.max_column + 1)
    }
    for row in sheet.iter_rows():
        lines = 1
        for cell in row:
            if cell.row > 1:
                cell.alignment = wrapped if cell.column in wrap else top
            if cell.column in numbers and isinstance(cell.value, float):
                cell.number_format = "0.0%"
            if (cell.column in wrap or cell.row == 1) and isinstance(cell.value, str):
                lines = max(lines, wrapped_lines(cell.value, widths[cell.column]))
        # Neither openpyxl nor LibreOffice's import sizes rows to wrapped text: without a
        # height, wrapped lines overlap the next row on screen and on paper.
        sheet.row_dimensions[row[0].row].height = row_height(lines)
    sheet.auto_filter.ref = sheet.dimensions


def _summary(book: Any, report: Report) -> None:
    from openpyxl.styles import Font

    widths = (40, 11, 13, 10, 10, 12)
    columns = tuple(zip(SEVERITY_HEADINGS, widths, strict=True))
    sheet = _sheet(book, "Summary", columns, first=True)
    rows = severity_table(report.summary.get("by_profile", {}))
    for name, counts in rows:
        append_row(sheet, [name, *counts])
    for cell in sheet[sheet.max_row]:  # the Total row
        cell.font = Font(bold=True)
    _finish(sheet, wrap=(1,))
    # sorting or filtering the profiles must leave the Total row where it is: last
    sheet.auto_filter.ref = f"A1:{sheet.cell(1, len(columns)).column_letter}{sheet.max_row - 1}"
    s = report.summary
    notes = [
        f"CARIN Blue Button {report.ig}"
        + ("" if s.get("invariants", True) else " (FHIRPath invariants not checked)"),
        f"{s['resources']} resources; {s['errors']} errors, {s['warnings']} warnings, "
        f"{s['information']} information; grouped on the Findings sheet",
    ]
    sheet.append([])
    for note in notes:
        append_row(sheet, [note])


def _findings(book: Any, report: Report, redact: bool) -> None:
    from .report import shown_findings, shown_value

    columns = (
        ("severity", 10),
        ("profile", 22),
        ("rule", 20),
        ("element", 34),
        ("message", 40),
        ("findings", 9),
        ("resources", 10),
        (f"examples (up to {EXAMPLES})", 58),
    )
    sheet = _sheet(book, "Findings", columns)
    for group in group_findings(shown_findings(report.findings, redact), examples=EXAMPLES):
        message = group.message
        if group.other_messages:
            message += f" (and {group.other_messages} similar)"
        examples = "; ".join(example_texts(group, lambda f: shown_value(f, redact)))
        row = [group.severity, profile_name(group.profile), group.rule, group.element, message]
        append_row(sheet, [*row, group.findings, len(group.resources), examples])
    _finish(sheet, wrap=(2, 3, 4, 5, 8))


def _not_checked(book: Any, report: Report) -> None:
    value_sets = report.summary.get("not_checked_value_sets") or {}
    if not value_sets:
        return
    sheet = _sheet(book, "Not checked", (("value set", 80), ("resources", 11)))
    for url, count in value_sets.items():
        append_row(sheet, [url, count])
    _finish(sheet, wrap=(1,))


def _must_support(book: Any, report: Report) -> None:
    columns = (
        ("profile", 30),
        ("must-support element", 62),
        ("resources present", 12),
        ("of resources", 12),
        ("share", 9),
    )
    sheet = _sheet(book, "Must-support", columns)
    for row in must_support_rows(report.must_support):
        append_row(sheet, [row.profile, row.element, row.present, row.resources, row.share])
    _finish(sheet, wrap=(1, 2), numbers=(5,))


def _detail(book: Any, report: Report, redact: bool) -> None:
    from .report import shown_findings, shown_value

    sheet = _sheet(book, "All findings", _DETAIL_COLUMNS)
    names = [name for name, _ in _DETAIL_COLUMNS]
    for f in shown_findings(report.findings, redact):
        row = f.as_dict()
        row["value"] = shown_value(f, redact)
        append_row(sheet, [_scalar(row[name]) for name in names])
    _finish(sheet, wrap=(2, 3, 5, 6, 8, 9))


def _scalar(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def render_xlsx(
    report: Report, *, must_support: bool = False, redact: bool = False, detail: bool = False
) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    _summary(book, report)
    _findings(book, report, redact)
    _not_checked(book, report)
    if must_support:
        _must_support(book, report)
    if detail:
        _detail(book, report, redact)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
