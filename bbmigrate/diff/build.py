"""Build a diff report from two inputs: load, pair, align (or compare mapped), filter, mark new.

Everything a resource pair goes through is :meth:`Examiner.chunk`: diff the pair, drop ignored
records, mark accepted and new ones, count it into the grouped view and the summary's tally, and
hand its JSON form to the writers. The streaming command (:mod:`bbmigrate.diff.stream`) runs it
chunk by chunk, in this process or in workers, keeping no record after its chunk is written;
:func:`diff_pairs` runs the same steps and keeps every record (for callers that want a
:class:`Report` in memory, and for tests).
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BBMigrateError
from ..redact import Redactor
from .align import align, whole
from .compare import compare_mapped
from .filters import DiffConfig, Filter, load_baseline, mark_new
from .groups import Group, Grouper, RuleInfo
from .inputs import Pair, load_pairs
from .model import QUIET_KINDS, Report, ResourceDiff, Tally, kinds_of, summary_dict
from .provenance import MapFn, Mapped, default_mapper, map_resource

Progress = Callable[[Iterable[Pair], int], Iterable[Pair]]
Piece = Callable[[dict[str, Any]], tuple[bytes, ...]]
"""A writer's rendering of one resource's JSON form: one byte string per section it spools."""


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


@dataclass
class ChunkResult:
    """What a run of consecutive pairs gave: its groups, its tally, and for each writer the
    bytes of each of its sections (in pair order). Results of consecutive chunks merge, in
    order, into the whole report's (:meth:`Grouper.merge`, :meth:`Tally.merge`)."""

    groups: dict[tuple, Group]
    tally: Tally
    sections: list[list[bytes]]
    pairs: int = 0
    resources: list[ResourceDiff] = field(default_factory=list)


@dataclass
class Examiner:
    """Everything a pair is diffed with, built once per run (a forked worker inherits it)."""

    options: DiffOptions
    engine: MapFn | None
    left: str = "left"
    right: str = "right"
    only: frozenset[str] | None = None
    fail_kinds: frozenset[str] = frozenset()
    redactor: Redactor | None = None
    pieces: Sequence[Piece] = ()
    """Each writer's per-resource rendering (none: no per-resource JSON form is made)."""
    records: bool = True
    """Whether the per-resource JSON form carries the per-leaf records."""

    def __post_init__(self) -> None:
        self.ignore = self.options.config.ignore_paths(self.options.ignore)
        self.filter = Filter(self.ignore, self.options.config.accept)
        self.baseline: Counter[tuple] | None = (
            load_baseline(self.options.baseline) if self.options.baseline is not None else None
        )
        info = getattr(self.engine, "rule_info", None)
        self.info = info() if info is not None else RuleInfo()
        self.mode = "mapped" if self.options.mapped else "diff"

    def examine(self, pair: Pair) -> tuple[ResourceDiff, tuple[Any, Any, Any]]:
        """One pair's records, filtered, accepted and marked against the baseline."""
        try:
            resource, mapped = diff_pair(pair, self.options, self.engine)
        except BBMigrateError as exc:
            # name the input the engine refused (its own message names the resource)
            exc.where = f"{self.left} ({exc.where})" if exc.where else self.left
            raise
        docs = (pair.v1, pair.v2, mapped.document if mapped else None)
        self.filter.apply(resource, docs)
        if self.baseline is not None:
            mark_new(resource, self.baseline)
        return resource, docs

    def chunk(self, pairs: Iterable[Pair], *, keep: bool = False) -> ChunkResult:
        """Diff consecutive pairs; ``keep`` keeps their records (the in-memory report)."""
        grouper, tally = Grouper(self.info), Tally()
        parts: list[list[list[bytes]]] = [[] for _ in self.pieces]
        out = ChunkResult(grouper.groups, tally, [])
        with collector_paused():
            for pair in pairs:
                dropped = self.filter.dropped
                resource, docs = self.examine(pair)
                tally.ignored += self.filter.dropped - dropped
                grouper.add(resource, docs)
                tally.add(resource, self.fail_kinds)
                out.pairs += 1
                if self.pieces:
                    data = self.resource_dict(resource)
                    for sections, piece in zip(parts, self.pieces, strict=True):
                        sections.append(list(piece(data)))
                if keep:
                    out.resources.append(resource)
        # per writer, per section: the pieces of every resource, in order, as one byte string
        out.sections = [[b"".join(column) for column in zip(*rows, strict=True)] for rows in parts]
        return out

    def resource_dict(self, resource: ResourceDiff) -> dict[str, Any]:
        """A resource's part of the JSON form: ``--only`` applied, redacted if asked."""
        return resource_view(resource.to_dict(self.records), self.only, self.redactor)

    def head(self, tally: Tally, grouper: Grouper) -> dict[str, Any]:
        """The report's JSON form without its resources: the summary and the grouped view."""
        baseline = self.options.baseline
        summary = summary_dict(
            self.mode,
            self.left,
            self.right,
            tally,
            self.ignore,
            str(baseline) if baseline is not None else None,
        )
        return report_head(summary, grouper.to_list(), self.only, self.redactor)


def report_head(
    summary: dict[str, Any],
    groups: list[dict[str, Any]],
    only: frozenset[str] | None,
    redactor: Redactor | None,
) -> dict[str, Any]:
    """Summary and grouped view as reports show them: the grouped view lists differences
    (same-as-v1 kinds are counted, listed only when ``only`` names them); redacted if asked."""
    listed = only or (frozenset(kinds_of(summary["mode"])) - QUIET_KINDS)
    data = {"summary": summary, "groups": [g for g in groups if g["kind"] in listed]}
    if only:
        summary["only"] = sorted(only)
    if redactor is not None:
        data = redactor.apply(data)
        data["summary"]["redacted"] = True
    return data


def resource_view(
    data: dict[str, Any], only: frozenset[str] | None, redactor: Redactor | None
) -> dict[str, Any]:
    """A resource's JSON form as reports show it: ``only`` these kinds, redacted if asked."""
    if only:
        data["changes"] = [c for c in data["changes"] if c["kind"] in only]
    return redactor.apply(data) if redactor is not None else data


def learn_identifiers(pairs: Iterable[Pair]) -> Redactor:
    """A redactor that knows every identifier of the pairs, learned in pair order (v1, then
    v2), so placeholders are numbered the same however the report is made."""
    redactor = Redactor()
    for item in pairs:
        for doc in (item.v1, item.v2):
            if doc is not None:
                redactor.learn(doc)
    return redactor


def diff_pairs(
    pairs: list[Pair],
    options: DiffOptions | None = None,
    *,
    left: str = "left",
    right: str = "right",
    mapper: MapFn | bool | None = True,
    progress: Progress | None = None,
) -> Report:
    """Diff paired resources, keeping every record. ``mapper=True`` uses the installed engine,
    None/False none."""
    options = options or DiffOptions()
    engine = default_mapper() if mapper is True else (mapper or None)
    examiner = Examiner(options, engine, left, right)
    items = progress(pairs, len(pairs)) if progress else pairs
    result = examiner.chunk(items, keep=True)
    grouper = Grouper(examiner.info)
    grouper.merge(result.groups)
    return Report(
        examiner.mode,
        left,
        right,
        result.resources,
        ignore_paths=examiner.ignore,
        baseline=str(options.baseline) if options.baseline is not None else None,
        groups=grouper.to_list(),
        tally=result.tally,
    )


def diff_paths(
    left: str | Path,
    right: str | Path | None = None,
    options: DiffOptions | None = None,
    **kwargs: Any,
) -> tuple[Report, list[Pair]]:
    """Load LEFT and RIGHT (or a folder's v1/ and v2/), pair and diff them, all in memory."""
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
        redactor = learn_identifiers(pairs or []) if redact else None
        data = report_head(report.summary(), report.groups, only, redactor)
        data["resources"] = [
            resource_view(resource.to_dict(records), only, redactor)
            for resource in report.resources
        ]
        return data
