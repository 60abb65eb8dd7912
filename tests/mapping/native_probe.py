"""Map documents with whichever bbmigrate is importable: the test's side and the installed side.

``tests/mapping/test_native_install.py`` calls :func:`results` in its own process (the source
tree, pure Python) and runs this file as a script with ``python -I`` from outside the
repository, so that the installed package (with its compiled helpers) does the same work. The
script reads ``{"mappings": FOLDER, "documents": [...]}`` as JSON on stdin and writes
``{"package": ..., "compiled": [...], "results": [...]}`` on stdout.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson


def results(documents: list[Any], folder: str) -> list[str]:
    """Each document mapped with and without quirks: the orjson output, or the error's text."""
    from bbmigrate.errors import BBMigrateError
    from bbmigrate.mapping import load_mappings, map_resource

    found = []
    for quirks in (True, False):
        mapping = load_mappings(folder, quirks=quirks)
        for doc in documents:
            try:
                found.append(orjson.dumps(map_resource(doc, mappings=mapping)).decode())
            except BBMigrateError as exc:
                found.append(f"{type(exc).__name__}: {exc}")
    return found


def main() -> None:
    import bbmigrate
    from bbmigrate.mapping.native import compiled

    asked = orjson.loads(sys.stdin.buffer.read())
    answer = {
        "package": bbmigrate.__file__,
        "compiled": list(compiled()),
        "results": results(asked["documents"], asked["mappings"]),
    }
    sys.stdout.buffer.write(orjson.dumps(answer))


if __name__ == "__main__":
    main()
