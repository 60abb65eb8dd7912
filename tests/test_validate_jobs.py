"""``validate --jobs N`` gives byte-identical reports to one process (identity, not timing: the
speed-up is measured by ``benchmarks/bench_validate.py --jobs``)."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from bbmigrate.errors import InputError
from bbmigrate.resources import samples_dir
from bbmigrate.validate import Validator, parallel, render, validate_path, validate_resources
from bbmigrate.validate.aggregate import ReportTally
from bbmigrate.validate.inputs import input_bytes, iter_resources, iter_units


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator("2.0.0")


@pytest.fixture(scope="module")
def resources() -> list:
    # Every resource type of a sample beneficiary, repeated with distinct ids so that chunks
    # mix types and findings, and the last chunk is a partial one.
    base = list(iter_resources(samples_dir() / "-19990000009356" / "v2"))
    return [
        ({**resource, "id": f"{resource.get('id')}-{n}"}, f"{source}#{n}")
        for n in range(3)
        for resource, source in base
    ]


@pytest.mark.parametrize("jobs,chunk", [(2, 30_000), (3, 1)])
def test_jobs_give_byte_identical_reports(validator, resources, monkeypatch, jobs, chunk):
    monkeypatch.setattr(parallel, "_UNSIZED_BYTES", chunk)  # bytes a chunk (size unknown)
    one = validate_resources(iter(resources), validator, jobs=1)
    many = validate_resources(iter(resources), validator, jobs=jobs)
    assert one.findings, "the sample must give findings, or the comparison proves little"
    chunks = list(parallel._chunks(iter(resources), jobs, None))
    assert len(chunks) > 2 * jobs * parallel._IN_FLIGHT  # chunks queue up and drain
    for fmt in ("json", "text", "html"):
        assert render(one, fmt, must_support=True) == render(many, fmt, must_support=True), fmt
    assert one.must_support == many.must_support and one.summary == many.summary
    assert one == many  # findings compare as lists, kept as objects or as JSON items


class _Terminal:
    """stderr as a terminal, so that a progress bar (and its refresh thread) is shown."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.text.append(text)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the workers are forked only where fork exists")
def test_workers_are_forked_before_the_progress_bar_thread_starts(
    validator, resources, monkeypatch, tmp_path
):
    # A fork copies only the calling thread but every lock: a child forked while the bar's
    # refresh thread held one (stderr's) would hang on its first use of it.
    from bbmigrate.cli.common import progress

    path = tmp_path / "claims.ndjson"
    path.write_bytes(b"".join(orjson.dumps(resource) + b"\n" for resource, _ in resources))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    threads, forked = threading.active_count(), []
    real_fork = os.fork

    def fork() -> int:
        forked.append(threading.active_count())
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    report = validate_path(
        path,
        validator,
        jobs=2,
        wrap=lambda results: progress(results, total=None, label="validating", quiet=False),
    )
    # one worker: this process is the other job (OrderedPool's ``here``)
    assert forked == [threads]
    assert report.summary["resources"] == len(resources)
    assert any("validating" in text for text in terminal.text)  # the bar was shown


def test_merged_chunk_states_give_what_one_tally_gives(validator, resources):
    # What the parent does with the workers' chunks: the states cross a process boundary as
    # pickles and are merged in order; findings, summary and must-support come out the same.
    one = ReportTally(validator.profiles)
    parts = [ReportTally(validator.profiles) for _ in range(3)]
    for index, (resource, source) in enumerate(resources):
        result = validator.validate(resource, source=source)
        one.add(result)
        parts[index * len(parts) // len(resources)].add(result)
    merged = ReportTally(validator.profiles)
    for part in parts:
        merged.merge(pickle.loads(pickle.dumps(part.state())))
    assert merged.findings.items() == one.findings.items() and len(one.findings.items()) > 100
    assert merged.summary("2.0.0", True) == one.summary("2.0.0", True)
    assert merged.must_support.report() == one.must_support.report()


def test_a_worker_without_an_inherited_validator_builds_its_own(validator, monkeypatch):
    # What a spawn start (no fork) does: the initializer builds one Validator per worker.
    monkeypatch.setattr(parallel, "_WORKER", None)
    parallel._start_worker(("1.1.0", None, False))
    built = parallel._WORKER
    assert built is not None and built.ig == "1.1.0" and built.invariants is None
    parallel._start_worker(("1.1.0", None, False))
    assert parallel._WORKER is built  # once per worker, not per chunk
    packed = next(
        parallel._chunks(iter([({"resourceType": "Patient", "id": "x"}, "a.json")]), 2, None)
    )
    state, error = parallel._validate_chunk(pickle.loads(pickle.dumps(packed)))  # as sent
    assert error is None and state is not None
    rows = orjson.loads(b"[" + state[1] + b"]")
    assert state[0] == 1 and {row["resource"] for row in rows} == {"Patient/x"}


def test_findings_that_json_would_change_cross_as_tuples(validator):
    # A worker writes its findings as JSON items, which the parent decodes for the text, HTML
    # and xlsx reports: where JSON would change a value (NaN, an integer past 64 bits) the chunk
    # goes as tuples instead, and every format still matches one process.
    odd = [
        ({"resourceType": "Patient", "id": "n", "multipleBirthInteger": value}, f"p{n}.json")
        for n, value in enumerate([float("nan"), 2**70, 2.5, "x"])
    ]
    for resources, crosses in ((odd[:2], list), (odd[2:], bytes)):
        tally = ReportTally(validator.profiles)
        for resource, source in resources:
            tally.add(validator.validate(resource, source=source))
        state = pickle.loads(pickle.dumps(tally.state()))
        assert isinstance(state[1], crosses)
        merged = ReportTally(validator.profiles)
        merged.merge(state)
        assert repr(merged.findings.items()) == repr(tally.findings.items())  # NaN != NaN
    one = validate_resources(iter(odd), validator, jobs=1)
    many = validate_resources(iter(odd), validator, jobs=2)
    for fmt in ("text", "html"):
        assert render(one, fmt) == render(many, fmt), fmt


def _ndjson(tmp_path, resources, bad_line: int | None = None):
    path = tmp_path / "in.ndjson"
    with path.open("wb") as out:
        for number, (resource, _) in enumerate(resources, start=1):
            out.write(b"{not json\n" if number == bad_line else orjson.dumps(resource) + b"\n")
            if number % 7 == 0:
                out.write(b"\n")  # blank lines are skipped, and line numbers still count them
    return path


def test_ndjson_lines_parsed_in_the_workers_give_the_same_report(
    validator, resources, tmp_path, monkeypatch
):
    # Small byte shares, so that the input splits into many chunks of decreasing size.
    monkeypatch.setattr(parallel, "_MIN_BYTES", 2_000)
    path = _ndjson(tmp_path, resources)
    one = validate_path(path, validator, jobs=1)
    two = validate_path(path, validator, jobs=2)
    assert one.findings and {f.source.rsplit(":", 1)[0] for f in one.findings} == {str(path)}
    assert render(one, "json", must_support=True) == render(two, "json", must_support=True)


def test_a_bad_line_is_the_same_one_line_error_with_workers(
    validator, resources, tmp_path, monkeypatch
):
    monkeypatch.setattr(parallel, "_MIN_BYTES", 2_000)
    path = _ndjson(tmp_path, resources, bad_line=len(resources) - 2)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(InputError) as caught:
            validate_path(path, validator, jobs=jobs)
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and errors[0].startswith(f"{path}:")
    assert "invalid JSON" in errors[0]


def test_chunks_are_shares_of_what_is_left(monkeypatch):
    monkeypatch.setattr(parallel, "_MIN_BYTES", 1_000)
    units = [(b"x" * 99, f"f:{n}") for n in range(1_000)]  # 100 bytes a line with its newline
    chunks = list(parallel._chunks(iter(units), 2, 100_000))
    assert [unit for chunk in chunks for unit in parallel._unpack(chunk)] == units  # in order
    sizes = [len(chunk) for chunk in chunks]
    assert sizes[0] == 250  # a quarter of the input: what is left / (2 jobs x 2)
    assert sizes == sorted(sizes, reverse=True)  # then smaller and smaller ...
    assert sizes[-2] == 10  # ... down to the floor, so both workers finish together
    monkeypatch.setattr(parallel, "_UNSIZED_BYTES", 2_000)
    unknown = list(parallel._chunks(iter(units), 2, None))
    assert [len(chunk) for chunk in unknown] == [20] * 50  # 2,000 bytes each


def test_parsed_resources_are_sized_by_their_text_and_kept_for_this_process(monkeypatch):
    # A Bundle's or a JSON file's resources are already parsed: they are chunked by the size
    # of the text a worker is sent (not counted), and a chunk this process validates itself
    # uses the parsed objects as they are; the pickled chunk (a worker's) holds only text.
    monkeypatch.setattr(parallel, "_MIN_BYTES", 1_000)
    units = [
        ({"resourceType": "Patient", "id": f"p{n:03}", "note": "x" * n}, f"b.json#{n}")
        for n in range(400)
    ]
    size = sum(len(orjson.dumps(resource)) for resource, _ in units)
    chunks = list(parallel._chunks(iter(units), 2, size))
    kept = [unit for chunk in chunks for unit in parallel._unpack(chunk)]
    assert kept == units
    assert all(got is unit[0] for (got, _), unit in zip(kept, units, strict=True))  # not decoded
    sizes = [sum(len(text) for text, _, _ in chunk) for chunk in chunks]
    assert size // 4 <= sizes[0] < size // 4 + 1_000  # a share of the bytes, not of the count
    assert len(chunks[0]) > len(chunks[1])  # the later resources are larger
    sent = pickle.loads(pickle.dumps(chunks[0]))
    assert getattr(sent, "parsed", None) is None and isinstance(sent[0][0], bytes)
    assert list(parallel._unpack(sent)) == units[: len(chunks[0])]


def test_a_fetched_folder_splits_into_byte_shares_with_the_same_report(validator, monkeypatch):
    # A folder of Bundle pages (what `bbmigrate fetch` writes): its size is known, so its
    # parsed resources go in shares of the bytes left; the report is still one process's.
    folder = samples_dir() / "-19990000009356" / "v2"
    monkeypatch.setattr(parallel, "_MIN_BYTES", 4_000)
    monkeypatch.setattr(parallel, "_MAX_BYTES", 40_000)  # ~one EOB a chunk: many chunks
    size = input_bytes(folder)
    assert size is not None
    units = list(iter_units(folder))
    chunks = list(parallel._chunks(iter(units), 2, size))
    assert len(chunks) > 4 and all(isinstance(chunk.parsed[0], dict) for chunk in chunks)
    one = validate_path(folder, validator, jobs=1)
    two = validate_path(folder, validator, jobs=2)
    assert one.findings and one.summary["resources"] == len(units)
    assert render(one, "json", must_support=True) == render(two, "json", must_support=True)


def test_a_folder_of_json_files_is_sized_for_its_jobs(tmp_path):
    (tmp_path / "a.json").write_bytes(b'{"resourceType": "Patient", "id": "a"}')
    (tmp_path / "b.ndjson").write_bytes(b'{"resourceType": "Patient", "id": "b"}\n')
    assert input_bytes(tmp_path) == 38 + 39
    assert input_bytes(tmp_path / "a.json") == 38
    assert input_bytes("-") is None and input_bytes(tmp_path / "missing.json") is None


def test_empty_input(validator):
    report = validate_resources(iter([]), validator, jobs=2)
    assert report.summary["resources"] == 0 and json.loads(render(report, "json"))


@pytest.mark.parametrize("how", ["SIGTERM to the command", "Ctrl-C (SIGINT to the group)"])
def test_a_signal_mid_run_stops_the_workers_at_once(resources, tmp_path, how):
    # Before: Ctrl-C waited ~13 s for the running chunks, and after a SIGTERM to the command
    # its workers waited forever on a queue their siblings kept open.
    eobs = [r for r, _ in resources if r["resourceType"] == "ExplanationOfBenefit"]
    path = tmp_path / "many.ndjson"
    path.write_bytes(b"".join(orjson.dumps(eobs[n % len(eobs)]) + b"\n" for n in range(20_000)))
    out = tmp_path / "report.json"
    # 3 jobs: two workers (siblings) and the command itself
    command = [sys.executable, "-m", "bbmigrate", "validate", str(path), "--jobs", "3"]
    process = subprocess.Popen(
        [*command, "--format", "json", "-o", str(out)],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        deadline = time.monotonic() + 60
        while len(children.read_text().split()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = children.read_text().split()
        assert len(workers) >= 2 and process.poll() is None, "the workers never started"
        time.sleep(0.3)  # inside a chunk
        if how.startswith("SIGTERM"):
            process.send_signal(signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGINT)
        assert process.wait(10) != 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_running(pid) for pid in workers):
            time.sleep(0.05)
        assert not [pid for pid in workers if _running(pid)], "workers outlived the command"
        assert not out.exists() and not list(tmp_path.glob(".report*"))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def _running(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
