"""Installed distributions' versions, read from their ``*.dist-info`` folder names.

``importlib.metadata`` costs ~35 ms to import (email, zipfile, csv): more than a third of what
``bbmigrate validate`` of one file should take. The stored R4B schema and FHIRPath trees only
need to know whether the versions that wrote them are the installed ones, which the folder
names on ``sys.path`` tell. Anything unusual (no folder, two of them) answers ``None``, and the
callers then do without their stored data: slower, never wrong.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache

_DIST_INFO = re.compile(r"(?P<name>.+?)-(?P<version>[^-]+)\.dist-info$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@cache
def _versions(folder: str) -> dict[str, frozenset[str]]:
    """The ``*.dist-info`` versions in ``folder`` by normalised name (read once per folder:
    the validator asks for a few distributions, each on every ``sys.path`` entry)."""
    try:
        entries = os.listdir(folder or ".")
    except OSError:
        return {}
    found: dict[str, set[str]] = {}
    for entry in entries:
        if entry.endswith(".dist-info") and (match := _DIST_INFO.match(entry)):
            found.setdefault(_normal(match["name"]), set()).add(match["version"])
    return {name: frozenset(versions) for name, versions in found.items()}


def version(distribution: str) -> str | None:
    """The installed version of ``distribution`` (first ``sys.path`` entry that has one)."""
    wanted = _normal(distribution)
    for folder in sys.path:
        found = _versions(folder).get(wanted)
        if found:
            return next(iter(found)) if len(found) == 1 else None
    return None
