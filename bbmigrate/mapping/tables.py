"""Concept tables as the ops read them: a rule's ``table`` (a name or a chain of names, with
``${var}`` filled in) resolved once per mapping set and looked up by text key.
"""

from __future__ import annotations

from typing import Any

from ..errors import RuleError
from .context import Context
from .model import MappingSet, Rule
from .paths import fill_text
from .refs import linked_set
from .shapes import plain, templated


class _Chain:
    """Several tables looked up in order: a claim-type table first, then the shared one."""

    def __init__(self, tables: list) -> None:
        self.tables = tables
        self.rows = [t.rows for t in tables]
        self.id = "+".join(t.id for t in tables)

    def get(self, key: Any) -> Any:
        key = str(key)  # table keys are text (ConceptTable.get)
        for rows in self.rows:
            row = rows.get(key)
            if row is not None:
                return row
        return None


def table_for(rule: Rule, ctx: Context) -> _Chain:
    memo = ctx.mapping.memo
    chain = memo.get(id(rule))  # rules live as long as their mapping set, and so does memo
    if chain is not None:
        return chain
    names = rule.params["table"]
    names = tuple(names) if isinstance(names, list) else (names,)
    templated = any("${" in n for n in names)
    names = tuple(fill_text(n, ctx.variables) for n in names) if templated else names
    chain = table_chain(ctx.mapping, names)
    if chain is None:
        raise RuleError(
            f"rule {rule.id}: no concept table {rule.params['table']!r}", where=str(rule.origin)
        )
    if not templated:
        memo[id(rule)] = chain
    return chain


def table_chain(mapping: MappingSet, names: tuple[str, ...]) -> _Chain | None:
    """The tables ``names`` (already filled in) that exist, looked up in order; None: none."""
    chain = mapping.memo.get(("table", names))
    if chain is None:
        tables = [mapping.tables[n] for n in names if n in mapping.tables]
        if not tables:
            return None
        chain = mapping.memo[("table", names)] = _Chain(tables)
    return chain


DROPPED = object()  # ``recode``: the value is dropped (``default: drop``)


def link_suffix(rule: Rule, ctx: Context, src: Any) -> str:
    """``|linked`` / ``|unlinked`` for a ``linked_by`` lookup (is ``src`` referenced from its
    path, e.g. by an item?); "" for a plain lookup."""
    linked = rule.params.get("linked_path")
    if linked is None:
        return ""
    return "|linked" if src.get("sequence") in linked_set(ctx, linked) else "|unlinked"


def recode(rule: Rule, table: Any, value: Any, suffix: str, variables: dict) -> Any:
    """What a lookup writes for ``value``: its row (or the row's ``field``), else the default."""
    row = table.get(f"{value}{suffix}") if suffix else None
    if row is None:
        row = table.get(value)
    if row is not None:
        field = rule.params.get("field")
        return plain(row[field] if field and isinstance(row, dict) else row)
    default = rule.params.get("default", "keep")
    if default == "keep":
        return plain(value)
    if default == "drop":
        return DROPPED
    if default == "error":
        raise RuleError(
            f"rule {rule.id}: value {value!r} not in table {table.id}", where=str(rule.origin)
        )
    # a fixed value, ${var} filled in (e.g. the claim type's default coding)
    return templated(plain(default), {**variables, "value": value})
