"""One escaping rule per output format, shared by every writer.

Values come from resources, mapping files, dictionaries and samples: all of it is untrusted, so no
writer may emit a value that a reader would *run* (a spreadsheet formula, raw HTML, a terminal
control sequence). Every writer goes through the functions here; none escapes on its own.

The control-character rule is the same in every format: a C0/C1 control, DEL, or a bidi/line
separator override becomes a visible backslash escape (``\\x1b``, ``\\n``, ``\\u202e``), so a value
is shown, never obeyed, and a reader can still tell what the data held.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# C0 controls, DEL, C1 controls, and the Unicode overrides that reorder or break displayed text
# ("trojan source": RLO/LRO/isolates, line/paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character replaced by a visible escape (the common rule).

    ``keep_newlines`` keeps ``\n`` as a line break, for writers whose cells may legitimately
    span lines (a multi-line note in a workbook or CSV); every other control is still escaped.
    """
    if _CONTROL.search(text) is None:
        return text
    if keep_newlines and "\n" in text:
        return "\n".join(_CONTROL.sub(_escape_control, part) for part in text.split("\n"))
    return _CONTROL.sub(_escape_control, text)


def _text(value: Any, keep_newlines: bool = False) -> str:
    return visible(value if isinstance(value, str) else str(value), keep_newlines=keep_newlines)


def for_terminal(value: Any) -> str:
    """Text for a terminal or a plain-text report: controls escaped, so ESC/BEL/CR from data can
    neither move the cursor, set a window title nor overwrite a line."""
    return _text(value)


# What a JSON string may hold raw (JSON escapes only C0, quote and backslash) but a terminal
# may obey or break a line on: DEL, the C1 controls (CSI 0x9b acts like ESC [) as UTF-8, and
# U+2028/U+2029.
_JSON_RAW_CONTROL = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]")


def json_for_terminal(data: bytes) -> bytes:
    """UTF-8 JSON bytes on their way to a terminal: DEL, C1 and U+2028/2029 written as ``\\u``
    escapes. A JSON parser reads the same data back; a terminal never receives them raw. JSON
    written to a file or a pipe is left as it is."""
    return _JSON_RAW_CONTROL.sub(lambda m: b"\\u%04x" % ord(m.group().decode()), data)


def for_html(value: Any) -> str:
    """HTML text content or attribute value: entities escaped (quotes too) and controls visible."""
    import html  # html brings html.entities: ~1.3 ms of every command's start-up otherwise

    return html.escape(_text(value), quote=True)


# A plain signed number: data, not a formula or a list marker, in every format.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

# Characters that start Markdown (or inline HTML) syntax: escaping them all means no value can
# open a link, an image, an autolink (`<javascript:...>`), emphasis, code or a table cell.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MARKDOWN_LINE_START = re.compile(r"^([#+\-=])")


def for_markdown(value: Any, *, breaks: bool = False) -> str:
    """A Markdown table cell or inline text: raw HTML escaped as entities, Markdown syntax
    backslash-escaped, controls visible. The result renders as the literal value.

    ``breaks`` renders each line break as ``<br>`` (a table cell cannot hold a newline)."""
    if breaks:
        return "<br>".join(for_markdown(line) for line in _text(value, True).split("\n"))
    import html

    # quotes stay as they are: without a "<" no tag (and so no attribute) can open, and
    # `use = 'usual'` reads better raw than `use = &#x27;usual&#x27;`
    text = html.escape(_text(value), quote=False)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # A leading "-"/"+" only starts a list before a space; a signed number is plain data.
    return text if _NUMBER.fullmatch(text) else _MARKDOWN_LINE_START.sub(r"\\\1", text)


# Spreadsheet programs treat a cell that starts with one of these as a formula (CSV import,
# and paste into a cell); "\t"/"\r" are already escaped by visible().
_FORMULA_START = ("=", "+", "-", "@")


def for_csv(value: Any, *, keep_newlines: bool = False) -> str:
    """A CSV field: controls visible and a leading formula character neutralised with an
    apostrophe (OWASP's rule), except for a plain signed number, which is data. The csv module
    quotes a field with a line break, so ``keep_newlines`` may keep them."""
    if value is None:
        return ""
    text = _text(value, keep_newlines)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def xlsx_value(value: Any, *, keep_newlines: bool = False) -> Any:
    """A value for an openpyxl cell: numbers, booleans and None pass through; everything else is
    text with controls visible (openpyxl refuses most controls and would raise; a wrapped cell
    may keep its line breaks). Assigning the result may still make a formula cell: use
    :func:`set_cell` or :func:`append_row`."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return _text(value, keep_newlines)


def set_cell(cell: Any, value: Any, *, keep_newlines: bool = False) -> Any:
    """Put ``value`` in an openpyxl cell as data: a string that starts with ``=`` is stored as text
    (data type ``s``), never as a formula. Returns the cell."""
    cell.value = xlsx_value(value, keep_newlines=keep_newlines)
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append`` for data rows, with every cell stored by :func:`set_cell` rules. Works for
    normal and write-only worksheets."""
    row = [xlsx_value(v) for v in values]
    if any(isinstance(v, str) and v.startswith("=") for v in row):
        from openpyxl.cell import WriteOnlyCell

        if getattr(sheet, "_cells", None) is None or type(sheet).__name__ == "WriteOnlyWorksheet":
            cells = []
            for v in row:
                cell = WriteOnlyCell(sheet, value=v)
                if cell.data_type == "f":
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
            return
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
        return
    sheet.append(row)


def formula_cells(book: Any) -> list[str]:
    """Coordinates of every formula cell in an openpyxl workbook (for tests and self-checks)."""
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{sheet.title}!{cell.coordinate}")
    return found
