"""Run one function over chunks of work in forked worker processes, results in input order.

The pattern ``validate --jobs``, ``diff --jobs`` and ``map --workers`` share:

- the caller builds everything the work needs (loaded mapping model, rule sets, indexes) and
  warms it *before* the pool starts; the workers are forked, so each inherits it ready, and
  only a chunk's small description goes to a worker;
- work goes in chunks sized by the caller to amortise the per-task cost (a pickle round trip
  through a pipe), a few chunks in flight per worker, so input is streamed and memory bounded;
- results come back in input order, whatever order the workers finish in, so the output of N
  jobs is the output of one;
- workers ignore SIGINT: the parent decides what an interrupt means and stops the pool.

The workers are plain ``os.fork`` children, each with a pipe for its chunks and one for its
results, which this process moves with non-blocking I/O on a selector: no threads, no queues,
and no ``multiprocessing``/``concurrent.futures`` to import. On two cores every CPU second the
parent spends is taken from a worker, and the executor's feeder and manager threads (pickling,
GIL hand-offs, ~15 ms of imports) cost ``validate --jobs 2`` about a tenth of its wall time on
1,000 EOBs. A worker that has finished a chunk never waits for the parent to want it: results
are read as they arrive and held until their turn.

Where ``fork`` does not exist, or this process has other threads (which a fork would copy the
locks of, not the threads), the chunks run in this process, in order, unless the caller says
how a fresh worker sets itself up (``spawn=(initializer, args)``, ``work`` picklable): then a
``ProcessPoolExecutor`` runs them in forkserver (else spawn) processes.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import selectors
import signal
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

from .worker_pool import start_worker_process

IN_FLIGHT = 3
"""Chunks queued per worker: enough to keep it busy, little read-ahead."""
AHEAD = 4
"""Chunks sent beyond the oldest one not yet yielded, in multiples of ``in_flight * jobs``:
room for the other workers to run on while one works through a long chunk."""

_HEADER = struct.Struct("<Q")  # the length of the message that follows
_BLOB = 1 << 16  # with ``blobs``: bytes at least this long travel beside the pickle
_PARENT_ENDS: set[int] = set()  # this process's ends of every open pool's pipes
_READ = 1 << 20
_PIPE_BYTES = 1 << 20  # fewer wake-ups per megabyte of results (Linux; best effort)


def can_fork() -> bool:
    return hasattr(os, "fork")


class _BlobPickler(pickle.Pickler):
    """Leaves each large ``bytes`` out of the pickle (a persistent id, its index in ``blobs``),
    to be written after it as it is: no copy into the pickle here, none out of it in the
    parent (``_load``)."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.blobs: list[bytes] = []

    def persistent_id(self, obj: Any) -> int | None:
        if type(obj) is bytes and len(obj) >= _BLOB:
            self.blobs.append(obj)
            return len(self.blobs) - 1
        return None


def _dump(outcome: tuple[bool, Any], blobs: bool) -> list[bytes]:
    """A result message, in parts to be written in order: the header, then the body; with
    ``blobs`` the body is the blobs' count and sizes, the pickle, then the blobs."""
    if not blobs:
        payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        return [_HEADER.pack(len(payload)), payload]
    buffer = io.BytesIO()
    pickler = _BlobPickler(buffer)
    pickler.dump(outcome)
    sizes = [len(blob) for blob in pickler.blobs]
    head = struct.pack(f"<{len(sizes) + 1}Q", len(sizes), *sizes) + buffer.getvalue()
    return [_HEADER.pack(len(head) + sum(sizes)), head, *pickler.blobs]


def _load(message: bytearray, blobs: bool) -> tuple[bool, Any]:
    """The result in a received message (see ``_dump``); blobs come back as read-only views
    of the message."""
    if not blobs:
        return pickle.loads(message)
    view = memoryview(message).toreadonly()
    (count,) = _HEADER.unpack_from(view)
    sizes = struct.unpack_from(f"<{count}Q", view, _HEADER.size)
    start, offset = _HEADER.size * (count + 1), len(view) - sum(sizes)
    unpickler = pickle.Unpickler(io.BytesIO(view[start:offset]))
    parts = []
    for size in sizes:
        parts.append(view[offset : offset + size])
        offset += size
    unpickler.persistent_load = parts.__getitem__  # type: ignore[assignment]
    return unpickler.load()


def _serve(work: Callable[[Any], Any], tasks: int, results: int, blobs: bool) -> NoReturn:
    """A worker's life: chunks in, results out, until the parent closes the chunk pipe."""
    status = 1
    try:
        start_worker_process()
        # the parent's handlers (jsonio's cleanup of its temporary files) are not ours
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with os.fdopen(tasks, "rb") as inbox, os.fdopen(results, "wb") as outbox:
            while len(head := inbox.read(_HEADER.size)) == _HEADER.size:
                chunk = pickle.loads(inbox.read(_HEADER.unpack(head)[0]))
                try:
                    outcome: tuple[bool, Any] = (True, work(chunk))
                except Exception as exc:  # raised by the parent at this chunk
                    outcome = (False, exc)
                try:
                    parts = _dump(outcome, blobs)
                except Exception as exc:  # an unpicklable result or exception
                    failure = RuntimeError(f"worker result cannot be sent back: {exc}")
                    parts = _dump((False, failure), blobs)
                for part in parts:
                    outbox.write(part)
                outbox.flush()
        status = 0
    finally:
        os._exit(status)  # never run the parent's code (atexit, finally blocks) in a worker


class _Worker:
    __slots__ = (
        "alive", "filled", "head", "inbox", "message", "outbox", "pending", "pid", "unsent"
    )  # fmt: skip

    def __init__(self, pid: int, outbox: int, inbox: int) -> None:
        self.pid, self.outbox, self.inbox = pid, outbox, inbox
        self.alive = True
        self.pending: deque[int] = deque()  # indexes of the chunks sent, in order
        # what is left to write into its chunk pipe (views: a partial write copies nothing)
        self.unsent: deque[memoryview] = deque()
        self.head = b""  # the result header being read
        self.message: bytearray | None = None  # the result being read, at its full size
        self.filled = 0


def _widen(*fds: int) -> None:
    import fcntl  # POSIX only, as is fork

    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    for fd in fds if setpipe is not None else ():
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setpipe, _PIPE_BYTES)


class OrderedPool:
    """``work(chunk)`` for every chunk, in order; in ``jobs`` forked processes when ``jobs`` > 1.

    ``work`` and what it refers to are inherited by the workers, not pickled: set up and warm
    everything before entering. Enter before starting threads of your own (a progress bar):
    the workers are forked on entry, while this process has one thread. An exception raised by
    ``work`` is raised by :meth:`map` at its chunk.

    ``here``: this process is one of the ``jobs`` (``jobs - 1`` workers are forked): whenever
    the oldest result is not in yet and there is input left, it runs ``here(chunk, poll)``
    on the next chunk itself, where ``here`` does what ``work`` does and calls ``poll()``
    now and then (every few milliseconds of work) so that the workers' pipes keep moving:
    their next chunks go out and their results come in while this process is busy. On two
    cores this takes the place of a second worker that would have to be fed, and whose
    results would have to be received, by a parent competing with both for the CPU.

    ``blobs``: each ``bytes`` of 64 KiB or more in a forked worker's result arrives as a
    read-only ``memoryview`` of the received message, not as a copy made by unpickling it (a
    page fault per 4 KiB of fresh memory on top of the copy: ~5 ms of the parent's time for
    the 8 MB of findings of ``validate --jobs 2`` on 1,000 EOBs). Its consumer takes any
    bytes-like object; results computed in this process (or by spawned workers) stay ``bytes``.
    """

    def __init__(
        self,
        work: Callable[[Any], Any],
        jobs: int,
        *,
        in_flight: int = IN_FLIGHT,
        spawn: tuple[Callable[..., None], tuple] | None = None,
        here: Callable[[Any, Callable[[], None]], Any] | None = None,
        blobs: bool = False,
    ) -> None:
        self.work, self.jobs, self.in_flight, self.spawn = work, jobs, in_flight, spawn
        self.here, self.blobs = here, blobs
        self.ahead = in_flight * jobs * AHEAD
        self.workers: list[_Worker] = []
        self.selector: selectors.BaseSelector | None = None
        self.executor: Any = None
        self.watched: set[int] = set()  # chunk pipes waiting for room
        self.done: dict[int, tuple[bool, Any]] = {}  # results not yet yielded, by chunk index
        self.lost = RuntimeError("no worker process")  # why the last lost worker is gone
        # the running map's state: its chunks, how many went out and which one is due next
        self.source: Iterator[Any] = iter(())
        self.sent = self.turn = 0
        self.more = False

    def __enter__(self) -> OrderedPool:
        # A fork copies only the calling thread but every lock: with other threads alive (a
        # progress bar's, a server's) a child could inherit one held for good, so then the
        # workers start from a fresh interpreter (``spawn``), or the chunks run here.
        if self.jobs > 1 and can_fork() and threading.active_count() == 1:
            self._fork()
        elif self.jobs > 1 and self.spawn is not None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            initializer, args = self.spawn
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context(
                "forkserver" if "forkserver" in methods else "spawn"
            )
            if context.get_start_method() == "forkserver":
                # imported once in the server process, not once per worker
                context.set_forkserver_preload([initializer.__module__])
            self.executor = ProcessPoolExecutor(
                self.jobs, mp_context=context, initializer=initializer, initargs=args
            )
        return self

    def _fork(self) -> None:
        try:
            for _ in range(self.jobs - (self.here is not None)):
                task_read, task_write = os.pipe()
                result_read, result_write = os.pipe()
                pid = os.fork()
                if pid == 0:  # the worker: it keeps only its own two pipe ends
                    # Not another worker's (of this pool or of any other open one): a chunk
                    # pipe's write end held here would keep that worker from seeing its end.
                    for fd in (task_write, result_read, *_PARENT_ENDS):
                        os.close(fd)
                    _serve(self.work, task_read, result_write, self.blobs)
                os.close(task_read)
                os.close(result_write)
                _PARENT_ENDS.update((task_write, result_read))
                os.set_blocking(task_write, False)
                os.set_blocking(result_read, False)
                _widen(task_write, result_read)
                self.workers.append(_Worker(pid, task_write, result_read))
        except BaseException:
            self._stop(kill=True)
            raise
        self.selector = selectors.DefaultSelector()
        for worker in self.workers:
            self.selector.register(worker.inbox, selectors.EVENT_READ, worker)

    def map(self, chunks: Iterable[Any]) -> Iterator[Any]:
        if self.executor is not None:
            yield from self._map_executor(chunks)
        elif not self.workers:
            yield from map(self.work, chunks)
        else:
            yield from self._map_forked(chunks)

    def _map_forked(self, chunks: Iterable[Any]) -> Iterator[Any]:
        if any(w.pending or w.unsent or w.message is not None for w in self.workers):
            # their results would be taken for this map's
            raise RuntimeError("an earlier map() of this pool was not run to its end")
        self.source = iter(chunks)
        done = self.done = {}
        self.sent = self.turn = 0
        self.more = True
        while True:
            self._feed()
            if self.turn in done:
                ok, value = done.pop(self.turn)
                self.turn += 1
                if not ok:
                    raise value
                yield value
            elif not self.more and self.turn == self.sent:
                return
            elif self.here is not None and self.more and self.sent < self.turn + self.ahead:
                chunk = next(self.source, _END)
                if chunk is _END:
                    self.more = False
                    continue
                index = self.sent
                self.sent += 1
                try:
                    done[index] = (True, self.here(chunk, self._poll))
                except Exception as exc:  # raised at its chunk, as a worker's is
                    done[index] = (False, exc)
            else:
                self._pump()

    def _feed(self) -> None:
        """Send every worker up to ``in_flight`` chunks of its own, whatever the oldest chunk's
        progress: a worker that finishes early must not wait for a slow one's result to be
        yielded (it did: ~15% of a 2-job run idle). ``ahead`` bounds the results held for
        their turn."""
        while self.more and self.sent < self.turn + self.ahead:
            live = [worker for worker in self.workers if worker.alive]
            idlest = min(live, key=lambda w: len(w.pending)) if live else None
            if idlest is not None and len(idlest.pending) >= self.in_flight:
                return
            chunk = next(self.source, _END)
            if chunk is _END or idlest is None:
                if chunk is not _END:  # every worker is gone: this chunk is lost too
                    self.done[self.sent] = (False, self.lost)
                    self.sent += 1
                self.more = False
                return
            self._send(idlest, self.sent, chunk)
            self.sent += 1

    def _send(self, worker: _Worker, index: int, chunk: Any) -> None:
        payload = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
        was_idle = not worker.unsent
        worker.unsent.append(memoryview(_HEADER.pack(len(payload))))
        worker.unsent.append(memoryview(payload))
        worker.pending.append(index)
        if was_idle:
            self._flush(worker)

    def _flush(self, worker: _Worker) -> None:
        """Write what its chunk pipe takes now; watch the pipe for room while something is left."""
        assert self.selector is not None
        unsent = worker.unsent
        try:
            while unsent:
                written = os.write(worker.outbox, unsent[0])
                if written == len(unsent[0]):
                    unsent.popleft()
                else:
                    unsent[0] = unsent[0][written:]
        except BlockingIOError:
            pass
        except BrokenPipeError:
            return self._lose(worker)
        watched = worker.outbox in self.watched
        if unsent and not watched:
            self.selector.register(worker.outbox, selectors.EVENT_WRITE, worker)
            self.watched.add(worker.outbox)
        elif watched and not unsent:
            self.selector.unregister(worker.outbox)
            self.watched.discard(worker.outbox)

    def _poll(self) -> None:
        """Move what the pipes can move now, and send a worker that is short of chunks its
        next ones, without waiting (``here`` calls it while this process works)."""
        self._pump(0)
        self._feed()

    def _pump(self, timeout: float | None = None) -> None:
        """Wait until a pipe is ready (at most ``timeout`` seconds); move what can move."""
        assert self.selector is not None
        for key, _ in self.selector.select(timeout):
            if not key.data.alive:  # lost while handling an earlier event of this batch
                continue
            if key.fd == key.data.outbox:
                self._flush(key.data)
            else:
                self._receive(key.data)

    def _receive(self, worker: _Worker) -> None:
        """Read what the result pipe holds, each result straight into a buffer of its size."""
        try:
            while True:
                if worker.message is None:
                    data = os.read(worker.inbox, _HEADER.size - len(worker.head))
                    if not data:
                        return self._lose(worker)
                    worker.head += data
                    if len(worker.head) == _HEADER.size:
                        worker.message = bytearray(_HEADER.unpack(worker.head)[0])
                        worker.head, worker.filled = b"", 0
                    continue
                with memoryview(worker.message) as view:
                    got = os.readv(worker.inbox, [view[worker.filled :]])
                if not got:
                    return self._lose(worker)
                worker.filled += got
                if worker.filled == len(worker.message):
                    self.done[worker.pending.popleft()] = _load(worker.message, self.blobs)
                    worker.message = None
        except BlockingIOError:
            pass

    def _lose(self, worker: _Worker) -> None:
        """A worker is gone: its chunks fail in their turn, after every chunk before them."""
        assert self.selector is not None
        if not worker.alive:
            return
        self.lost = RuntimeError(f"a worker process ended unexpectedly ({self._status(worker)})")
        for index in worker.pending:
            self.done[index] = (False, self.lost)
        worker.pending.clear()
        worker.unsent.clear()
        worker.alive = False
        self.selector.unregister(worker.inbox)
        if worker.outbox in self.watched:
            self.selector.unregister(worker.outbox)
            self.watched.discard(worker.outbox)

    @staticmethod
    def _status(worker: _Worker) -> str:
        if not worker.pid:  # already reaped (waitpid(0) would wait for any child)
            return "no exit status"
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(worker.pid, 0)
            worker.pid = 0
            if os.WIFSIGNALED(status):
                return f"killed by signal {os.WTERMSIG(status)}"
            return f"exit status {os.waitstatus_to_exitcode(status)}"
        return "no exit status"

    def _map_executor(self, chunks: Iterable[Any]) -> Iterator[Any]:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(self.executor.submit(self.work, chunk))
            # at least one queued per worker besides the running one: no wait between tasks
            if len(pending) >= max(self.in_flight, 2) * self.jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def _stop(self, *, kill: bool) -> None:
        workers, self.workers = self.workers, []
        if self.selector is not None:
            self.selector.close()
            self.selector = None
        self.watched.clear()
        for worker in workers:
            if kill and worker.pid:
                # an error or an interrupt: a worker busy with a chunk would run on after us
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
            os.close(worker.outbox)  # end of input: an idle worker exits
            _PARENT_ENDS.discard(worker.outbox)
        for worker in workers:
            os.close(worker.inbox)
            _PARENT_ENDS.discard(worker.inbox)
            if worker.pid:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(worker.pid, 0)

    def __exit__(self, kind: Any, *_: Any) -> None:
        if self.executor is not None:
            from .worker_pool import stop_workers

            executor, self.executor = self.executor, None
            if kind is not None:
                stop_workers(executor)
            else:
                executor.shutdown(wait=True)
            return
        # a consumer that stopped early leaves chunks queued: no one wants their results
        self._stop(kill=kind is not None or any(worker.pending for worker in self.workers))


_END = object()
