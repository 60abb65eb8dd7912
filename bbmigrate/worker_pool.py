"""Worker processes that never outlive the command that started them.

``validate --jobs`` forks its workers. Two ways they could outlive the run: a SIGTERM that ends
the parent at once (``jsonio`` removes the temporary outputs and ends the process without
unwinding) leaves the workers blocked on a task queue whose write end their siblings still hold
open, so they wait forever; and a failure or Ctrl-C in the parent would let
``ProcessPoolExecutor.shutdown`` wait for every running chunk to finish first.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing it costs ~15 ms, which forked pools (ordered_pool) never pay
    from concurrent.futures import ProcessPoolExecutor


def start_worker_process() -> None:
    """Call first in a pool initializer: the parent decides what an interrupt means (workers
    ignore SIGINT/SIGHUP), and the worker ends when its parent process is gone."""
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """On a failure or a signal: drop the queued tasks, stop the busy workers, shut down."""
    call_queue = getattr(pool, "_call_queue", None)
    if call_queue is not None:
        # the feeder thread may be blocked writing a task into a pipe no stopped worker reads
        call_queue.cancel_join_thread()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)
    result_queue = getattr(pool, "_result_queue", None)
    if result_queue is not None:
        # a worker stopped while sending leaves half a message: with our write end closed,
        # the pool's reader thread sees EOF instead of waiting for the rest
        result_queue._writer.close()
    pool.shutdown(wait=True, cancel_futures=True)
