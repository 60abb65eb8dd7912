"""Mapping speed: EOBs/s for the 8 reference EOB types, as a ratio to orjson loads+dumps.

Usage: python benchmarks/bench_map.py [ROUNDS] [REPEATS] [--runs N] [--against DIR]
(needs ../shared/reference)

Each figure is the best of REPEATS runs of ROUNDS passes, in CPU time of this process (a
shared, busy machine steals wall time, not CPU time); the orjson baseline is timed in the same
process, interleaved with the mapper runs, so the ratio stays comparable across machines.
Prints the overall figure (the eight EOBs interleaved, as a mixed export holds them), the same
EOBs grouped by claim type, then one line per claim type.

``--runs N`` runs the benchmark N times, each in a fresh process, and prints the median of the
two ratios: on a shared machine one process can land in a slow spell of the host (seen here:
the orjson baseline itself 15,600 to 24,800 EOB/s from one process to the next), which the
best of REPEATS inside that process cannot undo.

``--against DIR`` times another engine side by side: DIR holds a checkout's ``bbmigrate/``,
``mappings/`` and ``pyproject.toml`` (e.g. ``git archive main bbmigrate mappings
pyproject.toml | tar -x -C DIR``) or an installed copy of the package; the two run in turns,
each in a fresh process (the other with ``PYTHONPATH=DIR``), ``--runs`` times each (default
2), and the medians are printed side by side.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

import bbmigrate
from bbmigrate.mapping import load_mappings, map_resource
from bbmigrate.mapping.native import describe

REF = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / "bfd"
    / "endpoint-responses"
    / "v1"
)
TYPES = ("Carrier", "Dme", "Hha", "Hospice", "Inpatient", "Outpatient", "Pde", "Snf")


def _best(funcs: list[Callable[[], None]], rounds: int, repeats: int) -> list[float]:
    """Best time of ``repeats`` runs of each function (interleaved)."""
    best = [float("inf")] * len(funcs)
    for _ in range(repeats):
        for i, func in enumerate(funcs):
            start = time.process_time()
            for _ in range(rounds):
                func()
            best[i] = min(best[i], time.process_time() - start)
    return best


def _pair(raws: list[bytes], mapping) -> list[Callable[[], None]]:
    def baseline() -> None:
        for data in raws:
            orjson.dumps(orjson.loads(data))

    def mapped() -> None:
        for data in raws:
            orjson.dumps(map_resource(orjson.loads(data), mappings=mapping))

    return [baseline, mapped]


def _option(args: list[str], name: str) -> tuple[str | None, list[str]]:
    """The value of ``name VALUE`` in ``args`` (None when absent), and the other args."""
    if name not in args:
        return None, args
    at = args.index(name)
    return args[at + 1], args[:at] + args[at + 2 :]


def _runs(engines: list[tuple[str, dict]], args: list[str], runs: int) -> None:
    """The benchmark in a fresh process per run, the engines in turns; medians at the end."""
    here = Path(__file__).resolve()
    ratios: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in engines}
    for _ in range(runs):
        for label, env in engines:
            print(f"== {label}", flush=True)
            done = subprocess.run(
                [sys.executable, str(here), *args, "--ratios"],
                env={**os.environ, **env},
                check=True,
                capture_output=True,
                text=True,
            )
            *report, last = done.stdout.rstrip("\n").split("\n")
            print("\n".join(report), flush=True)
            figures = json.loads(last)
            ratios[label].append((figures["interleaved"], figures["grouped"]))
    print(f"== medians of {runs} run(s), each in a fresh process")
    for label, found in ratios.items():
        inter = [round(i, 2) for i, _ in found]
        grouped = [round(g, 2) for _, g in found]
        print(
            f"{label}: interleaved {statistics.median(inter):.2f}x {inter}, "
            f"grouped {statistics.median(grouped):.2f}x {grouped}"
        )


def main() -> None:
    args = sys.argv[1:]
    folder, args = _option(args, "--against")
    runs, args = _option(args, "--runs")
    if folder is not None or runs is not None:
        engines = [("this checkout", {})]
        if folder is not None:
            engines.insert(0, ("other: " + folder, {"PYTHONPATH": folder}))
        _runs(engines, args, int(runs) if runs is not None else 2)
        return
    ratios = "--ratios" in args  # a child of _runs: the two ratios as JSON, last
    args = [a for a in args if a != "--ratios"]
    rounds = int(args[0]) if len(args) > 0 else 50
    repeats = int(args[1]) if len(args) > 1 else 5
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    print(describe())  # run from outside the repo root to time the installed package
    print(f"package: {Path(bbmigrate.__file__).parent}")
    raw = {t: (REF / f"eobRead{t}.json").read_bytes() for t in TYPES}
    mapping = load_mappings()
    _pair(list(raw.values()), mapping)[1]()  # warm caches

    base, ours = _best(_pair(list(raw.values()), mapping), rounds, repeats)
    count = rounds * len(raw)
    print(f"EOBs mapped: {count} per run, best of {repeats}: {count / ours:.0f} EOB/s")
    print(f"orjson loads+dumps: {count / base:.0f} EOB/s")
    inter = ours / base
    print(f"ratio map / orjson: {inter:.1f}x")
    # The same EOBs in runs of one claim type: the same work (callgrind counts the same
    # instructions within 1 %), but each type's generated code and data stay warm in the CPU
    # caches. The gap to the figure above is what interleaving claim types costs.
    grouped = [data for data in raw.values() for _ in range(rounds)]
    base_g, ours_g = _best(_pair(grouped, mapping), 1, repeats)
    print(f"grouped by claim type: {count / ours_g:.0f} EOB/s, ratio {ours_g / base_g:.1f}x")
    print(f"{'claim type':<12} {'EOB/s':>8} {'ratio':>7}")
    for name, data in raw.items():
        base, ours = _best(_pair([data], mapping), rounds, repeats)
        print(f"{name.lower():<12} {rounds / ours:>8.0f} {ours / base:>6.1f}x")
    if ratios:
        print(json.dumps({"interleaved": inter, "grouped": ours_g / base_g}))


if __name__ == "__main__":
    main()
