"""Regenerate ``bbmigrate/validate/rulesets/r4b-schema.jsonl`` from the installed R4B models.

The structure walk reads the fhir.resources R4B models' metadata from this file so that a run
need not import and build the models (see ``bbmigrate/validate/r4_schema.py``). Run it after
upgrading fhir.resources, fhir_core or pydantic, or after editing ``r4_schema.py``: until then
``bbmigrate validate`` derives the metadata from the models at run time (slower, same
findings), and ``tests/test_validate_r4_schema.py`` fails.

Usage: python scripts/build_r4_schema.py
"""

from __future__ import annotations

import sys

from bbmigrate.validate import r4_schema


def main() -> int:
    document = r4_schema.build()
    r4_schema.SCHEMA_PATH.write_bytes(r4_schema.dump(document))
    print(
        f"{r4_schema.SCHEMA_PATH}: {len(document['types'])} types, "
        f"{len(document['models'])} models, {len(document['primitives'])} primitive types"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
