"""The bridge to the mapping engine: map v1 with provenance, and index that provenance by path.

The engine reports, for each rule application, a ``Provenance(rule_id, variable, v1_path,
v2_path)`` with concrete JSON paths (``item[0].service.coding[0].code``). A path may name a leaf
or a whole subtree (a copied coding); :class:`ProvenanceIndex` answers for any leaf by walking up
its path to the nearest recorded ancestor and carrying the rest of the path across.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from ..leaves import flatten

_VARIABLE = re.compile(r"/resources/variables/([A-Za-z0-9_]+)")


class ProvenanceLike(Protocol):
    rule_id: str
    variable: str | None
    v1_path: str | None
    v2_path: str | None


MapFn = Callable[[dict[str, Any]], tuple[dict[str, Any], list[Any]]]


@lru_cache(maxsize=65536)
def _variable(text: str) -> str | None:
    found = _VARIABLE.findall(text)
    return found[-1] if found else None


def variable_in(*texts: str | None) -> str | None:
    """The innermost BB2 variable named in a semantic key or URL (``.../variables/clm_id``)."""
    for text in texts:
        if text:
            found = _variable(text)
            if found:
                return found
    return None


def prefixes(path: str) -> Iterator[tuple[str, str]]:
    """``(ancestor, rest)`` for ``path`` itself and then each ancestor, nearest first."""
    yield path, ""
    for index in range(len(path) - 1, 0, -1):
        if path[index] in ".[":
            yield path[:index], path[index:]


@dataclass(frozen=True, slots=True)
class Hit:
    rule: str
    variable: str | None
    other_path: str | None
    """The path on the other side (rest of the path carried over), None when there is none."""


class ProvenanceIndex:
    """Provenance records looked up by v1 path or by v2 (mapped) path."""

    def __init__(self, records: list[Any]) -> None:
        self.by_v1: dict[str, list[Any]] = {}
        self.by_v2: dict[str, list[Any]] = {}
        for record in records:
            if record.v1_path:
                self.by_v1.setdefault(record.v1_path, []).append(record)
            if record.v2_path:
                self.by_v2.setdefault(record.v2_path, []).append(record)

    @staticmethod
    def _lookup(table: dict[str, list[Any]], path: str, *, v1: bool) -> list[Hit]:
        for ancestor, rest in prefixes(path):
            records = table.get(ancestor)
            if records:
                out = []
                for r in records:
                    other = r.v2_path if v1 else r.v1_path
                    out.append(Hit(r.rule_id, r.variable, other + rest if other else None))
                return out
        return []

    def from_v1(self, path: str) -> list[Hit]:
        """Where the rules sent the v1 leaf at ``path`` (``other_path`` None: dropped)."""
        return self._lookup(self.by_v1, path, v1=True)

    def from_v2(self, path: str) -> list[Hit]:
        """Which rules produced the mapped leaf at ``path`` (``other_path`` None: a constant)."""
        return self._lookup(self.by_v2, path, v1=False)


@dataclass(slots=True)
class Mapped:
    """A v1 resource mapped by the engine, with its provenance and its leaves' semantic keys."""

    document: dict[str, Any]
    index: ProvenanceIndex
    key_of: dict[str, str]
    """Concrete path of each mapped leaf → its semantic key."""


def default_mapper() -> MapFn | None:
    """The engine's ``map_with_provenance``, or None while it is not installed."""
    try:
        from ..mapping import map_with_provenance  # type: ignore[attr-defined]
    except ImportError:
        return None
    return map_with_provenance


def map_resource(resource: dict[str, Any], mapper: MapFn) -> Mapped:
    document, records = mapper(resource)
    return Mapped(
        document, ProvenanceIndex(records), {leaf.path: leaf.key for leaf in flatten(document)}
    )
