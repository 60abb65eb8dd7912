"""Mapping NDJSON chunks on a Dask distributed cluster (``bbmigrate map --scheduler``).

The machine that runs ``bbmigrate map`` reads the inputs and writes the outputs; the cluster's
workers only map. Each chunk (:mod:`.ndjson`) is sent to a worker with :func:`.parallel.map_chunk`
and the results come back in input order, so the output is byte for byte that of a local run.
Workers need bbmigrate (the same version) installed, nothing else: the contents of the mapping
folder are sent once to every worker (``scatter(broadcast=True)``) and unpacked there into a
folder named by their hash, so a worker maps with exactly the rules of the machine that asked,
whatever mapping files it has itself. The GIL means a worker maps one chunk at a time per
process: start workers with ``--nthreads 1 --nworkers N``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError
from .model import MappingSet
from .ndjson import Chunk, chunks
from .parallel import ChunkResult, map_chunk

CONNECT_TIMEOUT = "30s"  # to reach the scheduler
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, bool], MappingSet] = {}


def pack_mappings(root: str | Path) -> dict[str, bytes]:
    """Every file of the mapping folder, by relative path (what a worker needs to map)."""
    base = Path(root)
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


def _digest(files: dict[str, bytes]) -> str:
    sha = hashlib.sha256()
    for name in sorted(files):
        sha.update(name.encode() + b"\0" + files[name] + b"\0")
    return sha.hexdigest()[:20]


def _worker_mappings(files: dict[str, bytes], quirks: bool) -> MappingSet:
    """The mapping set of ``files``, unpacked and loaded once per worker process."""
    from .loader import load_mappings

    key = (_digest(files), quirks)
    with _LOCK:
        mapping = _LOADED.get(key)
        if mapping is None:
            folder = Path(tempfile.gettempdir()) / f"bbmigrate-mappings-{key[0]}"
            if not folder.is_dir():
                staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
                for name, data in files.items():
                    (staging / name).parent.mkdir(parents=True, exist_ok=True)
                    (staging / name).write_bytes(data)
                try:
                    staging.rename(folder)
                except OSError:  # another worker on this machine got there first
                    shutil.rmtree(staging, ignore_errors=True)
            mapping = _LOADED[key] = load_mappings(folder, quirks=quirks)
    return mapping


def map_on_worker(
    files: dict[str, bytes], quirks: bool, keep_going: bool, list_unmapped: bool, chunk: Chunk
) -> ChunkResult:
    """The task a cluster worker runs: one chunk with the shipped mapping files."""
    mapping = _worker_mappings(files, quirks)
    return map_chunk(mapping, chunk, keep_going=keep_going, list_unmapped=list_unmapped)


class ClusterMapper:
    """Maps chunks on a Dask cluster, in order, with a bounded number in flight.

    Same interface as :class:`.parallel.ChunkMapper` (``map``, ``close``, a context manager).
    """

    def __init__(
        self, mapping: MappingSet, *, scheduler: str, keep_going: bool, list_unmapped: bool
    ) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "--scheduler needs Dask: pip install 'bbmigrate[dask]'", where=scheduler
            ) from None
        try:
            self.client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler: {exc}", where=scheduler) from None
        self.args = (mapping.quirks, keep_going, list_unmapped)
        self.files = self.client.scatter(pack_mappings(mapping.root), broadcast=True)
        threads = sum(self.client.nthreads().values()) or 1
        self.limit = 2 * threads  # chunks in flight: every worker busy, memory bounded
        self.workers = threads

    writes_parts = False  # results come back over the network, bytes included

    def chunks(
        self, stream: BinaryIO, where: str, *, gz_out: bool, parts: str | None = None
    ) -> Iterator[Chunk]:
        """Chunks carry their bytes, and results too: the cluster's workers can neither read
        nor write this machine's files (``parts`` is never asked for)."""
        return chunks(stream, where, gz_out=gz_out)

    def map(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(
                self.client.submit(map_on_worker, self.files, *self.args, chunk, pure=False)
            )
            if len(pending) >= self.limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self, *, failed: bool = False) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def __enter__(self) -> ClusterMapper:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.close(failed=kind is not None)
