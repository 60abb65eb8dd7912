"""``bbmigrate diff`` from inputs to written reports, streaming, in one or several processes.

1. Both sides are indexed (:func:`~bbmigrate.diff.inputs.plan_pairs`): every resource is read
   and checked once, and only where it is stays in memory.
2. Pairs go in chunks of :data:`CHUNK` through :meth:`~bbmigrate.diff.build.Examiner.chunk`:
   each pair is read, diffed, filtered, counted into the grouped view and the tally, and
   rendered by every writer; its records are then dropped. With ``jobs`` > 1 the chunks run in
   forked workers (:class:`~bbmigrate.ordered_pool.OrderedPool`) that inherit the index and the
   loaded, warmed mapping model; only a chunk's bounds go out, and its groups, tally and
   rendered bytes come back, in input order.
3. The parent merges groups and tallies chunk by chunk (both are bounded by the number of
   element patterns, not of leaves) and spools the rendered bytes to temporary files; at the
   end each report is assembled — summary and grouped view first — and renamed into place.

The output of N jobs is the output of one, byte for byte: the same chunks go through the same
function, and results are merged in input order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..ordered_pool import OrderedPool
from .build import (
    ChunkResult,
    DiffOptions,
    Examiner,
    collector_paused,
    diff_pair,
    learn_identifiers,
)
from .groups import Grouper
from .inputs import Plan, plan_pairs
from .model import Tally
from .provenance import default_mapper
from .render import Output, Writer

CHUNK = 16
"""Pairs per chunk: a chunk of EOBs is ~0.1-0.3 s of work, so a task's cost (a pickle round trip
of its result and a queue hop, a few ms) is small, and the last chunk leaves little imbalance."""

Progress = Callable[[Iterable[Any], int], Iterable[Any]]


@dataclass
class Target:
    """One report to write: its writer and its file (None: stdout)."""

    writer: Writer
    path: str | Path | None = None


@dataclass
class Outcome:
    """What a streamed diff leaves once its reports are written."""

    head: dict[str, Any]
    """The summary and the grouped view, as the reports show them."""
    tally: Tally
    chunks: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _bounds(total: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, total)) for start in range(0, total, size)]


class _Work:
    """One chunk of a plan, by its bounds (what a worker is sent)."""

    def __init__(self, plan: Plan, examiner: Examiner) -> None:
        self.plan, self.examiner = plan, examiner

    def __call__(self, bounds: tuple[int, int]) -> ChunkResult:
        start, stop = bounds
        return self.examiner.chunk(spots.read() for spots in self.plan.pairs[start:stop])


def run_diff(
    left: str | Path,
    right: str | Path | None,
    options: DiffOptions,
    targets: list[Target],
    *,
    only: frozenset[str] | None = None,
    redact: bool = False,
    fail_kinds: frozenset[str] = frozenset(),
    jobs: int = 1,
    chunk: int = CHUNK,
    mapper: Any = True,
    progress: Progress | None = None,
    name_side: Callable[[str], str] | None = None,
) -> Outcome:
    """Diff LEFT and RIGHT into every target; nothing is written unless the whole diff ran.
    ``name_side`` names a side (its path) in the reports, e.g. relative to an output folder."""
    with collector_paused():
        plan = plan_pairs(left, right)
    engine = default_mapper() if mapper is True else (mapper or None)
    redactor = None
    if redact:
        with collector_paused():
            redactor = learn_identifiers(plan.read())
    name = name_side or str
    examiner = Examiner(
        options,
        engine,
        name(plan.left),
        name(plan.right),
        only=only,
        fail_kinds=fail_kinds,
        redactor=redactor,
        pieces=[target.writer.pieces for target in targets if target.writer.sections],
        records=any(target.writer.records for target in targets),
    )
    outputs = [Output(target.writer, target.path) for target in targets]
    spooled = [output for output in outputs if output.writer.sections]
    grouper, tally = Grouper(examiner.info), Tally()
    bounds = _bounds(len(plan), max(1, chunk))
    parallel = jobs > 1 and len(bounds) > 1
    try:
        if parallel and engine is not None:
            # warm the model here (lazy compilation, caches) so that every worker inherits it
            with collector_paused():
                diff_pair(plan.pairs[0].read(), options, engine)
        with OrderedPool(_Work(plan, examiner), jobs if parallel else 1) as pool:
            results: Iterator[ChunkResult] = pool.map(bounds)
            items: Iterable[ChunkResult] = (
                progress(results, len(bounds)) if progress is not None else results
            )
            for result in items:
                grouper.merge(result.groups)
                tally.merge(result.tally)
                for output, parts in zip(spooled, result.sections, strict=True):
                    output.add(parts)
        head = examiner.head(tally, grouper)
        for output in outputs:
            output.finish(head)
    finally:
        for output in outputs:
            output.close()
    return Outcome(head, tally, len(bounds))
