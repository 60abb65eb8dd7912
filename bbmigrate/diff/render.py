"""Render a report's JSON form in the format asked for, and write it (atomically) or print it."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..escaping import append_row
from ..jsonio import dumps, write_bytes_atomic
from .render_html import render_html
from .render_text import render_markdown, render_text

FORMATS = ("text", "json", "markdown", "html", "xlsx")

_COLUMNS = (
    ("resource", 30),
    ("kind", 11),
    ("v1_path", 50),
    ("v2_path", 50),
    ("v1_value", 30),
    ("v2_value", 30),
    ("mapped_path", 40),
    ("mapped_value", 30),
    ("rule", 30),
    ("variable", 26),
    ("accepted", 24),
    ("new", 7),
)


def render_xlsx(data: dict[str, Any]) -> bytes:
    """A workbook: a Summary sheet and a Changes sheet (one row per record, filterable)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Summary"
    header = PatternFill("solid", fgColor="4385F4")
    bold = Font(bold=True, color="FFFFFF")
    summary = data["summary"]
    for key in ("mode", "left", "right", "resources", "paired", "only_left", "only_right"):
        append_row(sheet, [key, summary[key]])
    for kind, n in summary["counts"].items():
        append_row(sheet, [kind, n])
    for key in ("ignored", "accepted", "new"):
        if key in summary:
            append_row(sheet, [key, summary[key]])
    if "fidelity" in summary:
        sheet.append(["recall", summary["fidelity"]["recall"]])
        sheet.append(["precision", summary["fidelity"]["precision"]])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 80

    changes = book.create_sheet("Changes")
    changes.append([name for name, _ in _COLUMNS])
    for cell in changes[1]:
        cell.fill, cell.font = header, bold
    for index, (_, width) in enumerate(_COLUMNS, start=1):
        changes.column_dimensions[changes.cell(1, index).column_letter].width = width
    for resource in data["resources"]:
        label = f"{resource['resourceType']}/{resource['id']}"
        for c in resource["changes"]:
            append_row(changes, [label] + [c.get(name) for name, _ in _COLUMNS[1:]])
    changes.freeze_panes = "C2"
    changes.auto_filter.ref = changes.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(data: dict[str, Any], fmt: str, *, color: bool = False, width: int = 250) -> bytes:
    """The bytes of ``data`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return dumps(data) + b"\n"
    if fmt == "text":
        return render_text(data, color=color, width=width).encode()
    if fmt == "markdown":
        return render_markdown(data).encode()
    if fmt == "html":
        return render_html(data).encode()
    if fmt == "xlsx":
        return render_xlsx(data)
    raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", where="--format")


def write(data: dict[str, Any], fmt: str, output: str | Path | None) -> None:
    """Write the rendering to ``output`` atomically, or to stdout when there is none."""
    if output is None and fmt == "xlsx":
        raise InputError("xlsx is binary: give an output file with -o", where="--format")
    tty = output is None and fmt == "text" and sys.stdout.isatty()
    # a terminal gets its own width; files and pipes get long lines rather than folded paths
    width = shutil.get_terminal_size().columns if tty else 250
    payload = render(data, fmt, color=tty, width=width)
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        write_bytes_atomic(output, payload)
