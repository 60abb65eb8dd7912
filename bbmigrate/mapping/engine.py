"""Apply the mapping set to v1 resources: ``map_resource``, ``map_with_provenance``, ``unmapped``.

Dispatch is by data: resourceType, then (for EOBs) the claim type from the ``detection`` table.
A resource that is not v1, or of a type no mapping covers, is an :class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import BBMigrateError, InputError
from .codegen import compiled_rules
from .context import Context, Link, leaf_paths
from .detect import SUPPORTED, detect_claim_type, r4_marker
from .links import resolve_links
from .loader import load_mappings
from .model import MappingSet, Provenance
from .ops import apply
from .paths import format_path
from .tracing import _index, resolve
from .valueops import has_empty


def _check(resource: Any, mapping: MappingSet) -> str:
    if not isinstance(resource, dict):
        raise InputError(f"expected a JSON object (a FHIR resource), got {type(resource).__name__}")
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        raise InputError("not a FHIR resource: no 'resourceType'")
    if rtype not in SUPPORTED or (
        rtype != "ExplanationOfBenefit" and not mapping.for_resource(rtype)
    ):
        raise InputError(f"unsupported resourceType {rtype!r} (supported: {', '.join(SUPPORTED)})")
    marker = r4_marker(resource, mapping)
    if marker:
        raise InputError(
            f"{rtype} {resource.get('id', '')!s} looks like v2/R4 (has {marker.split('~')[0]}); "
            "the mapper takes v1 (STU3) input"
        )
    return rtype


def _run(
    resource: dict, mapping: MappingSet, *, track: bool, provenance: bool
) -> tuple[dict, Context]:
    rtype = _check(resource, mapping)
    claim_type = detect_claim_type(resource, mapping) if rtype == "ExplanationOfBenefit" else None
    rmap = mapping.for_resource(rtype, claim_type)
    if rmap is None:
        raise InputError(f"no mapping for {rtype} claim type {claim_type!r}")
    # the proxy's copy() is the dict's own (in C); dict() of a proxy goes key by key
    ctx = Context(mapping, resource, rmap.variables.copy(), track=track, provenance=provenance)
    ctx.nested = lambda child: _run(child, mapping, track=track, provenance=provenance)  # type: ignore[attr-defined]
    out: dict = {}
    ctx.out = out
    if track or provenance:
        for rule in rmap.rules:
            apply(rule, ctx, resource, (), out)
    else:  # nothing to record: the rules compiled for this resource map
        compiled_rules(mapping, rmap)(ctx, resource, out)
    resolve_links(ctx)
    return (prune(out) if track or provenance else _pruned_plain(ctx, out)), ctx


def _pruned_plain(ctx: Context, out: dict) -> dict:
    """:func:`prune` after compiled rules, which say where an empty element may be.

    Nothing marked and no empty link list: nothing to prune. Only top-level fields marked:
    just those are pruned. Anything else: the whole output.
    """
    if ctx.links:
        lists = {id(links): links for links, _, _ in ctx.links}
        if any(has_empty(links) for links in lists.values()):
            return prune(out)
    marks = ctx.maybe_empty
    if not marks:
        return out
    if any(container is not out for container, _ in marks):
        return prune(out)
    for key in {key for _, key in marks}:
        if key in out:
            entry = {key: out[key]}
            _prune_dict(entry)
            if not entry:
                del out[key]
    return out


def prune(value: Any) -> Any:
    """Drop empty elements (``{}``, ``[]``, ``""``, None) bottom-up, in place; R4 forbids them.

    In place so that provenance, which remembers output objects, can still find them.
    """
    if type(value) is dict:
        _prune_dict(value)
    elif type(value) is list:
        _prune_list(value)
    return value


# Exact type tests: the output is built from parsed JSON and rule values (plain dicts, lists,
# strings, numbers), and a type test per node is what this walk spends its time on.
def _prune_dict(node: dict) -> None:
    dead = None
    for key, child in node.items():
        kind = type(child)
        if kind is str:
            if child:
                continue
        elif kind is dict:
            if child:
                _prune_dict(child)
                if child:
                    continue
        elif kind is list:
            if child:
                _prune_list(child)
                if child:
                    continue
        elif child is not None:
            continue
        if dead is None:
            dead = [key]
        else:
            dead.append(key)
    if dead:
        for key in dead:
            del node[key]


def _prune_list(items: list) -> None:
    kept = []
    for child in items:
        kind = type(child)
        if kind is str:
            if child:
                kept.append(child)
        elif kind is dict:
            if child:
                _prune_dict(child)
                if child:
                    kept.append(child)
        elif kind is list:
            if child:
                _prune_list(child)
                if child:
                    kept.append(child)
        elif child is not None and not isinstance(child, Link):
            kept.append(child)
    if len(kept) != len(items):
        items[:] = kept


def map_resource(
    resource: dict, *, mappings: MappingSet | None = None, quirks: bool = True
) -> dict:
    """Map one v1 resource (Patient, Coverage, EOB or a searchset Bundle of them) to v2."""
    mapping = mappings or load_mappings(quirks=quirks)
    out, _ = _run(resource, mapping, track=False, provenance=False)
    return out


def map_stream(
    resources: Iterable[dict], *, mappings: MappingSet | None = None, quirks: bool = True
) -> Iterator[dict]:
    """Map resources one at a time (memory stays flat for NDJSON and other streams)."""
    mapping = mappings or load_mappings(quirks=quirks)
    for resource in resources:
        yield map_resource(resource, mappings=mapping)


def map_with_provenance(
    resource: dict, *, mappings: MappingSet | None = None, quirks: bool = True
) -> tuple[dict, list[Provenance]]:
    """Map one resource and say, leaf by leaf, which rule moved which v1 path to which v2 path.

    One record per v1 leaf consumed (dropped leaves have ``v2_path`` None) and per constant leaf
    produced (``v1_path`` None). A Bundle's entries are reported with paths into the Bundle.
    """
    mapping = mappings or load_mappings(quirks=quirks)
    out, ctx = _run(resource, mapping, track=True, provenance=True)
    index = _index(out)  # a Bundle's entries are in it: their records resolve to full paths
    records = resolve(ctx, index)
    for v1_at, child_ctx, _, _ in ctx.children:
        for rec in resolve(child_ctx, index):
            records.append(
                Provenance(rec.rule_id, rec.variable, _join(v1_at, rec.v1_path), rec.v2_path)
            )
    return out, records


def _join(prefix: tuple | None, path: str | None) -> str | None:
    if path is None or prefix is None:
        return path
    head = format_path(prefix)
    return f"{head}.{path}" if head else path


def unmapped(
    resource: dict, *, mappings: MappingSet | None = None, quirks: bool = True
) -> list[str]:
    """Concrete paths of the v1 leaves that no rule consumed (mapped or dropped on purpose)."""
    mapping = mappings or load_mappings(quirks=quirks)
    _, ctx = _run(resource, mapping, track=True, provenance=False)
    consumed = ctx.consumed
    missing = []
    for at in leaf_paths(resource):
        if not any(at[:n] in consumed for n in range(len(at) + 1)):
            missing.append(format_path(at))
    return missing


__all__ = [
    "BBMigrateError",
    "map_resource",
    "map_stream",
    "map_with_provenance",
    "prune",
    "unmapped",
]
