"""Render a report's JSON form in the format asked for, and write it (atomically) or print it."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..escaping import append_row
from ..jsonio import atomic_writer, dumps, write_bytes_atomic
from .render_html import render_html
from .render_text import render_markdown, render_text

FORMATS = ("text", "json", "jsonl", "markdown", "html", "xlsx")

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
_GROUP_COLUMNS = (
    ("kind", 10),
    ("v1 element", 50),
    ("v2 element", 50),
    ("leaves", 8),
    ("resources", 10),
    ("rule", 30),
    ("variable", 24),
    ("label", 24),
    ("note", 50),
    ("example 1", 40),
    ("example 2", 40),
    ("example 3", 40),
)


def _example_text(example: dict[str, Any]) -> str:
    old, new = example.get("old"), example.get("new")
    return f"{'' if old is None else old} → {'' if new is None else new} ({example['resource']})"


def _sheet(book: Any, title: str, columns: tuple[tuple[str, int], ...], rows: Any) -> None:
    """A sheet with a styled, frozen, filterable header, set widths and wrapped cells."""
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.create_sheet(title)
    append_row(sheet, [name for name, _ in columns])
    fill, bold = PatternFill("solid", fgColor="4385F4"), Font(bold=True, color="FFFFFF")
    for cell in sheet[1]:
        cell.fill, cell.font = fill, bold
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        append_row(sheet, row)
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToHeight = 0


def render_xlsx(data: dict[str, Any], *, detail: bool = False) -> bytes:
    """A workbook: Changes by element (the grouped view), Summary, and with ``detail`` a
    Records sheet (one row per record)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _sheet(
        book,
        "Changes by element",
        _GROUP_COLUMNS,
        (
            [
                g["kind"],
                g.get("v1_pattern"),
                g.get("v2_pattern"),
                g["leaves"],
                g["resources"],
                " ".join(x for x in [g.get("rule"), *(g.get("other_rules") or ())] if x),
                g.get("variable"),
                g.get("label"),
                g.get("note"),
                *(_example_text(e) for e in g.get("examples", [])),
            ]
            for g in data.get("groups") or []
        ),
    )
    summary = data["summary"]
    facts: list[list[Any]] = [
        [key, summary[key]]
        for key in ("mode", "left", "right", "resources", "paired", "only_left", "only_right")
    ]
    facts += [[kind, n] for kind, n in summary["counts"].items()]
    facts += [[key, summary[key]] for key in ("ignored", "accepted", "new") if key in summary]
    if "fidelity" in summary:
        facts += [[k, summary["fidelity"][k]] for k in ("recall", "precision")]
    _sheet(book, "Summary", (("fact", 14), ("value", 80)), facts)
    if detail:
        _sheet(
            book,
            "Records",
            _COLUMNS,
            (
                [f"{r['resourceType']}/{r['id']}"] + [c.get(name) for name, _ in _COLUMNS[1:]]
                for r in data["resources"]
                for c in r["changes"]
            ),
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def jsonl_lines(data: dict[str, Any]) -> Iterator[bytes]:
    """JSON Lines: one line per record (with its resource), then one per group, then the
    summary — for per-leaf detail of inputs too big to read as one JSON document. Lines are
    made one at a time, so writing them never holds the whole rendering."""
    for resource in data["resources"]:
        label = f"{resource['resourceType']}/{resource['id']}"
        for change in resource["changes"]:
            yield dumps({"type": "record", "resource": label, **change}, pretty=False) + b"\n"
    for group in data.get("groups") or []:
        yield dumps({"type": "group", **group}, pretty=False) + b"\n"
    yield dumps({"type": "summary", **data["summary"]}, pretty=False) + b"\n"


def render_jsonl(data: dict[str, Any]) -> bytes:
    return b"".join(jsonl_lines(data))


def render(
    data: dict[str, Any],
    fmt: str,
    *,
    color: bool = False,
    width: int = 250,
    detail: bool = False,
) -> bytes:
    """The bytes of ``data`` in format ``fmt`` (one of :data:`FORMATS`); ``detail`` adds the
    per-leaf records to text, Markdown, HTML and xlsx (JSON and JSON Lines always have them)."""
    if fmt == "json":
        return dumps(data) + b"\n"
    if fmt == "jsonl":
        return render_jsonl(data)
    if fmt == "text":
        return render_text(data, color=color, width=width, detail=detail).encode()
    if fmt == "markdown":
        return render_markdown(data, detail=detail).encode()
    if fmt == "html":
        return render_html(data, detail=detail).encode()
    if fmt == "xlsx":
        return render_xlsx(data, detail=detail)
    raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", where="--format")


def write(
    data: dict[str, Any], fmt: str, output: str | Path | None, *, detail: bool = False
) -> None:
    """Write the rendering to ``output`` atomically, or to stdout when there is none."""
    if output is None and fmt == "xlsx":
        raise InputError("xlsx is binary: give an output file with -o", where="--format")
    if fmt == "jsonl":
        if output is None or str(output) == "-":
            sys.stdout.buffer.writelines(jsonl_lines(data))
            sys.stdout.flush()
        else:
            with atomic_writer(output) as stream:
                stream.writelines(jsonl_lines(data))
        return
    tty = output is None and fmt == "text" and sys.stdout.isatty()
    # a terminal gets its own width; files and pipes get long lines rather than folded paths
    width = shutil.get_terminal_size().columns if tty else 250
    payload = render(data, fmt, color=tty, width=width, detail=detail)
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        write_bytes_atomic(output, payload)
