"""Per-resource state while rules run: variables, consumed v1 paths, provenance and links.

Bookkeeping is only done when asked for (``track=True``): plain ``map_resource`` pays for none
of it.
"""

from __future__ import annotations

from typing import Any

from .model import MappingSet, Rule
from .paths import format_path
from .tracing import leaves


class Link:
    """A placeholder for a sequence number in a v2 link list, resolved by ``renumber``.

    ``old`` is the v1 sequence it pointed to; ``element`` is set instead when a rule created the
    linked element itself (e.g. an item extension that became a supportingInfo entry).
    """

    __slots__ = ("element", "old", "target")

    def __init__(self, target: str, old: Any = None, element: dict | None = None) -> None:
        self.target = target
        self.old = old
        self.element = element


class Context:
    """What one resource's rules share while they run (one per resource mapped).

    A plain class with slots: one is made per resource, and a dataclass's ``__init__`` with a
    dozen default factories costs more than the rules of a small resource.
    """

    __slots__ = (
        "alias", "children", "consumed", "followed", "links", "mapping", "maybe_empty", "nested",
        "new_numbers", "origin", "origins", "out", "provenance", "records", "refs", "resolved",
        "root", "slices", "track", "variables",
    )  # fmt: skip

    def __init__(
        self,
        mapping: MappingSet,
        root: Any,
        variables: dict[str, Any],
        track: bool = False,
        provenance: bool = False,
    ) -> None:
        self.mapping = mapping
        self.root = root
        self.variables = variables
        self.track = track
        self.provenance = provenance
        self.consumed: set[tuple] = set()
        self.records: list[tuple] = []
        self.origins: dict[int, Any] = {}
        self.links: list[tuple[list, int, Link]] = []
        self.resolved: dict[str, dict[Any, list[int]]] = {}
        self.new_numbers: dict[int, int] = {}
        self.children: list[tuple] = []
        self.nested: Any = None
        self.out: Any = None
        self.origin: Any = None
        self.followed: set[int] = set()
        # provenance only (see tracing): where merged or deduped containers went, slices made
        self.alias: dict[int, tuple] = {}
        self.slices: dict[int, Any] = {}
        # plain mapping only (see valueops): (container, key) slots an empty element may be in
        self.maybe_empty: list[tuple] = []
        # what a path under the v1 root gives, by the path's id (see refs.linked_refs): guards
        # and lookups of every element ask the same question of the same (unchanging) input
        self.refs: dict[int, tuple] = {}

    def consume(self, rule: Rule, at: tuple, value: Any, dst: Any = None, key: Any = None) -> None:
        """Record that the v1 subtree at ``at`` was used by ``rule``.

        ``dst[key]`` (``dst`` itself when ``key`` is None) is the node it all went to; without
        ``dst`` it was dropped. Ops that write a copy of the value use ``tracing.wrote``.
        """
        if not self.track:
            return
        self.consumed.add(at)
        if self.provenance:
            for rel in leaves(value, at):
                self.records.append((rule, format_path(rel), dst, key))


def leaf_paths(value: Any) -> list[tuple]:
    return leaves(value)
