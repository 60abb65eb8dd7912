"""Speed of the ``fhir_snapshot`` extension against orjson loads+dumps of the same documents.

Uses the BFD v2 responses (needs ../shared/reference): every claim-type EOB, Patient, Coverage
and the paged EOB Bundle. Times, per pass over all documents:

* serialize: normalise volatile fields, syrupy's filter step, canonical JSON (what every
  assertion pays, recording or replaying);
* match, same text: the common replay case (the received text equals the stored file);
* match, placeholders: a stored file with "IGNORED_FIELD" placeholders against live-like values
  (parses both sides and compares with the wildcard rule);
* explain one change: the field-level report of a failing snapshot (deepdiff);
* baseline: orjson loads+dumps of the same documents.

Prints seconds and ratios to the baseline measured in the same process. Never asserts a time.

    python benchmarks/bench_snapshot.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bbmigrate.snapshot.extension import FhirSnapshotExtension, canonical_json
from bbmigrate.snapshot.normalize import PLACEHOLDER

REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference"


def live_like(node: Any) -> Any:
    """The document as a server might send it: placeholders filled with values."""
    if isinstance(node, dict):
        return {key: live_like(value) for key, value in node.items()}
    if isinstance(node, list):
        return [live_like(value) for value in node]
    if isinstance(node, str) and PLACEHOLDER in node:
        return node.replace(PLACEHOLDER, "8443")
    return node


def best(fn: Callable[[], object], repeat: int) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    args = parser.parse_args()
    folder = args.reference / "bfd" / "endpoint-responses" / "v2"
    if not folder.is_dir():
        print(f"skipped: reference data not found at {args.reference}")
        return 0
    paths = [path for path in sorted(folder.glob("*.json")) if path.name != "metadata.json"]
    raw = [path.read_bytes() for path in paths]
    docs = [orjson.loads(data) for data in raw]
    received = [live_like(doc) for doc in docs]
    ext = FhirSnapshotExtension()
    serialized = [ext.serialize(doc) for doc in received]
    with_placeholders = [canonical_json(doc) for doc in docs]
    changed = [text.replace('"active"', '"cancelled"', 1) for text in serialized]

    def match_all(stored: list[str]) -> None:
        for got, want in zip(serialized, stored, strict=True):
            ext.matches(serialized_data=got, snapshot_data=want)

    figures = {
        "serialize": best(lambda: [ext.serialize(doc) for doc in received], args.repeat),
        "match, same text": best(lambda: match_all(serialized), args.repeat),
        "match, placeholders": best(lambda: match_all(with_placeholders), args.repeat),
        "explain one change": best(
            lambda: [ext.changes(c, s) for c, s in zip(changed, serialized, strict=True)],
            args.repeat,
        ),
    }
    baseline = best(lambda: [orjson.dumps(orjson.loads(data)) for data in raw], args.repeat)
    size = sum(len(data) for data in raw) / 1024
    print(f"{len(raw)} BFD v2 documents, {size:.0f} KiB; best of {args.repeat}")
    print(f"{'baseline: orjson loads+dumps':32} {baseline * 1000:9.2f} ms   1.0x")
    for name, seconds in figures.items():
        print(f"{name:32} {seconds * 1000:9.2f} ms {seconds / baseline:6.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
