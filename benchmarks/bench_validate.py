"""Throughput of ``bbmigrate validate`` on ExplanationOfBenefit resources.

Prints EOBs/s for each layer combination and the ratio to fhir.resources R4B validation alone
(``model_validate`` of the same documents, measured in the same process), so figures compare
across machines. Default input: the BFD v2 reference responses (placeholder values filled).

Usage: python benchmarks/bench_validate.py [INPUT] [--ig 2.0.0] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from bbmigrate.validate import Validator, structure
from bbmigrate.validate.inputs import iter_resources
from bbmigrate.validate.structure import check_structure, resource_model

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared/reference/bfd/endpoint-responses/v2"
_STAND_INS = {
    "lastUpdated": "2024-01-01T00:00:00.000-05:00",
    "created": "2024-01-01T00:00:00-05:00",
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


def _best(fn: Callable[[], object], rounds: int) -> float:
    # CPU time of this process: steadier than wall time on a machine shared with other jobs.
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default=str(DEFAULT))
    parser.add_argument("--ig", default="2.0.0")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
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
    model = resource_model("ExplanationOfBenefit")
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
