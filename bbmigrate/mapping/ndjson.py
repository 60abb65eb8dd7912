"""NDJSON streams for ``map``: plain or gzip-compressed, read in chunks of lines.

A ``.gz`` input is decompressed as it is read and a ``.gz`` output compressed as it is written,
so a 200 MB export never sits in memory. Compressed output is reproducible: the gzip header
carries no file name and no time stamp, so the same input gives the same bytes whatever the
number of workers or the day it ran.
"""

from __future__ import annotations

import gzip
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .. import jsonio
from ..errors import InputError

# bytes per unit of work (~100-200 EOBs): large enough to amortise the hand-off to a worker,
# small enough that a few in flight per worker keep memory low
CHUNK_BYTES = 2 * 1024 * 1024
GZIP_LEVEL = 6  # gzip's own default; 9 costs several times the CPU for ~1 % smaller files


def gzip_member(data: bytes) -> bytes:
    """``data`` as one gzip member, without name or time stamp (members concatenate into one
    valid .gz file, so chunks are compressed where they are mapped, in the workers)."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


@dataclass(frozen=True)
class Span:
    """Where a chunk's bytes are in a regular file: the worker that maps it reads them itself,
    so they never pass through the parent (see :func:`spans`)."""

    path: str
    offset: int
    length: int
    file_id: tuple[int, int]  # (st_dev, st_ino) of the file that was cut

    def read(self, where: str) -> bytes:
        try:
            with open(self.path, "rb") as stream:
                info = os.fstat(stream.fileno())
                data = os.pread(stream.fileno(), self.length, self.offset)
        except OSError as exc:
            raise jsonio.input_error(exc, where) from None
        if (info.st_dev, info.st_ino) != self.file_id or len(data) != self.length:
            raise InputError("the input changed while it was being mapped", where=where)
        return data


@dataclass(frozen=True)
class Chunk:
    """Whole lines of one input (``data``, or a ``span`` of its file), the first of them line
    ``first`` (1-based; 0 when not known yet: lines are numbered from 1 within the chunk and
    :meth:`ChunkResult.relocate <.parallel.ChunkResult.relocate>` moves the numbers)."""

    where: str
    first: int
    data: bytes = b""
    gz_out: bool = False
    span: Span | None = None
    part: str | None = None  # where the worker writes the mapped lines (else: in the result)

    def read(self) -> bytes:
        return self.data if self.span is None else self.span.read(self.where)

    def lines(self, data: bytes | None = None) -> Iterator[tuple[int, bytes]]:
        """``(line number, line)`` for the non-blank lines (blank ones only count) of the
        chunk, or of its ``data`` already read."""
        first = self.first or 1
        for offset, line in enumerate((self.read() if data is None else data).split(b"\n")):
            if line.strip():
                yield first + offset, line


def chunks(
    stream: BinaryIO, where: str, *, gz_out: bool = False, size: int | None = None
) -> Iterator[Chunk]:
    """The stream in chunks of about ``size`` bytes, cut at line ends.

    The cuts depend on the input alone (not on the number of workers), so the output does not
    either, compressed members included.
    """
    size = size or CHUNK_BYTES
    number = 1
    rest = b""
    while True:
        try:
            block = stream.read(size)
        except (OSError, EOFError) as exc:  # EIO, a vanished file, a corrupt or truncated .gz
            raise jsonio.read_error(exc, where) from None
        if not block:
            break
        block = rest + block
        end = block.rfind(b"\n")
        if end < 0:  # one line longer than a block: keep reading
            rest = block
            continue
        data, rest = block[:end], block[end + 1 :]
        yield Chunk(where, number, data, gz_out)
        number += data.count(b"\n") + 1
    if rest:
        yield Chunk(where, number, rest, gz_out)


def spans(
    stream: BinaryIO, where: str, *, gz_out: bool = False, size: int | None = None
) -> Iterator[Chunk]:
    """The chunks :func:`chunks` gives for a regular file, cut at the same places, each naming
    its byte range (a :class:`Span`) instead of carrying the bytes, with ``first`` 0.

    Only line ends near the cuts are read here: a worker reads its chunk itself, so a parent
    that hands out gigabytes reads kilobytes. Anything but a regular file: :func:`chunks`.
    """
    try:  # a .gz input (its fileno is the compressed file's), stdin, a pipe: read here
        fd = -1 if isinstance(stream, gzip.GzipFile) else stream.fileno()
        info = os.fstat(fd) if fd >= 0 else None
        start = stream.tell()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        yield from chunks(stream, where, gz_out=gz_out, size=size)
        return
    size = size or CHUNK_BYTES
    path = os.path.abspath(os.fsdecode(stream.name))  # type: ignore[attr-defined]
    file_id = (info.st_dev, info.st_ino)
    total = info.st_size
    read_to = start

    def piece(end: int) -> Chunk:
        return Chunk(where, 0, gz_out=gz_out, span=Span(path, start, end - start, file_id))

    while read_to < total:
        # as chunks() reads blocks of ``size``: the cut is the last line end before the end
        # of the block, searched back to what earlier blocks already showed holds none
        scanned, read_to = read_to, min(read_to + size, total)
        end = _last_newline(fd, max(start, scanned), read_to, where)
        if end >= 0:
            yield piece(end)
            start = end + 1
    if start < total:
        yield piece(total)


_WINDOW = 64 * 1024


def _last_newline(fd: int, low: int, high: int, where: str) -> int:
    """The offset of the last ``\\n`` in ``[low, high)`` of the file, or -1."""
    while high > low:
        begin = max(low, high - _WINDOW)
        try:
            window = os.pread(fd, high - begin, begin)
        except OSError as exc:
            raise jsonio.input_error(exc, where) from None
        found = window.rfind(b"\n")
        if found >= 0:
            return begin + found
        high = begin
    return -1
