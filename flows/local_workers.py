"""Local worker processes started for one stage: they end with the run that started them.

Kept free of Prefect, so that a worker started here imports only what its work needs.
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

# How often an idle worker checks that its parent is alive: a second of lag after a crash costs
# nothing, and the check itself is one getppid() call.
PARENT_CHECK_SECONDS = 1.0

# How much lower the passage workers run than the run itself: they work beside the report tables,
# which the publish waits for, and take the CPU those leave (none given up on an idle machine).
PASSAGE_NICENESS = 10
MAX_NICENESS = 19


def exit_with_parent(parent_pid: int) -> None:
    """Make a worker process exit when the run that started it dies.

    A pool worker blocks on its task queue; when the run is killed (kill -9, OOM killer) nothing
    tells it, and it would linger holding memory and the run's output pipes. A daemon thread
    notices the parent is gone and ends the worker.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def become_shard_worker() -> None:
    """Mark this process as a local worker of the shard tasks (:func:`settle_worker`)."""
    _shard_worker.set()


def settle_worker() -> None:
    """After a local shard worker's first shard: move what it holds out of the collector's reach.

    The worker then holds its modules and the transforms' cached tables (the entity gazetteer),
    which Python's full collections would walk again during every shard; frozen (after one
    collection), they are left out. The run's own process and a cluster's workers, which outlive
    the run, are left as they are. Thawed at exit, so that the worker's last collection still
    frees them (DuckDB's bindings report what outlives the interpreter as leaked).
    """
    if _shard_worker.is_set() and not _settled.is_set():
        gc.collect()
        gc.freeze()
        atexit.register(gc.unfreeze)
        _settled.set()


_shard_worker = threading.Event()
_settled = threading.Event()


def verification_pool(workers: int) -> Executor:
    """Processes that verify batches of near copies side by side (``body_pairs.find_copies``).

    Started from scratch (``spawn``): the driver holds the run's keys and signatures, which a
    forked worker would share until it touches them, and Prefect's threads, which do not fork.
    """
    return _spawned(workers)


def passage_pool(workers: int) -> Executor:
    """Processes that find the shared passages of near copies side by side (``match_passages``).

    Started from scratch (``spawn``), as :func:`verification_pool`'s are: the driver holds the
    next snapshot's keys and matches while they work. They run ``PASSAGE_NICENESS`` lower than
    the run: publish computes them while it builds the report tables, its longer path.
    """
    return _spawned(workers, niceness=PASSAGE_NICENESS)


def _spawned(workers: int, niceness: int = 0) -> Executor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), niceness),
    )


def lower_this_thread(niceness: int) -> None:
    """Run the calling thread, and the threads it starts, ``niceness`` lower than now.

    On Linux a nice value is a thread's, and threads inherit it: DuckDB's threads of a
    connection opened in this thread run lower too. Elsewhere it is the whole process's, so
    nothing is changed there.
    """
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    now = os.getpriority(os.PRIO_PROCESS, thread)
    os.setpriority(os.PRIO_PROCESS, thread, min(now + niceness, MAX_NICENESS))


def _start_worker(parent_pid: int, niceness: int) -> None:
    exit_with_parent(parent_pid)
    if niceness:
        os.nice(niceness)
