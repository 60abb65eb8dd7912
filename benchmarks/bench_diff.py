"""Speed of ``bbmigrate diff`` on a whole beneficiary, against plain DeepDiff (same process).

Builds a beneficiary of Patient, Coverage and N EOBs (default 120) by repeating the BFD reference
pairs with fresh ids (needs ../shared/reference), then times:

* bbmigrate's diff of every pair (alignment by the mapping model when the engine is installed,
  else by semantic keys), including ignore-path filtering;
* ``DeepDiff(v1, v2)`` over the same pairs (the structural baseline, no alignment);
* orjson loads+dumps of the same documents (the floor any JSON tool pays).

Then fetches a heavy emulator user (BBUser00042, 100+ EOBs) over loopback HTTP once and times
the default diff of that folder (``diff_paths``: load, pair, align, filter) against DeepDiff, and
the whole command ``bbmigrate diff FOLDER --format json -o FILE`` in a child process (CPU time
of the child: interpreter start, imports, mapping load, diff, report), run from ``--cli-root``
(another checkout, to compare versions of the code).

Prints CPU seconds per 100 EOBs (best of --repeat) and the ratios. Never asserts a time.

    python benchmarks/bench_diff.py [--eobs 120] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import copy
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from deepdiff import DeepDiff
from sandbox_login import login_user

from bbmigrate import emulator
from bbmigrate.client import fetch_beneficiary
from bbmigrate.diff import diff_pairs, diff_paths
from bbmigrate.diff.build import collector_paused
from bbmigrate.diff.inputs import Pair, load_pairs
from bbmigrate.diff.provenance import default_mapper

REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference"
USER = 42  # a heavy user: 100 to 160 EOBs
EOBS = ("Carrier", "Dme", "Hha", "Hospice", "Inpatient", "Outpatient", "Pde", "Snf")


def build(responses: Path, n_eobs: int) -> list[Pair]:
    def read(version: str, name: str) -> dict:
        return orjson.loads((responses / version / f"{name}.json").read_bytes())

    pairs = [Pair("Patient", "p", read("v1", "patientRead"), read("v2", "patientRead"))]
    cov1, cov2 = read("v1", "coverageSearchByPatientId"), read("v2", "coverageSearchByPatientId")
    for e1, e2 in zip(cov1["entry"], cov2["entry"], strict=True):
        pairs.append(Pair("Coverage", e1["resource"]["id"], e1["resource"], e2["resource"]))
    templates = [(read("v1", f"eobRead{t}"), read("v2", f"eobRead{t}")) for t in EOBS]
    for i in range(n_eobs):
        v1, v2 = (copy.deepcopy(d) for d in templates[i % len(templates)])
        v1["id"] = v2["id"] = f"{v1['id']}-{i}"
        pairs.append(Pair("ExplanationOfBenefit", v1["id"], v1, v2))
    return pairs


def fetch_user(out: Path) -> None:
    """BBUser00042's v1 and v2 data, fetched from the emulator over loopback HTTP into ``out``."""
    app = emulator.create_app(emulator.SandboxConfig())  # the packaged samples, as users get
    with emulator.serve_in_thread(app) as base:
        token = login_user(base, USER)
        fetch_beneficiary(base, out, token)


def bench_fetched(folder: Path, mapper, repeat: int) -> int:
    pairs, _, _ = load_pairs(folder)
    eobs = sum(1 for p in pairs if p.resource_type == "ExplanationOfBenefit")
    per100 = 100 / eobs
    ours = best(lambda: diff_paths(folder, mapper=mapper), repeat)
    engine = best(lambda: run_engine(mapper, pairs), repeat) if mapper else 0.0
    deep = best(lambda: [DeepDiff(p.v1, p.v2) for p in pairs], repeat)
    print(f"fetched BBUser{USER:05d}: {len(pairs)} resource pairs ({eobs} EOBs), best of {repeat}")
    print(f"bbmigrate diff of the folder (load+diff): {ours * per100:.3f} s per 100 EOBs")
    if mapper:
        print(f"  of which the mapping engine alone:    {engine * per100:.3f} s per 100 EOBs")
    print(f"DeepDiff(v1, v2), same pairs:           {deep * per100:.3f} s per 100 EOBs")
    print(f"ratio bbmigrate / DeepDiff:       {ours / deep:.2f}")
    return eobs


def run_engine(mapper, pairs: list[Pair]) -> None:
    # as the diff runs it: with the cyclic collector paused
    with collector_paused():
        for pair in pairs:
            if pair.v1 is not None:
                mapper(pair.v1)


def bench_cli(folder: Path, eobs: int, root: Path, repeat: int) -> None:
    out = folder.parent / f"{folder.name}-report.json"
    command = [sys.executable, "-c", "from bbmigrate.cli import run; run()"]
    command += ["diff", str(folder), "--format", "json", "-o", str(out), "--quiet"]
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, cwd=root, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    out.unlink(missing_ok=True)
    print(f"whole command (child CPU, code at {root}): {min(times):.3f} s")
    print(f"  = {min(times) * 100 / eobs:.3f} s per 100 EOBs")


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        # CPU time of this process: other jobs on a shared CI machine do not inflate it
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eobs", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--keep", type=Path, help="fetch the emulator user into this folder")
    parser.add_argument("--no-fetch", action="store_true", help="skip the fetched-user figures")
    parser.add_argument("--cli-root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    responses = args.reference / "bfd" / "endpoint-responses"
    if not responses.is_dir():
        print(f"skipped: reference data not found at {args.reference}")
        return 0
    pairs = build(responses, args.eobs)
    docs = [d for p in pairs for d in (p.v1, p.v2)]
    mapper = default_mapper()

    ours = best(lambda: diff_pairs(pairs, mapper=mapper), args.repeat)
    structural = best(lambda: diff_pairs(pairs, mapper=None), args.repeat)
    engine = best(lambda: run_engine(mapper, pairs), args.repeat) if mapper else 0.0
    deep = best(lambda: [DeepDiff(p.v1, p.v2) for p in pairs], args.repeat)
    floor = best(lambda: [orjson.loads(orjson.dumps(d)) for d in docs], args.repeat)

    per100 = 100 / args.eobs
    how = "mapping-model alignment" if mapper else "semantic-key alignment (no engine)"
    print(f"{len(pairs)} resource pairs ({args.eobs} EOBs), best of {args.repeat}")
    print(f"bbmigrate diff, {how}: {ours * per100:.3f} s per 100 EOBs")
    if mapper:
        print(f"  of which the mapping engine alone:    {engine * per100:.3f} s per 100 EOBs")
    print(f"bbmigrate diff, semantic keys only:     {structural * per100:.3f} s per 100 EOBs")
    print(f"DeepDiff(v1, v2), same pairs:           {deep * per100:.3f} s per 100 EOBs")
    print(f"orjson loads+dumps, same documents:     {floor * per100:.4f} s per 100 EOBs")
    print(f"ratio bbmigrate / DeepDiff:       {ours / deep:.2f}")
    print(f"ratio semantic keys / DeepDiff:   {structural / deep:.2f}")
    print(f"ratio bbmigrate / orjson floor:   {ours / floor:.1f}")
    if args.no_fetch:
        return 0
    print()
    if args.keep:
        if not (args.keep / "v2").is_dir():
            fetch_user(args.keep)
        eobs = bench_fetched(args.keep, mapper, args.repeat)
        bench_cli(args.keep, eobs, args.cli_root, args.repeat)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "user"
            fetch_user(folder)
            eobs = bench_fetched(folder, mapper, args.repeat)
            bench_cli(folder, eobs, args.cli_root, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
