"""Reading FHIR JSON inputs and writing outputs atomically.

Inputs are read as plain JSON (real v1 data does not pass strict STU3 models). An error names
the file and the line/column or NDJSON line number. Outputs are written to a temporary file in
the target directory and renamed into place, so a failure never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .errors import InputError, OutputError

JSON_SUFFIXES = (".json",)
NDJSON_SUFFIXES = (".ndjson", ".jsonl")


def _position(data: bytes, pos: int) -> str:
    line = data.count(b"\n", 0, pos) + 1
    col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def loads(data: bytes | str, *, where: str) -> Any:
    """Parse one JSON document; a syntax error becomes an :class:`InputError` naming ``where``."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raw = data.encode() if isinstance(data, str) else data
        pos = getattr(exc, "pos", None)
        at = f" at {_position(raw, pos)}" if isinstance(pos, int) else ""
        if not raw.strip():
            raise InputError("empty input, expected JSON", where=where) from None
        reason = exc.msg if hasattr(exc, "msg") else str(exc)
        raise InputError(f"invalid JSON{at}: {reason}", where=where) from None


def read_bytes(path: str | Path) -> bytes:
    """Read a file, or standard input for ``-``."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), where=str(path)) from None


def read_json(path: str | Path) -> Any:
    """Read one JSON document from a file (or ``-`` for stdin)."""
    where = "<stdin>" if str(path) == "-" else str(path)
    return loads(read_bytes(path), where=where)


def iter_ndjson(stream: BinaryIO, *, where: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, document)`` for each non-blank line, one line in memory at a time."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        yield number, loads(line, where=f"{where}:{number}")


def dumps(document: Any, *, pretty: bool = True) -> bytes:
    """Serialise JSON the way bbmigrate writes it: UTF-8, 2-space indent, keys in input order."""
    option = orjson.OPT_INDENT_2 if pretty else 0
    return orjson.dumps(document, option=option | orjson.OPT_NON_STR_KEYS)


@contextlib.contextmanager
def atomic_writer(path: str | Path, *, mode: int | None = None) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds.

    ``mode`` (e.g. ``0o600`` for token files) is applied before any byte is written.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(target)) from None
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:  # a full disk shows here, not at write()
                raise OutputError(exc.strerror or str(exc), where=str(target)) from None
        try:
            os.replace(tmp, target)
        except OSError as exc:  # e.g. the target is a folder
            raise OutputError(exc.strerror or str(exc), where=str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def shared_mode() -> int:
    """The mode a plain ``open()`` would give (0666 less the umask).

    The atomic writer's temporary file starts private (0600), which suits outputs that may hold
    PHI; documents meant to be shared (comparison tables, snapshots) pass this instead.
    """
    # os.umask can only be read by setting it; put it straight back.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes_atomic(path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path, mode=mode) as handle:
        handle.write(data)


def write_json_atomic(path: str | Path, document: Any, *, mode: int | None = None) -> None:
    """Write one JSON document to ``path`` atomically."""
    write_bytes_atomic(path, dumps(document) + b"\n", mode=mode)


@contextlib.contextmanager
def exit_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into ``SystemExit(128 + signal)`` while the block runs.

    Their default action kills the process on the spot, skipping the clean-ups that Ctrl-C
    (KeyboardInterrupt) runs: the atomic writer's temporary file, a staging folder. Raised as an
    exception instead, they unwind the same way. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
