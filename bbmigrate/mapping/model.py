"""The frozen mapping model: what the loader builds once and everything else reads.

``MappingSet`` → per resource type (and, for EOBs, per claim type) an ordered tuple of ``Rule``s,
plus the code tables (``ConceptTable``), the declared v2 gaps and the v1 drops. The engine, the
diff and the comparison tables consume this model; none of them reads YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from .paths import Path

Change = Literal["same", "moved", "recoded", "added", "removed"]
CHANGES: tuple[str, ...] = ("same", "moved", "recoded", "added", "removed")
GUARD_PARAMS = ("when_path", "unless_path", "linked_from_path", "unlinked_from_path")
# ops whose every effect comes from a match of their v1 path: no match, nothing to do
V1_DRIVEN = frozenset({"copy", "lookup", "drop", "each", "route", "link", "rewrite", "resource"})


@dataclass(frozen=True)
class Origin:
    """Where a rule was written: file (relative to the mappings folder) and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Rule:
    """One mapping rule. ``v1``/``v2`` are the path texts as written; ``params`` are op-specific."""

    id: str
    op: str
    v1: str | None
    v2: str | None
    note: str
    origin: Origin
    variable: str | None = None
    claim_types: tuple[str, ...] = ()
    change: Change = "moved"
    quirk: bool = False
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    rules: tuple[Rule, ...] = ()
    v1_path: Path = ()
    v2_path: Path = ()
    # derived once here so the engine does not re-inspect params for every element
    guarded: bool = field(default=False, init=False, compare=False, repr=False)
    v1_head: str | None = field(default=None, init=False, compare=False, repr=False)
    whole_copy: bool = field(default=False, init=False, compare=False, repr=False)
    exact_paths: bool = field(default=False, init=False, compare=False, repr=False)
    v2_field: str | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "guarded", any(key in self.params for key in GUARD_PARAMS))
        if self.op in V1_DRIVEN and self.v1_path:
            # the field a v1 element must have for the rule to match anything in it
            object.__setattr__(self, "v1_head", self.v1_path[0][1])
        if len(self.v2_path) == 1 and self.v2_path[0][0] == "field":  # writes one plain field
            object.__setattr__(self, "v2_field", self.v2_path[0][1])
        # concrete v1 paths are built only where something reads them: tracking, or the error
        # position of a nested resource (a Bundle entry)
        nested = self.walk()
        next(nested)
        object.__setattr__(self, "exact_paths", any(r.op == "resource" for r in nested))
        # an unconditional copy of the whole element onto the element being built
        whole = self.op == "copy" and not self.v1_path and not self.v2_path
        if whole and not (self.claim_types or self.quirk or self.guarded):
            object.__setattr__(self, "whole_copy", set(self.params) <= {"reshape", "except"})

    @cached_property
    def text(self) -> str:
        """The rule in full (fields, nested rules, origin): rules of equal text are equal, and
        generated code is named by it (codegen). Kept: a large rule's text is long to make."""
        return repr(self)

    def walk(self):
        """This rule and every nested rule, depth first."""
        yield self
        for child in self.rules:
            yield from child.walk()
        for route in self.params.get("routes", {}).values():
            for child in route.rules:
                yield from child.walk()


@dataclass(frozen=True)
class Route:
    """One branch of a ``route`` rule: where a matched v1 element goes and how it is built."""

    name: str
    v2: str | None
    v2_path: Path
    rules: tuple[Rule, ...]
    drop: str | None = None
    backlink: str | None = None


@dataclass(frozen=True)
class ConceptTable:
    """A code table: key (usually a BB variable URL or a v1 code) → row (a value or a dict)."""

    id: str
    note: str
    rows: MappingProxyType
    origin: Origin

    def get(self, key: Any) -> Any:
        return self.rows.get(str(key))


@dataclass(frozen=True)
class Gap:
    """A v2 element that v1 cannot provide (declared so diff and tables can explain it)."""

    id: str
    v2: str
    reason: str
    origin: Origin
    variable: str | None = None
    claim_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceMap:
    """The rules for one resource type, or one EOB claim type."""

    resource: str
    claim_type: str | None
    rules: tuple[Rule, ...]
    variables: MappingProxyType

    def all_rules(self):
        for rule in self.rules:
            yield from rule.walk()


@dataclass(frozen=True)
class MappingSet:
    """Everything under ``mappings/``, validated and compiled."""

    root: str
    maps: MappingProxyType  # key "Patient", "Coverage", "ExplanationOfBenefit/carrier", ...
    tables: MappingProxyType
    gaps: tuple[Gap, ...]
    quirks: bool = True
    claim_types: tuple[str, ...] = ()
    # run-time memo of things derived from the frozen rules (e.g. resolved table chains)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def for_resource(self, resource: str, claim_type: str | None = None) -> ResourceMap | None:
        key = f"{resource}/{claim_type}" if claim_type else resource
        return self.maps.get(key)

    def drops(self) -> list[Rule]:
        """Every rule that drops v1 data on purpose, with its reason in ``note``."""
        seen: dict[str, Rule] = {}
        for rmap in self.maps.values():
            for rule in rmap.all_rules():
                if rule.op == "drop":
                    seen.setdefault(rule.id, rule)
        return list(seen.values())

    def rule_counts(self) -> dict[str, Any]:
        """Counts for ``mappings check``: rules per map, per op and per change kind."""
        per_map: dict[str, int] = {}
        per_op: dict[str, int] = {}
        per_change: dict[str, int] = {}
        unique: dict[str, Rule] = {}
        for key, rmap in self.maps.items():
            rules = list(rmap.all_rules())
            per_map[key] = len(rules)
            for rule in rules:
                unique.setdefault(rule.id, rule)
        for rule in unique.values():
            per_op[rule.op] = per_op.get(rule.op, 0) + 1
            per_change[rule.change] = per_change.get(rule.change, 0) + 1
        return {
            "rules": len(unique),
            "tables": len(self.tables),
            "gaps": len(self.gaps),
            "quirk_rules": sum(1 for r in unique.values() if r.quirk),
            "per_map": per_map,
            "per_op": dict(sorted(per_op.items())),
            "per_change": dict(sorted(per_change.items())),
        }


@dataclass(frozen=True)
class Provenance:
    """Where one leaf came from: concrete JSON paths into the v1 input and the v2 output."""

    rule_id: str
    variable: str | None
    v1_path: str | None
    v2_path: str | None
