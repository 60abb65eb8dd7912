"""V1/V2 comparison tables generated from the mapping model (Excel, CSV, Markdown)."""

from __future__ import annotations

from .rows import HEADERS, SHEETS, ComparisonTables, TableRow

__all__ = ["HEADERS", "SHEETS", "ComparisonTables", "TableRow"]
