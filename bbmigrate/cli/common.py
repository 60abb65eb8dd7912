"""Options and output helpers shared by every command (``--json``, ``--quiet``, progress)."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import orjson

from ..escaping import json_for_terminal

if TYPE_CHECKING:
    from rich.progress import Progress

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def json_option(func: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print a machine-readable JSON result on stdout."
    )(func)


def quiet_option(func: F) -> F:
    return click.option(
        "-q", "--quiet", is_flag=True, help="No progress bar and no summary on stderr."
    )(func)


def format_option(
    formats: tuple[str, ...], *, default: str = "text", help: str = "Report format."
) -> Callable[[F], F]:
    """``--format`` (as ``fmt``) choosing one of ``formats``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=default,
        show_default=True,
        help=help,
    )


def output_option(
    help: str = "Write the report to this file (atomically) instead of stdout.",
    *,
    dir_okay: bool = False,
) -> Callable[[F], F]:
    """``-o/--output`` as a ``Path``; report commands take a file, others may allow a folder."""
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=dir_okay, path_type=Path), help=help
    )


def jobs_option(help: str) -> Callable[[F], F]:
    """``-j/--jobs N``: worker processes for large inputs (the output is the same)."""
    return click.option(
        "-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help=help
    )


def fail_on_option(help: str, **kwargs: Any) -> Callable[[F], F]:
    """``--fail-on`` (as ``fail_on``): which findings turn the exit status to 1."""
    return click.option("--fail-on", "fail_on", help=help, **kwargs)


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON on stdout."""
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


@contextlib.contextmanager
def progress_bars(quiet: bool) -> Iterator[Progress | None]:
    """A transient rich ``Progress`` on stderr, or ``None`` when stderr is not a TTY or ``quiet``.

    Every command decides "show a bar?" here, so piped or --quiet runs never get escape codes.
    """
    if quiet or not sys.stderr.isatty():
        yield None
        return
    # rich costs ~50 ms to import; only interactive runs pay it.
    from rich.console import Console
    from rich.progress import Progress, TaskID

    class LazyProgress(Progress):
        """Starts drawing, and its refresh thread, at the first progress it is told of: a
        command that forks worker processes (``map --workers``, ``validate --jobs``) does
        so before, while it has one thread, so no child inherits a lock that thread held
        (stderr's, say); with other threads alive the pools do not fork at all."""

        closed = False  # set when the block ends: a late update (a thread) draws nothing

        def advance(self, task_id: TaskID, advance: float = 1) -> None:
            self._start()
            super().advance(task_id, advance)

        def update(self, task_id: TaskID, **changes: Any) -> None:
            self._start()
            super().update(task_id, **changes)

        def _start(self) -> None:
            if not self.closed and not self.live.is_started:
                self.start()

    bars = LazyProgress(console=Console(stderr=True), transient=True)
    try:
        yield bars
    finally:
        bars.closed = True
        if bars.live.is_started:
            bars.stop()


def progress(items: Iterable[T], *, total: int | None, label: str, quiet: bool) -> Iterator[T]:
    """Iterate ``items`` with a progress bar on stderr, shown only on a TTY and when not quiet.

    The bar (and its refresh thread) starts once the first item is there (see
    :func:`progress_bars`): a producer that forks worker processes on its first step
    (``validate --jobs``) does so while this process has one thread."""
    with progress_bars(quiet) as bars:
        if bars is None:
            yield from items
            return
        task = bars.add_task(label, total=total)
        for item in items:
            yield item
            bars.advance(task)


class _TerminalBytes(io.RawIOBase):
    """Bytes on their way to a terminal, through :func:`json_for_terminal` (``terminal_stdout``).

    A write that ends inside a UTF-8 sequence keeps that tail until the next write, so a
    character split across two writes is still recognised."""

    def __init__(self, sink: io.BufferedIOBase) -> None:
        super().__init__()
        self._sink = sink
        self._tail = b""

    def writable(self) -> bool:
        return True

    # still the terminal for whoever asks (diff colours and sizes its text report by it)
    def isatty(self) -> bool:
        return self._sink.isatty()

    def fileno(self) -> int:
        return self._sink.fileno()

    def write(self, data: Any) -> int:
        size = len(data)
        data = self._tail + bytes(data)
        keep = _incomplete_tail(data)
        self._tail = data[len(data) - keep :]
        self._sink.write(json_for_terminal(data[: len(data) - keep]))
        return size

    def flush(self) -> None:
        if self._tail:
            self._sink.write(self._tail)
            self._tail = b""
        self._sink.flush()


def _incomplete_tail(data: bytes) -> int:
    # the bytes after the last lead byte, if its sequence is not complete yet (at most 3)
    for back in range(1, min(4, len(data) + 1)):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: a lead byte or ASCII
            need = 2 if byte >= 0xC0 else 1
            need = 3 if byte >= 0xE0 else need
            need = 4 if byte >= 0xF0 else need
            return back if back < need else 0
    return 0


@contextlib.contextmanager
def terminal_stdout() -> Iterator[None]:
    """While a command runs with stdout on a terminal, everything it prints there passes the
    terminal rule for JSON (:func:`~bbmigrate.escaping.json_for_terminal`): mapped resources and
    ``--json`` results keep their meaning but can carry no raw DEL, C1 control or line separator.
    Text reports are already escaped by ``for_terminal``; files and pipes get the bytes as they are.
    """
    original = sys.stdout
    if not original.isatty() or not hasattr(original, "buffer"):
        yield
        return
    wrapped = io.TextIOWrapper(
        io.BufferedWriter(_TerminalBytes(original.buffer)),
        encoding=original.encoding,
        errors=original.errors,
        line_buffering=True,
    )
    sys.stdout = wrapped
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            wrapped.flush()
        sys.stdout = original
