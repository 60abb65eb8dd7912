"""``validate --jobs N``: validate chunks of the input in N processes, merged in input order.

The command's own process is one of the N (``jobs - 1`` workers are forked): on two cores a
second worker would have had to be fed, and its results received, by a parent competing with
both for the CPU (measured: ~15 ms of the parent's CPU on 1,000 EOBs, ~1.5x instead of ~1.6x).
What it does besides validating is what no number of jobs shortens (Amdahl), so it is little:

- it validates the first resource before it starts the pool, so that with ``fork`` each
  worker inherits the warm validator (rule set, R4 schema, compiled rules and invariants,
  ~6 ms) instead of paying it again; elsewhere (``spawn``) the initializer builds one
  Validator per worker, once, and the workers are all N jobs;
- it does not parse NDJSON ahead: lines go to the workers as raw bytes
  (``inputs.iter_units``) and whoever validates a line parses it, with the same reader and
  errors as one process;
- chunks are sized from the input: where its size is known (NDJSON files), each chunk is a
  share of what is left (``remaining / (2 * jobs)``, within ``_MIN_BYTES``..``_MAX_BYTES``),
  so the first chunks amortise the per-chunk cost and the last ones are small enough that
  all jobs finish together; where it is not known, ``CHUNK`` resources each;
- whenever the oldest chunk's result is not in yet, the process takes the next chunk itself,
  and between two resources it sends the workers their next chunks and takes their results
  in (``OrderedPool``'s ``here`` and ``poll``), so a worker waits at most ~0.4 ms;
- a chunk's results go into a :class:`~.aggregate.ReportTally`, whose state (counts, and the
  findings already written as the JSON report's items) is merged in input order, keeping
  the items as written, so the report is byte-identical to one process's and the JSON one is
  a join (``aggregate.Findings``); a worker's items arrive as a view of the message that
  carried them, not a copy (``blobs``).

A bad line (invalid JSON, no resourceType) is reported as the message and place of its
``InputError``, and raised when the merge reaches that chunk: the same one-line error as with
one process. On that error, Ctrl-C or SIGTERM the workers stop at once.
The workers are :class:`~bbmigrate.ordered_pool.OrderedPool`'s (forked, fed through pipes,
no ``multiprocessing`` import in the parent); where ``fork`` does not exist, or other threads
run in this process, fresh (forkserver or spawn) workers start with this module's initializer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from ..errors import InputError
from ..ordered_pool import OrderedPool
from ..worker_pool import start_worker_process
from .aggregate import ReportTally, State
from .engine import Validator
from .inputs import Unit, resources_of

CHUNK = 64  # units per chunk when the input's size is unknown: ~30 ms of work per chunk
_MIN_BYTES = 16_384  # ~12 BB2 EOBs, ~6 ms of work: well above the per-chunk cost (<1 ms)
_MAX_BYTES = 4 << 20  # bounds the parent's read-ahead on very large inputs
# Chunks given to a worker at a time: the one it runs. This process, validating chunks of its
# own, sends the next within a resource's time (~0.4 ms) of a result (its polls); a second,
# queued chunk was work the worker still had when the input ran out, while this process
# waited for it (7-21 ms at the end of 1,000 EOBs).
_IN_FLIGHT = 1

Setup = tuple[str, str | None, bool]
# A chunk's result: the tally's state, or the message and place of the input error it met.
Outcome = tuple[State | None, tuple[str, str | None] | None]
_WORKER: Validator | None = None


def _setup(validator: Validator) -> Setup:
    return (validator.ig, validator.package_dir, validator.invariants is not None)


def _start_worker(setup: Setup) -> None:
    """Once per worker: keep the validator inherited from the parent (fork), or build one."""
    global _WORKER
    if _WORKER is None or _setup(_WORKER) != setup:
        ig, package_dir, invariants = setup
        _WORKER = Validator(ig, package_dir, invariants=invariants)


Packed = list[tuple[Any, bool, str]]


def _pack(chunk: list[Unit]) -> Packed:
    # Raw lines go as they are; parsed resources as orjson text, which round-trips parsed JSON
    # exactly at a fraction of pickle's cost; a caller's Mapping that is not plain JSON data
    # as itself. The pool pickles the list once for a worker; a chunk validated here is never
    # pickled.
    packed: Packed = []
    for data, where in chunk:
        if isinstance(data, bytes):
            packed.append((data, True, where))
            continue
        try:
            packed.append((orjson.dumps(data), False, where))
        except TypeError:
            packed.append((dict(data), False, where))
    return packed


def _unpack(packed: Packed) -> Iterator[Unit]:
    for payload, raw, where in packed:
        if raw:
            yield payload, where
        else:
            yield (orjson.loads(payload) if isinstance(payload, bytes) else payload), where


def _tally(
    units: Iterable[Unit], validator: Validator, poll: Callable[[], None] | None = None
) -> ReportTally:
    tally = ReportTally(validator.profiles)
    for unit in units:
        for resource, where in resources_of(unit):
            tally.add(validator.validate(resource, source=where))
        if poll is not None:  # ~0.4 ms per EOB: the workers' pipes wait no longer than that
            poll()
    return tally


def _init_worker(setup: Setup) -> None:
    start_worker_process()
    _start_worker(setup)


def _validate_chunk(data: Packed, poll: Callable[[], None] | None = None) -> Outcome:
    """A worker's chunk; or, with ``poll``, one the parent validates itself (``here``)."""
    assert _WORKER is not None, "worker started without its initializer"
    try:
        return _tally(_unpack(data), _WORKER, poll).state(), None
    except InputError as exc:
        return None, (exc.message, exc.where)


def _chunks(units: Iterator[Unit], jobs: int, size: int | None) -> Iterator[list[Unit]]:
    """Consecutive chunks of ``units``: shares of the remaining bytes, else ``CHUNK`` each."""
    chunk: list[Unit] = []
    if size is None:
        for unit in units:
            chunk.append(unit)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    else:
        remaining = size
        target = used = 0
        for unit in units:
            if not chunk:
                target = min(_MAX_BYTES, max(_MIN_BYTES, remaining // (2 * jobs)))
                used = 0
            chunk.append(unit)
            # A parsed unit (not expected in a sized input) counts as a typical EOB line.
            cost = len(unit[0]) + 1 if isinstance(unit[0], bytes) else 1_300
            used += cost
            remaining -= cost
            if used >= target:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _outcome(outcome: Outcome) -> Iterator[State | None]:
    state, error = outcome
    if error is not None:
        message, where = error
        raise InputError(message, where=where)
    assert state is not None
    yield state
    # One item per resource, so that a progress bar around the stream counts resources.
    yield from (None for _ in range(state[0] - 1))


def validate_in_processes(
    units: Iterable[Unit], validator: Validator, jobs: int, *, size: int | None = None
) -> Iterator[State | None]:
    """Validate ``units`` in ``jobs`` processes, streaming the input. Yields each chunk's
    :meth:`ReportTally.state <.aggregate.ReportTally.state>` in input order, followed by one
    ``None`` per further resource of the chunk. ``size``: the input's bytes, if known."""
    global _WORKER
    iterator = iter(units)
    first = next(iterator, None)
    if first is None:
        return
    # Warm the parent's validator on real input before forking (see the module docstring).
    warm = _tally([first], validator)
    if size is not None:
        size -= len(first[0]) + 1 if isinstance(first[0], bytes) else 0
    _WORKER = validator
    spawn = (_init_worker, (_setup(validator),))
    try:
        # The workers are forked before the first result is yielded: a progress bar around
        # this stream starts its thread only then (``cli.common.progress``).
        with OrderedPool(
            _validate_chunk,
            jobs,
            in_flight=_IN_FLIGHT,
            spawn=spawn,
            here=_validate_chunk,
            blobs=True,
        ) as pool:
            yield warm.state()
            yield from (None for _ in range(warm.resources - 1))
            packed = (_pack(chunk) for chunk in _chunks(iterator, jobs, size))
            for outcome in pool.map(packed):
                yield from _outcome(outcome)
    finally:
        _WORKER = None
