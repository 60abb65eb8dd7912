"""The value-writing ops compiled for plain mapping: copy, constant, lookup, link, rewrite.

Each builder takes the resource map's compiler (:mod:`.compiled`) for its readers, writers,
guards and tables, and returns ``fn(ctx, src, dst)``.

They also note where an empty element (``""``, None, ``{}``, ``[]``) may have gone into the
output (``ctx.maybe_empty``), so that the final prune walks the output only when it has
something to remove: copies of v1 data look for empties while they copy, constants are checked
once when compiled, other values when written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import Context, Link
from .jsonkeys import parsed_key
from .links import renumber_op
from .paths import ROOT, template_names
from .shapes import MONEY_SYSTEM, plain, templated
from .tables import DROPPED, recode
from .write import assign

Fn = Callable[[Context, Any, dict], None]
_CONTAINERS = (dict, list)
GLOBAL = (None, None)  # a mark for an empty that may be anywhere
ROUTE_VARS = frozenset({"key", "row"})  # set per element by a route


def checked_copy(value: Any, money: bool, found: list) -> Any:
    """A fresh copy (STU3 Money reshaped to R4 when ``money``); appends to ``found`` when the
    copy holds an empty element. Same result as :func:`~.shapes.reshape_money` / ``plain``."""
    kind = type(value)
    if kind is dict:
        return copy_dict(value, money, found)
    if kind is list:
        return copy_list(value, money, found)
    if isinstance(value, dict):
        return copy_dict(value, money, found)
    if isinstance(value, list):
        return copy_list(value, money, found)
    return value


# Exact type tests first: parsed JSON holds plain str/int/float/bool/dict/list, and a test per
# leaf is what copying spends its time on; anything else takes the isinstance route.
def checked_copy_except(value: dict, skip: frozenset, money: bool, found: list) -> dict:
    """``checked_copy`` of ``value`` without the fields in ``skip``, in one pass."""
    return copy_dict(value, money, found, skip)


_KEEP_ALL: frozenset = frozenset()
# Money's fields as parsed input has them (:mod:`.jsonkeys`): every coding copied is tested
_SYSTEM, _CODE = parsed_key("system"), parsed_key("code")


def copy_dict(value: dict, money: bool, found: list, skip: frozenset = _KEEP_ALL) -> dict:
    """:func:`checked_copy` of an object (less the fields in ``skip``); the generated code
    calls it straight for an object, a call fewer per copy."""
    is_money = (
        money
        and _SYSTEM in value  # `in` and a subscript: no method call per object copied
        and value[_SYSTEM] == MONEY_SYSTEM
        and _CODE in value
        and not (skip and (_SYSTEM in skip or _CODE in skip))  # Money of what is kept
    )
    # a shallow copy in C, then only the nested containers are replaced by their copies
    out = value.copy() if type(value) is dict else dict(value)
    if skip:
        for key in skip:
            out.pop(key, None)
    if is_money:
        del out[_SYSTEM], out[_CODE]
    for key, child in out.items():
        kind = type(child)
        if kind is str:
            if not child:
                found.append(key)
        elif kind is dict:
            out[key] = child = copy_dict(child, money, found)
            if not child:
                found.append(key)
        elif kind is list:
            out[key] = child = copy_list(child, money, found)
            if not child:
                found.append(key)
        elif kind is not int and kind is not float and kind is not bool:
            if isinstance(child, _CONTAINERS):
                out[key] = child = checked_copy(child, money, found)
                if not child:
                    found.append(key)
            elif not child and (child is None or child == ""):
                found.append(key)
    if is_money:
        out["currency"] = code = value[_CODE]
        if has_empty(code):
            found.append("currency")
    return out


def merge_copy(dst: dict, value: dict, skip: frozenset, money: bool, found: list) -> bool:
    """``merge(dst, checked_copy_except(value, skip, money, found))`` without building the
    copy of ``value`` itself: each field is copied and merged in turn, in the copy's order.
    False when that copy would have been empty (nothing was written)."""
    is_money = (
        money
        and _SYSTEM in value
        and value[_SYSTEM] == MONEY_SYSTEM
        and _CODE in value
        and not (skip and (_SYSTEM in skip or _CODE in skip))
    )
    wrote = False
    for key, child in value.items():
        if key in skip or (is_money and (key == "system" or key == "code")):
            continue
        kind = type(child)  # exact types first, as in copy_dict
        if kind is str:
            if not child:
                found.append(key)
        elif kind is dict:
            if key in dst and isinstance(dst[key], dict) and not (is_money and key == "currency"):
                # assign() would merge the copy into that object: merged as it is copied too
                if not merge_copy(dst[key], child, _KEEP_ALL, money, found):
                    found.append(key)
                wrote = True
                continue
            child = copy_dict(child, money, found)
            if not child:
                found.append(key)
        elif kind is list:
            child = copy_list(child, money, found)
            if not child:
                found.append(key)
            if key in dst and type(dst[key]) is list and not (is_money and key == "currency"):
                dst[key].extend(child)  # what assign() does with a list onto a list
                wrote = True
                continue
        elif isinstance(child, _CONTAINERS):
            child = checked_copy(child, money, found)
            if not child:
                found.append(key)
        elif not child and (child is None or child == ""):
            found.append(key)
        if is_money and key == "currency":  # Money's currency is its code (at this place)
            child = value["code"]
        if key in dst:
            assign(dst, key, child)
        else:
            dst[key] = child
        wrote = True
    if is_money:
        if has_empty(value["code"]):
            found.append("currency")
        if "currency" not in value or "currency" in skip:
            assign(dst, "currency", value["code"])
        wrote = True
    return wrote


def copy_list(value: list, money: bool, found: list) -> list:
    items = []
    for child in value:
        kind = type(child)
        if kind is str:
            if not child:
                found.append(0)
        elif kind is dict:
            child = copy_dict(child, money, found)
            if not child:
                found.append(0)
        elif kind is list:
            child = copy_list(child, money, found)
            if not child:
                found.append(0)
        elif kind is not int and kind is not float and kind is not bool:
            if isinstance(child, _CONTAINERS):
                child = checked_copy(child, money, found)
                if not child:
                    found.append(0)
            elif not child and (child is None or child == ""):
                found.append(0)
        items.append(child)
    return items


def copy_write(dst: Any, key: str, value: Any, money: bool, marks: list) -> None:
    """Write a checked copy of ``value`` at ``dst[key]`` as ``assign`` does (a plain store when
    ``dst`` is an object without ``key``), and mark ``(dst, key)`` in ``marks`` when the copy
    is or holds an empty element. The generated code's plain copy to a field: one call where
    it took six to nine lines inline (the most common value write of a mapping)."""
    kind = type(value)
    if kind is str:
        empty = not value
    elif kind is dict:
        found: list = []
        value = copy_dict(value, money, found)
        empty = found or not value
    elif isinstance(value, _CONTAINERS):
        found = []
        value = checked_copy(value, money, found)
        empty = found or not value
    else:
        empty = not value and (value is None or value == "")
    if type(dst) is dict and key not in dst:
        dst[key] = value
    else:
        assign(dst, key, value)
    if empty:
        marks.append((dst, key))


def _is_empty(value: Any) -> bool:
    return not value and (value is None or value == "" or isinstance(value, _CONTAINERS))


def has_empty(value: Any) -> bool:
    """Is ``value`` or anything in it something the prune removes (links included)?"""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return value is None or value == ""
    if not children:
        return True
    for child in children:
        if isinstance(child, _CONTAINERS):
            if has_empty(child):
                return True
        elif child is None or child == "" or isinstance(child, Link):
            return True
    return False


def copy_op(comp: Any, rule: Any) -> Fn:
    money = rule.params.get("reshape", "money") == "money"
    skip = rule.params.get("except")
    get = comp.reader(rule.v1_path)
    guarded = rule.guarded
    field = rule.v2_field
    if field is not None and not (skip or guarded):

        def copy_to_field(ctx: Context, src: Any, dst: dict) -> None:
            for value in get(src):
                copy_write(dst, field, value, money, ctx.maybe_empty)

        return copy_to_field
    write = comp.writer(rule.v2_path)
    guard = comp.guard(rule)

    def copy(ctx: Context, src: Any, dst: dict) -> None:
        if guarded and not guard(src, ctx):
            return
        for value in get(src):
            if skip and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k not in skip}
                if not value:
                    continue
            found: list = []
            value = checked_copy(value, money, found)
            slot = write(ctx, dst, value)
            if found or _is_empty(value):
                ctx.maybe_empty.append(slot)

    return copy


def constant_op(comp: Any, rule: Any) -> Fn:
    value = rule.params["value"]
    names = [n for s in strings(value) for n in template_names(s)]
    write = comp.writer(rule.v2_path)
    guarded = rule.guarded
    guard = comp.guard(rule)
    if names and not comp.is_static(names):
        if reads_only_route_vars(comp, names):
            return _per_route_row(value, write, guarded, guard, comp.copier)

        def filled(ctx: Context, src: Any, dst: dict) -> None:
            if guarded and not guard(src, ctx):
                return
            out = templated(value, ctx.variables)
            slot = write(ctx, dst, out)
            if has_empty(out):
                ctx.maybe_empty.append(slot)

        return filled
    fixed = templated(value, comp.variables) if names else value
    make = comp.copier(fixed)
    empty = has_empty(fixed)

    def constant(ctx: Context, src: Any, dst: dict) -> None:
        if guarded and not guard(src, ctx):
            return
        slot = write(ctx, dst, make())
        if empty:
            ctx.maybe_empty.append(slot)

    return constant


def route_row_filler(value: Any, copier: Any) -> Callable[[dict], tuple[Callable[[], Any], bool]]:
    """For a constant that reads only a route's ``${key}`` / ``${row.x}`` (and fixed
    variables): ``fill(variables) -> (make a fresh copy, may hold an empty)``, filled once per
    text key and table row."""
    filled: dict[tuple, tuple[Callable[[], Any], bool]] = {}

    def fill(variables: dict) -> tuple[Callable[[], Any], bool]:
        key, row = variables.get("key"), variables.get("row")
        # rows live in the frozen tables, so their ids are stable; keys must be text
        memo = (key, id(row)) if key is None or type(key) is str else None
        hit = filled.get(memo) if memo is not None else None
        if hit is None:
            out = templated(value, variables)
            hit = (copier(plain(out)), has_empty(out))
            if memo is not None and len(filled) < 4096:
                filled[memo] = hit
        return hit

    return fill


def _per_route_row(value: Any, write: Any, guarded: bool, guard: Any, copier: Any) -> Fn:
    fill = route_row_filler(value, copier)

    def per_row(ctx: Context, src: Any, dst: dict) -> None:
        if guarded and not guard(src, ctx):
            return
        make, empty = fill(ctx.variables)
        slot = write(ctx, dst, make())
        if empty:
            ctx.maybe_empty.append(slot)

    return per_row


def reads_only_route_vars(comp: Any, names: list[str]) -> bool:
    """Do the variables ``names`` change only with a route's key and row?"""
    others = [n for n in names if n.split(".", 1)[0] not in ROUTE_VARS]
    return comp.is_static(others) and not comp.binds & ROUTE_VARS


def recoder(comp: Any, rule: Any) -> Callable[[Context, Any, str], Any] | None:
    """A ``lookup`` rule's ``recode(ctx, value, suffix)``: DROPPED, or ``(make a fresh copy of
    what to write, may hold an empty)``; None when its table changes while mapping."""
    table = comp.table(rule)
    if table is None:
        return None
    # what a text value recodes to depends on the value and the suffix alone when the default
    # reads no variable that changes while mapping: then it is worked out once per value
    default = rule.params.get("default", "keep")
    names = [n for text in strings(default) for n in template_names(text)]
    fixed = comp.is_static([n for n in names if n.split(".", 1)[0] != "value"])
    done: dict[tuple[str, str], Any] = {}

    def recoded(ctx: Context, value: Any, suffix: str) -> Any:
        hit = done.get((value, suffix)) if fixed and type(value) is str else None
        if hit is None:
            out = recode(rule, table, value, suffix, ctx.variables)
            hit = DROPPED if out is DROPPED else (comp.copier(out), has_empty(out))
            if fixed and type(value) is str and len(done) < 4096:
                done[(value, suffix)] = hit
        return hit

    return recoded


def link_op(comp: Any, rule: Any) -> Fn | None:
    if rule.v2_path and rule.v2_path[0][0] == ROOT:
        return None  # op_link writes under the element even then
    get = comp.reader(rule.v1_path)
    write = comp.writer(rule.v2_path)
    target = rule.params["target"]

    def link(ctx: Context, src: Any, dst: dict) -> None:
        # the link lists are checked for empties once resolved (see engine)
        for value in get(src):
            olds = value if isinstance(value, list) else [value]
            markers = [Link(target, old=o) for o in olds]
            container, key = write(ctx, dst, markers)
            links = container[key]
            for i, marker in enumerate(links):
                if isinstance(marker, Link) and marker in markers:
                    ctx.links.append((links, i, marker))

    return link


def rewrite_op(comp: Any, rule: Any) -> Fn:
    get = comp.reader(rule.v1_path)
    write = comp.writer(rule.v2_path)
    pattern = rule.params["pattern_re"]
    repl = rule.params["replace"]

    def rewrite(ctx: Context, src: Any, dst: dict) -> None:
        for value in list(get(src)):
            out = pattern.sub(repl, value) if isinstance(value, str) else value
            slot = write(ctx, dst, out)
            if has_empty(out):
                ctx.maybe_empty.append(slot)

    return rewrite


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


BUILDERS: dict[str, Callable[[Any, Any], Fn | None]] = {
    "copy": copy_op,
    "constant": constant_op,
    "link": link_op,
    "rewrite": rewrite_op,
    "renumber": renumber_op,
}
