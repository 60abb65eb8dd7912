"""Mapping speed: EOBs/s for the 8 reference EOB types, as a ratio to orjson loads+dumps.

Usage: python benchmarks/bench_map.py [ROUNDS] [REPEATS] [--against DIR]
(needs ../shared/reference)

Each figure is the best of REPEATS runs of ROUNDS passes, in CPU time of this process (a
shared, busy machine steals wall time, not CPU time); the orjson baseline is timed in the same
process, interleaved with the mapper runs, so the ratio stays comparable across machines.
Prints the overall figure (the eight EOBs interleaved, as a mixed export holds them), the same
EOBs grouped by claim type, then one line per claim type.

``--against DIR`` times another engine side by side: DIR holds a checkout's ``bbmigrate/``,
``mappings/`` and ``pyproject.toml`` (e.g. ``git archive main bbmigrate mappings
pyproject.toml | tar -x -C DIR``); this script runs twice for each, alternating, the other in a
subprocess with ``PYTHONPATH=DIR``, and prints both.
"""

from __future__ import annotations

import os
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


def _against(folder: str, args: list[str]) -> None:
    """This benchmark for the engine in ``folder`` and for this one, alternating, twice."""
    here = Path(__file__).resolve()
    engines = (("other: " + folder, {"PYTHONPATH": folder}), ("this checkout", {}))
    for _ in range(2):
        for label, env in engines:
            print(f"== {label}", flush=True)
            subprocess.run(
                [sys.executable, str(here), *args], env={**os.environ, **env}, check=True
            )


def main() -> None:
    if "--against" in sys.argv:
        at = sys.argv.index("--against")
        _against(sys.argv[at + 1], sys.argv[1:at] + sys.argv[at + 2 :])
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
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
    print(f"ratio map / orjson: {ours / base:.1f}x")
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


if __name__ == "__main__":
    main()
