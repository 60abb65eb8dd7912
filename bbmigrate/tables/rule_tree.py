"""The mapping model's rule tree as the tables present it: composed paths, route tables, labels.

Nested rules in the mapping files use paths relative to their parent (``@``, ``/root``); a reader
needs the full path. Route rules pick a branch per code-table key, usually a BB2 variable URL, so
their tables say which variables a rule handles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..mapping import ConceptTable, MappingSet, ResourceMap, Rule
from .sample_values import variable_name

SELECTOR = re.compile(r"\[[^\]]*\]")


def compose(base: str | None, path: str | None) -> str | None:
    """A nested rule's path as a reader sees it: relative paths joined to the parent's."""
    if not path:
        return None
    if path == "@":
        return base
    if path.startswith("/"):
        return path[1:]
    return f"{base}.{path}" if base else path


def plain(path: str | None) -> str:
    """A path without its list selectors: ``item[*].adjudication[+]`` -> ``item.adjudication``."""
    return SELECTOR.sub("", path or "").strip(".")


@dataclass
class Placed:
    """Where a rule sits for a reader: its composed v1/v2 paths and its nesting depth."""

    rule: Rule
    v1: str | None
    v2: str | None
    depth: int
    base_v2: str | None = None  # the element the parent builds into


def place_rules(rmap: ResourceMap | None, sheet: str) -> list[Placed]:
    """Every rule that runs for ``sheet``, depth first, with its paths as a reader sees them
    (a parent's claim types bind its children)."""
    out: list[Placed] = []

    def visit(rule: Rule, v1: str | None, v2: str | None, depth: int) -> None:
        if rule.claim_types and sheet not in rule.claim_types:
            return
        target = compose(v2, rule.v2)
        if target is None and rule.params.get("routes"):
            # A route has no target of its own: show where its branches put things.
            branches = [compose(v2, b.v2) for b in rule.params["routes"].values()]
            target = " or ".join(dict.fromkeys(b for b in branches if b)) or None
        here = Placed(rule, compose(v1, rule.v1), target, depth, v2)
        out.append(here)
        for child in rule.rules:
            visit(child, here.v1, here.v2 or v2, depth + 1)
        for branch in rule.params.get("routes", {}).values():
            for child in branch.rules:
                visit(child, here.v1, compose(v2, branch.v2), depth + 1)

    for rule in rmap.rules if rmap else ():
        visit(rule, None, None, 0)
    return out


def worth_a_row(here: Placed) -> bool:
    """Top-level rules always; nested ones only when they say more than 'copy it as is'."""
    rule = here.rule
    if here.depth == 0:
        return True
    return not (rule.v1 in (None, "@") and rule.v2 in (None, "@")) or rule.op == "constant"


def branch_rule(branch: Any, rule: Any) -> Any:
    return branch.rules[0] if branch.rules else rule


def route_tables(
    names: str | list[str], rmap: ResourceMap | None, mappings: MappingSet
) -> Iterator[tuple[ConceptTable, bool]]:
    """The code tables a rule names, each with whether it is specific to the claim type."""
    for name in names if isinstance(names, list) else [names]:
        specific = "${" in name
        for var, value in (rmap.variables if rmap else {}).items():
            name = name.replace("${" + var + "}", str(value))
        table = mappings.tables.get(name)
        if table is not None:
            yield table, specific


def _codings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _codings(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _codings(child)


def mapping_labels(mappings: MappingSet) -> dict[str, str]:
    """Variable labels the mapping files state: a ``label``/``display`` on a code-table row keyed
    by the variable URL, or a constant coding whose code is the variable URL."""
    labels: dict[str, str] = {}
    for table in mappings.tables.values():
        for key, row in table.rows.items():
            name = variable_name(key)
            text = (row.get("label") or row.get("display")) if isinstance(row, dict) else None
            if name and isinstance(text, str) and "${" not in text:
                labels.setdefault(name, text)
    for rmap in mappings.maps.values():
        for rule in rmap.all_rules():
            for node in _codings(rule.params.get("value")):
                name = variable_name(node.get("code"))
                text = node.get("display")
                if name and isinstance(text, str) and "${" not in text:
                    labels.setdefault(name, text)
    return labels
