"""Mapping NDJSON chunks in this process or in worker processes, results in input order.

Every chunk goes through :func:`map_chunk`, whether one process maps or several: the output of
``--workers N`` is the output of ``--workers 1``, byte for byte. The workers are
:class:`~bbmigrate.ordered_pool.OrderedPool`'s: forked, they inherit the mapping set the parent
loaded and compiled (where there is no fork, or the parent has other threads, fresh processes
load the same folder with the same quirk switch). They ignore SIGINT/SIGHUP: the parent decides
what an interrupt means, stops handing out work and leaves nothing half-written. Each worker has
at most 2 chunks queued and at most ``8 × workers`` results wait for their turn (small: with an
output file the mapped lines are in part files), so memory stays bounded however large the input.

With two workers on two cores, every CPU second the parent spends is taken from a worker, so
the bytes do not pass through it: a worker reads its chunk's byte range of the input file
itself (:func:`.ndjson.spans`; a .gz input or stdin still goes through the parent) and writes
the mapped lines to a part file beside the output, which the parent appends to the output in
input order. Line numbers in failures are counted from the chunks' line counts as results come
back (:meth:`ChunkResult.relocate`).
"""

from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from .. import jsonio
from ..errors import BBMigrateError, InputError, OutputError
from ..ordered_pool import OrderedPool
from ..worker_pool import start_worker_process
from .loader import load_mappings
from .model import MappingSet
from .ndjson import Chunk, chunks, gzip_member, spans

if TYPE_CHECKING:  # files imports this module
    from .files import MapReport, Runner

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
    lines: int = 0  # line numbers the chunk took up
    part: str | None = None  # the file holding ``data``, written by the worker

    def write_to(self, sink: BinaryIO | None) -> int:
        """Append the mapped lines to ``sink`` (None: nowhere) and say how many bytes. From a
        part file the kernel copies them (``copy_file_range``), never through this process,
        whose every CPU second is taken from a worker; the part file is then removed."""
        if self.part is None:
            if sink is not None and self.data:
                sink.write(self.data)
            return len(self.data)
        try:
            with open(self.part, "rb") as stream:
                size = os.fstat(stream.fileno()).st_size
                if sink is not None and size:
                    _append(stream, sink, size)
            os.unlink(self.part)
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc), where=self.part) from None
        return size

    def raise_error(self) -> None:
        if self.error is not None:
            kind, message, where = self.error
            raise kind(message, where=where)

    def relocate(self, where: str, first: int) -> None:
        """Line numbers of a chunk mapped with ``first`` 0 (numbered from 1 within the chunk)
        made the file's own, now that the lines before it are counted: ``where:N...``."""
        if first == 1:
            return
        for entry in (*self.failures, *self.unmapped):
            entry["where"] = _moved(entry["where"], where, first - 1)
        if self.error is not None:
            kind, message, at = self.error
            self.error = (kind, message, at and _moved(at, where, first - 1))


def _append(stream: BinaryIO, sink: BinaryIO, size: int) -> None:
    """``size`` bytes of ``stream`` onto the end of ``sink``, in the kernel where it can."""
    try:
        target = sink.fileno()
    except (AttributeError, OSError):  # io.UnsupportedOperation is an OSError
        target = -1
    copy_range = getattr(os, "copy_file_range", None)  # Linux
    if target >= 0 and copy_range is not None:
        sink.flush()  # what the writer buffered goes first; it keeps no position of its own
        done = 0
        try:
            while done < size:
                copied = copy_range(stream.fileno(), target, size - done)
                if not copied:
                    break
                done += copied
        except OSError:  # e.g. a file system or kernel that cannot: copy the rest in Python
            pass
        if done == size:
            return
        stream.seek(done)
    shutil.copyfileobj(stream, sink, 1 << 20)


def _moved(at: str, where: str, by: int) -> str:
    head = where + ":"
    if not at.startswith(head):
        return at
    rest = at[len(head) :]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    if not digits:
        return at
    return f"{head}{int(rest[:digits]) + by}{rest[digits:]}"


# jsonio.dumps(pretty=False)'s options, and the line's end
_LINE = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE


def map_chunk(
    mapping: MappingSet, chunk: Chunk, *, keep_going: bool, list_unmapped: bool
) -> ChunkResult:
    """Map the lines of ``chunk``; without ``keep_going`` stop at the first failure."""
    from .files import Runner  # files uses this module for its NDJSON inputs

    runner = Runner(mapping, keep_going=keep_going, list_unmapped=list_unmapped, tick=None)
    out: list[bytes] = []
    lines = 0
    try:
        data = chunk.read()
        lines = data.count(b"\n") + 1
        numbered = list(chunk.lines(data))
        grouped = (
            None if list_unmapped else _map_grouped(mapping, numbered, chunk.where, keep_going)
        )
        if grouped is not None:
            out, runner.report = grouped
            numbered = []
        for number, line in numbered:  # in file order: what the grouped pass could not map
            mapped = _map_line(runner, f"{chunk.where}:{number}", line, not list_unmapped)
            if mapped is not None:
                out.append(mapped)
    except BBMigrateError as exc:
        error: Any = (type(exc), exc.message, exc.where)
    else:
        error = None
    report = runner.report
    data = b"".join(out)
    if chunk.gz_out and data:
        data = gzip_member(data)
    result = ChunkResult(data, report.mapped, report.failures, report.unmapped, error, lines)
    if chunk.part is not None and error is None:
        # the worker writes the file: output bytes never pass through the parent's pipe
        try:
            with open(chunk.part, "wb") as stream:
                stream.write(data)
        except OSError as exc:
            result.error = (OutputError, exc.strerror or str(exc), chunk.part)
        result.data, result.part = b"", chunk.part
    return result


def _map_line(runner: Runner, here: str, line: bytes, write: bool) -> bytes | None:
    """One NDJSON line mapped, and with ``write`` its output line; None when it failed and the
    run goes on (``keep_going``), else its error is raised."""
    try:
        document = jsonio.loads(line, where=here)
    except InputError as exc:
        runner.fail(exc)
        return None
    result = runner.one(document, here)
    if result is None or not write:
        return None
    try:  # the newline written by orjson: no copy of each line to append it
        return orjson.dumps(result, option=_LINE)
    except orjson.JSONEncodeError:
        jsonio.dumps(result, pretty=False)  # its one-line OutputError
        raise


def _map_grouped(
    mapping: MappingSet, numbered: list[tuple[int, bytes]], where: str, keep_going: bool
) -> tuple[list[bytes], MapReport] | None:
    """The chunk's mapped lines and report, in file order, the lines mapped in an order that
    groups them by kind. With ``keep_going`` a failing line is noted at its place, as in file
    order; without it (the run stops at its first failure) or when a result cannot be
    written, None: the caller maps the chunk in file order, which reports it as it always has.

    Why: the CPU runs a claim type's generated rules faster when the EOB before was of the
    same type (its code, data and branch history still warm): the same instructions, less
    time (docs/mapper-speed.md, rounds 9 and 10; ``map`` of 20,000 interleaved EOBs: ~10 %
    less CPU). Mapping is a pure function of each resource, so the order changes nothing but
    the time. Each line is parsed right before it is mapped: trees parsed in advance and kept
    waiting go cold, and mapping a parsed Bundle's entries out of order is slower, not faster.
    """
    from .files import Runner

    order = sorted(range(len(numbered)), key=lambda index: _kind_hint(numbered[index][1]))
    runner = Runner(mapping, keep_going=keep_going, list_unmapped=False, tick=None)
    failures = runner.report.failures
    out: list[bytes | None] = [None] * len(numbered)
    failed: dict[int, list[dict[str, str]]] = {}  # each failing line's entries, by its index
    try:
        for index in order:
            number, line = numbered[index]
            before = len(failures)
            out[index] = _map_line(runner, f"{where}:{number}", line, True)
            if len(failures) > before:
                failed[index] = failures[before:]
    except (BBMigrateError, orjson.JSONEncodeError):  # the file-order pass reports it
        return None
    runner.report.failures = [entry for index in sorted(failed) for entry in failed[index]]
    return [data for data in out if data is not None], runner.report


_ID = b'"id"'


def _kind_hint(line: bytes) -> bytes:
    """What a raw NDJSON line's first ``id`` value says of its kind, unparsed: the text before
    its first ``-`` (BFD names resources ``carrier-…``, ``pde-…``, ``part-a-…``), else empty.
    Only the mapping order depends on it, never a result: a wrong hint costs speed alone."""
    at = line.find(_ID)
    if at < 0:
        return b""
    start = line.find(b'"', at + len(_ID)) + 1  # the value's opening quote (after the colon)
    if start <= 0 or start > at + len(_ID) + 8:
        return b""
    end = line.find(b"-", start, start + 32)
    return line[start:end] if end > start and b'"' not in line[start:end] else b""


_WORKER: dict[str, Any] = {}


def _start_worker(root: str, quirks: bool, keep_going: bool, list_unmapped: bool) -> None:
    """A fresh (spawned) worker's set-up; a forked one inherits ``_WORKER`` from the parent."""
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
        self.pool: OrderedPool | None = None
        if self.workers > 1:
            # Forked workers inherit the loaded, compiled mapping set (no ~0.25 s of start-up
            # each); fresh ones (no fork, or threads alive here) load it from the same folder.
            _WORKER.update(mapping=mapping, keep_going=keep_going, unmapped=list_unmapped)
            setup = (mapping.root, mapping.quirks, keep_going, list_unmapped)
            pool = OrderedPool(_work, self.workers, in_flight=2, spawn=(_start_worker, setup))
            self.pool = pool.__enter__()

    def chunks(
        self, stream: BinaryIO, where: str, *, gz_out: bool, parts: str | None = None
    ) -> Iterator[Chunk]:
        """The input's chunks. With workers, a regular file's chunks name their byte ranges
        (:func:`.ndjson.spans`) and each worker reads its own, and with a ``parts`` folder
        (beside the output) each worker writes its chunk's output there: the parent moves
        neither through its pipes, and stays free for the writing that must be in order."""
        if self.pool is None:
            yield from chunks(stream, where, gz_out=gz_out)
            return
        for number, chunk in enumerate(spans(stream, where, gz_out=gz_out)):
            if parts is not None:
                chunk = replace(chunk, part=os.path.join(parts, f"{number}.part"))
            yield chunk

    @property
    def writes_parts(self) -> bool:
        """Whether workers write their output to part files (:meth:`chunks` with ``parts``)."""
        return self.pool is not None

    def map(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        """The result of each chunk, in input order, its line numbers the file's own."""
        first = 1
        for chunk, result in self._map(chunks):
            if chunk.first == 0:
                result.relocate(chunk.where, first)
            first += result.lines
            yield result

    def _map(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, ChunkResult]]:
        if self.pool is None:
            for chunk in chunks:
                yield (
                    chunk,
                    map_chunk(
                        self.mapping,
                        chunk,
                        keep_going=self.keep_going,
                        list_unmapped=self.list_unmapped,
                    ),
                )
            return
        # the chunks handed out, oldest first, without their bytes (a .gz input's or stdin's
        # travel to the workers): only where they start is needed, to number their lines
        sent: deque[Chunk] = deque()

        def handed(source: Iterable[Chunk]) -> Iterator[Chunk]:
            for chunk in source:
                sent.append(replace(chunk, data=b""))
                yield chunk

        for result in self.pool.map(handed(chunks)):
            yield sent.popleft(), result

    def close(self, *, failed: bool = False) -> None:
        pool, self.pool = self.pool, None
        _WORKER.clear()
        if pool is None:
            return
        # on a failure or a signal the queued chunks are dropped, and a worker busy with one
        # is stopped (the pool kills it): left alone it would outlive this process
        pool.__exit__(RuntimeError if failed else None, None, None)

    def __enter__(self) -> ChunkMapper:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.close(failed=kind is not None)
