"""The per-element loops of ``each`` and ``route`` in generated code, and the builder that
only copies, as compiled helpers.

The generated code (:mod:`.codegen`) calls the loops where they need nothing but the element
(no guard, no variables set, no backlink; a key and an origin read along plain fields): one
call per rule and element list instead of a dozen bytecodes per element for a route's key, its
remembered plan and the builders it chose. A failure inside still surfaces in the generated
rule list that called, and is named by that rule (its line is the call's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .context import Context
from .paths import first_of
from .valueops import GLOBAL, copy_dict


def each_build(
    ctx: Context,
    dst: dict,
    items: Iterable,
    build: Callable,
    origin_at: tuple | None,
    rc: tuple | None,
) -> None:
    """``each``: build every element of ``items`` not already placed by a ``follow``
    (``origin_at``: the plain fields of the origin; ``rc``: the enclosing route branch's
    constants, which the builder shares)."""
    followed = ctx.followed  # the set itself: a follow while building adds to it
    for elem in items:
        if followed and id(elem) in followed:
            continue
        origin = None if origin_at is None else first_of(elem, origin_at, None)
        build(ctx, dst, elem, origin, rc)


def route_build(
    ctx: Context,
    dst: dict,
    items: Iterable,
    key_at: tuple,
    plans: dict,
    choose: Callable,
    origin_at: tuple | None,
) -> None:
    """``route``: each element of ``items`` built by the branches its key chose (the plan
    remembered for a text key, else ``choose``) where no branch reads the key or row beyond
    its constants and none links back. The key and the origin are read along plain fields
    (``key_at``, ``origin_at``)."""
    for elem in items:
        key = first_of(elem, key_at, None)
        plan = plans.get(key) if type(key) is str else None
        if plan is None:
            plan = choose(key)
        origin = None if origin_at is None else first_of(elem, origin_at, None)
        for build, rc in plan[2]:
            build(ctx, dst, elem, origin, rc)


def copy_builder(
    key: str, skip: frozenset, money: bool, general: Callable, origins: bool
) -> Callable:
    """A builder ``build(ctx, dst, elem, origin, rc)`` (see ``codegen._builder``) whose
    element is the v1 one copied, less ``skip``, with no rule after the copy, appended to the
    list at ``dst[key]``: what the generated function would do, without its frame.
    ``general``: the interpreter for an element that is not an object; ``origins``: remember
    the origin of the element placed (for renumbering)."""

    def build(ctx: Context, dst: dict, elem: object, origin: object, rc: object = None) -> Any:
        if type(elem) is dict:
            found: list = []
            target = copy_dict(elem, money, found, skip)
            if found:
                ctx.maybe_empty.append(GLOBAL)
        else:
            target = {}
            general(ctx, elem, target)
        if not target:
            return None
        items = dst.setdefault(key, [])
        if type(items) is not list:
            items = dst[key] = [items]
        items.append(target)
        if origins and origin is not None:
            ctx.origins[id(target)] = origin
        return target

    return build
