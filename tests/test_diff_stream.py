"""The streamed diff: reports written resource by resource equal the in-memory rendering, any
number of jobs gives the same bytes, inputs are read lazily, and a fetch folder left mid-install
by a crash is read as one complete fetch."""

from __future__ import annotations

import io
import json
import os
import time

import orjson
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bbmigrate.cli import main
from bbmigrate.client import layout
from bbmigrate.client.layout import write_beneficiary
from bbmigrate.client.manifest import Manifest, VersionResult
from bbmigrate.diff import DiffOptions, diff_paths, report_dict
from bbmigrate.diff.filters import Accept, DiffConfig
from bbmigrate.diff.inputs import index_side, plan_pairs
from bbmigrate.diff.render import FORMATS, make_writer, render
from bbmigrate.diff.stream import Target, run_diff
from bbmigrate.errors import InputError
from bbmigrate.jsonio import dumps
from bbmigrate.ordered_pool import OrderedPool
from bbmigrate.resources import samples_dir

SAMPLE = sorted(p for p in samples_dir().iterdir() if (p / "v1").is_dir())[0]


def _copies(tmp_path, n: int):
    """The sample beneficiary's resources ``n`` times over (ids suffixed), as NDJSON sides."""
    for side in ("v1", "v2"):
        out = tmp_path / "many" / side
        out.mkdir(parents=True)
        with (out / "all.ndjson").open("wb") as stream:
            for k in range(n):
                for doc in _resources(SAMPLE / side):
                    stream.write(orjson.dumps({**doc, "id": f"{doc['id']}-c{k}"}) + b"\n")
    return tmp_path / "many"


def _resources(folder):
    for file in sorted(folder.glob("*.json")):
        doc = orjson.loads(file.read_bytes())
        if doc.get("resourceType") == "Bundle":
            yield from (entry["resource"] for entry in doc["entry"])
        elif "id" in doc and "resourceType" in doc:
            yield doc


def _cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


def _all_formats(tmp_path, name: str, *, mapped: bool, detail: bool, jobs: int, **kwargs):
    """Every format of one diff of ``many/``, written by one streamed run."""
    mode = "mapped" if mapped else "diff"
    targets = [
        Target(make_writer(fmt, mode=mode, detail=detail, **kwargs), tmp_path / f"{name}.{fmt}")
        for fmt in FORMATS
    ]
    if "only" in kwargs:
        kwargs["only"] = frozenset(kwargs["only"])
    config = DiffConfig(accept=(Accept("$.identifier", "ids change", frozenset()),))
    outcome = run_diff(
        tmp_path / "many",
        None,
        DiffOptions(mapped=mapped, config=config),
        targets,
        jobs=jobs,
        chunk=5,
        fail_kinds=frozenset({"changed", "differs"}),
        **kwargs,
    )
    return {fmt: (tmp_path / f"{name}.{fmt}").read_bytes() for fmt in FORMATS}, outcome


@pytest.mark.parametrize("mapped", [False, True])
def test_two_jobs_write_the_same_bytes_as_one_in_every_format(tmp_path, mapped):
    _copies(tmp_path, 1)  # 21 pairs: 5 chunks of 5, handed out to two workers
    # records listed: the kinds that are few (every record of a big sheet costs time here)
    only = ("changed", "differs", "extra")
    one, first = _all_formats(tmp_path, "one", mapped=mapped, detail=True, jobs=1, only=only)
    two, second = _all_formats(tmp_path, "two", mapped=mapped, detail=True, jobs=2, only=only)
    assert first.chunks == second.chunks == 5
    for fmt in FORMATS:
        if fmt == "xlsx":  # a zip stamps its members with the time: compare what it holds
            assert _cells(one[fmt]) == _cells(two[fmt])
            assert len(_cells(one[fmt])["Records"]) > 20
        else:
            assert one[fmt] == two[fmt], fmt
    assert first.tally.failures == second.tally.failures and first.tally.failures
    assert first.tally.failing_resources == second.tally.failing_resources > 0
    data = json.loads(one["json"])
    assert data["summary"]["accepted"] > 0 and len(data["resources"]) == 21


@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_report_equals_the_in_memory_rendering(tmp_path, fmt):
    """The CLI streams; ``render`` of ``report_dict`` renders a report held in memory: one
    writer serves both, so they agree byte for byte (JSON also with the golden files' API)."""
    out = tmp_path / f"r.{fmt}"
    args = ["diff", str(SAMPLE), "--format", fmt, "-o", str(out), "--quiet", "--detail"]
    args += ["--only", "changed", "--redact"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report, pairs = diff_paths(SAMPLE)
    only = frozenset({"changed"})
    expected = render(report_dict(report, pairs, only=only, redact=True), fmt, detail=True)
    if fmt == "xlsx":
        assert _cells(out.read_bytes()) == _cells(expected)
    else:
        assert out.read_bytes() == expected


def test_the_json_frame_matches_one_whole_document_also_without_resources(tmp_path):
    head = {"summary": {"mode": "diff", "counts": {}}, "groups": [{"kind": "moved"}]}
    resources = [{"resourceType": "Patient", "id": "a", "changes": [{"v": [1, {"x": None}]}]}]
    for data in ({**head, "resources": []}, {**head, "resources": resources * 2}):
        assert render(data, "json") == dumps(data) + b"\n"


def test_a_baseline_with_nothing_new_is_one_line(tmp_path):
    base = tmp_path / "base.json"
    made = CliRunner().invoke(main, ["diff", str(SAMPLE), "--format", "json", "-o", str(base)])
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(main, ["diff", str(SAMPLE), "--baseline", str(base), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 and "0 records not in baseline" in result.stdout


def test_sides_are_indexed_not_held(tmp_path):
    """An NDJSON side is kept as line offsets; a resource is parsed when its pair is read."""
    many = _copies(tmp_path, 3)
    index = index_side(many / "v1")
    assert len(index) == 63
    assert all(spot.data is None and spot.length > 0 for spot in index.values())
    plan = plan_pairs(many)
    first = next(plan.read())
    assert first.v1 is not None and first.v2 is not None
    assert (first.resource_type, first.id) == (plan.pairs[0].resource_type, plan.pairs[0].id)
    # a JSON (not NDJSON) side keeps each resource's compact bytes
    assert all(spot.data is not None for spot in index_side(SAMPLE / "v1").values())


class _Crash(BaseException):
    """A kill between two renames of an install (BaseException: nothing catches it)."""


def _fetch(out, run: str) -> None:
    docs = {
        v: {"Coverage": {"resourceType": "Coverage", "id": "c1", "status": run}}
        for v in ("v1", "v2")
    }
    versions = {v: VersionResult(v) for v in docs}
    write_beneficiary(out, docs, Manifest("http://127.0.0.1:1", versions, {}, [], "s", "f", 0.0))


def _crash_at(monkeypatch, number: int) -> None:
    """Make the install stop just before its rename number ``number`` (from 0)."""
    calls = []

    def rename(src, dst):
        if len(calls) == number:
            raise _Crash
        calls.append(dst)
        os.rename(src, dst)

    monkeypatch.setattr(layout, "_rename", rename)


def _status_records(out) -> list[tuple]:
    result = CliRunner().invoke(main, ["diff", str(out), "--json", "--quiet", "--no-mapping"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)["resources"][0]["changes"]
    return [(c["kind"], c["v1_value"], c["v2_value"]) for c in records if c["v1_path"] == "status"]


@pytest.mark.parametrize("crash_at", [0, 1, 2, 3, 4, 5])
def test_a_fetch_folder_left_mid_install_is_read_as_one_complete_fetch(
    tmp_path, monkeypatch, crash_at
):
    out = tmp_path / "bene"
    _fetch(out, "old")
    _crash_at(monkeypatch, crash_at)
    with pytest.raises(_Crash):
        _fetch(out, "new")  # v1 swapped, v2 not yet, manifest not yet... by crash point
    monkeypatch.undo()
    # one fetch on both sides, never old v1 against new v2: the install is rolled forward
    assert _status_records(out) == [("same", "new", "new")]
    assert [p.name for p in tmp_path.iterdir()] == ["bene"]


def test_a_fetch_still_being_written_is_left_alone_and_the_old_one_is_read(tmp_path):
    out = tmp_path / "bene"
    _fetch(out, "old")
    staging = tmp_path / ".bene.fetch-abc123"  # no journal: it has not touched the folder
    (staging / "v1").mkdir(parents=True)
    (staging / "v1" / "Coverage.json").write_text('{"resourceType": "Coverage", "id": "c1"}')
    assert _status_records(out) == [("same", "old", "old")]
    assert (staging / "v1" / "Coverage.json").exists()  # maybe a live fetch: not ours to remove


def _slow_square(n: int) -> int:
    time.sleep(0.02 * (n % 3))  # later chunks often finish first
    if n == 13:
        raise InputError("cannot read", where=f"chunk {n}")
    return n * n


def test_the_ordered_pool_keeps_input_order_and_raises_a_workers_error_at_its_chunk():
    with OrderedPool(_slow_square, 2) as pool:
        assert list(pool.map(range(13))) == [n * n for n in range(13)]
    seen = []
    with pytest.raises(InputError) as caught, OrderedPool(_slow_square, 2) as pool:
        seen.extend(pool.map(range(20)))
    assert str(caught.value) == "chunk 13: cannot read"  # the place survives the trip back
    assert seen == [n * n for n in range(13)]  # every chunk before it, in order, none after


def test_the_jobs_option_gives_the_same_json_and_exit_status():
    args = ["diff", str(SAMPLE), "--json", "--quiet", "--fail-on", "changed"]
    one = CliRunner().invoke(main, args)
    two = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout and json.loads(two.stdout)["summary"]["resources"] == 21
    # --quiet drops progress and the summary, never the reason a gate failed
    assert one.stderr == two.stderr and one.stderr.startswith("diff: FAILED: ")
    assert one.stderr.count("\n") == 1
