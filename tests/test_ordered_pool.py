"""``OrderedPool``: forked workers fed through pipes, results in input order, nothing left behind.

Order under uneven timing and an error at its chunk are checked in test_diff_stream.py; these
check what the pipes add: chunks and results larger than a pipe holds (both ways at once, no
deadlock), a worker that dies, a result that cannot be sent back, a consumer that stops early,
the spawn fallback, no fork while other threads run, and that a ``--jobs 2`` run imports no
``multiprocessing``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bbmigrate import ordered_pool
from bbmigrate.ordered_pool import OrderedPool

pytestmark = pytest.mark.skipif(not ordered_pool.can_fork(), reason="needs os.fork (POSIX)")


def _children() -> set[str]:
    """This process's child processes that are still alive (not zombies), but for the helpers
    ``multiprocessing`` keeps for the life of the process (its forkserver, resource tracker)."""
    me = os.getpid()
    found = set()
    for task in Path(f"/proc/{me}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                alive = Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
                helper = b"from multiprocessing." in Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if alive and not helper:
                found.add(pid)
    return found


@pytest.fixture(autouse=True)
def _no_workers_left():
    if not Path(f"/proc/{os.getpid()}/task").is_dir():  # not Linux: nothing to look in
        yield
        return
    before = _children()
    yield
    assert _children() <= before, "workers outlived their pool"


def _echo_big(chunk: tuple[int, bytes]) -> bytes:
    index, data = chunk
    # results of very different sizes, several times what a pipe holds
    return data[::-1] * (1 + index % 4)


def test_large_chunks_and_results_cross_both_ways_in_order():
    chunks = [(n, bytes([n % 251]) * (300_000 + 7 * n)) for n in range(24)]
    with OrderedPool(_echo_big, 3, in_flight=2) as pool:
        results = list(pool.map(chunks))
    assert results == [_echo_big(chunk) for chunk in chunks]


_TESTS = os.getpid()


def _die_at_five(n: int) -> int:
    if n == 5:
        # only ever a worker: should the chunks run in the test process, fail, don't kill it
        assert os.getpid() != _TESTS, "the pool ran its chunks in this process"
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def test_a_worker_that_dies_is_a_one_line_error_not_a_hang():
    seen = []
    lost = r"worker process ended unexpectedly \(killed by signal 9"
    with pytest.raises(RuntimeError, match=lost), OrderedPool(_die_at_five, 2) as pool:
        seen.extend(pool.map(range(40)))
    assert seen == list(range(5))  # in order up to the lost chunk


def _unpicklable(n: int):
    return (lambda: n) if n == 3 else n


def test_a_result_that_cannot_be_sent_back_is_raised_at_its_chunk():
    seen = []
    unsent = "worker result cannot be sent back"
    with pytest.raises(RuntimeError, match=unsent), OrderedPool(_unpicklable, 2) as pool:
        seen.extend(pool.map(range(10)))
    assert seen == [0, 1, 2]


def _slow(n: int) -> int:
    import time

    time.sleep(0.01)
    return n


def test_a_consumer_that_stops_early_leaves_no_worker_behind():
    with OrderedPool(_slow, 2) as pool:
        for n in pool.map(range(1_000)):
            if n == 3:
                break
    # the fixture checks that both workers are gone


_SETUP: list[str] = []


def _set_up(tag: str) -> None:
    _SETUP.append(tag)


def _tagged(n: int) -> str:
    return f"{_SETUP[-1]}:{n}"


def test_without_fork_a_spawn_initializer_sets_each_worker_up(monkeypatch):
    monkeypatch.setattr(ordered_pool, "can_fork", lambda: False)
    with OrderedPool(_tagged, 2, spawn=(_set_up, ("ready",))) as pool:
        assert pool.executor is not None
        assert list(pool.map(range(6))) == [f"ready:{n}" for n in range(6)]
    assert _SETUP == []  # set up in the workers, not here
    with OrderedPool(_slow, 2) as pool:  # no spawn set-up: the chunks run here, in order
        assert pool.executor is None and list(pool.map(range(4))) == [0, 1, 2, 3]


@pytest.fixture
def deadline():
    """Fail a test that would hang, instead of hanging the suite."""

    def expired(*_: object) -> None:
        raise TimeoutError("hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_pools_open_at_once_close_in_any_order(deadline):
    # A worker of the second pool must not hold the first pool's chunk pipes open: the first
    # pool's workers would never see the end of their input, and closing it would hang.
    first = OrderedPool(_slow, 2).__enter__()
    second = OrderedPool(_slow, 2).__enter__()
    assert list(first.map(range(4))) == [0, 1, 2, 3]
    first.__exit__(None, None, None)
    assert list(second.map(range(4))) == [0, 1, 2, 3]
    second.__exit__(None, None, None)


def test_a_map_not_run_to_its_end_is_not_mixed_into_the_next(deadline):
    with OrderedPool(_slow, 2) as pool:
        results = pool.map(range(40))
        assert [next(results), next(results)] == [0, 1]
        results.close()  # chunks still queued at the workers
        with pytest.raises(RuntimeError, match="not run to its end"):
            list(pool.map(range(3)))


def test_a_worker_lost_twice_is_lost_once(deadline):
    # Its chunk pipe and its result pipe can both report it gone in one batch of events.
    with OrderedPool(_slow, 2) as pool:
        gone, alive = pool.workers
        os.kill(gone.pid, signal.SIGKILL)
        pool._lose(gone)
        pool._lose(gone)  # must not wait for any child (waitpid(0)) while `alive` runs
        assert not gone.alive and alive.alive
        assert "killed by signal 9" in str(pool.lost)


def test_with_other_threads_alive_it_never_forks(monkeypatch):
    # A fork copies every lock but only the calling thread: a child of a process where another
    # thread (a progress bar's, a server's) held one could hang on it for good.
    forks: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        with OrderedPool(_tagged, 2, spawn=(_set_up, ("fresh",))) as pool:
            assert pool.executor is not None and not pool.workers
            assert list(pool.map(range(6))) == [f"fresh:{n}" for n in range(6)]
        with OrderedPool(_slow, 2) as pool:  # no spawn set-up: the chunks run here, in order
            assert pool.executor is None and list(pool.map(range(4))) == [0, 1, 2, 3]
    finally:
        stop.set()
        other.join()
    assert forks == []
    with OrderedPool(_slow, 2) as pool:  # alone again: forked workers
        assert len(pool.workers) == 2 and list(pool.map(range(4))) == [0, 1, 2, 3]
    assert forks == [1, 1]


_PROBE = """
import sys
from bbmigrate.validate import Validator, validate_resources
from bbmigrate.validate.inputs import iter_resources
from bbmigrate.resources import samples_dir
resources = list(iter_resources(samples_dir() / "-19990000009356" / "v2")) * 3
report = validate_resources(iter(resources), Validator("2.0.0"), jobs=2)
assert report.summary["resources"] == len(resources)
print(sorted(m for m in sys.modules if m.startswith(("multiprocessing", "concurrent"))))
"""


def test_two_jobs_import_no_multiprocessing():
    # ~15 ms of imports that every `validate --jobs 2` run paid before its first chunk
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def _where(n: int) -> tuple[int, int]:
    import time

    time.sleep(0.002)
    return n, os.getpid()


def test_here_the_caller_is_one_of_the_jobs_and_keeps_the_workers_going():
    # `here`: jobs - 1 workers are forked, this process takes chunks itself whenever the oldest
    # result is not in yet, and while it works its polls feed the workers and take results in.
    polls: list[int] = []

    def here(n: int, poll) -> tuple[int, int]:
        import time

        # the first chunk run here is long: 40 "resources" of 2 ms, a poll after each
        for _ in range(40 if not polls else 5):
            time.sleep(0.002)
            poll()
            polls.append(n)
        return _where(n)

    with OrderedPool(_where, 2, in_flight=2, here=here) as pool:
        assert len(pool.workers) == 1
        worker = pool.workers[0].pid
        results = list(pool.map(range(60)))
    assert [n for n, _ in results] == list(range(60))  # in input order
    by = {pid for _, pid in results}
    assert by == {os.getpid(), worker}, "both this process and the worker took chunks"
    mine = sorted({n for n, pid in results if pid == os.getpid()})
    assert mine[0] == 2  # the first two went to the worker (in_flight=2)
    assert polls == [2] * 40 + [n for n in mine[1:] for _ in range(5)]
    # while this process was busy with chunk 2 (~80 ms), its polls kept the worker fed: it
    # went on past the two chunks it had been sent (~2 ms each), in input order
    assert [pid for _, pid in results[3:15]] == [worker] * 12


def _fail_here_at_four(n: int, poll) -> int:
    poll()
    if n == 4:
        raise ValueError("bad chunk 4")
    return n


def test_here_an_error_in_a_chunk_run_here_is_raised_at_its_turn():
    seen = []
    here = _fail_here_at_four
    with pytest.raises(ValueError, match="bad chunk 4"), OrderedPool(_slow, 2, here=here) as pool:
        seen.extend(pool.map(range(40)))
    assert seen == list(range(4))  # every chunk before it, from whoever ran it


def _blob(n: int) -> tuple[int, bytes, bytes]:
    return n, bytes([n]) * 100, bytes([n]) * (70_000 + n)  # small, and past _BLOB


def test_blobs_large_bytes_come_back_as_views_of_the_message_not_copies():
    with OrderedPool(_blob, 2, blobs=True) as pool:
        results = list(pool.map(range(12)))
    for n, small, large in results:
        assert type(small) is bytes and small == bytes([n]) * 100
        assert type(large) is memoryview and large.readonly
        assert large == bytes([n]) * (70_000 + n)
    with OrderedPool(_blob, 1, blobs=True) as pool:  # computed here: plain bytes
        assert [type(large) for _, _, large in pool.map(range(3))] == [bytes] * 3
