"""``bbmigrate map --scheduler``: a real Dask scheduler and two workers on loopback map NDJSON
into the bytes of a local run."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bbmigrate.cli import main
from bbmigrate.mapping import ndjson

from .test_map_bulk import _lines

pytest.importorskip(
    "distributed", reason="Dask is an optional extra: pip install 'bbmigrate[dask]'"
)

DASK = [sys.executable, "-m", "dask"]  # the `dask` command of this environment


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` processes (one thread each) on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder}
    procs = [
        subprocess.Popen(
            [
                *DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(info),
            ],
            **quiet,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.exists():
            assert procs[0].poll() is None and time.monotonic() < deadline, "no scheduler"
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        *DASK,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--local-directory",
                        str(folder),
                    ],
                    **quiet,
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_cluster_maps_what_one_process_maps(scheduler, tmp_path, monkeypatch):
    monkeypatch.setattr(ndjson, "CHUNK_BYTES", 8192)  # many chunks for two workers
    src = tmp_path / "export"
    src.mkdir()
    (src / "a.ndjson").write_bytes(_lines(40))
    (src / "b.ndjson.gz").write_bytes(gzip.compress(_lines(25, bad_at=7)))
    runner = CliRunner()
    local = runner.invoke(
        main, ["map", str(src), "-o", str(tmp_path / "local"), "--workers", "1", "--keep-going"]
    )
    assert local.exit_code == 1, local.output
    result = runner.invoke(
        main,
        [
            "map",
            str(src),
            "-o",
            str(tmp_path / "cluster"),
            "--scheduler",
            scheduler,
            "--keep-going",
            "--json",
        ],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["workers"] == 2 and report["mapped"] == 64 and report["failed"] == 1
    for name in ("a.ndjson", "b.ndjson.gz"):
        assert (tmp_path / "cluster" / name).read_bytes() == (
            tmp_path / "local" / name
        ).read_bytes()


def test_an_unreachable_scheduler_is_one_line_exit_2(tmp_path):
    # In a process of its own: a Dask client that fails to connect leaves its event-loop
    # thread running, and a process with threads starts no forked workers (ordered_pool).
    src = tmp_path / "a.ndjson"
    src.write_bytes(_lines(3))
    probe = (
        "import bbmigrate.mapping.cluster as c; c.CONNECT_TIMEOUT = '2s'; "
        "from bbmigrate.cli import run; run()"
    )
    command = ["map", str(src), "-o", str(tmp_path / "o.ndjson"), "--scheduler"]
    done = subprocess.run(
        [sys.executable, "-c", probe, *command, "tcp://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Dask scheduler" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.ndjson").exists()


def test_mapping_files_travel_with_the_work(tmp_path):
    from bbmigrate.mapping.cluster import _worker_mappings, pack_mappings
    from bbmigrate.resources import mappings_dir

    files = pack_mappings(mappings_dir())
    assert "patient.yaml" in files and any(n.startswith("eob/") for n in files)
    mapping = _worker_mappings(files, True)
    assert Path(mapping.root).name.startswith("bbmigrate-mappings-")
    assert set(mapping.maps) == set(__import__("bbmigrate.mapping").mapping.load_mappings().maps)
