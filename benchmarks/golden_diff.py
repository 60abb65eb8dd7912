"""Golden check for diff optimisations: the JSON reports must stay byte-identical.

Diffs every reference v1/v2 response pair (same file name on both sides, except ``metadata``),
both sample beneficiaries and any extra beneficiary folders given (a fetched BBUser00042), each
in several modes: default (mapping alignment), ``--no-mapping``, ``--mapped``, ``--redact``,
``--mapped --redact``, ignore paths plus an accepted difference, and against a baseline. Writes
each JSON report (as ``bbmigrate diff --format json`` renders it) into a folder.

Usage:
  python benchmarks/golden_diff.py save DIR [BENEFICIARY_DIR ...]
  python benchmarks/golden_diff.py check DIR [BENEFICIARY_DIR ...]

``check`` exits 1 naming every report that changed. DIR is a temp folder, never committed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from golden_store import save_or_check

from bbmigrate.diff import DiffOptions, diff_paths, report_dict
from bbmigrate.diff.filters import Accept, DiffConfig
from bbmigrate.diff.render import render
from bbmigrate.errors import BBMigrateError

ROOT = Path(__file__).resolve().parents[1]
# relative to ROOT (the working folder while running): reports quote their inputs' paths, and
# a golden saved from another checkout of the code must quote the same ones
REF = Path("..") / "shared" / "reference" / "bfd" / "endpoint-responses"

_CONFIG = DiffConfig(
    ignore=("$.item[*].adjudication", "$.contained"),
    accept=(Accept("$.extension", "golden: extensions accepted", frozenset({"removed"})),),
)
MODES: dict[str, tuple[dict[str, Any], bool]] = {
    "default": ({}, False),
    "nomap": ({"use_mapping": False}, False),
    "mapped": ({"mapped": True}, False),
    "redact": ({}, True),
    "mapped_redact": ({"mapped": True}, True),
    "config": ({"config": _CONFIG, "ignore": ("$.meta",)}, False),
}


def inputs(extra: list[str]) -> Iterator[tuple[str, Path, Path | None]]:
    if REF.is_dir():
        for left in sorted((REF / "v1").glob("*.json")):
            right = REF / "v2" / left.name
            if left.stem != "metadata" and right.is_file():
                yield f"ref__{left.stem}", left, right
    for folder in sorted(Path("samples").glob("*/v1")):
        yield f"sample__{folder.parent.name}", folder.parent, None
    for folder in extra:
        yield f"extra__{Path(folder).name}", Path(folder), None


def report(left: Path, right: Path | None, mode: str, baseline: Path | None = None) -> bytes:
    kwargs, redact = MODES[mode]
    try:
        rep, pairs = diff_paths(left, right, DiffOptions(baseline=baseline, **kwargs))
        return render(report_dict(rep, pairs, redact=redact), "json")
    except BBMigrateError as exc:
        return f"error: {exc}\n".encode()


def outputs(extra: list[str]) -> Iterator[tuple[str, bytes]]:
    for name, left, right in inputs(extra):
        for mode in MODES:
            data = report(left, right, mode)
            yield f"{name}__{mode}.json", data
            if mode == "default":
                # a fixed name: the report quotes the baseline's path
                base = Path(tempfile.gettempdir()) / "bbmigrate-golden-diff-baseline.json"
                # a baseline missing records of the first resource: those are new
                doc = orjson.loads(data)
                if doc.get("resources"):
                    first = doc["resources"][0]
                    first["changes"] = first["changes"][1::2]
                base.write_bytes(orjson.dumps(doc))
                yield f"{name}__baseline.json", report(left, right, mode, base)
                base.unlink()


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in ("save", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, folder, extra = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3:]
    extra = [str(Path(e).resolve()) for e in extra]
    os.chdir(ROOT)
    return save_or_check(mode, folder, outputs(extra))


if __name__ == "__main__":
    sys.exit(main())
