"""NDJSON streams for ``map``: plain or gzip-compressed, read in chunks of lines.

A ``.gz`` input is decompressed as it is read and a ``.gz`` output compressed as it is written,
so a 200 MB export never sits in memory. Compressed output is reproducible: the gzip header
carries no file name and no time stamp, so the same input gives the same bytes whatever the
number of workers or the day it ran.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .. import jsonio
from ..errors import InputError

SUFFIXES = tuple(s + gz for s in jsonio.NDJSON_SUFFIXES for gz in ("", ".gz"))
# bytes per unit of work (~100-200 EOBs): large enough to amortise the hand-off to a worker,
# small enough that a few in flight per worker keep memory low
CHUNK_BYTES = 2 * 1024 * 1024
GZIP_LEVEL = 6  # gzip's own default; 9 costs several times the CPU for ~1 % smaller files


def is_ndjson(name: str) -> bool:
    """``.ndjson`` / ``.jsonl``, optionally ``.gz``-compressed."""
    return name.endswith(SUFFIXES)


def is_gzip(name: str) -> bool:
    return name.endswith(".gz")


def open_input(path: str | Path) -> BinaryIO:
    """The file's lines as bytes, decompressed on the fly when it ends in ``.gz``."""
    if not is_gzip(str(path)):
        return jsonio.open_input(path)
    try:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    except OSError as exc:  # a file that cannot be opened is one line
        raise jsonio.input_error(exc, path) from None


def gzip_member(data: bytes) -> bytes:
    """``data`` as one gzip member, without name or time stamp (members concatenate into one
    valid .gz file, so chunks are compressed where they are mapped, in the workers)."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


@dataclass(frozen=True)
class Chunk:
    """Whole lines of one input (``data``), the first of them line ``first`` (1-based)."""

    where: str
    first: int
    data: bytes
    gz_out: bool = False

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """``(line number, line)`` for the non-blank lines (blank ones only count)."""
        for offset, line in enumerate(self.data.split(b"\n")):
            if line.strip():
                yield self.first + offset, line


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
            raise InputError(
                getattr(exc, "strerror", None) or str(exc) or "truncated", where=where
            ) from None
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
