"""Fidelity of the mapper on v1/v2 pairs it was not built from (held-out BFD fixtures).

Reads pairs from a folder given on the command line and prints recall/precision per pair with
:mod:`bbmigrate.fidelity`. It embeds no data: the pairs live outside the project (for example
BFD endpoint-response fixtures of other commits, downloaded to ``/tmp/bfd-heldout``). Two layouts:

* ``<pair>/v1.json`` and ``<pair>/v2.json`` anywhere under DIR (one folder per pair);
* ``DIR/v1/<name>.json`` and ``DIR/v2/<name>.json`` (BFD's layout, paired by file name).

    python benchmarks/heldout_fidelity.py /tmp/bfd-heldout [--misses N] [--json]

``--misses N`` also lists the N most frequent missing and extra leaves of each pair, which is
what the rules are tuned from. Exit status 2 when the folder holds no pair.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bbmigrate.errors import BBMigrateError
from bbmigrate.fidelity import Fidelity, score, total
from bbmigrate.jsonio import read_json
from bbmigrate.mapping import load_mappings, map_resource
from bbmigrate.mapping.detect import SUPPORTED


def find_pairs(root: Path) -> Iterator[tuple[str, Path, Path]]:
    """Every ``(name, v1 path, v2 path)`` under ``root``, sorted by name."""
    found: dict[str, tuple[Path, Path]] = {}
    for v1 in sorted(root.rglob("v1.json")):
        v2 = v1.with_name("v2.json")
        if v2.is_file():
            found[str(v1.parent.relative_to(root)) if v1.parent != root else root.name] = (v1, v2)
    if (root / "v1").is_dir() and (root / "v2").is_dir():
        for v1 in sorted((root / "v1").glob("*.json")):
            v2 = root / "v2" / v1.name
            if v2.is_file():
                found[v1.stem] = (v1, v2)
    for name in sorted(found):
        yield name, *found[name]


def _top(counter, n: int) -> list[str]:
    return [
        f"{count:3d}  {path} = {value!r}" for (path, (_, value)), count in counter.most_common(n)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--misses", type=int, default=0, help="list the N commonest misses/extras")
    parser.add_argument("--no-quirks", action="store_true", help="map without the BFD quirks")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"heldout_fidelity: error: {args.folder}: not a folder", file=sys.stderr)
        return 2
    mapping = load_mappings(quirks=not args.no_quirks)
    results: dict[str, Fidelity] = {}
    for name, v1_path, v2_path in find_pairs(args.folder):
        v1 = read_json(v1_path)
        kind = v1.get("resourceType") if isinstance(v1, dict) else None
        if kind not in SUPPORTED:  # BFD's metadata.json (a CapabilityStatement) is no claim data
            print(f"heldout_fidelity: skipped {name}: {kind or 'not a resource'}", file=sys.stderr)
            continue
        try:
            mapped = map_resource(v1, mappings=mapping)
        except BBMigrateError as exc:
            print(f"heldout_fidelity: error: {name}: {exc}", file=sys.stderr)
            return 2
        results[name] = score(mapped, read_json(v2_path))
    if not results:
        print(f"heldout_fidelity: error: {args.folder}: no v1/v2 pair found", file=sys.stderr)
        return 2
    overall = total(results.values())
    if args.json:
        doc = {name: fid.to_dict() for name, fid in results.items()}
        doc["TOTAL"] = overall.to_dict()
        print(json.dumps(doc, indent=2))
        return 0
    width = max(len(name) for name in results) + 2
    print(f"{'pair':{width}s}recall  precision  v2 leaves")
    for name, fid in results.items():
        print(f"{name:{width}s}{fid.recall:.3f}   {fid.precision:.3f}      {fid.expected}")
        if args.misses:
            print("\n".join(f"    - {line}" for line in _top(fid.missing, args.misses)))
            print("\n".join(f"    + {line}" for line in _top(fid.extra, args.misses)))
    print(
        f"{'TOTAL':{width}s}{overall.recall:.3f}   {overall.precision:.3f}      {overall.expected}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
