"""An NDJSON chunk is mapped grouped by kind (claim type), written in file order, and reports a
failure exactly as mapping in file order does."""

from __future__ import annotations

import orjson
import pytest

from bbmigrate.mapping import files, load_mappings, map_resource, parallel
from bbmigrate.mapping.ndjson import Chunk

from .engine_pair import sample_resources

_LINE = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE


def _interleaved(count: int) -> list[dict]:
    """``count`` sample resources, kinds interleaved as in a mixed export (distinct ids)."""
    docs = sample_resources()
    by_kind: dict[str, list[dict]] = {}
    for doc in docs:
        by_kind.setdefault(str(doc["id"]).split("-")[0], []).append(doc)
    kinds = sorted(by_kind)
    out = []
    for i in range(count):
        pool = by_kind[kinds[i % len(kinds)]]
        doc = dict(pool[(i // len(kinds)) % len(pool)])
        doc["id"] = f"{doc['id']}-{i}"
        out.append(doc)
    return out


def _chunk(lines: list[bytes]) -> Chunk:
    return Chunk("in.ndjson", 1, b"\n".join(lines))


def _in_file_order(monkeypatch, mapping, chunk: Chunk, **options) -> parallel.ChunkResult:
    with monkeypatch.context() as patch:
        patch.setattr(parallel, "_map_grouped", lambda *_: None)
        return parallel.map_chunk(mapping, chunk, **options)


def test_lines_are_mapped_grouped_by_kind_and_written_in_file_order(monkeypatch):
    mapping = load_mappings()
    docs = _interleaved(40)
    hints = [str(doc["id"]).split("-")[0] for doc in docs]
    assert len(set(hints)) >= 5 and hints != sorted(hints)  # really interleaved
    seen: list[str] = []
    real = files.map_resource

    def spy(resource, **kw):
        seen.append(str(resource["id"]).split("-")[0])
        return real(resource, **kw)

    monkeypatch.setattr(files, "map_resource", spy)
    result = parallel.map_chunk(
        mapping, _chunk([orjson.dumps(d) for d in docs]), keep_going=False, list_unmapped=False
    )
    assert result.error is None and result.mapped == len(docs)
    # mapped one kind after another (a stable sort: file order within a kind) ...
    assert seen == sorted(hints)
    # ... and written in file order, each line the mapping of the same input line
    expected = b"".join(orjson.dumps(map_resource(d, mappings=mapping), option=_LINE) for d in docs)
    assert result.data == expected


@pytest.mark.parametrize("keep_going", [False, True])
def test_a_failing_line_reports_as_in_file_order(monkeypatch, keep_going):
    mapping = load_mappings()
    lines = [orjson.dumps(d) for d in _interleaved(24)]
    lines[5] = b'{"resourceType": "ExplanationOfBenefit", oops'  # malformed JSON
    lines[17] = orjson.dumps({"resourceType": "ExplanationOfBenefit", "id": "nope-17"})
    chunk = _chunk(lines)
    options = {"keep_going": keep_going, "list_unmapped": False}
    calls: list[str] = []
    real = files.map_resource

    def spy(resource, **kw):
        calls.append(resource["id"])
        return real(resource, **kw)

    with monkeypatch.context() as patch:
        patch.setattr(files, "map_resource", spy)
        grouped = parallel.map_chunk(mapping, chunk, **options)
    in_order = _in_file_order(monkeypatch, mapping, chunk, **options)
    assert grouped == in_order
    if keep_going:
        assert [f["where"].split(":")[1] for f in grouped.failures] == ["6", "18"]
        assert grouped.mapped == 22
        # failures are noted in the grouped pass: no line is mapped twice
        assert len(calls) == len(set(calls)) == 23
    else:
        assert grouped.error is not None and grouped.error[2].startswith("in.ndjson:6")


def test_a_chunk_without_kind_hints_keeps_file_order(monkeypatch):
    mapping = load_mappings()
    docs = _interleaved(16)
    for doc in docs:
        doc["id"] = str(doc["id"]).replace("-", "")  # no hint: every key is empty
    seen: list[str] = []
    real = files.map_resource

    def spy(resource, **kw):
        seen.append(resource["id"])
        return real(resource, **kw)

    monkeypatch.setattr(files, "map_resource", spy)
    result = parallel.map_chunk(
        mapping, _chunk([orjson.dumps(d) for d in docs]), keep_going=False, list_unmapped=False
    )
    assert result.error is None and seen == [doc["id"] for doc in docs]


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        (b'{"resourceType":"ExplanationOfBenefit","id":"carrier-123","a":1}', b"carrier"),
        (b'{"id": "part-a-99", "resourceType": "Coverage"}', b"part"),
        (b'{"resourceType":"Patient","id":"-19990000000001"}', b""),
        (b'{"resourceType":"Patient","id":"12345"}', b""),
        (b'{"resourceType":"Patient","id":12345,"name":"x-y"}', b""),
        (b'{"resourceType":"Patient","identifier":[{"value":"a-b"}]}', b""),
        (b'{"resourceType":"Patient","id":"ab"}{"x":"c-d"}', b""),
        (b"", b""),
    ],
)
def test_kind_hint_reads_the_raw_line_only_as_far_as_the_id(line, hint):
    assert parallel._kind_hint(line) == hint
