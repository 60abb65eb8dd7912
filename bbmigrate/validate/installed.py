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
def _listing(folder: str) -> tuple[str, ...]:
    try:
        return tuple(os.listdir(folder or "."))
    except OSError:
        return ()


def version(distribution: str) -> str | None:
    """The installed version of ``distribution`` (first ``sys.path`` entry that has one)."""
    wanted = _normal(distribution)
    for folder in sys.path:
        found = {
            match["version"]
            for entry in _listing(folder)
            if (match := _DIST_INFO.match(entry)) and _normal(match["name"]) == wanted
        }
        if found:
            return found.pop() if len(found) == 1 else None
    return None
