"""Issue #10 point 4 (signals): a map killed mid-write by SIGTERM, SIGHUP or SIGINT leaves no
output and no hidden temporary file, and ends the way the signal ends a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safety_data import BENE

from bbmigrate.jsonio import removed_on_signal
from bbmigrate.resources import samples_dir

LINES = 2000  # ~30 MB of EOBs: a few seconds of mapping, so the kill lands mid-write


@pytest.fixture(scope="module")
def big_ndjson(tmp_path_factory) -> Path:
    bundle = json.loads((samples_dir() / BENE / "v1" / "ExplanationOfBenefit.json").read_text())
    resources = [entry["resource"] for entry in bundle["entry"]]
    path = tmp_path_factory.mktemp("big") / "eob.ndjson"
    with path.open("w") as out:
        for number in range(LINES):
            resource = dict(resources[number % len(resources)], id=f"eob-{number}")
            out.write(json.dumps(resource) + "\n")
    return path


def _wait_for_temp(folder: Path, proc: subprocess.Popen, timeout: float = 30.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        temps = [p for p in folder.iterdir() if p.name.endswith(".tmp")] if folder.is_dir() else []
        if temps and temps[0].stat().st_size > 0:
            return temps[0]
        assert proc.poll() is None, "map ended before it could be interrupted"
        time.sleep(0.005)
    raise AssertionError("no temporary output appeared")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_map_killed_mid_write_leaves_nothing(big_ndjson, tmp_path, signum):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bbmigrate", "map", str(big_ndjson), "-o", str(out / "eob.ndjson")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_temp(out, proc)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert list(out.iterdir()) == [], "the interrupted map left files behind"
    if signum == signal.SIGINT:
        assert proc.returncode != 0
    else:
        # the conventional ending: killed by the signal itself, or exit status 128+N
        assert proc.returncode in (-signum, 128 + signum), err.decode()
    assert b"Traceback" not in err


def test_removed_on_signal_covers_staging_folders(tmp_path):
    """The registry other writers (fetch staging folders) use: a folder is removed whole."""
    script = f"""
import os, signal, pathlib
from bbmigrate.jsonio import removed_on_signal
stage = pathlib.Path({str(tmp_path / ".staging")!r})
stage.mkdir()
(stage / "v1").mkdir()
(stage / "v1" / "Patient.json").write_text("{{}}")
with removed_on_signal(stage):
    os.kill(os.getpid(), signal.SIGTERM)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30)
    assert proc.returncode == -signal.SIGTERM, proc.stderr.decode()
    assert list(tmp_path.iterdir()) == []


def test_a_path_leaves_the_registry_with_its_block(tmp_path):
    kept = tmp_path / "kept.json"
    with removed_on_signal(kept):
        kept.write_text("{}")
    # outside the block a signal must not touch it: install state is checked in a child
    script = f"""
import os, signal
from bbmigrate.jsonio import removed_on_signal
with removed_on_signal({str(tmp_path / "other")!r}):
    pass
os.kill(os.getpid(), signal.SIGHUP)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30)
    assert proc.returncode == -signal.SIGHUP
    assert kept.read_text() == "{}"
    assert os.listdir(tmp_path) == ["kept.json"]


def test_a_forked_child_does_not_remove_its_parents_temporary_files(tmp_path):
    script = f"""
import os, signal, pathlib, sys
from bbmigrate.jsonio import atomic_writer
target = pathlib.Path({str(tmp_path / "out.json")!r})
with atomic_writer(target) as handle:
    handle.write(b"{{}}")
    child = os.fork()
    if child == 0:
        os.kill(os.getpid(), signal.SIGTERM)  # the child is killed; the parent goes on
    _, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status), status
sys.exit(0)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    assert os.listdir(tmp_path) == ["out.json"]


def test_an_ignored_sighup_stays_ignored(tmp_path):
    # under nohup a hang-up must not end a run (nor remove its output in progress)
    stage = tmp_path / "stage"
    stage.mkdir()
    script = f"""
import os, signal
signal.signal(signal.SIGHUP, signal.SIG_IGN)
from bbmigrate.jsonio import removed_on_signal
with removed_on_signal({str(stage)!r}):
    os.kill(os.getpid(), signal.SIGHUP)
    print("alive", signal.getsignal(signal.SIGHUP) == signal.SIG_IGN)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split() == ["alive", "True"]
    assert stage.is_dir()
