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
- chunks are sized in bytes, the unit validation time follows (a line's, or a parsed
  resource's orjson text's, which is what a worker is sent): where the input's size is known
  (files and folders), each chunk is a share of what is left (``remaining / (2 * jobs)``,
  within ``_MIN_BYTES``..``_MAX_BYTES``), so the first chunks amortise the per-chunk cost and
  the last ones are small enough that all jobs finish together; where it is not known
  (stdin, an iterable), ``_UNSIZED_BYTES`` each. (Counting resources instead put the 67
  EOBs of a fetched beneficiary, ~22 kB each, in one chunk of 64: ``--jobs 2`` ran slower
  than one job);
- a chunk this process validates itself uses the resources it parsed, not their text;
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

# Chunks are sized in bytes: validation costs ~0.2-0.3 µs per byte of resource (a 1.3 kB
# sandbox EOB ~0.36 ms, a 22 kB BFD-shaped one ~4 ms), whatever the resources' count.
_UNSIZED_BYTES = 131_072  # a chunk where the input's size is unknown: ~30 ms of work
_MIN_BYTES = 16_384  # ~12 small EOBs, ~4 ms of work: well above the per-chunk cost (<1 ms)
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


class Packed(list):
    """A chunk for one job: ``(payload, raw, where)`` per unit. An NDJSON line goes as it is
    (``raw``); a parsed resource as its orjson text, which round-trips parsed JSON exactly at a
    fraction of pickle's cost, with the parsed object kept beside it (``parsed``) for when this
    process validates the chunk itself: only the text is pickled for a worker. A caller's
    Mapping that is not plain JSON data goes as itself."""

    __slots__ = ("parsed",)

    def __reduce__(self) -> tuple[type[Packed], tuple[list]]:
        return Packed, (list(self),)  # no ``parsed``: the worker decodes the text


def _pack(unit: Unit) -> tuple[tuple[Any, bool, str], Any, int]:
    """One unit as a :class:`Packed` entry, its parsed object (if any) and its size in bytes."""
    data, where = unit
    if isinstance(data, bytes):
        return (data, True, where), None, len(data) + 1
    try:
        text = orjson.dumps(data)
    except TypeError:
        return (dict(data), False, where), None, 1_000
    return (text, False, where), data, len(text)


def _unpack(packed: Packed) -> Iterator[Unit]:
    parsed = getattr(packed, "parsed", None)  # set where this process packed the chunk
    for index, (payload, raw, where) in enumerate(packed):
        if raw:
            yield payload, where
        elif parsed is not None and parsed[index] is not None:
            yield parsed[index], where
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


def _chunks(units: Iterator[Unit], jobs: int, size: int | None) -> Iterator[Packed]:
    """Consecutive chunks of ``units``, sized in bytes (an NDJSON line's, a parsed resource's
    orjson text's): shares of what is left of ``size``, else ``_UNSIZED_BYTES`` each."""
    remaining = size or 0
    chunk, parsed = Packed(), []
    target = used = 0
    for unit in units:
        if not chunk:
            target = (
                _UNSIZED_BYTES
                if size is None
                else min(_MAX_BYTES, max(_MIN_BYTES, remaining // (2 * jobs)))
            )
            used = 0
        entry, obj, cost = _pack(unit)
        chunk.append(entry)
        parsed.append(obj)
        used += cost
        remaining -= cost
        if used >= target:
            chunk.parsed = parsed
            yield chunk
            chunk, parsed = Packed(), []
    if chunk:
        chunk.parsed = parsed
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
        size -= _pack(first)[2]
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
            for outcome in pool.map(_chunks(iterator, jobs, size)):
                yield from _outcome(outcome)
    finally:
        _WORKER = None
