"""Local worker processes of one stage: started from scratch, at the priority their work asks."""

import gc
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest

from flows.local_workers import (
    PASSAGE_NICENESS,
    become_shard_worker,
    lower_this_thread,
    passage_pool,
    settle_worker,
    verification_pool,
)


def _frozen_after_two_shards(shard_worker: bool) -> tuple[int, int]:
    if shard_worker:
        become_shard_worker()
    settle_worker()
    first = gc.get_freeze_count()
    settle_worker()
    return first, gc.get_freeze_count()


def test_a_shard_worker_freezes_what_it_holds_after_its_first_shard_only() -> None:
    """The run's own process and a cluster's workers are not frozen: they outlive the shards."""
    with ProcessPoolExecutor(1) as pool:  # a process of its own: the test's is left as it is
        first, second = pool.submit(_frozen_after_two_shards, True).result()
        assert first > 0 and second == first, "frozen once, after the first shard"
    with ProcessPoolExecutor(1) as pool:
        assert pool.submit(_frozen_after_two_shards, False).result() == (0, 0)


def test_passage_workers_run_below_the_run_and_verifiers_beside_it() -> None:
    """Passages are computed beside the report tables the publish waits for: they yield the CPU."""
    own = os.nice(0)
    with passage_pool(1) as pool:
        assert pool.submit(os.nice, 0).result() == min(own + PASSAGE_NICENESS, 19)
    with verification_pool(1) as pool:
        assert pool.submit(os.nice, 0).result() == own


@pytest.mark.skipif(sys.platform != "linux", reason="a nice value is a thread's on Linux only")
def test_a_thread_runs_lower_and_the_rest_of_the_process_does_not() -> None:
    seen: dict[str, int] = {}

    def lowered() -> None:
        lower_this_thread(3)
        seen["thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

        def started() -> None:
            seen["its thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

        child = threading.Thread(target=started)
        child.start()
        child.join()

    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    assert seen == {"thread": min(own + 3, 19), "its thread": min(own + 3, 19)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own
