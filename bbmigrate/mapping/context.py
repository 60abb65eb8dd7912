"""Per-resource state while rules run: variables, consumed v1 paths, provenance and links.

Bookkeeping is only done when asked for (``track=True``): plain ``map_resource`` pays for none
of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class Context:
    mapping: MappingSet
    root: Any
    variables: dict[str, Any]
    track: bool = False
    provenance: bool = False
    consumed: set[tuple] = field(default_factory=set)
    records: list[tuple] = field(default_factory=list)
    origins: dict[int, Any] = field(default_factory=dict)
    links: list[tuple[list, int, Link]] = field(default_factory=list)
    resolved: dict[str, dict[Any, list[int]]] = field(default_factory=dict)
    new_numbers: dict[int, int] = field(default_factory=dict)
    children: list[tuple] = field(default_factory=list)
    nested: Any = None
    out: Any = None
    origin: Any = None
    followed: set[int] = field(default_factory=set)
    # provenance only (see tracing): where merged or deduped containers went, slices created
    alias: dict[int, tuple] = field(default_factory=dict)
    slices: dict[int, Any] = field(default_factory=dict)
    # plain mapping only (see valueops): (container, key) slots an empty element may be in
    maybe_empty: list[tuple] = field(default_factory=list)
    # what a path under the v1 root gives, by the path's id (see refs.linked_refs): guards and
    # lookups of every element ask the same question of the same (unchanging) input
    refs: dict[int, tuple] = field(default_factory=dict)

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
