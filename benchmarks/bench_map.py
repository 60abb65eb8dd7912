"""Mapping speed: EOBs/s for the 8 reference EOB types, as a ratio to orjson loads+dumps.

Usage: python benchmarks/bench_map.py [ROUNDS]   (needs ../shared/reference)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson

from bbmigrate.mapping import load_mappings, map_resource

REF = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / "bfd"
    / "endpoint-responses"
    / "v1"
)
TYPES = ("Carrier", "Dme", "Hha", "Hospice", "Inpatient", "Outpatient", "Pde", "Snf")


def _time(func, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        func()
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    raw = [(REF / f"eobRead{t}.json").read_bytes() for t in TYPES]
    mapping = load_mappings()

    def baseline() -> None:
        for data in raw:
            orjson.dumps(orjson.loads(data))

    def mapped() -> None:
        for data in raw:
            orjson.dumps(map_resource(orjson.loads(data), mappings=mapping))

    mapped()  # warm caches
    base = _time(baseline, rounds)
    ours = _time(mapped, rounds)
    count = rounds * len(raw)
    print(f"EOBs mapped: {count}, {count / ours:.0f} EOB/s")
    print(f"orjson loads+dumps: {count / base:.0f} EOB/s")
    print(f"ratio map / orjson: {ours / base:.1f}x")


if __name__ == "__main__":
    main()
