"""Exact provenance: which rule wrote each leaf of the output, resolved to its FINAL path.

Only used when provenance is asked for (``Context.provenance``); plain mapping never calls in.

A record does not hold a path while rules run, because later rules move things: a coding
prepended to a list, a new element merged into an existing slice, a duplicate removed, empty
elements pruned. It holds the *object* that contains the written leaf and the leaf's key in
it (``key`` None: the object itself is the written subtree). Objects keep their identity
through all of that, except when a written container is merged into one already in the
output (its content moves over and it is discarded) or dropped as a duplicate: those moves
are remembered in ``ctx.alias``. Paths are computed once, at the end, from the finished
output (:func:`resolve`).
"""

from __future__ import annotations

from typing import Any

from .model import Provenance
from .paths import (
    APPEND,
    EACH,
    FIELD,
    INDEX,
    PROTO,
    ROOT,
    WHERE,
    format_path,
    select,
    where_matches,
)
from .write import contains, put

SOURCES = "_sources"
"""A reserved variable (provenance only): variable name → the v1 path its value was read from."""


def leaves(value: Any, at: tuple = ()) -> list[tuple]:
    """The relative path of every scalar under ``value``, in document order."""
    out: list[tuple] = []
    _collect(value, at, out)
    return out


def _collect(value: Any, at: tuple, out: list) -> None:
    if type(value) is dict:
        for k, v in value.items():
            if type(v) is dict or type(v) is list:
                _collect(v, (*at, k), out)
            else:
                out.append((*at, k))
    elif type(value) is list:
        for i, v in enumerate(value):
            if type(v) is dict or type(v) is list:
                _collect(v, (*at, i), out)
            else:
                out.append((*at, i))
    else:
        out.append(at)


def _anchors(source: Any, fresh: Any, at: tuple, out: list) -> None:
    """``(v1 path, container, key)`` per leaf of ``source`` written as ``fresh`` (a container).

    One walk of both: what :func:`anchor` finds for each leaf, without a walk per leaf.
    """
    if type(source) is dict and type(fresh) is dict:
        for k, v in source.items():
            # a Money reshape renamed code → currency and removed system
            name = k if k in fresh else "currency" if k == "code" and "currency" in fresh else None
            _anchor_child(v, fresh, name, (*at, k), out)
    elif type(source) is list and type(fresh) is list:
        for i, v in enumerate(source):
            _anchor_child(v, fresh, i if i < len(fresh) else None, (*at, i), out)
    else:
        out.extend((rel, None, None) for rel in leaves(source, at))


def _anchor_child(v: Any, fresh: Any, name: Any, here: tuple, out: list) -> None:
    if name is None:  # not written (reshaped away)
        out.extend((rel, None, None) for rel in leaves(v, here))
        return
    child = fresh[name]
    if type(child) is not dict and type(child) is not list:
        out.extend((rel, fresh, name) for rel in leaves(v, here))
    elif type(v) is dict or type(v) is list:
        _anchors(v, child, here, out)
    else:  # a leaf written as a subtree
        out.append((here, child, None))


def anchor(fresh: Any, rel: tuple) -> tuple[Any, Any] | None:
    """``(container, key)`` of the node at ``rel`` in a just-written value (None: not written).

    ``rel`` is a path in the v1 value the written one was made from; a Money reshape turned
    ``code`` into ``currency`` and removed ``system``, so those are followed across.
    """
    holder, key = None, None
    node = fresh
    for part in rel:
        if isinstance(node, dict):
            if part not in node:
                if part == "code" and "currency" in node:
                    part = "currency"
                else:
                    return None
        elif not (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            return None
        holder, key, node = node, part, node[part]
    if isinstance(node, dict | list):
        return node, None  # a subtree: anchor on the object itself, it keeps its identity
    return holder, key


def alias(ctx: Any, fresh: Any, survivor: Any) -> None:
    """Remember where the containers of ``fresh`` went when it was merged into ``survivor``.

    Call right after the write: a list extended by a merge gets the offset its elements
    landed at, which is only known at that moment.
    """
    if fresh is survivor:
        return
    if isinstance(fresh, dict) and isinstance(survivor, dict):
        ctx.alias[id(fresh)] = (fresh, survivor, 0)
        for key, child in fresh.items():
            if isinstance(child, dict | list):
                alias(ctx, child, survivor.get(key))
    elif isinstance(fresh, list) and isinstance(survivor, list):
        # merge extends: the elements (same objects) sit at the end of the surviving list
        ctx.alias[id(fresh)] = (fresh, survivor, len(survivor) - len(fresh))


def alias_equal(ctx: Any, gone: Any, kept: Any) -> None:
    """A duplicate element was removed: its records now describe the equal one kept."""
    if isinstance(gone, dict) and isinstance(kept, dict):
        ctx.alias[id(gone)] = (gone, kept, 0)
        for key, child in gone.items():
            alias_equal(ctx, child, kept.get(key))
    elif isinstance(gone, list) and isinstance(kept, list):
        ctx.alias[id(gone)] = (gone, kept, 0)
        for a, b in zip(gone, kept, strict=False):
            alias_equal(ctx, a, b)


def wrote(
    ctx: Any, rule: Any, at: tuple | None, source: Any, fresh: Any, obj: Any, key: Any
) -> None:
    """Record the leaves of ``source`` (v1, at ``at``; None for a constant) written as ``fresh``.

    ``obj, key`` is what the write returned: the placed container (``key`` None) or the slot
    of a placed scalar.
    """
    records = ctx.records
    if at is None:  # a constant: every leaf of what was written (``source``: the rule's value)
        sources = ctx.variables.get(SOURCES)
        if not isinstance(fresh, dict | list):
            records.append((rule, _source(sources, source, ()), obj, key))
            return
        alias(ctx, fresh, obj if key is None else obj[key])
        for rel in leaves(fresh):
            found = anchor(fresh, rel) or (None, None)
            records.append((rule, _source(sources, source, rel), *found))
        return
    if not isinstance(fresh, dict | list):  # a scalar: its slot is the anchor
        records.extend((rule, format_path(rel), obj, key) for rel in leaves(source, at))
        return
    alias(ctx, fresh, obj if key is None else obj[key])
    found: list[tuple] = []
    _anchors(source, fresh, at, found)
    records.extend((rule, format_path(rel), holder, name) for rel, holder, name in found)


def sliced(ctx: Any, rule: Any, dst: Any, path: Any) -> None:
    """Record, as constants of ``rule``, the leaves ``put`` wrote to create slices on ``path``.

    A ``[~var]`` step creates its element as a copy of the prototype and a ``[sub=value]`` step
    sets the discriminator; no rule writes those leaves otherwise. Walks the path as ``put``
    just did (an appended element is the last one) and records each slice once, when new.
    """
    last = max((i for i, step in enumerate(path) if step[0] in (PROTO, WHERE)), default=-1)
    node = dst
    for step in path[: last + 1]:
        kind, name = step[0], step[1]
        if kind == ROOT:
            node = ctx.out
            continue
        child = node.get(name) if isinstance(node, dict) else None
        if kind == FIELD:
            node = child[-1] if isinstance(child, list) and child else child
        elif not isinstance(child, list) or not child:
            return
        elif kind == INDEX:
            node = child[step[2]] if step[2] < len(child) else None
        elif kind in (APPEND, EACH):
            node = child[-1]
        else:
            proto = step[2] if kind == PROTO else {}
            if kind == WHERE:
                put(proto, step[2], step[3])
            node = next((item for item in child if _holds(item, kind, step, proto)), None)
            if node is not None and id(node) not in ctx.slices:
                ctx.slices[id(node)] = node
                for rel in leaves(proto):
                    ctx.records.append((rule, None, *(anchor(node, rel) or (None, None))))
        if not isinstance(node, dict):
            return


def _holds(item: Any, kind: str, step: tuple, proto: Any) -> bool:
    if kind == PROTO:
        return contains(item, proto)
    return where_matches(item, step[2], step[3])


def key_source(elem: Any, key_path: Any, here: tuple) -> str | None:
    """The concrete v1 path of a route's key (what ``${key}`` stands for)."""
    found = select(elem, key_path, here)
    return format_path(found[0][0]) if found else None


def _source(sources: dict | None, template: Any, rel: tuple) -> str | None:
    """The v1 path a constant leaf stands for: a whole ``${var}`` bound from a v1 leaf."""
    if not sources:
        return None
    for part in rel:
        if (isinstance(template, dict) and part in template) or (
            isinstance(template, list) and isinstance(part, int) and part < len(template)
        ):
            template = template[part]
        else:
            return None
    if isinstance(template, str) and template.startswith("${") and template.endswith("}"):
        return sources.get(template[2:-1])
    return None


def _index(value: Any, at: str = "", out: dict | None = None) -> dict[int, str]:
    """id(container) → its concrete path, for every dict and list in the output."""
    out = {} if out is None else out
    out[id(value)] = at
    if type(value) is dict:
        for key, child in value.items():
            if type(child) is dict or type(child) is list:
                _index(child, f"{at}.{key}" if at else key, out)
    else:
        for i, child in enumerate(value):
            if type(child) is dict or type(child) is list:
                _index(child, f"{at}[{i}]", out)
    return out


def locate(ctx: Any, index: dict[int, str], holder: Any, key: Any) -> str | None:
    """The final concrete path of ``holder[key]`` (or of ``holder``), following merges."""
    seen = 0
    while id(holder) not in index:
        moved = ctx.alias.get(id(holder))
        if moved is None or moved[0] is not holder or seen > 64:
            return None
        _, holder, offset = moved
        if isinstance(key, int):
            key += offset
        seen += 1
    base = index[id(holder)]
    if key is None:
        return base
    if type(holder) is dict:
        if key not in holder:
            return None
        return f"{base}.{key}" if base else key
    return f"{base}[{key}]" if isinstance(key, int) and key < len(holder) else None


def resolve(ctx: Any, index: dict[int, str]) -> list[Provenance]:
    """Turn the records of ``ctx`` into :class:`Provenance` with paths from ``index`` (the
    final output's, see :func:`_index`)."""
    located = []
    writer: dict[str, Any] = {}  # final leaf path → the rule that wrote it last
    written: set[str] = set()  # v1 paths that reached the output
    for rule, v1_path, holder, key in ctx.records:
        found = None if holder is None else locate(ctx, index, holder, key)
        if found is not None:
            if key is not None:
                writer[found] = rule
            if v1_path is not None:
                written.add(v1_path)
        located.append((rule, v1_path, found, key))
    result = []
    for rule, v1_path, found, key in located:
        if found is not None and key is not None and writer[found] is not rule:
            found = None  # a later rule wrote over this leaf
        if found is None and (v1_path is None or v1_path in written):
            # a constant that came out empty (pruned) says nothing; a v1 leaf dropped by one
            # rule but written by another is not dropped
            continue
        result.append(Provenance(rule.id, rule.variable, v1_path, found))
    return result
