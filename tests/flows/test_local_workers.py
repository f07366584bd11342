"""Local worker processes of one stage: started from scratch, at the priority their work asks."""

import os
import sys
import threading

import pytest

from flows.local_workers import (
    PASSAGE_NICENESS,
    lower_this_thread,
    passage_pool,
    verification_pool,
)


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
