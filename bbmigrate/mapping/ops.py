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
from .links import op_link, op_renumber
from .model import Rule
from .paths import ROOT, equals, fill, first, format_path, select, values
from .refs import bound_variables, follow_reference, is_linked
from .shapes import RESHAPES, plain, templated
from .tables import DROPPED, link_suffix, recode, table_for
from .tracing import SOURCES, alias, alias_equal, key_source, leaves, sliced, wrote
from .write import assign, put


def _put(ctx: Context, dst: dict, path, value: Any) -> tuple[Any, Any]:
    if path:
        if path[0][0] == ROOT:
            dst = ctx.out
        if getattr(path, "templated", True):
            path = fill(path, ctx.variables)
    return put(dst, path, value)


def _place(ctx: Context, dst: dict, rule: Rule, value: Any) -> tuple[Any, Any]:
    """Write ``value`` at the rule's v2 path; return the written object (or its slot)."""
    path = rule.v2_path
    if path:  # _put, inlined: this runs for nearly every value written
        if path[0][0] == ROOT:
            dst = ctx.out
        if getattr(path, "templated", True):
            path = fill(path, ctx.variables)
    container, key = put(dst, path, value)
    if ctx.provenance:
        sliced(ctx, rule, dst, path)
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


def op_copy(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    params = rule.params
    reshape = RESHAPES[params.get("reshape", "money")]
    skip = params.get("except")
    track = ctx.track
    if not (track or skip):  # the common case: values only, written where the rule says
        field = rule.v2_field
        for value in values(src, rule.v1_path):
            if field is not None:
                assign(dst, field, reshape(value))
            else:
                _place(ctx, dst, rule, reshape(value))
        return
    for rel, value in select(src, rule.v1_path) if track else _untracked(src, rule.v1_path):
        if skip and isinstance(value, dict):
            kept = {k: v for k, v in value.items() if k not in skip}
            if not kept:
                continue
            fresh = reshape(kept)
            obj, key = _place(ctx, dst, rule, fresh)
            if track:
                ctx.consumed.update((*at, *rel, name) for name in kept)
                if ctx.provenance:
                    wrote(ctx, rule, (*at, *rel), kept, fresh, obj, key)
            continue
        fresh = reshape(value)
        obj, key = _place(ctx, dst, rule, fresh)
        if track:
            ctx.consumed.add((*at, *rel))
            if ctx.provenance:
                wrote(ctx, rule, (*at, *rel), value, fresh, obj, key)


def _untracked(src: Any, path: Any) -> Any:
    return ((None, value) for value in values(src, path))


def op_constant(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    # both build fresh containers, so the rule's own value is never shared with the output
    value = rule.params["value"]
    static = ctx.mapping.memo.get(("static", id(rule)))
    if static is None:
        static = ctx.mapping.memo[("static", id(rule))] = "${" not in repr(value)
    value = plain(value) if static else templated(value, ctx.variables)
    if rule.v2_field is not None and not ctx.provenance:
        assign(dst, rule.v2_field, value)
        return
    obj, key = _place(ctx, dst, rule, value)
    if ctx.provenance:
        wrote(ctx, rule, None, rule.params["value"], value, obj, key)


def op_lookup(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    table = table_for(rule, ctx)
    suffix = link_suffix(rule, ctx, src)
    for rel, value in select(src, rule.v1_path) if ctx.track else _untracked(src, rule.v1_path):
        out = recode(rule, table, value, suffix, ctx.variables)
        if out is DROPPED:
            if ctx.track:  # untracked, ``rel`` is None: there is no path to record
                ctx.consume(rule, (*at, *rel), value)
            continue
        obj, key = _place(ctx, dst, rule, out)
        if ctx.track:
            ctx.consumed.add((*at, *rel))
            if ctx.provenance:  # the v1 value is recoded: it stands for the whole written node
                _recoded(ctx, rule, (*at, *rel), value, out, obj, key)


def _recoded(
    ctx: Context, rule: Rule, here: tuple, value: Any, out: Any, obj: Any, key: Any
) -> None:
    """Provenance of a v1 node written as a recoded ``out``: the whole written node."""
    if isinstance(out, dict | list):
        alias(ctx, out, obj)
        obj, key = out, None
    ctx.records.extend((rule, format_path(rel), obj, key) for rel in leaves(value, here))


def op_drop(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    if ctx.track:
        for rel, value in list(select(src, rule.v1_path)):
            ctx.consume(rule, (*at, *rel), value)


def _build(
    ctx: Context,
    dst: dict,
    v2_path,
    children,
    elem: Any,
    at: tuple,
    origin: Any,
    rule: Rule | None = None,
) -> dict | None:
    """Run ``children`` on one v1 element into a new v2 element placed at ``v2_path``."""
    target: dict = {}
    if children and children[0].whole_copy and not ctx.track and isinstance(elem, dict):
        # the element starts as a copy of the v1 one: take the copy itself, not a merge into {}
        first_rule, children = children[0], children[1:]
        target = _whole_copy(first_rule, elem)
    saved = ctx.origin
    ctx.origin = origin if origin is not None else saved
    try:
        for child in children:
            apply(child, ctx, elem, at, target)
    finally:
        ctx.origin = saved
    if not target:
        return None
    if v2_path:  # _put, inlined
        if v2_path[0][0] == ROOT:
            dst = ctx.out
        if getattr(v2_path, "templated", True):
            v2_path = fill(v2_path, ctx.variables)
    container, key = put(dst, v2_path, target)
    placed = container if key is None else container[key]
    if ctx.provenance:
        alias(ctx, target, placed)
        if rule is not None:
            sliced(ctx, rule, dst, v2_path)  # the slice is the building rule's
    if origin is not None and isinstance(placed, dict):
        ctx.origins[id(placed)] = origin
    return placed


def _whole_copy(rule: Rule, elem: dict) -> dict:
    """What ``op_copy`` of ``@`` onto ``@`` leaves in a new, empty element."""
    params = rule.params
    skip = params.get("except")
    kept = {k: v for k, v in elem.items() if k not in skip} if skip else elem
    return RESHAPES[params.get("reshape", "money")](kept) if kept else {}


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


def _elements(rule: Rule, ctx: Context, src: Any, at: tuple) -> list | Any:
    """``(concrete path, element)`` per v1 match; the path is ``at`` when nothing will read it."""
    if ctx.track or rule.exact_paths:
        return select(src, rule.v1_path, at)
    return ((at, elem) for elem in values(src, rule.v1_path))


def op_each(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    origin_path = rule.params.get("origin_path")
    follow = rule.params.get("follow_path")
    saved = ctx.variables
    guarded = rule.guarded
    for here, elem in _elements(rule, ctx, src, at):
        if follow is None and guarded and not _guard(rule, elem, ctx):
            continue
        if follow is not None:
            found = follow_reference(rule, ctx, elem, here, _guard)
            if found is None:
                continue
            here, elem = found
        elif id(elem) in ctx.followed:
            continue  # already mapped where a reference to it was followed
        ctx.variables = bound_variables(rule, ctx, elem)
        try:
            origin = None if origin_path is None else _origin(ctx, elem, origin_path)
            if ctx.track:
                _consume_origin(rule, ctx, elem, here)
            _build(ctx, dst, rule.v2_path, rule.rules, elem, here, origin, rule)
        finally:
            ctx.variables = saved


def op_route(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    table = table_for(rule, ctx)
    routes = rule.params["routes"]
    key_path = rule.params["key_path"]
    origin_path = rule.params.get("origin_path")
    saved = ctx.variables
    guarded = rule.guarded
    for here, elem in _elements(rule, ctx, src, at):
        if guarded and not _guard(rule, elem, ctx):
            continue
        key = first(elem, key_path)
        row = table.get(key) if key is not None else None
        name = row.get("route", "default") if isinstance(row, dict) else (row or "default")
        variables = {**saved, "key": key, "row": row if isinstance(row, dict) else {}}
        if ctx.provenance:  # a constant "${key}" writes this v1 leaf
            variables[SOURCES] = {**saved.get(SOURCES, {}), "key": key_source(elem, key_path, here)}
        # a row may name several routes: the element is then mapped by each of them in turn
        for one in name if isinstance(name, list) else [name]:
            _one_route(
                rule,
                ctx,
                routes.get(one) or routes["default"],
                elem,
                here,
                dst,
                variables,
                origin_path,
            )


def _one_route(
    rule: Rule,
    ctx: Context,
    route: Any,
    elem: Any,
    here: tuple,
    dst: dict,
    variables: dict,
    origin_path: Any,
) -> None:
    if route.drop is not None:
        ctx.consume(rule, here, elem)
        return
    saved = ctx.variables
    ctx.variables = variables
    try:
        origin = None if origin_path is None else _origin(ctx, elem, origin_path)
        if ctx.track:
            _consume_origin(rule, ctx, elem, here)
        placed = _build(ctx, dst, route.v2_path, route.rules, elem, here, origin, rule)
    finally:
        ctx.variables = saved
    if placed is not None and route.backlink:
        links = dst.setdefault(route.backlink, [])
        target_list = route.v2_path[0][1] if route.v2_path else ""
        links.append(Link(target_list, element=placed))
        ctx.links.append((links, len(links) - 1, links[-1]))
        if ctx.provenance:  # the number of the element just placed, a link with no v1 source
            ctx.records.append((rule, None, links, None))


def op_dedupe(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    """Keep the first of identical elements of a v2 list (v1 may repeat an extension verbatim)."""
    for items in values(dst, rule.v2_path):
        if not isinstance(items, list):
            continue
        kept: list[Any] = []
        for item in items:
            for same in kept:  # the first equal one kept (a loop: no generator per item)
                if item == same:
                    break
            else:
                same = None
            if same is None:
                kept.append(item)
            elif ctx.provenance:
                alias_equal(ctx, item, same)
        if len(kept) != len(items):
            items[:] = kept


def op_rewrite(rule: Rule, ctx: Context, src: Any, at: tuple, dst: dict) -> None:
    pattern = rule.params["pattern_re"]
    repl = rule.params["replace"]
    for rel, value in list(select(src, rule.v1_path)):
        out = pattern.sub(repl, value) if isinstance(value, str) else value
        obj, key = _place(ctx, dst, rule, out)
        if ctx.track:
            ctx.consumed.add((*at, *rel))
            if ctx.provenance:
                _recoded(ctx, rule, (*at, *rel), value, out, obj, key)


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
