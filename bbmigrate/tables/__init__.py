"""V1/V2 comparison tables generated from the mapping model (Excel, CSV, Markdown)."""

from __future__ import annotations

from .build import build_tables
from .output import write_all, write_tables
from .rows import HEADERS, SHEETS, ComparisonTables, TableRow

__all__ = [
    "HEADERS",
    "SHEETS",
    "ComparisonTables",
    "TableRow",
    "build_tables",
    "write_all",
    "write_tables",
]
