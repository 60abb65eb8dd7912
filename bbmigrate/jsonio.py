"""Reading FHIR JSON inputs and writing outputs atomically.

Inputs are read as plain JSON (real v1 data does not pass strict STU3 models). An error names
the file and the line/column or NDJSON line number. A document nested deeper than
:data:`MAX_DEPTH` is refused here, once, so that no command meets it as a RecursionError or an
encoder failure later. Outputs are written to a temporary file in the target directory and renamed
into place, so a failure never leaves a half-written file, and SIGTERM/SIGHUP (like Ctrl-C)
remove every temporary file before the process ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .errors import InputError, OutputError

JSON_SUFFIXES = (".json",)
NDJSON_SUFFIXES = (".ndjson", ".jsonl")
# NDJSON, plain or gzip-compressed (a bulk export's usual form): what map and validate stream
NDJSON_ANY_SUFFIXES = tuple(s + gz for s in NDJSON_SUFFIXES for gz in ("", ".gz"))
_GZIP_MAGIC = b"\x1f\x8b"

# Real FHIR is about a dozen levels deep. orjson reads 1,024 levels but writes at most 254, and
# a mapped or reported document can be a few levels deeper than its input: 200 leaves room, and
# keeps every recursive walk (mapper, diff, validator) far from Python's recursion limit.
MAX_DEPTH = 200
_WRITER_DEPTH = 254  # the deepest nesting orjson.dumps accepts


def _position(data: bytes, pos: int) -> str:
    line = data.count(b"\n", 0, pos) + 1
    col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def check_depth(document: Any, *, where: str) -> Any:
    """Parsed JSON ``document`` if nested at most :data:`MAX_DEPTH` levels, else an InputError.

    The test is orjson's own writer limit, reached by wrapping the document in the levels the
    limit allows beyond ``MAX_DEPTH``. It runs in C: on a 700 kB EOB Bundle it adds 0.13x the
    parse time, where a Python walk of the same document adds 1.0x.
    """
    if not isinstance(document, dict | list):
        return document
    probe: Any = document
    for _ in range(_WRITER_DEPTH - MAX_DEPTH):
        probe = [probe]
    try:
        orjson.dumps(probe)
    except orjson.JSONEncodeError:
        raise InputError(f"JSON nested deeper than {MAX_DEPTH} levels", where=where) from None
    return document


def loads(data: bytes | str, *, where: str) -> Any:
    """Parse one JSON document; a syntax error or a document nested deeper than
    :data:`MAX_DEPTH` becomes an :class:`InputError` naming ``where``."""
    try:
        return check_depth(orjson.loads(data), where=where)
    except orjson.JSONDecodeError as exc:
        raw = data.encode() if isinstance(data, str) else data
        pos = getattr(exc, "pos", None)
        at = f" at {_position(raw, pos)}" if isinstance(pos, int) else ""
        if not raw.strip():
            raise InputError("empty input, expected JSON", where=where) from None
        if raw.startswith(_GZIP_MAGIC):
            raise InputError(
                "gzip-compressed data, not JSON (map and validate read NDJSON named .ndjson.gz "
                "or .jsonl.gz; otherwise decompress it first)",
                where=where,
            ) from None
        reason = exc.msg if hasattr(exc, "msg") else str(exc)
        raise InputError(f"invalid JSON{at}: {reason}", where=where) from None


def input_error(exc: OSError, path: str | Path) -> InputError:
    """One line for a file that cannot be read; a dangling symlink says so."""
    target = Path(path)
    if isinstance(exc, FileNotFoundError) and target.is_symlink():
        return InputError(f"dangling symlink to {os.readlink(target)}", where=str(path))
    return InputError(exc.strerror or str(exc), where=str(path))


def read_bytes(path: str | Path) -> bytes:
    """Read a file, or standard input for ``-``."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise input_error(exc, path) from None


def open_input(path: str | Path) -> BinaryIO:
    """Open a file to stream it; a file that cannot be opened is one :class:`InputError` line."""
    try:
        return open(path, "rb")
    except OSError as exc:
        raise input_error(exc, path) from None


def is_ndjson(name: str | Path) -> bool:
    """``.ndjson`` / ``.jsonl``, optionally ``.gz``-compressed (any case)."""
    return str(name).lower().endswith(NDJSON_ANY_SUFFIXES)


def is_gzip(name: str | Path) -> bool:
    return str(name).lower().endswith(".gz")


def open_ndjson(path: str | Path) -> BinaryIO:
    """An NDJSON file's lines as bytes, decompressed as they are read when it ends in ``.gz``
    (read errors, a corrupt or truncated ``.gz`` included, come from :func:`lines`)."""
    if not is_gzip(path):
        return open_input(path)
    import gzip  # only for compressed input: gzip brings ~2 ms of imports

    try:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    except OSError as exc:
        raise input_error(exc, path) from None


def read_json(path: str | Path) -> Any:
    """Read one JSON document from a file (or ``-`` for stdin)."""
    where = "<stdin>" if str(path) == "-" else str(path)
    return loads(read_bytes(path), where=where)


def read_stream(stream: BinaryIO, *, where: str) -> bytes:
    """The rest of an open input; a read error (EIO, a vanished network file) is one line."""
    try:
        return stream.read()
    except OSError as exc:
        raise input_error(exc, where) from None


def read_error(exc: OSError | EOFError, where: str | Path) -> InputError:
    """One line for a failed read of an open input: EIO, a vanished network file, a corrupt
    ``.gz`` (OSError), or a ``.gz`` that ends before its end-of-stream marker (EOFError)."""
    if isinstance(exc, EOFError):
        return InputError("truncated gzip data", where=str(where))
    return input_error(exc, where)


def lines(stream: BinaryIO, *, where: str) -> Iterator[bytes]:
    """The lines of an open input, one in memory at a time; a read error is one line."""
    try:
        yield from stream
    except (OSError, EOFError) as exc:
        raise read_error(exc, where) from None


def iter_ndjson(stream: BinaryIO, *, where: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, document)`` for each non-blank line, one line in memory at a time."""
    for number, line in enumerate(lines(stream, where=where), start=1):
        if not line.strip():
            continue
        yield number, loads(line, where=f"{where}:{number}")


def dumps(document: Any, *, pretty: bool = True) -> bytes:
    """Serialise JSON the way bbmigrate writes it: UTF-8, 2-space indent, keys in input order."""
    option = orjson.OPT_INDENT_2 if pretty else 0
    try:
        return orjson.dumps(document, option=option | orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as exc:  # e.g. nesting past the writer's limit
        raise OutputError(f"cannot write JSON: {exc}") from None


# -- temporary outputs and signals -----------------------------------------------------------
# Every temporary output that exists right now. Ctrl-C unwinds through the writers' cleanup as
# a KeyboardInterrupt; SIGTERM and SIGHUP do not unwind, so their handler removes these itself.
_LIVE: set[str] = set()
_HANDLED = (signal.SIGTERM, signal.SIGHUP)
_previous: dict[int, Any] = {}
# A forked worker (validate --jobs) owns none of its parent's temporary files: a SIGTERM that
# ends the worker must not delete them.
os.register_at_fork(after_in_child=_LIVE.clear)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            import shutil  # only for a staging folder (map -o DIR): not an import of every run

            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def _on_signal(signum: int, frame: Any) -> None:
    for path in list(_LIVE):
        _remove(path)
    _LIVE.clear()
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    # End the way the signal would have ended us (status 128+N to the shell).
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; its handler covers every thread
    for signum in _HANDLED:
        current = signal.getsignal(signum)
        if current is _on_signal or current == signal.SIG_IGN:
            continue
        _previous[signum] = current
        signal.signal(signum, _on_signal)


@contextlib.contextmanager
def removed_on_signal(path: str | Path) -> Iterator[None]:
    """Remove ``path`` (a temporary file or staging folder) if SIGTERM or SIGHUP arrives while
    the block runs. The block itself still cleans up on an exception or Ctrl-C."""
    _install_handlers()
    key = os.fspath(path)
    _LIVE.add(key)
    try:
        yield
    finally:
        _LIVE.discard(key)


# as mkstemp opens it: O_BINARY on Windows, where an fd is otherwise in text mode
_CREATE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_CREATE |= getattr(os, "O_BINARY", 0)


def _create_beside(target: Path) -> tuple[int, str]:
    """A new file ``.NAME.XXXXXXXXXXXX.tmp`` beside ``target``, private (0600), open for writing.

    What ``tempfile.mkstemp`` does (an exclusive create under a random name, retried on a
    clash), without importing ``tempfile``: it brings ``shutil``, ``random`` and the
    compression modules, ~4 ms of every command's start-up.
    """
    for _ in range(100):
        name = os.path.join(target.parent, f".{target.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(name, _CREATE, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


@contextlib.contextmanager
def atomic_writer(path: str | Path, *, mode: int | None = None) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds.

    ``mode`` (e.g. ``0o600`` for token files) is applied before any byte is written.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_beside(target)
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(target)) from None
    # the registry entry is made before the first byte, so a signal never strands the file
    with removed_on_signal(tmp):
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


def write_json_atomic(
    path: str | Path, document: Any, *, mode: int | None = None, pretty: bool = True
) -> None:
    """Write one JSON document to ``path`` atomically (``pretty``: indented, else compact)."""
    write_bytes_atomic(path, dumps(document, pretty=pretty) + b"\n", mode=mode)


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
