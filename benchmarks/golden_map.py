"""Golden check for mapper optimisations: the outputs must stay byte-identical.

Maps every reference v1 response (except ``metadata``) and every ``samples/*/v1/*.json`` with
``map_resource``, ``map_with_provenance`` and ``unmapped``, and writes one sorted-key orjson
document per input into a folder.

Usage:
  python benchmarks/golden_map.py save DIR     # record the outputs of the current code
  python benchmarks/golden_map.py check DIR    # compare the current code against DIR

``check`` exits 1 naming every input whose output changed. DIR is a temp folder, never
committed: the golden is regenerated whenever the rules change.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
from golden_store import save_or_check

from bbmigrate.errors import BBMigrateError
from bbmigrate.mapping import load_mappings, map_resource, map_with_provenance, unmapped

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference" / "bfd" / "endpoint-responses" / "v1"


def inputs() -> Iterator[tuple[str, Path]]:
    if REF.is_dir():
        for path in sorted(REF.glob("*.json")):
            if path.stem != "metadata":
                yield f"ref__{path.stem}", path
    for path in sorted((ROOT / "samples").glob("*/v1/*.json")):
        if path.stem != "userinfo":
            yield f"sample__{path.parent.parent.name}__{path.stem}", path


def render(path: Path, quirks: bool) -> bytes:
    doc = orjson.loads(path.read_bytes())
    mapping = load_mappings(quirks=quirks)
    try:
        plain = map_resource(orjson.loads(path.read_bytes()), mappings=mapping)
        out, records = map_with_provenance(orjson.loads(path.read_bytes()), mappings=mapping)
        missing = unmapped(doc, mappings=mapping)
        result = {
            "map": plain,
            "provenance_map": out,
            "provenance": [list(r.__dict__.values()) for r in records],
            "unmapped": missing,
        }
    except BBMigrateError as exc:
        result = {"error": str(exc)}
    return orjson.dumps(result, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("save", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, folder = sys.argv[1], Path(sys.argv[2])
    outputs = (
        (f"{name}__{'quirks' if quirks else 'noquirks'}.json", render(path, quirks))
        for name, path in inputs()
        for quirks in (True, False)
    )
    return save_or_check(mode, folder, outputs)


if __name__ == "__main__":
    sys.exit(main())
