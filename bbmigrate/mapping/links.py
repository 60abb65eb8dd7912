"""Sequence links: v1 ``*LinkId`` references become v2 ``*Sequence`` links that follow the
renumbered lists they point into.

``link`` leaves a placeholder per reference, ``renumber`` numbers a v2 list 1..n (optionally in
the order of a rank table) and remembers which v1 sequence each new number stands for, and
``resolve_links`` (run once the rules are done) swaps the placeholders for the final numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import Context, Link
from .jsonkeys import parsed_key
from .model import Rule
from .paths import fill, iter_values, select, values
from .tables import table_for
from .write import put

_UNSEEN = object()  # renumber's remembered ranks: a code not looked up yet


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
        ranks = table_for(rule, ctx)
        big = 1_000_000

        def rank(item: Any) -> int:
            for code in values(item, order_path):
                row = ranks.get(code)
                if row is not None:
                    return int(row)
            return big

        items.sort(key=rank)
    field = rule.params.get("field", "sequence")
    by_old: dict[Any, list[int]] = {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue
        item[field] = number
        ctx.new_numbers[id(item)] = number
        if ctx.provenance:  # a produced number: the v1 sequence was consumed, not copied
            ctx.records.append((rule, None, item, field))
        old = ctx.origins.get(id(item))
        if old is not None:
            by_old.setdefault(old, []).append(number)
    ctx.resolved[rule.v2_path[0][1]] = by_old


def renumber_op(comp: Any, rule: Rule) -> Callable[[Context, Any, dict], None] | None:
    """``renumber`` for plain mapping: its rank table looked up once for the resource map and
    each code's rank remembered (None: the table changes while mapping; the interpreter's op)."""
    if not rule.v2_path:
        return None
    name = rule.v2_path[0][1]
    order_path = rule.params.get("order_path")
    field = rule.params.get("field", "sequence")
    ranks = comp.table(rule) if order_path is not None else None
    if order_path is not None and ranks is None:
        return None
    get = None if order_path is None else (lambda item: iter_values(item, order_path))
    known: dict[str, int | None] = {}  # rank by text code; None: no row
    big = 1_000_000

    fields = getattr(order_path, "fields", None) or ()
    head, last = fields[:-1], fields[-1] if fields else None
    # the number is stored under the key object parsed items have (:mod:`.jsonkeys`): the
    # items are copies of v1 elements, most of which hold their old ``sequence`` there
    field_key = parsed_key(field) if type(field) is str else field

    def rank(item: Any) -> int:
        """The rank of the first of ``values(item, order_path)`` the table has, else last.
        The common shape (plain objects down to a list of objects, ``category.coding[*].code``)
        is walked here; anything else takes the general walk."""
        node = item
        codes: Any = None
        for key in head:
            if type(node) is not dict or key not in node:
                codes = get(item)
                break
            node = node[key]
        else:
            if not fields:
                codes = get(item)
            elif type(node) is dict:
                codes = (node[last],) if last in node else ()
            elif type(node) is list:
                codes = []
                for x in node:  # a loop, not a comprehension: this runs per item sorted
                    if type(x) is not dict:
                        codes = get(item)
                        break
                    if last in x:
                        codes.append(x[last])
            else:
                codes = get(item)
        for code in codes:
            if type(code) is str:  # remembered, rows and misses alike
                number = known.get(code, _UNSEEN)
                if number is _UNSEEN:  # a sentinel object: compiled, an int is not one object
                    row = ranks.get(code)
                    number = None if row is None else int(row)
                    if len(known) < 4096:
                        known[code] = number
                if number is not None:
                    return number
                continue
            row = ranks.get(code)
            if row is not None:
                return int(row)
        return big

    def renumber(ctx: Context, src: Any, dst: dict) -> None:
        items = dst.get(name)
        if not isinstance(items, list):
            return
        if get is not None and len(items) > 1:
            items.sort(key=rank)
        by_old: dict[Any, list[int]] = {}
        origins, numbers = ctx.origins, ctx.new_numbers
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                continue
            item[field_key] = number
            ident = id(item)  # two statements: Cython rejects a walrus in a subscript
            numbers[ident] = number
            old = origins.get(ident)
            if old is not None:
                same = by_old.get(old)
                if same is None:  # most v1 sequences are unique: no list made per lookup
                    by_old[old] = [number]
                else:
                    same.append(number)
        ctx.resolved[name] = by_old

    return renumber


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
