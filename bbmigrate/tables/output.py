"""Write the comparison tables in one or all formats, and tell whether written files are stale.

Staleness compares *content* (cell values, CSV rows, Markdown text), never bytes: an ``.xlsx``
is a zip whose members carry timestamps, so two identical workbooks differ byte for byte.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..jsonio import shared_mode, write_bytes_atomic
from .excel import read_values, workbook_bytes
from .html_page import html_text
from .rows import ComparisonTables
from .text_formats import csv_text, markdown_text, read_csv_rows

BASENAME = "bb2-v1-v2-comparison"
DEFAULT_DIR = Path("comparison_tables")
FORMATS: dict[str, str] = {"xlsx": ".xlsx", "csv": ".csv", "markdown": ".md", "html": ".html"}
_TEXT = {"csv": csv_text, "markdown": markdown_text, "html": html_text}
_CONTENT = {
    "xlsx": workbook_bytes,
    **{fmt: (lambda tables, f=f: f(tables).encode("utf-8")) for fmt, f in _TEXT.items()},
}


def default_path(fmt: str, directory: Path = DEFAULT_DIR) -> Path:
    return directory / f"{BASENAME}{FORMATS[fmt]}"


def write_tables(tables: ComparisonTables, fmt: str, path: str | Path) -> Path:
    """Write ``tables`` as ``fmt`` (xlsx, csv, markdown or html) to ``path``, atomically."""
    write_bytes_atomic(path, _CONTENT[fmt](tables), mode=shared_mode())
    return Path(path)


def write_all(
    tables: ComparisonTables,
    directory: str | Path = DEFAULT_DIR,
    formats: tuple[str, ...] = tuple(FORMATS),
) -> list[Path]:
    """Write every format (or ``formats``) into ``directory`` under the standard file names."""
    return [write_tables(tables, fmt, default_path(fmt, Path(directory))) for fmt in formats]


def _content(fmt: str, data: bytes | str | Path) -> Any:
    if fmt == "xlsx":
        return read_values(io.BytesIO(data) if isinstance(data, bytes) else data)
    text = data.read_text(encoding="utf-8") if isinstance(data, Path) else str(data)
    return read_csv_rows(text) if fmt == "csv" else text


def fresh_content(tables: ComparisonTables, fmt: str) -> Any:
    """What a file of format ``fmt`` written now would contain."""
    if fmt == "xlsx":
        return _content(fmt, workbook_bytes(tables))
    return _content(fmt, _TEXT[fmt](tables))


def is_stale(tables: ComparisonTables, fmt: str, path: str | Path) -> bool:
    """True when ``path`` is missing or its content differs from ``tables`` written as ``fmt``."""
    path = Path(path)
    try:
        return not path.is_file() or _content(fmt, path) != fresh_content(tables, fmt)
    except InputError:
        return True  # an unreadable file (a truncated workbook...) needs regenerating too


def stale_files(tables: ComparisonTables, directory: str | Path = DEFAULT_DIR) -> list[str]:
    """Standard files in ``directory`` that are missing or differ in content from ``tables``."""
    paths = [default_path(fmt, Path(directory)) for fmt in FORMATS]
    return [str(p) for fmt, p in zip(FORMATS, paths, strict=True) if is_stale(tables, fmt, p)]
