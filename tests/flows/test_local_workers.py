"""Local worker processes of one stage: started from scratch, at the priority their work asks."""

import os

from flows.local_workers import PASSAGE_NICENESS, passage_pool, verification_pool


def test_passage_workers_run_below_the_run_and_verifiers_beside_it() -> None:
    """Passages are computed beside the report tables the publish waits for: they yield the CPU."""
    own = os.nice(0)
    with passage_pool(1) as pool:
        assert pool.submit(os.nice, 0).result() == min(own + PASSAGE_NICENESS, 19)
    with verification_pool(1) as pool:
        assert pool.submit(os.nice, 0).result() == own
