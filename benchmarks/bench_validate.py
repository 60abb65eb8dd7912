"""Throughput of ``bbmigrate validate`` on ExplanationOfBenefit resources.

Prints EOBs/s for each layer combination and the ratio to fhir.resources R4B validation alone
(``model_validate`` of the same documents, measured in the same process), so figures compare
across machines. Default input: the BFD v2 reference responses (placeholder values filled).

``--jobs`` measures ``validate --jobs 2`` against ``--jobs 1`` instead: 1,000 EOBs (BBUser00042's
136 from the in-process sandbox, repeated with distinct ids), wall time, paired runs interleaved,
both end to end (``bbmigrate validate`` in a subprocess: start-up, warm-up, report) and for the
validation alone (``validate_path`` with a validator already warm, as in a long-lived process),
and the start-up S that bounds the end-to-end speed-up: ``bbmigrate validate`` of ONE EOB.
bbmigrate's bytecode is compiled first (``compileall``, as ``pip install`` does), so a checkout
run with ``PYTHONDONTWRITEBYTECODE=1`` measures what an installed command costs, not the
compiling of ~40 modules in every process (~40 ms).
Both split the CPU time between the command's process and its worker: with 2 jobs the process
is one of the two jobs (it validates chunks too), so what it spends beyond the worker is about
the serial part, and its share s of the whole bounds the speed-up (Amdahl: 1 / (s + (1 - s) /
2)). Other inputs, end to end, in a third of the rounds: a larger one (``--larger``), where
the fixed start-up and warm-up weigh less; BBUser00000's (``--fetched``) v2 folder as
``bbmigrate fetch`` writes it (Bundle pages of BFD-shaped EOBs, ~22 kB each against
BBUser00042's ~1.3 kB; the sandbox serving the packaged samples, as ``bbmigrate demo``
does); and ``--eobs`` of those EOBs as NDJSON. A machine check runs in the same rounds:
parsing the input's lines and rebuilding each tree in Python (memory-heavy like validation),
split in 1 and 2 forked
processes: the speed-up this machine itself gives perfectly parallel work of that kind (below
2x where the two vCPUs share caches, memory bandwidth or a busy host), so the jobs figures
can be read against it. About a minute on a 2-core machine with the default 5 rounds.

Usage: python benchmarks/bench_validate.py [INPUT] [--ig 2.0.0] [--rounds 5]
       python benchmarks/bench_validate.py --jobs [--eobs 1000] [--larger 5000] [--fetched 0]
                                           [--rounds 5]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from bbmigrate.validate import Validator, structure
from bbmigrate.validate.inputs import iter_resources
from bbmigrate.validate.r4_schema import model_class
from bbmigrate.validate.structure import check_structure, resource_model

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared/reference/bfd/endpoint-responses/v2"
_STAND_INS = {
    "lastUpdated": "2024-01-01T00:00:00.000-05:00",
    "created": "2024-01-01T00:00:00-05:00",
    "date": "2024-01-01",  # CapabilityStatement.date (metadata.json)
    "id": "placeholder-1",
    "reference": "#placeholder-1",
}


def _fill(node, key=None):
    # BFD fixtures blank volatile values with IGNORED_FIELD; give them well-formed stand-ins.
    if isinstance(node, dict):
        return {k: _fill(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, key) for v in node]
    return _STAND_INS.get(key or "", node) if node == "IGNORED_FIELD" else node


_PASSES = 16  # machine check: passes over the input, ~0.3 s of one core here


def _rebuild(node: object) -> object:
    if type(node) is dict:
        return {key: _rebuild(value) for key, value in node.items()}
    if type(node) is list:
        return [_rebuild(value) for value in node]
    return node


def _machine(processes: int, lines: list[bytes]) -> float:
    """Wall seconds of one memory-heavy, perfectly parallel job (parse each EOB line and
    rebuild its tree in Python, ``_PASSES`` times over) split among ``processes`` forked
    processes: what this machine itself gives parallel work like validation's, the ceiling
    of any --jobs figure (two vCPUs can share a core, caches or memory bandwidth, and the
    host's other load lands on them unevenly)."""
    work = [line for _ in range(_PASSES) for line in lines]
    start = time.perf_counter()
    children = []
    for share in range(processes):
        pid = os.fork()
        if pid == 0:
            for line in work[share::processes]:
                _rebuild(orjson.loads(line))
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return time.perf_counter() - start


def _best(fn: Callable[[], object], rounds: int) -> float:
    # CPU time of this process: steadier than wall time on a machine shared with other jobs.
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


# Runs ``bbmigrate`` as the console script does, then prints the CPU seconds of this process
# and of its waited-for workers: the split between the serial part and the parallel part.
_CLI_PROBE = """
import atexit, os, resource, sys
def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write("CPU [%f, %f]" % (own.ru_utime + own.ru_stime,
                                       workers.ru_utime + workers.ru_stime))
atexit.register(_cpu)
sys.argv[0] = "bbmigrate"
from bbmigrate.cli import run
run()
"""


def _write_eobs(path: Path, eobs: list[dict], count: int) -> Path:
    """``count`` EOBs as NDJSON: ``eobs`` repeated, each copy with its own id."""
    with path.open("wb") as out:
        for n in range(count):
            eob = eobs[n % len(eobs)]
            out.write(orjson.dumps(dict(eob, id=f"{eob['id']}-{n}")) + b"\n")
    return path


def _sandbox_fetch(folder: Path, user: int, *, packaged: bool = False) -> Path:
    """``BBUser<user>`` fetched over loopback from the in-process sandbox into ``folder``, as
    ``bbmigrate fetch`` writes it; returns its ``v2`` folder. The sandbox serves the tests'
    small synthetic beneficiaries, or with ``packaged`` the packaged samples (BFD-shaped
    resources, what ``bbmigrate demo`` and ``bbmigrate sandbox serve`` serve)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sandbox_login import login_user

    from bbmigrate import emulator
    from bbmigrate.client import fetch_beneficiary

    data = None if packaged else Path(__file__).resolve().parents[1] / "tests" / "emulator" / "data"
    app = emulator.create_app(emulator.SandboxConfig(data_dir=data))
    with emulator.serve_in_thread(app) as base:
        fetch_beneficiary(base, folder, login_user(base, user))
    return folder / "v2"


def _sandbox_eobs(user: int = 42) -> list[dict]:
    """``BBUser<user>``'s v2 EOBs, fetched over loopback from the in-process sandbox."""
    with tempfile.TemporaryDirectory() as tmp:
        return [
            r
            for r, _ in iter_resources(_sandbox_fetch(Path(tmp), user))
            if r["resourceType"] == "ExplanationOfBenefit"
        ]


def _start_up(source: Path, rounds: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``bbmigrate validate`` of one resource (the start-up S)."""
    walls, cpus = [], []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        command = [sys.executable, "-c", _CLI_PROBE, "validate", str(source), "--quiet"]
        subprocess.run([*command, "--format", "json"], check=False, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return min(walls), min(cpus)


def bench_jobs(args: argparse.Namespace) -> int:
    import bbmigrate
    from bbmigrate.validate import validate_path
    from bbmigrate.validate.report import render

    load_at_start = os.getloadavg()[0]
    compileall.compile_dir(Path(bbmigrate.__file__).parent, quiet=1)
    eobs = _sandbox_eobs()
    with tempfile.TemporaryDirectory() as tmp:
        # Other inputs, end to end only: a fetched beneficiary's folder as `bbmigrate fetch`
        # writes it from the packaged samples (BFD-shaped EOBs, ~22-31 kB each, not
        # BBUser00042's ~1.3 kB), and 1,000 of those EOBs: the same count, ~25x the bytes.
        folder = _sandbox_fetch(Path(tmp) / "fetched", args.fetched, packaged=True)
        shaped = [
            r for r, _ in iter_resources(folder) if r["resourceType"] == "ExplanationOfBenefit"
        ]
        one = Path(tmp) / "one.json"
        one.write_bytes(orjson.dumps(eobs[0]))
        start_up = _start_up(one, args.rounds * 2)
        path = _write_eobs(Path(tmp) / "eobs.ndjson", eobs, args.eobs)
        lines = path.read_bytes().splitlines()
        larger = _write_eobs(Path(tmp) / "larger.ndjson", eobs, args.larger)
        extras = {
            f"BBUser{args.fetched:05}'s fetched v2 folder ({len(shaped)} EOBs)": folder,
            f"{args.eobs:,} of its EOBs": _write_eobs(
                Path(tmp) / "shaped.ndjson", shaped, args.eobs
            ),
            f"{args.larger:,} EOBs": larger,
        }
        validator = Validator(args.ig)
        warm_reports = {
            jobs: render(validate_path(path, validator, jobs=jobs), "json") for jobs in (1, 2)
        }
        assert warm_reports[1] == warm_reports[2], "--jobs 2 gave another report than --jobs 1"

        cpu: dict[int, list[float]] = {1: [], 2: []}
        split: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        reports: dict[int, bytes] = {}

        warm_split: list[tuple[float, float]] = []
        extra_split: dict[str, list[tuple[float, float]]] = {}
        extra_reports: dict[str, set[bytes]] = {}

        def end_to_end(jobs: int, source: Path = path, label: str = "") -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            report = Path(tmp) / f"report-{jobs}.json"
            cli = [sys.executable, "-c", _CLI_PROBE, "validate", str(source), "--quiet"]
            command = [*cli, "--format", "json", "-o", str(report), "--jobs", str(jobs)]
            done = subprocess.run(command, check=False, capture_output=True)
            wall = time.perf_counter() - start
            own, workers = orjson.loads(done.stderr.rsplit(b"CPU ", 1)[1])
            if source != path:
                if jobs == 2:
                    extra_split.setdefault(label, []).append((own, workers))
                extra_reports.setdefault(label, set()).add(report.read_bytes())
                return wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU of the command and its (waited-for) workers: what parallelism costs, which
            # other load on the machine hardly changes.
            used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            cpu[jobs].append(used)
            split[jobs].append((own, workers))
            reports[jobs] = report.read_bytes()
            return wall

        def warm(jobs: int) -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start, own = time.perf_counter(), time.process_time()
            validate_path(path, validator, jobs=jobs)
            wall, own = time.perf_counter() - start, time.process_time() - own
            if jobs > 1:
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                workers = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                warm_split.append((own, workers))
            return wall

        def baseline() -> float:
            start = time.perf_counter()
            for line in path.read_bytes().splitlines():
                orjson.dumps(orjson.loads(line))
            return time.perf_counter() - start

        rows: dict[str, list[float]] = {}
        for _ in range(args.rounds):  # interleaved, so load from other processes hits all alike
            for name, fn in (
                ("orjson loads+dumps (baseline)", baseline),
                ("end to end, --jobs 1", lambda: end_to_end(1)),
                ("end to end, --jobs 2", lambda: end_to_end(2)),
                ("validation only (warm), jobs 1", lambda: warm(1)),
                ("validation only (warm), jobs 2", lambda: warm(2)),
                ("machine check, 1 process", lambda: _machine(1, lines)),
                ("machine check, 2 processes", lambda: _machine(2, lines)),
            ):
                rows.setdefault(name, []).append(fn())
        for _ in range(max(1, args.rounds // 3)):
            for label, source in extras.items():
                for jobs in (1, 2):
                    name = f"end to end, {label}, --jobs {jobs}"
                    rows.setdefault(name, []).append(end_to_end(jobs, source, label))
    medians = {name: statistics.median(values) for name, values in rows.items()}
    best = {name: min(values) for name, values in rows.items()}
    base = medians["orjson loads+dumps (baseline)"]
    load = os.getloadavg()[0]
    print(f"{args.eobs} EOBs (BBUser00042's {len(eobs)}, repeated), CARIN {args.ig}, wall time,")
    print(
        f"{args.rounds} interleaved rounds, {os.cpu_count()} CPUs, "
        f"load average {load_at_start:.2f} at start, {load:.2f} at end"
    )
    print(
        f"start-up S, `bbmigrate validate` of one EOB: {start_up[0]:.3f} s wall, "
        f"{start_up[1]:.3f} s CPU (best of {args.rounds * 2})"
    )
    width = max(map(len, medians))
    print(f"{'case':<{width}} {'median s':>9} {'best s':>8} {'x orjson':>9}")
    for name, seconds in medians.items():
        print(f"{name:<{width}} {seconds:>9.3f} {best[name]:>8.3f} {seconds / base:>9.1f}")
    # Best-of is the run least disturbed by other processes: on a shared machine it is the
    # closest to the idle machine the jobs figure is about; the median is shown beside it.
    for kind, one, two in (
        ("end to end", "end to end, --jobs 1", "end to end, --jobs 2"),
        (
            "validation only (warm)",
            "validation only (warm), jobs 1",
            "validation only (warm), jobs 2",
        ),
        *(
            (
                f"end to end, {label}",
                f"end to end, {label}, --jobs 1",
                f"end to end, {label}, --jobs 2",
            )
            for label in extras
        ),
        (
            "machine check (parse + rebuild)",
            "machine check, 1 process",
            "machine check, 2 processes",
        ),
    ):
        print(
            f"speed-up 1 -> 2 jobs, {kind}: {best[one] / best[two]:.2f}x best-of, "
            f"{medians[one] / medians[two]:.2f}x median"
        )
    one_cpu, two_cpu = (statistics.median(cpu[jobs]) for jobs in (1, 2))
    print(f"CPU time end to end: {one_cpu:.3f} s with 1 job, {two_cpu:.3f} s with 2 ", end="")
    print(f"({two_cpu / one_cpu:.2f}x)")
    # With 2 jobs the command's process validates about half the chunks and its one worker
    # the other half, so the process's CPU beyond the worker's is about the serial part (start
    # up, warm-up, the report), which no number of jobs shortens: its share s of the whole
    # bounds the speed-up at 1 / (s + (1 - s) / 2) (Amdahl).
    for kind, parts in (
        ("end to end", split[2]),
        ("validation only (warm)", warm_split),
        *((f"end to end, {label}", extra_split[label]) for label in extras),
    ):
        own, workers = (statistics.median(part) for part in zip(*parts, strict=True))
        serial = max(0.0, own - workers) / (own + workers)
        print(
            f"{kind}, 2 jobs: command {own:.3f} s CPU, worker {workers:.3f} s CPU; serial "
            f"fraction ~{serial:.2f} (Amdahl bound {1 / (serial + (1 - serial) / 2):.2f}x)"
        )
    assert reports[1] == reports[2], "the command's reports differ between 1 and 2 jobs"
    print(f"end-to-end reports identical for 1 and 2 jobs ({len(reports[1]):,} bytes)")
    for label, seen in extra_reports.items():
        assert len(seen) == 1, f"{label}: the reports differ between 1 and 2 jobs"
    print("and for each other input")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default=str(DEFAULT))
    parser.add_argument("--ig", default="2.0.0")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", action="store_true", help="measure --jobs 2 against --jobs 1")
    parser.add_argument("--eobs", type=int, default=1000)
    parser.add_argument("--larger", type=int, default=5000, help="EOBs of the larger input")
    parser.add_argument(
        "--fetched", type=int, default=0, help="sandbox user of the BFD-shaped cases"
    )
    args = parser.parse_args()
    if args.jobs:
        return bench_jobs(args)
    if not Path(args.input).exists():
        print(f"input not found: {args.input}", file=sys.stderr)
        return 2
    # Distinct EOBs only: BFD's paged search repeats the single reads.
    unique = {
        r["id"]: _fill(r)
        for r, _ in iter_resources(args.input)
        if r["resourceType"] == "ExplanationOfBenefit"
    }
    eobs = list(unique.values())
    raw = [orjson.dumps(e) for e in eobs]
    model = model_class(resource_model("ExplanationOfBenefit"))
    full = Validator(args.ig)
    no_invariants = Validator(args.ig, invariants=False)
    for eob in eobs:  # warm up: imports, compiled expressions, schema caches
        full.validate(eob)

    def r4b() -> None:
        for eob in eobs:
            model.model_validate(eob)

    def cold() -> None:
        # The per-value primitive cache starts empty, as for a stream of new documents.
        for eob in eobs:
            structure._PRIMITIVE_OK.clear()
            full.validate(eob)

    cases = {
        "orjson loads+dumps": lambda: [orjson.dumps(orjson.loads(b)) for b in raw],
        "fhir.resources R4B (baseline)": r4b,
        "layer 1: R4 structure": lambda: [check_structure(e, label="x", source=None) for e in eobs],
        "layers 1+2: + CARIN profile rules": lambda: [no_invariants.validate(e) for e in eobs],
        "layers 1+2+3: + invariants (default)": lambda: [full.validate(e) for e in eobs],
        "  the same, primitive cache cold": cold,
    }
    # Rounds interleave the cases so that load from other processes hits all of them alike.
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            times[name].append(_best(fn, 1))
    medians = {name: statistics.median(values) for name, values in times.items()}
    baseline = medians["fhir.resources R4B (baseline)"]
    print(f"{len(eobs)} EOBs from {args.input}, CARIN {args.ig}, median of {args.rounds} rounds")
    print(f"{'case':<40} {'ms/EOB':>8} {'EOBs/s':>8} {'x R4B':>7}")
    for name, seconds in medians.items():
        per = seconds / len(eobs)
        print(f"{name:<40} {per * 1000:>8.2f} {1 / per:>8.0f} {seconds / baseline:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
