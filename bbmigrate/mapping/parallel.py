"""Mapping NDJSON chunks in this process or in worker processes, results in input order.

Every chunk goes through :func:`map_chunk`, whether one process maps or several: the output of
``--workers N`` is the output of ``--workers 1``, byte for byte. Workers load the mapping files
once (from the same folder, with the same quirk switch) and ignore SIGINT/SIGHUP: the parent
decides what an interrupt means, stops handing out work and leaves nothing half-written. At most
``2 × workers`` chunks are in flight, so memory stays bounded however large the input.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .. import jsonio
from ..errors import BBMigrateError, InputError
from ..worker_pool import start_worker_process, stop_workers
from .loader import load_mappings
from .model import MappingSet
from .ndjson import Chunk, gzip_member

# inputs smaller than this are mapped in one process: starting workers costs more than it saves
PARALLEL_BYTES = 8 * 1024 * 1024


@dataclass
class ChunkResult:
    """What one chunk gave: the mapped lines, counts, reports and the error that stopped it."""

    data: bytes = b""
    mapped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[dict[str, str]] = field(default_factory=list)
    error: tuple[type, str, str | None] | None = None

    def raise_error(self) -> None:
        if self.error is not None:
            kind, message, where = self.error
            raise kind(message, where=where)


def map_chunk(
    mapping: MappingSet, chunk: Chunk, *, keep_going: bool, list_unmapped: bool
) -> ChunkResult:
    """Map the lines of ``chunk``; without ``keep_going`` stop at the first failure."""
    from .files import Runner  # files uses this module for its NDJSON inputs

    runner = Runner(mapping, keep_going=keep_going, list_unmapped=list_unmapped, tick=None)
    out: list[bytes] = []
    try:
        for number, line in chunk.lines():
            here = f"{chunk.where}:{number}"
            try:
                document = jsonio.loads(line, where=here)
            except InputError as exc:
                runner.fail(exc)
                continue
            result = runner.one(document, here)
            if result is not None and not list_unmapped:
                out.append(jsonio.dumps(result, pretty=False) + b"\n")
    except BBMigrateError as exc:
        error: Any = (type(exc), exc.message, exc.where)
    else:
        error = None
    report = runner.report
    data = b"".join(out)
    if chunk.gz_out and data:
        data = gzip_member(data)
    return ChunkResult(data, report.mapped, report.failures, report.unmapped, error)


_WORKER: dict[str, Any] = {}


def _start_worker(root: str, quirks: bool, keep_going: bool, list_unmapped: bool) -> None:
    start_worker_process()
    _WORKER.update(
        mapping=load_mappings(root, quirks=quirks), keep_going=keep_going, unmapped=list_unmapped
    )


def _work(chunk: Chunk) -> ChunkResult:
    return map_chunk(
        _WORKER["mapping"],
        chunk,
        keep_going=_WORKER["keep_going"],
        list_unmapped=_WORKER["unmapped"],
    )


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ChunkMapper:
    """Maps chunks in order, in this process (``workers == 1``) or in a process pool."""

    def __init__(
        self, mapping: MappingSet, *, workers: int, keep_going: bool, list_unmapped: bool
    ) -> None:
        self.mapping = mapping
        self.workers = max(1, workers)
        self.keep_going = keep_going
        self.list_unmapped = list_unmapped
        self.pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            # forkserver: workers do not inherit the parent's threads (the progress bar's)
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context(
                "forkserver" if "forkserver" in methods else "spawn"
            )
            if context.get_start_method() == "forkserver":
                # imported once in the server process, not once per worker
                context.set_forkserver_preload([__name__])
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(mapping.root, mapping.quirks, keep_going, list_unmapped),
            )

    def map(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        """The result of each chunk, in input order."""
        if self.pool is None:
            for chunk in chunks:
                yield map_chunk(
                    self.mapping,
                    chunk,
                    keep_going=self.keep_going,
                    list_unmapped=self.list_unmapped,
                )
            return
        pending: deque[Future[ChunkResult]] = deque()
        limit = 2 * self.workers
        for chunk in chunks:
            pending.append(self.pool.submit(_work, chunk))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self, *, failed: bool = False) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if failed:
            # on a failure or a signal the queued chunks are dropped, and a worker busy with one
            # is stopped: left alone it (and its forkserver) would outlive this process
            stop_workers(pool)
            return
        pool.shutdown(wait=True, cancel_futures=failed)

    def __enter__(self) -> ChunkMapper:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.close(failed=kind is not None)
