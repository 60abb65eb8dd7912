"""Run one function over chunks of work in forked worker processes, results in input order.

The pattern ``validate --jobs`` found pays (see :mod:`bbmigrate.validate.parallel`), as a
primitive any command can use:

- the caller builds everything the work needs (loaded mapping model, rule sets, indexes) and
  warms it *before* the pool starts; the workers are forked, so each inherits it ready, and
  only a chunk's small description goes to a worker;
- work goes in chunks sized by the caller to amortise the per-task cost (a pickle round trip
  and a queue hop), a few chunks in flight per worker, so input is streamed and memory bounded;
- results come back in input order, whatever order the workers finish in, so the output of N
  jobs is the output of one;
- workers ignore SIGINT: the parent decides what an interrupt means and stops the pool.

Where ``fork`` does not exist, or with one job, the chunks run in this process, in order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from .worker_pool import start_worker_process, stop_workers

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT = 3
"""Chunks queued per worker: enough to keep it busy, little read-ahead."""

_WORK: Callable[[Any], Any] | None = None


def _run(chunk: Any) -> Any:
    assert _WORK is not None, "worker forked without its work function"
    return _WORK(chunk)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _ready() -> None:
    """A no-op task: submitting it forks every worker at once, before any other thread."""


class OrderedPool:
    """``work(chunk)`` for every chunk, in order; in ``jobs`` forked processes when ``jobs`` > 1.

    ``work`` and what it refers to are inherited by the workers, not pickled: set up and warm
    everything before entering. Enter before starting threads of your own (a progress bar):
    the workers are forked on entry, while this process has one thread. An exception raised by
    ``work`` is raised by :meth:`map` at its chunk.
    """

    def __init__(self, work: Callable[[T], R], jobs: int, *, in_flight: int = IN_FLIGHT) -> None:
        self.work, self.jobs, self.in_flight = work, jobs, in_flight
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> OrderedPool:
        global _WORK
        if self.jobs > 1 and can_fork():
            if _WORK is not None:
                raise RuntimeError("one OrderedPool at a time")
            _WORK = self.work
            self.pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=multiprocessing.get_context("fork"),
                initializer=start_worker_process,
            )
            self.pool.submit(_ready).result()
        return self

    def map(self, chunks: Iterable[Any]) -> Iterator[Any]:
        if self.pool is None:
            yield from map(self.work, chunks)
            return
        pending: deque[Future[Any]] = deque()
        for chunk in chunks:
            pending.append(self.pool.submit(_run, chunk))
            if len(pending) >= self.in_flight * self.jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def __exit__(self, kind: Any, *_: Any) -> None:
        global _WORK
        pool, self.pool = self.pool, None
        if pool is None:
            return
        _WORK = None
        if kind is not None:
            # an error or an interrupt: a worker busy with a chunk is stopped, else it would
            # run on after this process
            stop_workers(pool)
        else:
            pool.shutdown(wait=True)
