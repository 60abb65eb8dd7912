"""Render a report in the format asked for, resource by resource, and write it atomically.

Every report leads with its summary and grouped view, which are known only when the last pair
is diffed. So a :class:`Writer` renders each resource's part as it comes (``pieces``: bytes for
each of its *sections*, e.g. the text report's records, the HTML page's counts and records),
those bytes are spooled to temporary files, and :meth:`Writer.assemble` writes the head, the
spooled sections and the tail at the end. Memory holds one resource's rendering at a time, and
the output file appears (by rename) only when it is whole. :func:`render` runs the same writers
on a report held in memory, so both ways give the same bytes.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..errors import InputError
from ..escaping import visible, xlsx_value
from ..jsonio import atomic_writer, dumps
from ..sheet_rows import row_height, wrapped_lines
from .model import kinds_of
from .render_html import count_row, detail_rows, html_frame
from .render_text import (
    is_new,
    markdown_head,
    markdown_resource,
    resource_table,
    text_head,
)

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
# ~260 characters in all, so that a page printed fit to width stays legible (376 with an
# example per column printed at ~40 %); the examples share one cell, a line each.
_GROUP_COLUMNS = (
    ("kind", 9),
    ("v1 element", 40),
    ("v2 element", 40),
    ("leaves", 7),
    ("resources", 9),
    ("rule", 24),
    ("variable", 20),
    ("label", 22),
    ("note", 36),
    ("examples (old → new, resource)", 56),
)
# The Summary sheet's facts, in words (the JSON summary's keys are for programs).
_FACT_LABELS = {
    "mode": "comparison",
    "left": "left input",
    "right": "right input",
    "resources": "resources",
    "paired": "paired",
    "only_left": "only in the left input",
    "only_right": "only in the right input",
}


def _example_text(example: dict[str, Any]) -> str:
    old, new = example.get("old"), example.get("new")
    return f"{'' if old is None else old} → {'' if new is None else new} ({example['resource']})"


def _sheet(
    book: Any, title: str, columns: tuple[tuple[str, int], ...], rows: Any, breaks: int = -1
) -> None:
    """A sheet with a styled, frozen, filterable header, set widths and wrapped cells, written
    row by row (``book`` is write-only: rows go to disk as they are appended)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "1"  # US Letter (a write-only sheet lacks PAPERSIZE_LETTER)
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"  # the header on every printed page
    fill, bold = PatternFill("solid", fgColor="4385F4"), Font(bold=True, color="FFFFFF")
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = [width for _, width in columns]

    def append(number: int, values: Iterable[Any], **style: Any) -> None:
        out = []
        lines = 1
        for index, value in enumerate(values):  # every value: a row never loses a cell
            width = widths[index] if index < len(widths) else 10
            # column ``breaks`` keeps its line breaks (the examples' cell, one a line)
            cell = WriteOnlyCell(sheet, value=xlsx_value(value, keep_newlines=index == breaks))
            if cell.data_type == "f":  # data, never a formula (escaping.set_cell's rule)
                cell.data_type = "s"
            for name, setting in style.items():
                setattr(cell, name, setting)
            if isinstance(cell.value, str):
                lines = max(lines, wrapped_lines(cell.value, width))
            out.append(cell)
        # a write-only row takes its height when appended: set it first (see sheet_rows)
        sheet.row_dimensions[number].height = row_height(lines)
        sheet.append(out)

    append(1, (name for name, _ in columns), fill=fill, font=bold, alignment=wrap)
    count = 1
    for row in rows:
        count += 1
        append(count, row, alignment=wrap)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count}"


def _group_row(g: dict[str, Any]) -> list[Any]:
    return [
        g["kind"],
        g.get("v1_pattern"),
        g.get("v2_pattern"),
        g["leaves"],
        g["resources"],
        " ".join(x for x in [g.get("rule"), *(g.get("other_rules") or ())] if x),
        g.get("variable"),
        g.get("label"),
        g.get("note"),
        "\n".join(visible(_example_text(e)) for e in g.get("examples", [])),
    ]


def _summary_rows(summary: dict[str, Any]) -> list[list[Any]]:
    facts: list[list[Any]] = [[label, summary[key]] for key, label in _FACT_LABELS.items()]
    facts += [[kind, n] for kind, n in summary["counts"].items()]
    if "ignored" in summary:
        paths = ", ".join(summary.get("ignore_paths") or ())
        facts.append(
            [f"records ignored by {paths}" if paths else "records ignored", summary["ignored"]]
        )
    facts += [[f"records {key}", summary[key]] for key in ("accepted", "new") if key in summary]
    if "fidelity" in summary:
        facts += [[k, summary["fidelity"][k]] for k in ("recall", "precision")]
    return facts


class Spool:
    """Bytes put aside on disk (an unlinked temporary file) until the report is assembled."""

    def __init__(self) -> None:
        # closed by close(); unlinked from the start, so a crash leaves nothing behind
        self.file = tempfile.TemporaryFile()  # noqa: SIM115
        self.size = 0

    def write(self, data: bytes) -> None:
        if data:
            self.file.write(data)
            self.size += len(data)

    def chunks(self, skip: int = 0) -> Iterator[bytes]:
        self.file.flush()
        self.file.seek(skip)
        while block := self.file.read(1 << 20):
            yield block

    def copy_to(self, out: BinaryIO, skip: int = 0) -> None:
        for block in self.chunks(skip):
            out.write(block)

    def lines(self) -> Iterator[bytes]:
        self.file.flush()
        self.file.seek(0)
        yield from self.file

    def close(self) -> None:
        self.file.close()


class Writer:
    """One format's rendering, split so that it can be written resource by resource."""

    sections = 0
    """How many per-resource sections :meth:`pieces` returns (0: it needs no resource)."""

    def __init__(self, *, mode: str, detail: bool = False, only: Iterable[str] = ()) -> None:
        self.mode, self.detail = mode, detail
        self.records = detail
        """Whether the pieces show per-leaf records (else resources come without them)."""
        # what the per-resource renderers read of the summary (the rest is not known yet)
        counts = dict.fromkeys(kinds_of(mode), 0)
        self.view: dict[str, Any] = {"mode": mode, "only": sorted(only), "counts": counts}

    def pieces(self, resource: dict[str, Any]) -> tuple[bytes, ...]:
        return ()

    def assemble(self, head: dict[str, Any], spools: list[Spool], out: BinaryIO) -> None:
        raise NotImplementedError


class JsonWriter(Writer):
    """The JSON document, as ``jsonio.dumps`` writes it whole, made of per-resource pieces."""

    sections = 1

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records = True

    def pieces(self, resource: dict[str, Any]) -> tuple[bytes, ...]:
        # a resource sits two levels deep: every line of its own rendering moves 4 spaces in
        # (JSON strings hold no raw line breaks, so splitting on them is safe)
        return (b",\n    " + dumps(resource).replace(b"\n", b"\n    "),)

    def assemble(self, head: dict[str, Any], spools: list[Spool], out: BinaryIO) -> None:
        frame = dumps({**head, "resources": 0})
        assert frame.endswith(b"0\n}")
        out.write(frame[: -len(b"0\n}")])
        if spools[0].size == 0:
            out.write(b"[]\n}\n")
            return
        out.write(b"[\n")
        spools[0].copy_to(out, skip=2)  # the first piece's separator
        out.write(b"\n  ]\n}\n")


class JsonLinesWriter(JsonWriter):
    """One line per record (with its resource), then one per group, then the summary."""

    def pieces(self, resource: dict[str, Any]) -> tuple[bytes, ...]:
        label = f"{resource['resourceType']}/{resource['id']}"
        return (
            b"".join(
                dumps({"type": "record", "resource": label, **change}, pretty=False) + b"\n"
                for change in resource["changes"]
            ),
        )

    def assemble(self, head: dict[str, Any], spools: list[Spool], out: BinaryIO) -> None:
        spools[0].copy_to(out)
        for group in head.get("groups") or []:
            out.write(dumps({"type": "group", **group}, pretty=False) + b"\n")
        out.write(dumps({"type": "summary", **head["summary"]}, pretty=False) + b"\n")


class _LinesWriter(Writer):
    """A report of lines: a head, then each resource's lines (every line after a break)."""

    def head(self, head: dict[str, Any]) -> str:
        raise NotImplementedError

    def lines(self, resource: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def pieces(self, resource: dict[str, Any]) -> tuple[bytes, ...]:
        if not self.sections:
            return ()
        return ("".join("\n" + line for line in self.lines(resource)).encode(),)

    def assemble(self, head: dict[str, Any], spools: list[Spool], out: BinaryIO) -> None:
        out.write(self.head(head).encode())
        for spool in spools:
            spool.copy_to(out)
        out.write(b"\n")


class TextWriter(_LinesWriter):
    """The text report; per-leaf records with ``detail``, only the new ones with a baseline."""

    def __init__(
        self, *, baseline: bool = False, width: int = 250, color: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.baseline, self.width, self.color = baseline, width, color
        self.records = baseline or self.detail
        self.sections = 1 if self.records else 0

    def head(self, head: dict[str, Any]) -> str:
        return text_head(head, width=self.width, detail=self.detail)

    def lines(self, resource: dict[str, Any]) -> list[str]:
        keep = is_new if self.baseline else None
        return resource_table(self.view, resource, self.width, self.color, keep)


class MarkdownWriter(_LinesWriter):
    """The Markdown report; one table of records per resource with ``detail``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sections = 1 if self.detail else 0

    def head(self, head: dict[str, Any]) -> str:
        return markdown_head(head)

    def lines(self, resource: dict[str, Any]) -> list[str]:
        return markdown_resource(self.view, resource)


class HtmlWriter(Writer):
    """The HTML page: a row of counts per resource, and its records with ``detail``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sections = 2 if self.detail else 1

    def pieces(self, resource: dict[str, Any]) -> tuple[bytes, ...]:
        row = count_row(self.view, resource).encode()
        return (row, detail_rows(resource).encode()) if self.detail else (row,)

    def assemble(self, head: dict[str, Any], spools: list[Spool], out: BinaryIO) -> None:
        parts = html_frame(head, detail=self.detail)
        for n, text in enumerate(parts):
            out.write(text.encode())
            if n < len(spools):
                spools[n].copy_to(out)


class XlsxWriter(Writer):
    """A workbook: Changes by element (the grouped view), Summary, and with ``detail`` a
    Records sheet (one row per record)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sections = 1 if self.detail else 0

    def pieces(self, resource: dict[str, Any]) -> tuple[bytes, ...]:
        if not self.sections:
            return ()
        label = f"{resource['resourceType']}/{resource['id']}"
        return (
            b"".join(
                orjson.dumps([label] + [c.get(name) for name, _ in _COLUMNS[1:]]) + b"\n"
                for c in resource["changes"]
            ),
        )

    def assemble(self, head: dict[str, Any], spools: list[Spool], out: BinaryIO) -> None:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        groups = map(_group_row, head.get("groups") or [])
        _sheet(book, "Changes by element", _GROUP_COLUMNS, groups, breaks=len(_GROUP_COLUMNS) - 1)
        _sheet(book, "Summary", (("fact", 24), ("value", 80)), _summary_rows(head["summary"]))
        if self.detail:
            _sheet(book, "Records", _COLUMNS, map(orjson.loads, spools[0].lines()))
        book.save(out)


_WRITERS: dict[str, type[Writer]] = {
    "json": JsonWriter,
    "jsonl": JsonLinesWriter,
    "text": TextWriter,
    "markdown": MarkdownWriter,
    "html": HtmlWriter,
    "xlsx": XlsxWriter,
}


def make_writer(
    fmt: str,
    *,
    mode: str,
    detail: bool = False,
    only: Iterable[str] = (),
    baseline: bool = False,
    width: int = 250,
    color: bool = False,
) -> Writer:
    """The writer of format ``fmt`` (one of :data:`FORMATS`); ``detail`` adds the per-leaf
    records to text, Markdown, HTML and xlsx (JSON and JSON Lines always have them)."""
    kind = _WRITERS.get(fmt)
    if kind is None:
        raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", where="--format")
    if kind is TextWriter:
        return TextWriter(
            mode=mode, detail=detail, only=only, baseline=baseline, width=width, color=color
        )
    return kind(mode=mode, detail=detail, only=only)


class Output:
    """A writer and where its report goes (a file, written atomically, or stdout)."""

    def __init__(self, writer: Writer, target: str | Path | None) -> None:
        self.writer, self.target = writer, target
        self.spools = [Spool() for _ in range(writer.sections)]

    def add(self, parts: list[bytes]) -> None:
        """Spool the rendering of consecutive resources, one byte string per section."""
        for spool, data in zip(self.spools, parts, strict=True):
            spool.write(data)

    def finish(self, head: dict[str, Any]) -> None:
        try:
            if self.target is None or str(self.target) == "-":
                self.writer.assemble(head, self.spools, sys.stdout.buffer)
                sys.stdout.flush()
            else:
                with atomic_writer(self.target) as stream:
                    self.writer.assemble(head, self.spools, stream)
        finally:
            self.close()

    def close(self) -> None:
        for spool in self.spools:
            spool.close()


def terminal_text(fmt: str, output: str | Path | None) -> tuple[int, bool]:
    """Width and colour for a text report: a terminal gets its own width and colours; files
    and pipes get long lines rather than folded paths."""
    tty = output is None and fmt == "text" and sys.stdout.isatty()
    return (shutil.get_terminal_size().columns if tty else 250), tty


def render_with(writer: Writer, data: dict[str, Any]) -> bytes:
    """A report held in memory (``report_dict``'s form), rendered by ``writer``."""
    head = {key: value for key, value in data.items() if key != "resources"}
    with ExitStack() as stack:
        spools = [Spool() for _ in range(writer.sections)]
        for spool in spools:
            stack.callback(spool.close)
        for resource in data["resources"]:
            for spool, piece in zip(spools, writer.pieces(resource), strict=True):
                spool.write(piece)
        out = io.BytesIO()
        writer.assemble(head, spools, out)
        return out.getvalue()


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
    summary = data["summary"]
    writer = make_writer(
        fmt,
        mode=summary["mode"],
        detail=detail,
        only=summary.get("only", ()),
        baseline="baseline" in summary,
        width=width,
        color=color,
    )
    return render_with(writer, data)


def write(
    data: dict[str, Any], fmt: str, output: str | Path | None, *, detail: bool = False
) -> None:
    """Write the rendering of a report held in memory to ``output`` atomically, or to stdout
    when there is none."""
    if output is None and fmt == "xlsx":
        raise InputError("xlsx is binary: give an output file with -o", where="--format")
    width, color = terminal_text(fmt, output)
    payload = render(data, fmt, color=color, width=width, detail=detail)
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        with atomic_writer(output) as stream:
            stream.write(payload)
