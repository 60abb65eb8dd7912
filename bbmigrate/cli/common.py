"""Options and output helpers shared by every command (``--json``, ``--quiet``, progress)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import orjson

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
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bars:
        yield bars


def progress(items: Iterable[T], *, total: int | None, label: str, quiet: bool) -> Iterator[T]:
    """Iterate ``items`` with a progress bar on stderr, shown only on a TTY and when not quiet."""
    with progress_bars(quiet) as bars:
        if bars is None:
            yield from items
            return
        task = bars.add_task(label, total=total)
        for item in items:
            yield item
            bars.advance(task)
