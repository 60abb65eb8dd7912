"""The parent of ``map --workers`` hands out byte ranges, not bytes: the workers read their own
chunks (:func:`~bbmigrate.mapping.ndjson.spans`) and write their own output parts. The cuts, the
line numbers and the output must be those of one process."""

from __future__ import annotations

import io
import os
from pathlib import Path

import orjson
import pytest

from bbmigrate.errors import InputError
from bbmigrate.jsonio import open_ndjson
from bbmigrate.mapping import load_mappings, map_file, ndjson
from bbmigrate.mapping.ndjson import chunks, spans
from bbmigrate.mapping.parallel import ChunkResult

CASES = {
    "lines": b"a\nbb\nccc\n\ndddd\n",
    "no final newline": b"a\nbb\nccc",
    "a line longer than a block": b"x" * 50 + b"\n" + b"y" * 3 + b"\n" + b"z" * 40,
    "blank lines at the end": b"aa\nbb\n\n\n",
    "only newlines": b"\n\n\n",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("size", [1, 2, 7, 16, 1000])
def test_spans_cut_where_chunks_cut(tmp_path, name, size):
    path = tmp_path / "in.ndjson"
    path.write_bytes(CASES[name])
    with open(path, "rb") as stream:
        expected = [(c.first, c.data) for c in chunks(stream, "in", size=size)]
    with open(path, "rb") as stream:
        got = list(spans(stream, "in", size=size))
    assert [(c.first, c.span is not None) for c in got] == [(0, True)] * len(expected)
    assert [c.read() for c in got] == [data for _, data in expected]
    # the line numbers the parent counts from the workers' data are those chunks() gives
    first, firsts = 1, []
    for chunk in got:
        firsts.append(first)
        first += chunk.read().count(b"\n") + 1
    assert firsts == [f for f, _ in expected]


def test_spans_of_a_gzip_or_a_pipe_carry_their_bytes(tmp_path):
    import gzip

    path = tmp_path / "in.ndjson.gz"
    path.write_bytes(gzip.compress(b"a\nb\n"))
    with open_ndjson(path) as stream:  # its fileno() is the compressed file's
        got = list(spans(stream, "in", size=1))
    assert [(c.first, c.data, c.span) for c in got] == [(1, b"a", None), (2, b"b", None)]
    read, write = os.pipe()
    os.write(write, b"a\nb\n")
    os.close(write)
    with os.fdopen(read, "rb") as stream:
        assert [c.data for c in spans(stream, "pipe", size=1)] == [b"a", b"b"]


def test_a_span_of_a_replaced_file_is_one_input_error(tmp_path):
    path = tmp_path / "in.ndjson"
    path.write_bytes(b"a\nb\n")
    with open(path, "rb") as stream:
        first = next(spans(stream, str(path), size=1))
    other = tmp_path / "new.ndjson"
    other.write_bytes(b"a\nb\n")  # same bytes, another file (made while the first exists)
    other.replace(path)
    with pytest.raises(InputError, match="changed while it was being mapped"):
        first.read()


def test_relocated_places_keep_what_follows_the_line_number():
    result = ChunkResult(
        failures=[
            {"where": "f.ndjson:3: entry[2]", "error": "x"},
            {"where": "f.ndjson:12", "error": "y"},
            {"where": "other:4", "error": "z"},  # not this input's: left alone
        ],
        error=(InputError, "bad", "f.ndjson:7: entry[0]: item[1]"),
    )
    result.relocate("f.ndjson", 101)
    assert [f["where"] for f in result.failures] == [
        "f.ndjson:103: entry[2]",
        "f.ndjson:112",
        "other:4",
    ]
    assert result.error == (InputError, "bad", "f.ndjson:107: entry[0]: item[1]")


def test_bundle_lines_failing_in_workers_name_the_file_line_and_entry(tmp_path, monkeypatch):
    monkeypatch.setattr(ndjson, "CHUNK_BYTES", 64)
    eob = {"resourceType": "ExplanationOfBenefit", "id": "e", "type": {"coding": []}}
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": eob}, {}]}
    src = tmp_path / "in.ndjson"
    src.write_bytes(b"\n".join([orjson.dumps(bundle)] * 5) + b"\n")
    reports = []
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}.ndjson"
        report = map_file(src, out, mappings=load_mappings(), workers=workers, keep_going=True)
        reports.append((out.read_bytes(), report.to_dict()["failures"]))
    assert reports[0] == reports[1]
    wheres = [f["where"] for f in reports[1][1]]
    assert f"{src}:5: entry[1]" in wheres and all(w.startswith(f"{src}:") for w in wheres)
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == [
        "in.ndjson",
        "out-1.ndjson",
        "out-2.ndjson",
    ]  # no part files left beside the output


@pytest.mark.parametrize("kernel", ["copy_file_range", "a kernel that refuses", "no fileno"])
def test_a_part_is_appended_after_what_the_writer_buffered(tmp_path, monkeypatch, kernel):
    # The parent appends each worker's part file in the kernel (copy_file_range): whatever the
    # buffered output writer holds must land first, and a refusal falls back to a plain copy.
    part = tmp_path / "part"
    part.write_bytes(b"".join(b'{"n": %d}\n' % n for n in range(50_000)))
    expected = b"head\n" + part.read_bytes() + b"tail\n"
    if kernel == "a kernel that refuses":

        def refuse(*_args):
            raise OSError(38, "Function not implemented")

        monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    if kernel == "no fileno":
        sink = io.BytesIO()
        sink.write(b"head\n")
        assert ChunkResult(part=str(part)).write_to(sink) == len(expected) - 10
        sink.write(b"tail\n")
        written = sink.getvalue()
    else:
        out = tmp_path / "out"
        with out.open("wb") as sink:
            sink.write(b"head\n")  # still in the writer's buffer
            assert ChunkResult(part=str(part)).write_to(sink) == len(expected) - 10
            sink.write(b"tail\n")
        written = out.read_bytes()
    assert written == expected
    assert not part.exists()  # taken, then removed
