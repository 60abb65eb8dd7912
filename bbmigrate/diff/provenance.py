"""The bridge to the mapping engine: map v1 with provenance, and index that provenance by path.

The engine reports, for each rule application, a ``Provenance(rule_id, variable, v1_path,
v2_path)`` with concrete JSON paths (``item[0].service.coding[0].code``). A path may name a leaf
or a whole subtree (a copied coding); :class:`ProvenanceIndex` answers for any leaf by walking up
its path to the nearest recorded ancestor and carrying the rest of the path across.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, NamedTuple

from ..errors import BBMigrateError
from ..leaves import Leaf, flatten
from .groups import RuleInfo, variable_labels

_VARIABLE = re.compile(r"/resources/variables/([A-Za-z0-9_]+)")


MapFn = Callable[[dict[str, Any]], tuple[dict[str, Any], list[Any]]]
"""``map_with_provenance``'s shape: v1 → (v2, records with rule_id, variable, v1_path, v2_path).
An object may also offer ``gaps(v1, v2) -> {concrete v2 path: gap id}`` (see :class:`Engine`)."""


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
    end = len(path)
    while True:
        end = max(path.rfind(".", 0, end), path.rfind("[", 0, end))
        if end <= 0:
            return
        yield path[:end], path[end:]


class Hit(NamedTuple):
    rule: str
    variable: str | None
    other_path: str | None
    """The path on the other side (rest of the path carried over), None when there is none."""


_hit = partial(tuple.__new__, Hit)  # no Python-level __new__: one Hit per leaf looked up


class ProvenanceIndex:
    """Provenance records looked up by v1 path or by v2 (mapped) path.

    ``v1_leaves`` / ``v2_leaves`` (the leaf paths of each side) let a lookup tell a copied
    subtree (the rest of the path carries over) from a leaf that became a subtree or the other
    way round (a system looked up into a coding: every leaf of the coding comes from the one
    v1 leaf, with no rest to carry).
    """

    def __init__(
        self,
        records: list[Any],
        v1_leaves: frozenset[str] | set[str] = frozenset(),
        v2_leaves: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        self.by_v1: dict[str, list[Any]] = {}
        self.by_v2: dict[str, list[Any]] = {}
        self.v1_leaves, self.v2_leaves = v1_leaves, v2_leaves
        for record in records:
            if record.v1_path:
                self.by_v1.setdefault(record.v1_path, []).append(record)
            if record.v2_path:
                self.by_v2.setdefault(record.v2_path, []).append(record)

    @staticmethod
    def _lookup(
        table: dict[str, list[Any]], path: str, *, v1: bool, other_leaves: frozenset[str] | set[str]
    ) -> list[Hit]:
        for ancestor, rest in prefixes(path):
            records = table.get(ancestor)
            if records:
                out = []
                for r in records:
                    other = r.v2_path if v1 else r.v1_path
                    if other and rest and other in other_leaves:
                        target: str | None = other
                    else:
                        target = other + rest if other else None
                    out.append(_hit((r.rule_id, r.variable, target)))
                return out
        return []

    def from_v1(self, path: str) -> list[Hit]:
        """Where the rules sent the v1 leaf at ``path`` (``other_path`` None: dropped)."""
        return self._lookup(self.by_v1, path, v1=True, other_leaves=self.v2_leaves)

    def from_v2(self, path: str) -> list[Hit]:
        """Which rules produced the mapped leaf at ``path`` (``other_path`` None: a constant)."""
        return self._lookup(self.by_v2, path, v1=False, other_leaves=self.v1_leaves)


@dataclass(slots=True)
class Mapped:
    """A v1 resource mapped by the engine, with its provenance and its leaves' semantic keys."""

    document: dict[str, Any]
    index: ProvenanceIndex
    key_of: dict[str, str]
    """Concrete path of each mapped leaf → its semantic key."""
    gaps: dict[str, str] = field(default_factory=dict)
    """Concrete paths in the real v2 of elements the mapping declares as gaps → gap id."""
    v1_leaves: list[Leaf] = field(default_factory=list)
    """The v1 resource's leaves (flattened once, shared with the aligner)."""


class Engine:
    """The installed mapping engine: ``map_with_provenance`` plus the declared gaps."""

    def __init__(self) -> None:
        from ..mapping import detect_claim_type, load_mappings, map_with_provenance
        from ..mapping.paths import compile_path, format_path, select

        self._mappings = load_mappings()
        self._map = map_with_provenance
        self._claim_type = detect_claim_type
        self._select, self._format = select, format_path
        self._gaps = [(gap, compile_path(gap.v2)) for gap in self._mappings.gaps]

    def rule_info(self) -> RuleInfo:
        """Every rule's note (and every gap's reason) by id, for the grouped view."""
        notes: dict[str, str] = {}
        for rmap in self._mappings.maps.values():
            for rule in rmap.all_rules():
                if rule.note:
                    notes.setdefault(rule.id, rule.note)
        for gap in self._mappings.gaps:
            notes.setdefault(gap.id, gap.reason)
        return RuleInfo(notes, variable_labels())

    def __call__(self, resource: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        return self._map(resource, mappings=self._mappings)

    def gaps(self, v1: dict[str, Any], v2: dict[str, Any]) -> dict[str, str]:
        """Where the declared gaps of this resource (and claim type) sit in the real v2."""
        if not self._gaps:
            return {}
        claim_type = None
        if v1.get("resourceType") == "ExplanationOfBenefit":
            try:
                claim_type = self._claim_type(v1, self._mappings)
            except BBMigrateError:
                return {}
        out: dict[str, str] = {}
        for gap, path in self._gaps:
            if gap.claim_types and claim_type not in gap.claim_types:
                continue
            for at, _ in self._select(v2, path):
                out.setdefault(self._format(at), gap.id)
        return out


def default_mapper() -> Engine:
    """The mapping engine diffs align through by default."""
    return Engine()


def map_resource(
    resource: dict[str, Any], mapper: MapFn, v2: dict[str, Any] | None = None
) -> Mapped:
    """Map a v1 resource and index the provenance of every mapped leaf (and v2's gaps)."""
    document, records = mapper(resource)
    keys = {leaf.path: leaf.key for leaf in flatten(document)}
    v1_leaves = flatten(resource)
    gap_fn = getattr(mapper, "gaps", None)
    gaps = gap_fn(resource, v2) if gap_fn is not None and v2 is not None else {}
    index = ProvenanceIndex(records, {leaf.path for leaf in v1_leaves}, set(keys))
    return Mapped(document, index, keys, gaps, v1_leaves)
