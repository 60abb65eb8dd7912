"""The per-element loops of ``each`` and ``route`` in generated code, as compiled helpers.

The generated code (:mod:`.codegen`) calls these where a loop needs nothing but the element:
no guard, and an origin that is none or read from the element. One call per rule and element
list instead of a dozen bytecodes per element: a route's key, its remembered plan, the builders
it chose. A failure inside still surfaces in the generated rule list that called, and is named
by that rule (its line is the call's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .context import Context
from .paths import Path, first


def each_build(
    ctx: Context,
    dst: dict,
    items: Iterable,
    build: Callable,
    origin_at: Path | None,
    rc: tuple | None,
) -> None:
    """``each``: build every element of ``items`` not already placed by a ``follow``
    (``rc``: the enclosing route branch's constants, which the builder shares)."""
    followed = ctx.followed  # the set itself: a follow while building adds to it
    for elem in items:
        if followed and id(elem) in followed:
            continue
        origin = None if origin_at is None else first(elem, origin_at, None)
        build(ctx, dst, elem, origin, rc)


def route_build(
    ctx: Context,
    dst: dict,
    items: Iterable,
    key_at: Path,
    plans: dict,
    choose: Callable,
    origin_at: Path | None,
) -> None:
    """``route``: each element of ``items`` built by the branches its key chose (the plan
    remembered for a text key, else ``choose``) where no branch reads the key or row beyond
    its constants and none links back."""
    for elem in items:
        key = first(elem, key_at, None)
        plan = plans.get(key) if type(key) is str else None
        if plan is None:
            plan = choose(key)
        origin = None if origin_at is None else first(elem, origin_at, None)
        for build, rc in plan[2]:
            build(ctx, dst, elem, origin, rc)
