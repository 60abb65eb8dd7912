"""How one v1 element points at another: sequence links and local (``#id``) references.

Used by the ops for the ``linked_from`` / ``unlinked_from`` guards (is this careTeam member or
diagnosis referenced by a line?), ``each`` with ``follow`` (map the contained resource a local
reference names, where it is used) and ``bind`` (variables read from the element being mapped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import Context
from .model import Rule
from .paths import first, select, values


def is_linked(src: Any, path: tuple, ctx: Context) -> bool:
    """Is the element's ``sequence`` referenced from ``path`` (``item[*].diagnosisLinkId``)?"""
    if not isinstance(src, dict) or "sequence" not in src:
        return False
    return src["sequence"] in linked_refs(ctx, path)


def linked_refs(ctx: Context, path: tuple) -> list:
    """The values at ``path`` under the v1 root, lists flattened (once per resource)."""
    memo = ctx.refs.get(id(path))
    if memo is not None and memo[0] is path:
        return memo[1]
    found: list = []
    for ref in values(ctx.root, path):
        found.extend(ref if isinstance(ref, list) else [ref])
    ctx.refs[id(path)] = (path, found)
    return found


def linked_set(ctx: Context, path: tuple) -> set:
    """:func:`linked_refs` as a set (once per resource; unhashable references raise)."""
    memo = ctx.refs.get(-id(path))
    if memo is not None and memo[0] is path:
        return memo[1]
    found = set(linked_refs(ctx, path))
    ctx.refs[-id(path)] = (path, found)
    return found


def follow_reference(
    rule: Rule,
    ctx: Context,
    elem: Any,
    here: tuple,
    guard: Callable[[Rule, Any, Context], bool],
) -> tuple[tuple, Any] | None:
    """The contained resource that the local reference under ``elem`` (``follow``) names.

    Returns its concrete path and the resource, or None. The rule's guards test the resource
    (``when: resourceType=Observation``), because ids alone may clash (BFD's fixtures give every
    contained resource the id ``IGNORED_FIELD``). The reference itself is consumed, and the
    resource is remembered so that a later ``each`` over ``contained`` does not map it again.
    """
    listed = rule.params.get("follow_to")
    if listed is not None:
        return _follow_sequence(rule, ctx, elem, listed, guard)
    for rel, ref in select(elem, rule.params["follow_path"]):
        if not isinstance(ref, str):
            continue
        ctx.consume(rule, (*here, *rel), ref)
        wanted = ref[1:] if ref.startswith("#") else ref
        for i, res in enumerate(ctx.root.get("contained") or []):
            if isinstance(res, dict) and res.get("id") == wanted and guard(rule, res, ctx):
                ctx.followed.add(id(res))
                return ("contained", i), res
    return None


def _follow_sequence(
    rule: Rule,
    ctx: Context,
    elem: Any,
    listed: str,
    guard: Callable[[Rule, Any, Context], bool],
) -> tuple[tuple, Any] | None:
    """The element of the v1 list ``listed`` whose ``sequence`` the value under ``elem`` names.

    Unlike a local reference, the link number is not consumed here (a ``link`` rule renames it)
    and the target is not marked as followed: several lines may point at the same member.
    """
    for number in values(elem, rule.params["follow_path"]):
        for i, target in enumerate(ctx.root.get(listed) or []):
            found = isinstance(target, dict) and target.get("sequence") == number
            if found and guard(rule, target, ctx):
                return (listed, i), target
    return None


def bound_variables(rule: Rule, ctx: Context, elem: Any) -> dict[str, Any]:
    """The variables plus those named by ``bind`` (name → v1 path under the element)."""
    binds = rule.params.get("bind_paths")
    if not binds:
        return ctx.variables
    return {**ctx.variables, **{name: first(elem, path, "") for name, path in binds.items()}}
