"""Build a diff report from two inputs: load, pair, align (or compare mapped), filter, mark new."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BBMigrateError
from ..redact import Redactor
from .align import align, whole
from .compare import compare_mapped
from .filters import DiffConfig, Filter, load_baseline, mark_new
from .groups import Grouper, RuleInfo, count_new
from .inputs import Pair, load_pairs
from .model import QUIET_KINDS, Report, ResourceDiff
from .provenance import MapFn, Mapped, default_mapper, map_resource

Progress = Callable[[Iterable[Pair], int], Iterable[Pair]]


@dataclass
class DiffOptions:
    mapped: bool = False
    """Compare bbmigrate's mapping of LEFT with RIGHT instead of LEFT with RIGHT."""
    ignore: tuple[str, ...] = ()
    config: DiffConfig = field(default_factory=DiffConfig)
    baseline: str | Path | None = None
    use_mapping: bool = True
    """Align by the mapping model's provenance when the engine covers the resource."""


def _try_map(pair: Pair, mapper: MapFn | None) -> tuple[Mapped | None, str | None]:
    if mapper is None:
        return None, "mapping engine not available: aligned by semantic keys"
    try:
        return map_resource(pair.v1, mapper, pair.v2), None
    except BBMigrateError as exc:
        return None, f"not aligned by the mapping model ({exc}): aligned by semantic keys"


def diff_pair(
    pair: Pair, options: DiffOptions, mapper: MapFn | None
) -> tuple[ResourceDiff, Mapped | None]:
    """The records of one resource pair, and the mapped v1 when there is one."""
    if pair.v1 is None or pair.v2 is None:
        status = "removed" if pair.v2 is None else "added"
        doc = pair.v1 if pair.v2 is None else pair.v2
        return ResourceDiff(pair.resource_type, pair.id, status, "none", whole(doc, status)), None
    if options.mapped:
        if mapper is None:
            raise BBMigrateError("--mapped needs the mapping engine (bbmigrate.mapping)")
        mapped = map_resource(pair.v1, mapper, pair.v2)
        changes, fidelity = compare_mapped(pair.v1, mapped, pair.v2)
        return (
            ResourceDiff(pair.resource_type, pair.id, "paired", "mapping", changes, fidelity),
            mapped,
        )
    mapped, note = _try_map(pair, mapper) if options.use_mapping else (None, None)
    changes = align(pair.v1, pair.v2, mapped)
    how = "mapping" if mapped is not None else "structure"
    return ResourceDiff(pair.resource_type, pair.id, "paired", how, changes, note=note), mapped


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block (it resumes as it was after).

    A diff allocates a few hundred thousand short-lived containers (leaves, tags, records) that
    reference counting frees; with the collector running, every burst of them triggers a
    collection that re-walks all the live documents (15-20% of a beneficiary's diff). Any
    cycle made meanwhile is collected when the collector resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def diff_pairs(
    pairs: list[Pair],
    options: DiffOptions | None = None,
    *,
    left: str = "left",
    right: str = "right",
    mapper: MapFn | bool | None = True,
    progress: Progress | None = None,
) -> Report:
    """Diff paired resources. ``mapper=True`` uses the installed engine, None/False none."""
    options = options or DiffOptions()
    engine = default_mapper() if mapper is True else (mapper or None)
    ignore = options.config.ignore_paths(options.ignore)
    filt = Filter(ignore, options.config.accept)
    report = Report(
        "mapped" if options.mapped else "diff",
        left,
        right,
        ignore_paths=ignore,
        baseline=str(options.baseline) if options.baseline is not None else None,
    )
    info = getattr(engine, "rule_info", None)
    grouper = Grouper(info() if info is not None else RuleInfo())
    items = progress(pairs, len(pairs)) if progress else pairs
    with collector_paused():
        for item in items:
            try:
                resource, mapped = diff_pair(item, options, engine)
            except BBMigrateError as exc:
                # name the input the engine refused (its own message names the resource)
                exc.where = f"{left} ({exc.where})" if exc.where else left
                raise
            docs = (item.v1, item.v2, mapped.document if mapped else None)
            filt.apply(resource, docs)
            grouper.add(resource, docs)
            report.resources.append(resource)
    report.ignored = filt.dropped
    if options.baseline is not None:
        mark_new(report.resources, load_baseline(options.baseline))
        count_new(report.resources)
    report.groups = grouper.to_list()
    return report


def diff_paths(
    left: str | Path,
    right: str | Path | None = None,
    options: DiffOptions | None = None,
    **kwargs: Any,
) -> tuple[Report, list[Pair]]:
    """Load LEFT and RIGHT (or a folder's v1/ and v2/), pair and diff them."""
    with collector_paused():
        pairs, left_name, right_name = load_pairs(left, right)
    return diff_pairs(pairs, options, left=left_name, right=right_name, **kwargs), pairs


def report_dict(
    report: Report,
    pairs: list[Pair] | None = None,
    *,
    only: frozenset[str] | None = None,
    redact: bool = False,
    records: bool = True,
) -> dict[str, Any]:
    """The JSON form of a report (the one every renderer reads), filtered and redacted;
    ``records=False`` leaves out the per-leaf records (the grouped view and counts stay)."""
    with collector_paused():  # one dict per record: the same burst of containers as the diff
        return _report_dict(report, pairs, only, redact, records)


def _report_dict(
    report: Report,
    pairs: list[Pair] | None,
    only: frozenset[str] | None,
    redact: bool,
    records: bool,
) -> dict[str, Any]:
    data = report.to_dict(records)
    # the grouped view lists differences; same-as-v1 kinds are counted, listed only on request
    listed = only or (frozenset(report.kinds()) - QUIET_KINDS)
    data["groups"] = [g for g in data["groups"] if g["kind"] in listed]
    if only:
        for resource in data["resources"]:
            resource["changes"] = [c for c in resource["changes"] if c["kind"] in only]
        data["summary"]["only"] = sorted(only)
    if redact:
        redactor = Redactor()
        for item in pairs or []:
            for doc in (item.v1, item.v2):
                if doc is not None:
                    redactor.learn(doc)
        data = redactor.apply(data)
        data["summary"]["redacted"] = True
    return data
