"""Compiled paths as small functions, for plain mapping: a reader per v1 path, a writer per v2
path and a fresh-copy maker per constant.

Each is specialised once for the shapes rules use most (``@``, one field, ``a.b.c``,
``name[*]``, ``name[+]``) and does exactly what the general :func:`~.paths.values` /
:func:`~.write.put` / :func:`~.shapes.plain` do for that path or value; anything else falls back
to them. What they save is the per-step dispatch, repeated for every element of every resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from .paths import (
    APPEND,
    EACH,
    FIELD,
    PROTO,
    ROOT,
    WHERE,
    Path,
    _any_equal,
    _flatten_values,
    _step_values,
    fill,
    template_names,
    values,
)
from .shapes import plain
from .write import assign, merge, put

Reader = Callable[[Any], Sequence[Any]]
Writer = Callable[[Any, dict, Any], tuple[Any, Any]]  # (ctx, element built, value) -> slot


def reader(path: Path) -> Reader:
    """``values(node, path)`` as a function of ``node``."""
    if not path:
        return _itself
    fields = getattr(path, "fields", None)
    if fields is not None and len(fields) == 1:
        name = fields[0]

        def one_field(node: Any) -> Sequence[Any]:
            if isinstance(node, dict):
                return (node[name],) if name in node else ()
            return values(node, path)

        return one_field
    if fields is not None:

        def field_walk(node: Any) -> Sequence[Any]:
            cur = node
            for name in fields:
                if not isinstance(cur, dict):  # a list on the way: flatten as values() does
                    return values(node, path)
                if name not in cur:
                    return ()
                cur = cur[name]
            return (cur,)

        return field_walk
    if path[-1][0] == EACH and all(step[0] == FIELD for step in path[:-1]):
        heads, each = tuple(step[1] for step in path[:-1]), path[-1][1]

        def every(node: Any) -> Sequence[Any]:
            cur = node
            for name in heads:
                if not isinstance(cur, dict):
                    return values(node, path)
                if name not in cur:
                    return ()
                cur = cur[name]
            if not isinstance(cur, dict):
                return values(node, path)
            if each not in cur:
                return ()
            child = cur[each]
            return child if isinstance(child, list) else (child,)

        return every
    if len(path) == 1 and path[0][0] == WHERE:
        return _where_reader(path)
    if all(step[0] in (FIELD, EACH) for step in path):
        return flat_reader(path)
    return lambda node: values(node, path)


def flat_reader(path: Path) -> Reader:
    """Plain fields and ``[*]`` anywhere (``type[*].coding[*].code``, ``item.productOrService``
    over a list of items): what ``values`` does, step by step over the matches, without its
    general step function per match."""
    steps = tuple((step[0] == EACH, step[1], step) for step in path)

    def flat(node: Any) -> Sequence[Any]:
        matches = [node]
        for each, name, step in steps:
            found: list[Any] = []
            for cur in matches:
                if isinstance(cur, dict):
                    if name in cur:
                        child = cur[name]
                        if each and isinstance(child, list):
                            found.extend(child)
                        else:
                            found.append(child)
                elif isinstance(cur, list):  # a step on a list applies to every element
                    _flatten_values(cur, found, step, step[0], name)
            if not found:
                return found
            matches = found
        return matches

    return flat


def _where_reader(path: Path) -> Reader:
    """``name[sub=value]`` (``adjudication[category.coding.code=…]``) on one element."""
    name, sub, want = path[0][1], path[0][2], path[0][3]
    fields = getattr(sub, "fields", None)
    if fields is None:
        return lambda node: values(node, path)

    def where(node: Any) -> Sequence[Any]:
        if not isinstance(node, dict):
            return values(node, path)
        if name not in node:
            return ()
        child = node[name]
        # where_matches for plain fields, without its call per element
        if isinstance(child, list):
            return [item for item in child if _any_equal(item, fields, 0, want)]
        return (child,) if _any_equal(child, fields, 0, want) else ()

    return where


def first_reader(path: Path, default: Any = None) -> Callable[[Any], Any]:
    """``first(node, path, default)`` as a function of ``node``: one closure per step, depth
    first and stopping at the first value, in the order :func:`~.paths.values` lists them (a
    step on a list applies to every element, nested lists flattened)."""
    found = _first_steps(path, 0)

    def read(node: Any) -> Any:
        value = found(node)
        return default if value is _NONE else value

    return read


_NONE = object()


def _first_steps(path: Path, pos: int) -> Callable[[Any], Any]:
    if pos == len(path):
        return _itself_value
    step, after = path[pos], _first_steps(path, pos + 1)
    kind, name = step[0], step[1]
    sub, want = (step[2], step[3]) if kind == WHERE else (None, None)
    fields = getattr(sub, "fields", None)

    def selected(child: Any) -> Any:  # the values the step selects in the value of ``name``
        if kind == FIELD:
            return (child,)
        if kind == WHERE and fields is not None:  # tested one by one, up to the first found
            return (
                item
                for item in (child if isinstance(child, list) else (child,))
                if _any_equal(item, fields, 0, want)
            )
        found: list[Any] = []
        _step_values(child, found, step, kind)
        return found

    def at(node: Any) -> Any:
        if isinstance(node, dict):
            if name in node:
                for child in selected(node[name]):
                    value = after(child)
                    if value is not _NONE:
                        return value
        elif isinstance(node, list):
            for item in node:
                value = at(item)
                if value is not _NONE:
                    return value
        return _NONE

    return at


def _itself_value(node: Any) -> Any:
    return node


def _itself(node: Any) -> Sequence[Any]:
    return (node,)


def path_names(path: Path) -> list[str]:
    """The variable names a target path needs when it is filled."""
    names: list[str] = []
    for step in path:
        if step[0] == WHERE and "${" in step[3]:
            names += template_names(step[3])
        elif step[0] == PROTO and isinstance(step[2], str):
            names.append(step[2])
    return names


def writer(path: Path, static: Mapping[str, Any] | None) -> Writer:
    """``put`` at the rule's target path, as ``(ctx, dst, value) -> (container, key)``.

    A leading ``/`` writes into ``ctx.out``. ``static``: the variables to fill the path with once
    (None: the path needs variables that change while mapping, so it is filled every time).
    """
    rooted = bool(path) and path[0][0] == ROOT
    if getattr(path, "templated", False):
        if static is None:

            def filled(ctx: Any, dst: dict, value: Any) -> tuple[Any, Any]:
                return put(ctx.out if rooted else dst, fill(path, ctx.variables), value)

            return filled
        path = fill(path, static)
    local = path[1:] if rooted else path
    if not local:

        def at_self(ctx: Any, dst: dict, value: Any) -> tuple[Any, Any]:
            node = ctx.out if rooted else dst
            if isinstance(value, dict):
                merge(node, value)
            return node, None

        return at_self
    if len(local) == 1 and local[0][0] == FIELD:
        name = local[0][1]

        def one_field(ctx: Any, dst: dict, value: Any) -> tuple[Any, Any]:
            node = ctx.out if rooted else dst
            assign(node, name, value)
            return node, name

        return one_field
    if all(step[0] in (FIELD, APPEND) for step in local):
        return _walk_writer(local, rooted)

    def general(ctx: Any, dst: dict, value: Any) -> tuple[Any, Any]:
        return put(ctx.out if rooted else dst, path, value)

    return general


def _walk_writer(path: Path, rooted: bool) -> Writer:
    """``put`` along plain fields and ``[+]`` appends (``type.coding[+]``, ``extension[+]``)."""
    inner = tuple((step[0] == APPEND, step[1]) for step in path[:-1])
    last_append, last = path[-1][0] == APPEND, path[-1][1]

    def walk(ctx: Any, dst: dict, value: Any) -> tuple[Any, Any]:
        current: Any = ctx.out if rooted else dst
        for append, name in inner:
            if append:
                items = current.setdefault(name, [])
                if not isinstance(items, list):
                    items = current[name] = [items]
                items.append({})
                current = items[-1]
            else:
                current = current.setdefault(name, {})
                if isinstance(current, list):
                    if not current:
                        current.append({})
                    current = current[-1]
        if not last_append:
            assign(current, last, value)
            return current, last
        items = current.setdefault(last, [])
        if not isinstance(items, list):
            items = current[last] = [items]
        items.append(value)
        return items, len(items) - 1

    return walk


_SCALARS = (str, int, float, bool, type(None))


def copier(value: Any) -> Callable[[], Any]:
    """A function returning a fresh copy of ``value`` (the output is merged into in place).

    JSON-typed containers are copied by parsing their serialised form once more, which is
    several times faster than a recursive copy in Python (one level deep: a shallow copy);
    anything else uses :func:`plain`.
    """
    if not isinstance(value, dict | list):
        return lambda: value
    if _json_exact(value):
        leaves = value.values() if type(value) is dict else value
        if not any(type(leaf) in (dict, list) for leaf in leaves):
            return value.copy  # one level (a coding): a shallow copy is a fresh copy
        try:
            blob = orjson.dumps(value)
        except orjson.JSONEncodeError:
            blob = None
        if blob is not None and orjson.loads(blob) == value:
            return lambda: orjson.loads(blob)
    return lambda: plain(value)


def display(value: Any) -> str | None:
    """Python source of a display (``{...}``, ``[...]``, literal leaves) that builds a fresh
    copy of ``value`` each time it runs, for a constant of the mapping files written into
    generated code; None when ``value`` is not plain JSON or is too large to be worth it.
    Only for values from the rules: data read from the input is never turned into code."""
    if not _json_exact(value):
        return None
    source = _display(value)
    if len(source) > 20_000:
        return None
    return source if eval(source) == value else None  # built from repr() of JSON leaves


def _display(value: Any) -> str:
    if type(value) is dict:
        return "{" + ", ".join(f"{k!r}: {_display(v)}" for k, v in value.items()) + "}"
    if type(value) is list:
        return "[" + ", ".join(_display(v) for v in value) + "]"
    return repr(value)


def _json_exact(value: Any) -> bool:
    """Does a JSON round trip give back the same types (no dates, tuples, subclasses)?"""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _json_exact(v) for k, v in value.items())
    if kind is list:
        return all(_json_exact(v) for v in value)
    if kind is float:
        return value == value and value not in (float("inf"), float("-inf"))
    return kind in _SCALARS
