"""How tall a spreadsheet row must be for its wrapped text.

Neither openpyxl nor LibreOffice's import sizes rows to wrapped text: without a height, the
wrapped lines overprint the next row, on screen and on paper. Every workbook writer sizes its
rows from this estimate.
"""

from __future__ import annotations


def wrapped_lines(text: str, width: float, *, per_width: float = 1.05, most: int = 30) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide: each of its lines at
    ``width * per_width`` characters a line (a slight overestimate), at most ``most``."""
    per_line = max(1, int(width * per_width))
    lines = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
    return max(1, min(lines, most))


def row_height(lines: int) -> float:
    """Points for ``lines`` lines of 10-11 pt text, with a little padding."""
    return 13 * lines + 2
