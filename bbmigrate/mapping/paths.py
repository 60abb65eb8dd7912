"""Compiled element paths: the only addressing language of the mapping files.

A path is a dot-separated list of steps, compiled once at load time into a tuple:

* ``name`` — a field. On a list it applies to every element (FHIRPath-style flattening), so
  ``category.coding.code`` reads the codes of every coding;
* ``name[*]`` — every element of the list (a single object counts as a one-element list, which
  covers the STU3 0..1 fields that R4 made repeating);
* ``name[N]`` — the element at index N;
* ``name[sub.path=value]`` — the elements whose ``sub.path`` equals ``value`` (quotes optional);
* ``name[+]`` — target paths only: append a new element;
* ``name[~var]`` — target paths only: the element that contains the prototype held in variable
  ``var`` (a file ``vars`` entry), created as a copy of it when absent;
* a leading ``/`` — target paths only: start at the root of the v2 resource, not the element
  being built; ``@`` alone is the current element itself.

A target ``name[sub.path=value]`` finds the first matching element or creates one with that
``sub.path`` set, which is how rules address v2 slices such as a benefitBalance category.
``${name}`` inside a discriminator value is filled in at run time from the rule's variables.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from ..errors import MappingError

# Step kinds. Tuples keep the hot path to plain indexing.
FIELD, EACH, INDEX, WHERE, APPEND, PROTO, ROOT = (
    "field",
    "each",
    "index",
    "where",
    "append",
    "proto",
    "root",
)

Step = tuple  # (FIELD, name) | (EACH, name) | (INDEX, name, n) | (WHERE, name, sub, value) | ...
Path = tuple[Step, ...]


class CompiledPath(tuple):
    """A compiled path: a plain tuple of steps that also knows, once, whether it needs ``fill``."""

    templated: bool = False
    fields: tuple[str, ...] | None = None  # the names, when every step is a plain field


_NAME = re.compile(r"[A-Za-z_$@^][A-Za-z0-9_\-]*$")
_TEMPLATE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


class PathSyntaxError(MappingError):
    """A path in a mapping file cannot be parsed."""


def _split_top(text: str) -> list[str]:
    """Split on dots that are not inside brackets."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise PathSyntaxError(f"unbalanced ']' in path {text!r}")
        elif ch == "." and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise PathSyntaxError(f"unbalanced '[' in path {text!r}")
    parts.append(text[start:])
    return parts


def compile_path(text: str, *, target: bool = False) -> Path:
    """Parse ``text`` into steps; raises :class:`PathSyntaxError` naming the bad part."""
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError(f"empty or non-text path {text!r}")
    return _compile(text.strip(), target)


# cached: detection compiles the paths of its table for every resource it looks at
@functools.lru_cache(maxsize=4096)
def _compile(text: str, target: bool) -> Path:
    steps: list[Step] = []
    if text == "@":
        return CompiledPath()
    if text.startswith("/"):
        if not target:
            raise PathSyntaxError(f"'/' (output root) is only allowed in a v2 path: {text!r}")
        steps.append((ROOT, ""))
        text = text[1:]
    for part in _split_top(text):
        name, _, rest = part.partition("[")
        if not _NAME.match(name):
            raise PathSyntaxError(f"bad step {part!r} in path {text!r}")
        if not rest:
            steps.append((FIELD, name))
            continue
        if not rest.endswith("]") or "[" in rest[:-1].split("=", 1)[0]:
            raise PathSyntaxError(f"bad selector in step {part!r} of path {text!r}")
        inner = rest[:-1]
        if inner == "*":
            steps.append((EACH, name))
        elif inner == "+":
            if not target:
                raise PathSyntaxError(f"'[+]' is only allowed in a v2 path: {text!r}")
            steps.append((APPEND, name))
        elif inner.startswith("~"):
            if not target:
                raise PathSyntaxError(f"'[~var]' is only allowed in a v2 path: {text!r}")
            steps.append((PROTO, name, inner[1:]))
        elif inner.isdigit():
            steps.append((INDEX, name, int(inner)))
        elif "=" in inner:
            sub, value = inner.split("=", 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            steps.append((WHERE, name, compile_path(sub.strip()), value))
        else:
            raise PathSyntaxError(f"bad selector [{inner}] in path {text!r}")
    path = CompiledPath(steps)
    path.templated = has_template(path)
    if steps and all(step[0] == FIELD for step in steps):
        path.fields = tuple(step[1] for step in steps)
    return path


def has_template(path: Path) -> bool:
    return any((step[0] == WHERE and "${" in step[3]) or step[0] == PROTO for step in path)


def fill(path: Path, variables: dict[str, Any]) -> Path:
    """Substitute ``${name}`` in discriminator values."""
    templated = getattr(path, "templated", None)
    if not (has_template(path) if templated is None else templated):
        return path
    out: list[Step] = []
    for step in path:
        if step[0] == WHERE and "${" in step[3]:
            step = (WHERE, step[1], step[2], fill_text(step[3], variables))
        elif step[0] == PROTO and isinstance(step[2], str):
            step = (PROTO, step[1], lookup_var(variables, step[2]) or {})
        out.append(step)
    return CompiledPath(out)


def fill_text(text: str, variables: dict[str, Any]) -> str:
    pieces = _pieces(text)
    if len(pieces) == 1:
        return text
    # literal, name, literal, name, ..., literal
    return "".join(
        piece if i % 2 == 0 else str(lookup_var(variables, piece)) for i, piece in enumerate(pieces)
    )


@functools.lru_cache(maxsize=4096)
def _pieces(text: str) -> tuple[str, ...]:
    """``text`` split once into literals and variable names (texts come from the rules)."""
    return tuple(_TEMPLATE.split(text))


@functools.lru_cache(maxsize=4096)
def _dotted(name: str) -> tuple[str, ...]:
    return tuple(name.split("."))


def lookup_var(variables: dict[str, Any], dotted: str) -> Any:
    value: Any = variables
    for part in _dotted(dotted):
        if not isinstance(value, dict) or part not in value:
            return ""
        value = value[part]
    return value


def template_names(text: str) -> list[str]:
    return _TEMPLATE.findall(text)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_ABSENT = object()
_LIST = object()


def _down_dicts(node: Any, fields: tuple[str, ...]) -> Any:
    """The value at a plain ``a.b.c`` path walked down dicts; ``_ABSENT`` when a field is missing,
    ``_LIST`` when a list on the way needs the general step-by-step walk."""
    cur = node
    for name in fields:
        if not isinstance(cur, dict):
            return _LIST
        if name not in cur:
            return _ABSENT
        cur = cur[name]
    return cur


def select(node: Any, path: Path, at: tuple = ()) -> list[tuple[tuple, Any]]:
    """``(concrete path, value)`` for every match of ``path`` under ``node``, in document order.

    Step by step over the current matches (not a recursive generator): a pass per step keeps
    document order and costs one list per step instead of one generator frame per node.
    """
    fields = getattr(path, "fields", None)
    if fields is not None:
        found = _down_dicts(node, fields)
        if found is not _LIST:
            return [] if found is _ABSENT else [((*at, *fields), found)]
    matches: list[tuple[tuple, Any]] = [(at, node)]
    for step in path:
        kind, name = step[0], step[1]
        found: list[tuple[tuple, Any]] = []
        for here, cur in matches:
            if isinstance(cur, dict):
                if name in cur:
                    _step(cur[name], (*here, name), found, step, kind)
            elif isinstance(cur, list):  # a step on a list applies to every element
                _flatten(cur, here, found, step, kind, name)
        if not found:
            return found
        matches = found
    return matches


def _flatten(items: list, at: tuple, found: list, step: Step, kind: str, name: str) -> None:
    for i, item in enumerate(items):
        if isinstance(item, dict):
            if name in item:
                _step(item[name], (*at, i, name), found, step, kind)
        elif isinstance(item, list):
            _flatten(item, (*at, i), found, step, kind, name)


def _step(child: Any, here: tuple, found: list, step: Step, kind: str) -> None:
    if kind == FIELD:
        found.append((here, child))
    elif kind == EACH:
        if isinstance(child, list):
            found.extend(((*here, i), item) for i, item in enumerate(child))
        else:
            found.append((here, child))
    elif kind == INDEX:
        n = step[2]
        if isinstance(child, list):
            if n < len(child):
                found.append(((*here, n), child[n]))
        elif n == 0:
            found.append((here, child))
    elif kind == WHERE:
        sub, want = step[2], step[3]
        if isinstance(child, list):
            for i, item in enumerate(child):
                if where_matches(item, sub, want):
                    found.append(((*here, i), item))
        elif where_matches(child, sub, want):
            found.append((here, child))


def values(node: Any, path: Path) -> list[Any]:
    """The values :func:`select` would give, without building their concrete paths."""
    fields = getattr(path, "fields", None)
    if fields is not None:
        found = _down_dicts(node, fields)
        if found is not _LIST:
            return [] if found is _ABSENT else [found]
    matches = [node]
    for step in path:
        kind, name = step[0], step[1]
        found: list[Any] = []
        for cur in matches:
            if isinstance(cur, dict):
                if name in cur:
                    _step_values(cur[name], found, step, kind)
            elif isinstance(cur, list):
                _flatten_values(cur, found, step, kind, name)
        if not found:
            return found
        matches = found
    return matches


def _flatten_values(items: list, found: list, step: Step, kind: str, name: str) -> None:
    for item in items:
        if isinstance(item, dict):
            if name in item:
                _step_values(item[name], found, step, kind)
        elif isinstance(item, list):
            _flatten_values(item, found, step, kind, name)


def _step_values(child: Any, found: list, step: Step, kind: str) -> None:
    if kind == FIELD:
        found.append(child)
    elif kind == EACH:
        if isinstance(child, list):
            found.extend(child)
        else:
            found.append(child)
    elif kind == INDEX:
        n = step[2]
        if isinstance(child, list):
            if n < len(child):
                found.append(child[n])
        elif n == 0:
            found.append(child)
    elif kind == WHERE:
        sub, want = step[2], step[3]
        if isinstance(child, list):
            found.extend(item for item in child if where_matches(item, sub, want))
        elif where_matches(child, sub, want):
            found.append(child)


def where_matches(item: Any, sub: Path, want: str) -> bool:
    """Does ``item`` have a value at ``sub`` equal to ``want`` (a ``[sub=want]`` selector)?"""
    fields = getattr(sub, "fields", None)
    if fields is not None:  # plain fields: walked without building the list of values
        return _any_equal(item, fields, 0, want)
    return any(equals(v, want) for v in values(item, sub))


def iter_values(node: Any, path: Path) -> Iterator[Any]:
    """The values :func:`values` gives, one at a time (for a caller that may stop early)."""
    fields = getattr(path, "fields", None)
    if fields is not None:
        return _field_values(node, fields, 0)
    return iter(values(node, path))


def any_equal(node: Any, path: Path, want: str) -> bool:
    """Is a value at the plain-field ``path`` under ``node`` equal to ``want``?"""
    return _any_equal(node, path.fields, 0, want)  # type: ignore[attr-defined]


def _any_equal(node: Any, fields: tuple[str, ...], pos: int, want: str) -> bool:
    """``any(equals(v, want) for v in values(node, fields[pos:]))``, stopping at the first."""
    while pos < len(fields):  # down objects in a loop; a list: each element, depth first
        if isinstance(node, dict):
            if fields[pos] not in node:
                return False
            node = node[fields[pos]]
            pos += 1
        elif isinstance(node, list):
            for item in node:  # noqa: SIM110 - a loop, not any(): no generator per list
                if _any_equal(item, fields, pos, want):
                    return True
            return False
        else:
            return False
    return node == want if type(node) is str else equals(node, want)


def equals(value: Any, want: str) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(want) == value
        except ValueError:
            return False
    return str(value) == want


_MISSING = object()


def first(node: Any, path: Path, default: Any = None) -> Any:
    fields = getattr(path, "fields", None)
    if fields is not None:  # depth first, stopping at the first match (route keys, origins)
        return first_of(node, fields, default)
    found = values(node, path)
    return found[0] if found else default


def first_of(node: Any, fields: tuple[str, ...], default: Any = None) -> Any:
    """:func:`first` along the plain-field path ``fields`` (what compiled loops call, with the
    names as the key objects parsed input has)."""
    # plain objects, a list's first element on the way: walked here without the generator
    # (what ``_first_field`` finds first, since it goes depth first)
    cur = node
    if fields and type(cur) is dict:
        last = len(fields) - 1
        for pos in range(last):
            name = fields[pos]
            if name not in cur:
                break
            cur = cur[name]
            if type(cur) is list and cur:
                cur = cur[0]
            if type(cur) is not dict:
                break
        else:
            name = fields[last]
            if name in cur:
                return cur[name]
    found = _first_field(node, fields, 0)
    return default if found is _MISSING else found


def _first_field(node: Any, fields: tuple[str, ...], pos: int) -> Any:
    """The first value of ``fields[pos:]`` under ``node``, in document order (lists flattened)."""
    for found in _field_values(node, fields, pos):
        return found
    return _MISSING


def _field_values(node: Any, fields: tuple[str, ...], pos: int) -> Iterator[Any]:
    """The values of ``fields[pos:]`` under ``node`` as :func:`values` finds them (lists on
    the way flattened, depth first), one at a time."""
    while pos < len(fields):
        if isinstance(node, dict):
            if fields[pos] not in node:
                return
            node = node[fields[pos]]
            pos += 1
        elif isinstance(node, list):
            for item in node:
                yield from _field_values(item, fields, pos)
            return
        else:
            return
    yield node


def format_path(steps: tuple) -> str:
    """Render a concrete path tuple as ``item[0].adjudication[3].amount.value``."""
    out = ""
    for part in steps:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def to_text(path: Path) -> str:
    """Render compiled steps back to the path language (for messages and tables)."""
    parts = []
    for step in path:
        kind, name = step[0], step[1]
        if kind == ROOT:
            parts.append("")
        elif kind == PROTO:
            parts.append(f"{name}[~{step[2] if isinstance(step[2], str) else '...'}]")
        elif kind == FIELD:
            parts.append(name)
        elif kind == EACH:
            parts.append(f"{name}[*]")
        elif kind == APPEND:
            parts.append(f"{name}[+]")
        elif kind == INDEX:
            parts.append(f"{name}[{step[2]}]")
        else:
            parts.append(f"{name}[{to_text(step[2])}={step[3]}]")
    return ".".join(parts)
