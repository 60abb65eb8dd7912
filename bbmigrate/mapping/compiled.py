"""The rules of a resource map compiled into closures, for plain mapping (``map_resource``).

The general engine (:mod:`.ops`) interprets a rule each time it applies it: claim-type and quirk
gates, op dispatch, path walks, template filling, table resolution. Nothing is tracked in plain
mapping, and within one resource map the claim type, the quirk switch and every variable except
those a ``route`` (``key``, ``row``), a ``bind`` or a lookup default (``value``) sets are fixed,
so all of that is decided once here: a rule becomes a small function specialised for its op and
params, rules that cannot apply (another claim type, a quirk switched off) or do nothing without
tracking (``drop``) disappear, constants are filled in once, and a rule list is run by a loop that
skips a rule whose first v1 field the element lacks before calling anything.

The ops that are rare per resource (``rewrite``, ``renumber``, ``dedupe``, ``resource``, ``each``
with ``follow``, ``lookup`` with ``linked_by``) run through the general op functions unchanged.
``map_with_provenance`` and ``unmapped`` keep the general engine; a test checks that both build
the same documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import RuleError
from .access import copier, path_names, reader, writer
from .context import Context, Link
from .model import MappingSet, ResourceMap, Route, Rule
from .ops import OPS, _origin
from .paths import ROOT, equals, fill_text, first, template_names
from .refs import bound_variables, follow_reference, is_linked
from .tables import table_chain
from .valueops import BUILDERS, GLOBAL, checked_copy

Fn = Callable[[Context, Any, dict], None]
Build = Callable[[Context, dict, Any, Any], Any]
_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)
# variables that change while one resource is mapped (route key/row, lookup default value,
# renumber's bookkeeping); ``bind`` names are added per resource map
_DYNAMIC = frozenset({"key", "row", "value", "_sorted"})
# does a route's subtree read the key/row it sets (as ${key}, ${row.x} or a [~row] prototype)?
_READS_ROUTE_VARS = re.compile(r"\$\{(?:key|row)[.}]|\[~(?:key|row)\]")
_DROP = object()  # a route branch that only consumes (nothing to do untracked)


def compiled_rules(mapping: MappingSet, rmap: ResourceMap) -> Fn:
    """The rules of ``rmap`` as one function ``run(ctx, resource, out)`` (built once)."""
    key = ("compiled", id(rmap))
    run = mapping.memo.get(key)
    if run is None:
        run = mapping.memo[key] = _Compiler(mapping, rmap).runner(rmap.rules)
    return run


class _Compiler:
    def __init__(self, mapping: MappingSet, rmap: ResourceMap) -> None:
        self.mapping = mapping
        self.variables = dict(rmap.variables)  # lookup_var and fill read plain dicts
        binds = {n for r in rmap.all_rules() for n in r.params.get("bind_paths") or {}}
        self.dynamic = _DYNAMIC | binds
        self.binds = frozenset(binds)

    # --- what is fixed for the whole resource map ---------------------------------------------

    reader = staticmethod(reader)
    copier = staticmethod(copier)

    def is_static(self, names: list[str]) -> bool:
        return all(name.split(".", 1)[0] not in self.dynamic for name in names)

    def writer(self, rule_path: Any) -> Any:
        return writer(rule_path, self.variables if self.is_static(path_names(rule_path)) else None)

    def table(self, rule: Rule) -> Any:
        """The rule's table chain when it does not depend on a changing variable, else None."""
        names = rule.params["table"]
        names = tuple(names) if isinstance(names, list) else (names,)
        used = [v for n in names for v in template_names(n)]
        if not self.is_static(used):
            return None
        return table_chain(self.mapping, tuple(fill_text(n, self.variables) for n in names))

    def active(self, rule: Rule) -> bool | None:
        """True / False when known now; None when the claim type can change (a ``bind``)."""
        if rule.quirk and not self.mapping.quirks:
            return False
        if rule.claim_types:
            if "claim_type" in self.dynamic:
                return None
            return self.variables.get("claim_type") in rule.claim_types
        return True

    # --- rule lists ---------------------------------------------------------------------------

    def steps(self, rules: tuple[Rule, ...]) -> tuple[tuple[str | None, Fn, Rule], ...]:
        out = []
        for rule in rules:
            active = self.active(rule)
            if active is False:
                continue
            fn = self.rule(rule)
            if fn is None:
                continue
            if active is None:
                fn = _claim_type_gate(rule, fn)
            out.append((rule.v1_head, fn, rule))
        return tuple(out)

    def runner(self, rules: tuple[Rule, ...], steps: tuple | None = None) -> Fn:
        steps = self.steps(rules) if steps is None else steps

        def run(ctx: Context, src: Any, dst: dict) -> None:
            rule = None
            try:
                if type(src) is dict:
                    for head, fn, rule in steps:  # noqa: B007 (the except clause names it)
                        # a rule whose first v1 field is absent matches nothing: not even called
                        if head is None or head in src:
                            fn(ctx, src, dst)
                else:
                    for _, fn, rule in steps:  # noqa: B007
                        fn(ctx, src, dst)
            except RuleError:
                raise
            except _ERRORS as exc:
                if rule is None:
                    raise
                raise RuleError(
                    f"rule {rule.id} ({rule.op}) failed: {exc}", where=str(rule.origin)
                ) from exc

        return run

    def guard(self, rule: Rule) -> Callable[[Any, Context], bool]:
        """``when`` / ``unless`` / ``linked_from`` / ``unlinked_from`` as one test of an element."""
        params = rule.params
        holds = []
        for name, expect in (("when", True), ("unless", False)):
            path = params.get(f"{name}_path")
            if path is not None:
                rooted = bool(path) and path[0][0] == ROOT  # a test of the output built so far
                holds.append(
                    (
                        rooted,
                        reader(path[1:] if rooted else path),
                        params.get(f"{name}_value"),
                        expect,
                    )
                )
        links = [
            (params[key], expect)
            for key, expect in (("linked_from_path", True), ("unlinked_from_path", False))
            if key in params
        ]

        def guard(src: Any, ctx: Context) -> bool:
            for rooted, get, want, expect in holds:
                found = get(ctx.out if rooted else src)
                ok = bool(found) if want is None else any(equals(v, want) for v in found)
                if ok is not expect:
                    return False
            return all(is_linked(src, path, ctx) is expect for path, expect in links)

        return guard

    def rule(self, rule: Rule) -> Fn | None:
        if rule.op == "drop":
            return None  # drop only consumes: without tracking it does nothing
        make = _BUILDERS.get(rule.op)
        fn = None if rule.exact_paths or make is None else make(self, rule)
        return fn if fn is not None else _general(rule)

    # --- ops ----------------------------------------------------------------------------------

    def each(self, rule: Rule) -> Fn | None:
        params = rule.params
        if "follow_path" in params:
            return self.follow(rule)
        get = reader(rule.v1_path)
        guarded = rule.guarded
        origin_path = params.get("origin_path")
        binds = params.get("bind_paths")
        build = self.builder(rule.v2_path, rule.rules)
        guard = self.guard(rule)

        def each(ctx: Context, src: Any, dst: dict) -> None:
            followed = ctx.followed
            for elem in get(src):
                if guarded and not guard(elem, ctx):
                    continue
                if followed and id(elem) in followed:
                    continue  # already mapped where a reference to it was followed
                if not binds:
                    origin = None if origin_path is None else _origin(ctx, elem, origin_path)
                    build(ctx, dst, elem, origin)
                    continue
                bound = {**ctx.variables, **{n: first(elem, p, "") for n, p in binds.items()}}
                _build_with(ctx, bound, build, dst, elem, origin_path)

        return each

    def follow(self, rule: Rule) -> Fn:
        """``each`` with ``follow``: build from the element a reference under the match names."""
        get = reader(rule.v1_path)
        guard = self.guard(rule)
        origin_path = rule.params.get("origin_path")
        build = self.builder(rule.v2_path, rule.rules)

        def test(_: Rule, target: Any, ctx: Context) -> bool:
            return guard(target, ctx)

        def follow(ctx: Context, src: Any, dst: dict) -> None:
            for elem in get(src):
                found = follow_reference(rule, ctx, elem, (), test)
                if found is not None:
                    bound = bound_variables(rule, ctx, found[1])
                    _build_with(ctx, bound, build, dst, found[1], origin_path)

        return follow

    def route(self, rule: Rule) -> Fn | None:
        table = self.table(rule)
        if table is None:
            return None
        params = rule.params
        get = reader(rule.v1_path)
        guarded = rule.guarded
        key_path = params["key_path"]
        origin_path = params.get("origin_path")
        branches = {name: self.branch(route) for name, route in params["routes"].items()}
        default = branches["default"]
        guard = self.guard(rule)

        def choose(key: Any) -> tuple[Any, tuple]:
            row = table.get(key) if key is not None else None
            name = row.get("route", "default") if isinstance(row, dict) else (row or "default")
            names = name if isinstance(name, list) else (name,)
            chosen = tuple(b for b in (branches.get(n, default) for n in names) if b is not _DROP)
            return row, chosen

        chosen_by_key: dict[str, tuple[Any, tuple]] = {}  # tables are frozen: remember choices

        def route(ctx: Context, src: Any, dst: dict) -> None:
            saved = ctx.variables
            for elem in get(src):
                if guarded and not guard(elem, ctx):
                    continue
                key = first(elem, key_path)
                plan = chosen_by_key.get(key) if type(key) is str else None
                if plan is None:
                    plan = choose(key)
                    if type(key) is str and len(chosen_by_key) < 4096:
                        chosen_by_key[key] = plan
                row, chosen = plan
                for branch in chosen:
                    build, backlink, target_list, sets_vars = branch
                    if sets_vars:
                        row_vars = row if isinstance(row, dict) else {}
                        bound = {**saved, "key": key, "row": row_vars}
                        placed = _build_with(ctx, bound, build, dst, elem, origin_path)
                    else:
                        origin = None if origin_path is None else _origin(ctx, elem, origin_path)
                        placed = build(ctx, dst, elem, origin)
                    if placed is not None and backlink:
                        links = dst.setdefault(backlink, [])
                        links.append(Link(target_list, element=placed))
                        ctx.links.append((links, len(links) - 1, links[-1]))

        return route

    def branch(self, route: Route) -> Any:
        if route.drop is not None:
            return _DROP
        # the per-element copy of the variables is only made where a nested rule reads them
        sets_vars = bool(_READS_ROUTE_VARS.search(repr(route))) or any(
            r.op == "renumber" for child in route.rules for r in child.walk()
        )
        target_list = route.v2_path[0][1] if route.v2_path else ""
        return self.builder(route.v2_path, route.rules), route.backlink, target_list, sets_vars

    def builder(self, v2_path: Any, rules: tuple[Rule, ...]) -> Build:
        """Build one new v2 element from one v1 element with ``rules``; place it at ``v2_path``."""
        steps = self.steps(rules)
        run = self.runner(rules, steps)
        whole = steps[0][2] if steps and steps[0][2].whole_copy else None
        rest = self.runner(rules, steps[1:]) if whole is not None else run
        skip = whole.params.get("except") if whole is not None else None
        money = whole is not None and whole.params.get("reshape", "money") == "money"
        write = self.writer(v2_path)

        def build(ctx: Context, dst: dict, elem: Any, origin: Any) -> Any:
            if whole is not None and isinstance(elem, dict):
                # the element starts as a copy of the v1 one: take the copy, not a merge into {}
                kept = {k: v for k, v in elem.items() if k not in skip} if skip else elem
                found: list = []
                target = checked_copy(kept, money, found) if kept else {}
                if found:
                    ctx.maybe_empty.append(GLOBAL)
                body = rest
            else:
                target = {}
                body = run
            if origin is None:
                body(ctx, elem, target)
            else:
                saved = ctx.origin
                ctx.origin = origin
                try:
                    body(ctx, elem, target)
                finally:
                    ctx.origin = saved
            if not target:
                return None
            container, key = write(ctx, dst, target)
            placed = container if key is None else container[key]
            if origin is not None and isinstance(placed, dict):
                ctx.origins[id(placed)] = origin
            return placed

        return build


_BUILDERS: dict[str, Callable[[_Compiler, Rule], Fn | None]] = {
    **BUILDERS,
    "each": _Compiler.each,
    "route": _Compiler.route,
}
# general ops that never write an empty element (the others mark the output for pruning)
_NEVER_EMPTY = frozenset({"renumber", "dedupe"})


def _build_with(
    ctx: Context, variables: dict, build: Build, dst: dict, elem: Any, origin_path: Any
) -> Any:
    """``build`` one element with ``variables`` in effect (and its origin read under them)."""
    saved = ctx.variables
    ctx.variables = variables
    try:
        origin = None if origin_path is None else _origin(ctx, elem, origin_path)
        return build(ctx, dst, elem, origin)
    finally:
        ctx.variables = saved


def _general(rule: Rule) -> Fn:
    """The general op function (gates already decided; their guards it tests itself)."""
    func = OPS[rule.op][0]
    if rule.op in _NEVER_EMPTY:

        def general(ctx: Context, src: Any, dst: dict) -> None:
            func(rule, ctx, src, (), dst)

        return general

    def general_marked(ctx: Context, src: Any, dst: dict) -> None:
        func(rule, ctx, src, (), dst)
        ctx.maybe_empty.append(GLOBAL)

    return general_marked


def _claim_type_gate(rule: Rule, fn: Fn) -> Fn:
    def gated(ctx: Context, src: Any, dst: dict) -> None:
        if ctx.variables.get("claim_type") in rule.claim_types:
            fn(ctx, src, dst)

    return gated
