"""Audit of ``map_with_provenance`` records against the document they describe.

Kinds of defect (each a list of readable strings):

* ``unresolved`` — a record's v2 path does not exist in the final output;
* ``mismatch`` — v1 and v2 paths both name leaves with different values, and the rule is not a
  recoding op (lookup, link, rewrite, renumber, ...);
* ``uncovered`` — a leaf of the output with no record on it or on an ancestor;
* ``ambiguous`` — a leaf whose nearest record path holds records of more than one rule;
* ``lost`` — a record of a writing op (copy, constant) with no v2 path.
"""

from __future__ import annotations

from typing import Any

from bbmigrate.mapping import MappingSet, map_with_provenance
from bbmigrate.mapping.paths import format_path

# ops whose output value is not the v1 value itself
RECODING = frozenset({"lookup", "link", "renumber", "rewrite", "route", "each", "resource"})
WRITING = frozenset({"copy", "constant"})
MONEY_SYSTEM = "urn:iso:std:iso:4217"  # an STU3 Money system: R4 Money has no place for it
KINDS = ("unresolved", "mismatch", "uncovered", "ambiguous", "lost")


def leaves(value: Any, at: tuple = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _walk(value, at, out)
    return out


def _walk(value: Any, at: tuple, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _walk(child, (*at, key), out)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _walk(child, (*at, i), out)
    else:
        out[format_path(at)] = value


def nodes(value: Any) -> set[str]:
    """Every path (leaf or container) in ``value``."""
    out: set[str] = set()

    def walk(node: Any, at: tuple) -> None:
        out.add(format_path(at))
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, (*at, key))
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, (*at, i))

    walk(value, ())
    return out


def _ancestors(path: str):
    yield path
    end = len(path)
    while True:
        end = max(path.rfind(".", 0, end), path.rfind("[", 0, end))
        if end <= 0:
            return
        yield path[:end]


def rule_ops(mapping: MappingSet) -> dict[str, str]:
    ops: dict[str, str] = {}
    for rmap in mapping.maps.values():
        for rule in rmap.all_rules():
            ops[rule.id] = rule.op
    return ops


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return a == b and type(a) is type(b)


def audit(v1: dict, mapping: MappingSet) -> dict[str, list[str]]:
    """Map ``v1`` with provenance and list every defect of its records, by kind."""
    out, records = map_with_provenance(v1, mappings=mapping)
    return check(v1, out, records, rule_ops(mapping))


def check(v1: dict, out: dict, records: list, ops: dict[str, str]) -> dict[str, list[str]]:
    """Every defect of ``records`` as provenance of ``out`` mapped from ``v1``, by kind."""
    v1_leaves, v2_leaves, v2_nodes = leaves(v1), leaves(out), nodes(out)
    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    by_v2: dict[str, set[str]] = {}
    for rec in records:
        op = ops.get(rec.rule_id, "?")
        if rec.v2_path is None:
            money = v1_leaves.get(rec.v1_path) == MONEY_SYSTEM and rec.v1_path.endswith(".system")
            if op in WRITING and not money:
                found["lost"].append(f"{rec.rule_id}: {rec.v1_path}")
            continue
        by_v2.setdefault(rec.v2_path, set()).add(rec.rule_id)
        if rec.v2_path not in v2_nodes:
            found["unresolved"].append(f"{rec.rule_id}: {rec.v2_path}")
            continue
        if rec.v1_path in v1_leaves and rec.v2_path in v2_leaves and op not in RECODING:
            have, want = v2_leaves[rec.v2_path], v1_leaves[rec.v1_path]
            if not _same(have, want):
                found["mismatch"].append(
                    f"{rec.rule_id}: {rec.v1_path}={want!r} -> {rec.v2_path}={have!r}"
                )
    for path in v2_leaves:
        rules = next((by_v2[a] for a in _ancestors(path) if a in by_v2), None)
        if rules is None:
            found["uncovered"].append(path)
        elif len(rules) > 1:
            found["ambiguous"].append(f"{path}: {', '.join(sorted(rules))}")
    return found
