"""Which of the mapper's helper modules run compiled.

A wheel built on a machine with Cython and a C compiler carries these modules twice: the
``.py`` source and an extension module compiled from that same source (``hatch_build.py``),
which the import system prefers. Elsewhere (no compiler, ``BBMIGRATE_PURE=1``, an editable
install, a source checkout) they are plain Python, with the same behaviour.

``HELPERS`` is read by the build hook too (it loads this file by path, before bbmigrate is
installed), so the list of compiled modules lives in one place; keep this module free of
imports outside the standard library.
"""

from __future__ import annotations

import importlib
from importlib.machinery import EXTENSION_SUFFIXES

# The unchanged modules worth compiling (docs/mapper-speed.md): the hot copy, path and write
# functions (round 7), then what every resource passes through around the generated code:
# dispatch and checks, renumbering and links, references, the interpreter's rare ops, tables
# (round 11). The generated rule modules stay Python, and so does codegen.py: compiled, the
# closures it hands the generated code made mapping slower (measured, round 11).
HELPERS = (
    "valueops",
    "paths",
    "access",
    "write",
    "engine",
    "links",
    "detect",
    "refs",
    "ops",
    "context",
    "tables",
    "shapes",
    "loops",
)


def compiled() -> tuple[str, ...]:
    """The helper modules imported from an extension module rather than from ``.py``."""
    suffixes = tuple(EXTENSION_SUFFIXES)
    names = []
    for name in HELPERS:
        module = importlib.import_module(f"{__package__}.{name}")
        if (getattr(module, "__file__", None) or "").endswith(suffixes):
            names.append(name)
    return tuple(names)


def describe() -> str:
    """One line for benchmarks: ``engine: compiled (valueops, ...)`` or ``engine: pure Python``."""
    names = compiled()
    return f"engine: compiled ({', '.join(names)})" if names else "engine: pure Python"
