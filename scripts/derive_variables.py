"""Derive mappings/variables.json (variable facts) from BFD's CC0 data dictionary.

Usage: python scripts/derive_variables.py [DICTIONARY_DIR] [OUT]
  DICTIONARY_DIR defaults to ../shared/reference/bfd/data-dictionary;
  OUT defaults to mappings/variables.json.
The file holds names, labels, claim types and per-version paths; never descriptions.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bbmigrate.errors import BBMigrateError
from bbmigrate.jsonio import shared_mode, write_bytes_atomic
from bbmigrate.tables.variables import FACTS_FILE, derive_facts, facts_json

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else ROOT.parent / "shared/reference/bfd/data-dictionary"
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "mappings" / FACTS_FILE
    try:
        facts = derive_facts(source)
    except BBMigrateError as exc:
        print(exc, file=sys.stderr)
        return 2
    write_bytes_atomic(out, facts_json(facts).encode("utf-8"), mode=shared_mode())
    print(f"{len(facts)} variables -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
