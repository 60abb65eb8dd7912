"""Issue #10 point 9: property-based fuzzing of map, diff, validate and the snapshot normaliser.

Hypothesis generates hostile JSON: odd types where resources are expected, deep nesting, big
numbers, control characters, formula prefixes, raw HTML, duplicate keys, BOMs, truncation and
bytes that are not UTF-8. Whatever comes in, each command must end with exit 0, 1 or 2, never a
traceback; a failure is one line and writes nothing; a report carries no formula cell and no raw
control character. The ``ci`` profile (tests/safety/conftest.py) fixes the seed and the count.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook
from safety_data import (
    BENE,
    HOSTILE,
    assert_html_inert_tags,
    assert_json_inert,
    assert_markdown_inert_tags,
    assert_no_raw_control,
)

from bbmigrate.cli import main
from bbmigrate.errors import InputError
from bbmigrate.escaping import formula_cells
from bbmigrate.resources import samples_dir
from bbmigrate.snapshot.normalize import normalize

# -- hostile JSON ----------------------------------------------------------------------------
_PREFIXES = ("=", "+", "-", "@", "\ufeff", "\x1b[", "\x1b]0;", "<script>", "javascript:", "\r")
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=24),  # controls included
    st.builds(str.__add__, st.sampled_from(_PREFIXES), st.text(max_size=12)),
)
KEYS = st.one_of(
    st.sampled_from(
        (
            "resourceType",
            "id",
            "meta",
            "lastUpdated",
            "entry",
            "resource",
            "extension",
            "url",
            "valueString",
            "valueCoding",
            "code",
            "system",
            "display",
            "name",
            "family",
            "given",
            "identifier",
            "value",
            "type",
            "item",
            "billablePeriod",
            "start",
            "status",
            "patient",
            "reference",
            "coding",
            "text",
        )
    ),
    TEXT,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # past 64 bits too
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=20,
)
TYPES = ("Patient", "Coverage", "ExplanationOfBenefit", "Observation", "x\x1b[2J", "")
RESOURCE = st.builds(
    lambda body, rtype, rid: {**body, "resourceType": rtype, "id": rid},
    st.dictionaries(KEYS, JSON, max_size=6),
    st.sampled_from(TYPES),
    st.one_of(st.just("1"), TEXT),
)
BUNDLE = st.builds(
    lambda entries: {"resourceType": "Bundle", "type": "searchset", "entry": entries},
    st.lists(st.one_of(st.builds(lambda r: {"resource": r}, RESOURCE), JSON), max_size=3),
)
DOCUMENT = st.one_of(RESOURCE, BUNDLE, JSON)


def _nest(text: str, depth: int) -> str:
    """``text`` as the innermost value of ``depth`` nested extensions of a Patient."""
    return (
        '{"resourceType": "Patient", "id": "deep", "extension": '
        + '[{"url": "u", "extension": ' * depth
        + text
        + "}]" * depth
        + "}"
    )


@st.composite
def input_files(draw) -> tuple[bytes, str]:
    """The bytes of one input file and its suffix, after a hostile transformation."""
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter: NDJSON of a few documents
        docs = draw(st.lists(st.one_of(RESOURCE, JSON), min_size=1, max_size=3))
        return "\n".join(json.dumps(d) for d in docs).encode() + b"\n", ".ndjson"
    text = json.dumps(draw(DOCUMENT), ensure_ascii=draw(st.booleans()))
    how = draw(
        st.sampled_from(
            ("plain", "bom", "duplicate", "deep", "wide", "truncated", "latin1", "control")
        )
    )
    if how == "bom":
        text = "\ufeff" + text
    elif how == "duplicate" and text.startswith("{") and len(text) > 2:
        text = '{"id": "first", "resourceType": "Patient", ' + text[1:]
    elif how == "deep":
        text = _nest(text, draw(st.integers(min_value=90, max_value=1100)))
    elif how == "wide":  # size: many elements and a long value
        value = draw(TEXT) * draw(st.integers(min_value=1, max_value=500))
        names = [{"family": value, "given": [value]}] * draw(st.integers(50, 300))
        text = json.dumps({"resourceType": "Patient", "id": "wide", "name": names})
    elif how == "truncated":
        text = text[: draw(st.integers(min_value=0, max_value=max(0, len(text) - 1)))]
    elif how == "latin1":
        return text.encode() + b'\xff"\xe9', ".json"
    elif how == "control":
        text = text.replace('"', '"\x1b[2J', 1)  # a raw control inside a JSON string: invalid
    return text.encode(), ".json"


# -- the properties --------------------------------------------------------------------------
def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _check_ending(result: Result, out_dir: Path) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert_no_raw_control(result.stderr, "stderr")
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("bbmigrate: error: "), result.stderr
        assert result.stdout == ""
        assert list(out_dir.iterdir()) == [], "a failed run left output behind"


def _check_report(path: Path, fmt: str) -> None:
    if not path.exists():
        return
    if fmt == "xlsx":
        book = load_workbook(path)
        assert formula_cells(book) == []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str):
                        assert_no_raw_control(value, "xlsx cell")
        return
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        assert_json_inert(text, "JSON report")
        return
    assert_no_raw_control(text, fmt)
    if fmt == "html":
        assert_html_inert_tags(text)
    elif fmt == "markdown":
        assert_markdown_inert_tags(text)


def _workspace(data: bytes, suffix: str) -> tuple[tempfile.TemporaryDirectory, Path, Path]:
    tmp = tempfile.TemporaryDirectory()
    root = Path(tmp.name)
    source = root / f"input{suffix}"
    source.write_bytes(data)
    (root / "out").mkdir()
    return tmp, source, root / "out"


@given(input_files())
# found by the explore profile: U+0085 (NEL) inside a string of an NDJSON line
@example(file=(b'{"meta": {"x": "\\u0085"}, "resourceType": "Patient", "id": "1"}\n', ".ndjson"))
def test_map_survives_hostile_input(file):
    tmp, source, out = _workspace(*file)
    with tmp:
        result = _invoke("map", str(source), "-o", str(out / f"mapped{source.suffix}"))
        _check_ending(result, out)
        for path in out.iterdir():
            assert not path.name.startswith("."), "a temporary file was left"
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".ndjson":
                for line in text.split("\n")[:-1]:  # not splitlines(): U+0085 is data
                    assert_json_inert(line, "mapped NDJSON")
            else:
                assert_json_inert(text, "mapped JSON")


@given(input_files(), st.sampled_from(("text", "json", "xlsx")))
# found by the explore profile: a resource type with ESC reached the xlsx Summary sheet raw
@example(file=(b'{"resourceType": "x\\u001b[2J", "id": "1"}', ".json"), fmt="xlsx")
def test_validate_survives_hostile_input(file, fmt):
    tmp, source, out = _workspace(*file)
    with tmp:
        report = out / f"report.{fmt}"
        result = _invoke("validate", str(source), "--format", fmt, "-o", str(report))
        _check_ending(result, out)
        _check_report(report, fmt)


@given(
    input_files(),
    st.sampled_from(("text", "markdown", "html", "xlsx", "json")),
    st.booleans(),
)
def test_diff_survives_hostile_input(file, fmt, mapped):
    tmp, source, out = _workspace(*file)
    with tmp:
        side = "v1" if mapped else "v2"
        right = samples_dir() / BENE / "v2" / "Patient.json"
        left = source if mapped else samples_dir() / BENE / side / "Patient.json"
        report = out / f"report.{fmt}"
        args = ["diff", str(left), str(source if not mapped else right), "--format", fmt]
        result = _invoke(*args, *(["--mapped"] if mapped else []), "-o", str(report))
        _check_ending(result, out)
        _check_report(report, fmt)


@given(input_files())
def test_snapshot_normaliser_takes_any_bytes(file):
    data, _ = file
    try:
        normalize(data)
    except InputError as exc:
        assert "\n" not in str(exc)


@given(DOCUMENT)
def test_snapshot_normaliser_takes_any_document(document):
    try:
        normalized = normalize(document)
    except InputError as exc:  # data JSON cannot hold (an int past 64 bits): one line
        assert "\n" not in str(exc)
        return
    assert type(normalized) is type(document)
