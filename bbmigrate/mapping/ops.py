"""The closed set of generic operations rules are made of.

Each op knows its parameters (checked at load time) and how to apply itself to one v1 node
(``src``, at concrete path ``at``) and the v2 node being built (``dst``). No op names a BB2
variable or a FHIR field: all of that knowledge is in the YAML rules and concept tables.

=========  ===========================================================================
op         what it does
=========  ===========================================================================
copy       copy each v1 match to the v2 path (Money reshaped STU3 → R4 by default)
constant   write a fixed value (``${var}`` filled in) to the v2 path
lookup     translate each v1 value through a concept table, write the row (or a field)
drop       consume v1 data on purpose; ``note`` says why
each       for each v1 element build one v2 element with nested ``rules`` (``follow``: from the
           contained resource a local reference points at; ``bind``: variables from the element)
route      like ``each``, but the branch (``routes``) is chosen by a table keyed on the
           element (e.g. an extension's variable URL); ``default`` handles unknown keys
link       turn v1 sequence references into links that ``renumber`` resolves
renumber   number a v2 list 1..n (optionally ordered by a table) and resolve its links
rewrite    copy a string with a regular-expression substitution
dedupe     keep the first of identical elements of a v2 list
resource   map a nested v1 resource (a Bundle entry) with its own rules
=========  ===========================================================================
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import BBMigrateError, RuleError
from .context import Context, Link
from .model import Rule
from .paths import (
    ROOT,
    equals,
    fill,
    fill_text,
    first,
    format_path,
    lookup_var,
    put,
    select,
    values,
)
from .refs import bound_variables, follow_reference, is_linked

MONEY_SYSTEM = "urn:iso:std:iso:4217"
_WHOLE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


# --- value reshapes (datatype conversions, applied to copied subtrees) -----------------------


def reshape_money(value: Any) -> Any:
    """STU3 Money ``{value, system: iso4217, code}`` → R4 ``{value, currency}``, recursively.

    Always returns fresh containers, so the result is a copy the output may own.
    """
    if isinstance(value, dict):
        return _money_dict(value)
    if isinstance(value, list):
        return [reshape_money(v) for v in value]
    return value


def _money_dict(value: dict) -> dict:
    money = value.get("system") == MONEY_SYSTEM and "code" in value
    out = {}
    for key, child in value.items():
        if money and (key == "system" or key == "code"):
            continue
        if isinstance(child, dict):
            child = _money_dict(child)
        elif isinstance(child, list):
            child = [reshape_money(v) for v in child]
        out[key] = child
    if money:
        out["currency"] = value["code"]
    return out


def _plain(value: Any) -> Any:
    """A copy of a JSON value (containers only; scalars are immutable)."""
    if isinstance(value, dict):
        return {k: _plain(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) if isinstance(v, dict | list) else v for v in value]
    return value


RESHAPES = {"money": reshape_money, "none": _plain}


def _templated(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if "${" not in value:
            return value
        whole = _WHOLE.fullmatch(value)
        if whole:  # "${name}" alone yields the variable itself (it may be a coding or a list)
            return _plain(lookup_var(variables, whole.group(1)))
        return fill_text(value, variables)
    if isinstance(value, dict):
        return {k: _templated(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_templated(v, variables) for v in value]
    return value


def _put(ctx: Context, dst: dict, path, value: Any) -> tuple[Any, Any]:
    if path and path[0][0] == ROOT:
        dst = ctx.out
    if getattr(path, "templated", True):
        path = fill(path, ctx.variables)
    return put(dst, path, value)


def _place(ctx: Context, dst: dict, rule: Rule, value: Any) -> tuple[Any, Any]:
    """Write ``value`` at the rule's v2 path; return the written object (or its slot)."""
    container, key = _put(ctx, dst, rule.v2_path, value)
    if key is None:
        return container, None
    placed = container[key]
    if isinstance(placed, dict | list):
        return placed, None
    return container, key


def _guard(rule: Rule, src: Any, ctx: Context) -> bool:
    """Optional ``when`` / ``unless`` (paths that must / must not match under ``src``)."""
    if not rule.guarded:
        return True
    params = rule.params
    when = params.get("when_path")
    if when is not None and not _holds(src, when, params.get("when_value"), ctx):
        return False
    unless = params.get("unless_path")
    if unless is not None and _holds(src, unless, params.get("unless_value"), ctx):
        return False
    linked = params.get("linked_from_path")
    if linked is not None and not is_linked(src, linked, ctx):
        return False
    unlinked = params.get("unlinked_from_path")
    return not (unlinked is not None and is_linked(src, unlinked, ctx))


def _holds(src: Any, path, want: str | None, ctx: Context) -> bool:
    if path and path[0][0] == ROOT:  # a condition on the v2 output built so far
        src, path = ctx.out, path[1:]
    found = values(src, path)
    if want is None:
        return bool(found)
    return any(equals(value, want) for value in found)


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


def _table(rule: Rule, ctx: Context) -> _Chain:
    names = rule.params["table"]
    names = tuple(names) if isinstance(names, list) else (names,)
    names = tuple(fill_text(n, ctx.variables) if "${" in n else n for n in names)
    memo = ctx.mapping.memo
    chain = memo.get(("table", names))
    if chain is None:
        tables = [ctx.mapping.tables[n] for n in names if n in ctx.mapping.tables]
        if not tables:
            raise RuleError(
                f"rule {rule.id}: no concept table {rule.params['table']!r}", where=str(rule.origin)
            )
        chain = memo[("table", names)] = _Chain(tables)
    return chain


def op_copy(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    reshape = RESHAPES[rule.params.get("reshape", "money")]
    skip = rule.params.get("except")
    for rel, value in list(select(src, rule.v1_path)):
        if skip and isinstance(value, dict):
            kept = {k: v for k, v in value.items() if k not in skip}
            if not kept:
                continue
            obj, key = _place(ctx, dst, rule, reshape(kept))
            if ctx.track:
                for name, child in kept.items():
                    ctx.consume(rule, (*at, *rel, name), child, obj, name if key is None else key)
            continue
        obj, key = _place(ctx, dst, rule, reshape(value))
        ctx.consume(rule, (*at, *rel), value, obj, key)


def op_constant(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    # _templated builds fresh containers, so the rule's own value is never shared with output
    value = _templated(rule.params["value"], ctx.variables)
    obj, key = _place(ctx, dst, rule, value)
    ctx.produced(rule, value, obj, key)


def op_lookup(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    table = _table(rule, ctx)
    field = rule.params.get("field")
    default = rule.params.get("default", "keep")
    linked = rule.params.get("linked_path")
    suffix = ""
    if linked is not None:
        # a context-dependent code: is this element referenced from elsewhere (e.g. by an item)?
        refs = set()
        for ref in values(ctx.root, linked):
            refs.update(ref if isinstance(ref, list) else [ref])
        suffix = "|linked" if src.get("sequence") in refs else "|unlinked"
    for rel, value in list(select(src, rule.v1_path)):
        row = table.get(f"{value}{suffix}") if suffix else None
        if row is None:
            row = table.get(value)
        if row is None:
            if default == "keep":
                out = _plain(value)
            elif default == "drop":
                ctx.consume(rule, (*at, *rel), value)
                continue
            elif default == "error":
                raise RuleError(
                    f"rule {rule.id}: value {value!r} not in table {table.id}",
                    where=str(rule.origin),
                )
            else:  # a fixed value, ${var} filled in (e.g. the claim type's default coding)
                out = _templated(_plain(default), {**ctx.variables, "value": value})
        else:
            out = _plain(row[field] if field and isinstance(row, dict) else row)
        obj, key = _place(ctx, dst, rule, out)
        ctx.consume(rule, (*at, *rel), value, obj, key)


def op_drop(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    if ctx.track:
        for rel, value in list(select(src, rule.v1_path)):
            ctx.consume(rule, (*at, *rel), value)


def _build(
    ctx: Context, dst: dict, v2_path, children, elem: Any, at: tuple, origin: Any
) -> dict | None:
    """Run ``children`` on one v1 element into a new v2 element placed at ``v2_path``."""
    target: dict = {}
    saved = ctx.origin
    ctx.origin = origin if origin is not None else saved
    try:
        for child in children:
            apply(child, ctx, elem, at, target)
    finally:
        ctx.origin = saved
    if not target:
        return None
    container, key = _put(ctx, dst, v2_path, target)
    placed = container if key is None else container[key]
    if origin is not None and isinstance(placed, dict):
        ctx.origins[id(placed)] = origin
    return placed


def _origin(ctx: Context, elem: Any, origin_path) -> Any:
    """The v1 sequence a new element stands for; ``origin: "^"`` inherits the enclosing one."""
    if origin_path is None:
        return None
    if origin_path == (("field", "^"),):
        return ctx.origin
    return first(elem, origin_path)


def _consume_origin(rule: Rule, ctx: Context, elem: Any, here: tuple) -> None:
    """The v1 sequence is consumed: renumber writes the new one and remaps links to it."""
    path = rule.params.get("origin_path")
    if ctx.track and path and path != (("field", "^"),):
        for rel, value in select(elem, path):
            ctx.consume(rule, (*here, *rel), value)


def op_each(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    origin_path = rule.params.get("origin_path")
    follow = rule.params.get("follow_path")
    saved = ctx.variables
    for rel, elem in list(select(src, rule.v1_path)):
        if follow is None and not _guard(rule, elem, ctx):
            continue
        here = (*at, *rel)
        if follow is not None:
            found = follow_reference(rule, ctx, elem, here, _guard)
            if found is None:
                continue
            here, elem = found
        elif id(elem) in ctx.followed:
            continue  # already mapped where a reference to it was followed
        ctx.variables = bound_variables(rule, ctx, elem)
        try:
            origin = _origin(ctx, elem, origin_path)
            _consume_origin(rule, ctx, elem, here)
            _build(ctx, dst, rule.v2_path, rule.rules, elem, here, origin)
        finally:
            ctx.variables = saved


def op_route(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    table = _table(rule, ctx)
    routes = rule.params["routes"]
    key_path = rule.params["key_path"]
    saved = ctx.variables
    for rel, elem in list(select(src, rule.v1_path)):
        if not _guard(rule, elem, ctx):
            continue
        key = first(elem, key_path)
        row = table.get(key) if key is not None else None
        name = row.get("route", "default") if isinstance(row, dict) else (row or "default")
        # a row may name several routes: the element is then mapped by each of them in turn
        for one in name if isinstance(name, list) else [name]:
            _one_route(
                rule,
                ctx,
                routes.get(one) or routes["default"],
                elem,
                (*at, *rel),
                dst,
                {**saved, "key": key, "row": row if isinstance(row, dict) else {}},
            )


def _one_route(
    rule: Rule, ctx: Context, route: Any, elem: Any, here: tuple, dst: dict, variables: dict
) -> None:
    if route.drop is not None:
        ctx.consume(rule, here, elem)
        return
    saved = ctx.variables
    ctx.variables = variables
    try:
        origin = _origin(ctx, elem, rule.params.get("origin_path"))
        _consume_origin(rule, ctx, elem, here)
        placed = _build(ctx, dst, route.v2_path, route.rules, elem, here, origin)
    finally:
        ctx.variables = saved
    if placed is not None and route.backlink:
        links = dst.setdefault(route.backlink, [])
        target_list = route.v2_path[0][1] if route.v2_path else ""
        links.append(Link(target_list, element=placed))
        ctx.links.append((links, len(links) - 1, links[-1]))


def op_link(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    target = rule.params["target"]
    for rel, value in list(select(src, rule.v1_path)):
        olds = value if isinstance(value, list) else [value]
        markers = [Link(target, old=o) for o in olds]
        container, key = put(dst, fill(rule.v2_path, ctx.variables), markers)
        links = container[key]
        for i, marker in enumerate(links):
            if isinstance(marker, Link) and marker in markers:
                ctx.links.append((links, i, marker))
        ctx.consume(rule, (*at, *rel), value, links, None)


def op_renumber(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    items = dst.get(rule.v2_path[0][1]) if rule.v2_path else None
    if not isinstance(items, list):
        return
    order_path = rule.params.get("order_path")
    if order_path is not None:
        ranks = _table(rule, ctx)
        big = 1_000_000

        def rank(item: Any) -> int:
            for code in values(item, order_path):
                row = ranks.get(code)
                if row is not None:
                    return int(row)
            return big

        items.sort(key=rank)
        ctx.variables.setdefault("_sorted", set()).add(rule.v2_path[0][1])
    field = rule.params.get("field", "sequence")
    by_old: dict[Any, list[int]] = {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue
        item[field] = number
        ctx.new_numbers[id(item)] = number
        old = ctx.origins.get(id(item))
        if old is not None:
            by_old.setdefault(old, []).append(number)
    ctx.resolved[rule.v2_path[0][1]] = by_old


def op_dedupe(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    """Keep the first of identical elements of a v2 list (v1 may repeat an extension verbatim)."""
    for items in values(dst, rule.v2_path):
        if not isinstance(items, list):
            continue
        kept: list[Any] = []
        for item in items:
            if not any(item == other for other in kept):
                kept.append(item)
        items[:] = kept


def op_rewrite(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    pattern = rule.params["pattern_re"]
    repl = rule.params["replace"]
    for rel, value in list(select(src, rule.v1_path)):
        out = pattern.sub(repl, value) if isinstance(value, str) else value
        obj, key = _place(ctx, dst, rule, out)
        ctx.consume(rule, (*at, *rel), value, obj, key)


def op_resource(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    for rel, value in list(select(src, rule.v1_path)):
        here = (*at, *rel)
        try:
            out, child = ctx.nested(value)
        except BBMigrateError as exc:
            where = format_path(here)
            exc.where = f"{where}: {exc.where}" if exc.where else where
            raise
        obj, _ = _place(ctx, dst, rule, out)
        if ctx.track:
            ctx.consumed.update((*here, *path) for path in child.consumed)
            ctx.children.append((here, child, out, obj))


def resolve_links(ctx: Context) -> None:
    """Replace link placeholders by the final sequence numbers (dropping dangling ones)."""
    touched: dict[int, list] = {}
    for links, index, marker in ctx.links:
        if index >= len(links) or links[index] is not marker:
            continue
        if marker.element is not None:
            number = ctx.new_numbers.get(id(marker.element))
            links[index] = [number] if number is not None else []
        else:
            table = ctx.resolved.get(marker.target)
            if table is None:
                links[index] = [marker.old]
            else:
                links[index] = table.get(marker.old, [])
        touched[id(links)] = links
    for links in touched.values():
        flat: list[Any] = []
        for entry in links:
            for number in entry if isinstance(entry, list) else [entry]:
                if number not in flat:
                    flat.append(number)
        links[:] = sorted(flat, key=lambda n: (not isinstance(n, int), n))


_GUARDS = frozenset({"when", "unless", "linked_from", "unlinked_from"})
# name -> (function, required params, optional params)
OPS: dict[str, tuple[Any, frozenset[str], frozenset[str]]] = {
    "copy": (op_copy, frozenset(), _GUARDS | {"reshape", "except"}),
    "constant": (op_constant, frozenset({"value"}), _GUARDS),
    "lookup": (op_lookup, frozenset({"table"}), frozenset({"field", "default", "linked_by"})),
    "drop": (op_drop, frozenset(), frozenset()),
    "each": (op_each, frozenset({"rules"}), _GUARDS | {"origin", "follow", "follow_to", "bind"}),
    "route": (op_route, frozenset({"table", "key", "routes"}), _GUARDS | {"origin"}),
    "link": (op_link, frozenset({"target"}), frozenset()),
    "renumber": (op_renumber, frozenset(), frozenset({"order", "table", "field"})),
    "rewrite": (op_rewrite, frozenset({"pattern", "replace"}), frozenset()),
    "dedupe": (op_dedupe, frozenset(), frozenset()),
    "resource": (op_resource, frozenset(), frozenset()),
}
NEEDS_V1 = {"resource", "copy", "lookup", "drop", "each", "route", "link", "rewrite"}
NEEDS_V2 = {
    "resource",
    "copy",
    "constant",
    "lookup",
    "each",
    "link",
    "renumber",
    "rewrite",
    "dedupe",
}
COMPILE_RE = re.compile
_FUNCS = {name: spec[0] for name, spec in OPS.items()}
_GUARDED_HERE = frozenset({"constant", "copy"})  # the other ops test guards per element


def apply(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    """Apply one rule (skipping it when its claim types or guards do not match)."""
    head = rule.v1_head
    if head is not None and type(src) is dict and head not in src:
        return  # most nested rules find nothing in a given element: skip them first
    if rule.claim_types and ctx.variables.get("claim_type") not in rule.claim_types:
        return
    if rule.quirk and not ctx.mapping.quirks:
        return
    if rule.guarded and rule.op in _GUARDED_HERE and not _guard(rule, src, ctx):
        return
    try:
        _FUNCS[rule.op](rule, ctx, src, at, dst)
    except RuleError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise RuleError(
            f"rule {rule.id} ({rule.op}) failed: {exc}", where=str(rule.origin)
        ) from exc
