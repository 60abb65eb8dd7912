"""Writing into the v2 document being built: ``put`` a value at a compiled target path.

Target paths create what is missing: ``name[+]`` appends, ``name[sub=value]`` and
``name[~var]`` find or create a slice, a leading ``/`` starts at the root of the resource.
Writing over an existing object merges into it; writing a list onto a list extends it.
"""

from __future__ import annotations

from typing import Any

from ..errors import MappingError
from .paths import APPEND, EACH, FIELD, INDEX, PROTO, ROOT, WHERE, Path, where_matches


def contains(item: Any, proto: Any) -> bool:
    """True when ``item`` has every field of ``proto`` (lists: every proto element matches one)."""
    if isinstance(proto, dict):
        return isinstance(item, dict) and all(
            k in item and contains(item[k], v) for k, v in proto.items()
        )
    if isinstance(proto, list):
        return isinstance(item, list) and all(any(contains(i, p) for i in item) for p in proto)
    return item == proto


def put(node: dict, path: Path, value: Any) -> tuple[Any, Any]:
    """Write ``value`` at ``path`` under ``node``, creating what is missing.

    Returns ``(container, key)`` of the written slot so callers can find it again.
    Writing over an existing dict merges into it; a list target extends it.
    """
    if len(path) == 1 and path[0][0] == FIELD:  # the common case: one plain field
        assign(node, path[0][1], value)
        return node, path[0][1]
    current: Any = node
    if not path or (len(path) == 1 and path[0][0] == ROOT):
        if isinstance(value, dict):
            merge(node, value)
        return node, None
    for pos, step in enumerate(path):
        last = pos == len(path) - 1
        kind, name = step[0], step[1]
        if kind == ROOT:
            continue
        if kind == FIELD:
            if last:
                assign(current, name, value)
                return current, name
            current = current.setdefault(name, {})
            if isinstance(current, list):
                if not current:
                    current.append({})
                current = current[-1]
            continue
        items = current.setdefault(name, [])
        if not isinstance(items, list):
            items = current[name] = [items]
        if kind in (APPEND, EACH):
            if last:
                items.append(value)
                return items, len(items) - 1
            items.append({})
            current = items[-1]
        elif kind == INDEX:
            while len(items) <= step[2]:
                items.append({})
            if last:
                assign(items, step[2], value)
                return items, step[2]
            current = items[step[2]]
        else:  # WHERE / PROTO: find or create the slice
            for item in items:
                if (kind == PROTO and contains(item, step[2])) or (
                    kind == WHERE and where_matches(item, step[2], step[3])
                ):
                    current = item
                    break
            else:
                current = {}
                if kind == PROTO:
                    current.update(_clone(step[2]))
                else:
                    put(current, step[2], step[3])
                items.append(current)
            if last:
                if isinstance(value, dict):
                    merge(current, value)
                return items, next(i for i, item in enumerate(items) if item is current)
    raise MappingError("empty target path")


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def merge(old: dict, value: dict) -> None:
    """Deep-merge ``value`` into ``old``: dicts merge, lists extend, scalars are replaced."""
    if not old:  # nothing to merge with (a new element): a plain update keeps the key order
        old.update(value)
        return
    for key, new in value.items():
        if key in old:
            assign(old, key, new)
        else:  # assign's common case, without the call
            old[key] = new


def assign(container: Any, key: Any, value: Any) -> None:
    """Write ``value`` under ``key``: onto an object it merges, onto a list it extends."""
    if isinstance(container, dict) and key not in container:
        container[key] = value  # the common case: a new key
        return
    old = container[key]
    if isinstance(old, dict) and isinstance(value, dict):
        merge(old, value)
    elif isinstance(old, list) and isinstance(value, list):
        old.extend(value)
    else:
        container[key] = value
