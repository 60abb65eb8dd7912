"""Bulk mapping: --workers gives the bytes of one process, .ndjson.gz in and out, folders are
all-or-nothing, a signal leaves nothing behind, edited mapping files are picked up."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from bbmigrate.cli import main
from bbmigrate.mapping import load_mappings, loader, map_file, map_resource, ndjson
from bbmigrate.mapping.codegen import compiled_rules, source_of
from bbmigrate.resources import mappings_dir

from .engine_pair import sample_resources


def _lines(count: int, *, bad_at: int | None = None) -> bytes:
    """``count`` NDJSON lines cycling over the samples with distinct ids (a blank line too)."""
    docs = sample_resources()
    out = []
    for i in range(count):
        doc = dict(docs[i % len(docs)])
        doc["id"] = f"{doc.get('id')}-{i}"
        out.append(b"{oops" if i == bad_at else orjson.dumps(doc))
        if i == 3:
            out.append(b"   ")
    return b"\n".join(out) + b"\n"


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of ~4 KB, so that a small input is many chunks shared between two workers."""
    monkeypatch.setattr(ndjson, "CHUNK_BYTES", 4096)


def _map(src: Path, out: Path, workers: int, **kw) -> tuple[bytes, dict]:
    report = map_file(src, out, mappings=load_mappings(), workers=workers, **kw)
    return out.read_bytes(), report.to_dict()


def test_two_workers_give_the_bytes_of_one(tmp_path, small_chunks):
    src = tmp_path / "in.ndjson"
    src.write_bytes(_lines(60))
    one, report1 = _map(src, tmp_path / "one.ndjson", 1)
    two, report2 = _map(src, tmp_path / "two.ndjson", 2)
    assert one == two and report2["workers"] == 2
    assert report1["mapped"] == report2["mapped"] == 60
    # each line is the mapped resource of the same line, in order
    docs = [orjson.loads(line) for line in src.read_bytes().splitlines() if line.strip()]
    assert [orjson.dumps(map_resource(d)) for d in docs] == one.splitlines()


def test_workers_keep_going_reports_the_same_failures(tmp_path, small_chunks):
    src = tmp_path / "in.ndjson"
    src.write_bytes(_lines(40, bad_at=25))
    one, report1 = _map(src, tmp_path / "one.ndjson", 1, keep_going=True)
    two, report2 = _map(src, tmp_path / "two.ndjson", 2, keep_going=True)
    assert one == two and report1["failures"] == report2["failures"]
    assert [f["where"] for f in report2["failures"]] == [f"{src}:27"]  # the blank line counts
    assert report2["mapped"] == 39


def test_a_failure_in_a_worker_stops_the_run_and_writes_nothing(tmp_path, small_chunks):
    src = tmp_path / "in.ndjson"
    src.write_bytes(_lines(40, bad_at=33))
    result = CliRunner().invoke(
        main, ["map", str(src), "-o", str(tmp_path / "o.ndjson"), "--workers", "2"]
    )
    assert result.exit_code == 2 and f"{src}:35" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ndjson"]


def test_gzip_in_and_out(tmp_path, small_chunks):
    plain = tmp_path / "in.ndjson"
    plain.write_bytes(_lines(30))
    packed = tmp_path / "in.ndjson.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected, _ = _map(plain, tmp_path / "plain-out.ndjson", 1)
    one, _ = _map(packed, tmp_path / "one.ndjson.gz", 1)
    two, _ = _map(packed, tmp_path / "two.ndjson.gz", 2)
    assert one == two  # no name or time stamp in the gzip headers
    assert gzip.decompress(one) == expected
    unpacked, _ = _map(packed, tmp_path / "unpacked.ndjson", 2)
    assert unpacked == expected


def _folder(tmp_path: Path, *, bad: bool) -> Path:
    src = tmp_path / "export"
    (src / "part2").mkdir(parents=True)
    (src / "ExplanationOfBenefit-1.ndjson").write_bytes(_lines(12))
    (src / "part2" / "ExplanationOfBenefit-2.ndjson.gz").write_bytes(gzip.compress(_lines(9)))
    (src / "part2" / "z.ndjson").write_bytes(_lines(5, bad_at=2 if bad else None))
    return src


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_folder_is_all_or_nothing(tmp_path, small_chunks):
    src = _folder(tmp_path, bad=True)
    out = tmp_path / "mapped"
    code, _, err = _cli("map", str(src), "-o", str(out), "--workers", "2")
    assert code == 2 and "z.ndjson:3" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]  # no folder, no temp sibling
    code, stdout, _ = _cli(
        "map", str(src), "-o", str(out), "--workers", "2", "--keep-going", "--json"
    )
    assert code == 1
    report = json.loads(stdout)
    assert [(Path(f["input"]).name, f["mapped"], f["failed"]) for f in report["files"]] == [
        ("ExplanationOfBenefit-1.ndjson", 12, 0),
        ("ExplanationOfBenefit-2.ndjson.gz", 9, 0),
        ("z.ndjson", 4, 1),
    ]
    assert (
        len(
            gzip.decompress(
                (out / "part2" / "ExplanationOfBenefit-2.ndjson.gz").read_bytes()
            ).splitlines()
        )
        == 9
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "mapped"]


def test_a_folder_maps_into_an_existing_folder(tmp_path):
    src = _folder(tmp_path, bad=False)
    out = tmp_path / "mapped"
    out.mkdir()
    (out / "keep.txt").write_text("theirs")
    code, _, _ = _cli("map", str(src), "-o", str(out), "--quiet")
    assert code == 0 and (out / "keep.txt").read_text() == "theirs"
    assert len((out / "ExplanationOfBenefit-1.ndjson").read_bytes().splitlines()) == 12


@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGTERM, "2"), (signal.SIGHUP, "1")])
def test_a_signal_mid_run_leaves_no_output_and_no_temp_files(tmp_path, sig, workers):
    src = tmp_path / "export"
    src.mkdir()
    (src / "a.ndjson").write_bytes(_lines(50))
    (src / "b.ndjson").write_bytes(_lines(3000))  # several seconds of mapping
    out = tmp_path / "mapped"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bbmigrate", "map", str(src), "-o", str(out), "--workers", workers],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    # wait until the run is writing b.ndjson's temporary file inside its staging folder
    while not any(p.name.startswith(".b.ndjson.") for p in tmp_path.rglob("*")):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    helpers = _descendants(proc.pid)  # the forkserver and the workers, with 2 workers
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == 128 + sig
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in helpers):
        assert time.monotonic() < deadline, "worker processes outlived the run"
        time.sleep(0.05)


def _descendants(root: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found += children
        todo += children
    return found


def test_edited_mapping_files_are_picked_up_and_recompiled(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "RECHECK_SECONDS", 0.0)
    root = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), root)
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female"}
    first = load_mappings(root)
    before = map_resource(dict(patient), mappings=first)
    source = source_of(first, first.for_resource("Patient"))
    assert load_mappings(root) is first  # unchanged files: the same set and generated code
    text = (root / "patient.yaml").read_text()
    assert "C4BB-Patient" in text
    edited = text.replace("C4BB-Patient", "C4BB-Patient-edited")
    (root / "patient.yaml").write_text(edited)
    os.utime(root / "patient.yaml", ns=(time.time_ns(), time.time_ns() + 10**9))
    second = load_mappings(root)
    assert second is not first
    after = map_resource(dict(patient), mappings=second)
    assert before["meta"]["profile"][0].endswith("C4BB-Patient")
    assert after["meta"]["profile"][0].endswith("C4BB-Patient-edited")
    # regenerated for the new set: the constant lives beside the generated source, which
    # names it (and the functions that read it) by content, and is otherwise the same
    assert compiled_rules(second, second.for_resource("Patient")) is not compiled_rules(
        first, first.for_resource("Patient")
    )
    regenerated = source_of(second, second.for_resource("Patient"))
    assert regenerated != source
    assert _NAMED.sub("_N", regenerated) == _NAMED.sub("_N", source)


_NAMED = re.compile(r"_[0-9a-f]{16}\b")
