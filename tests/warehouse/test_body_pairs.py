"""Verification of near-copy batches: side by side in worker processes as in this process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from flows.local_workers import verification_pool
from transforms.near_copies import NearDupParams
from warehouse.body_pairs import _verified

STORY = (
    "The central bank raised its main interest rate by a quarter of a percentage point on "
    "Thursday, its third increase this year, saying inflation remained well above its target "
    "and that further moves could not be ruled out as energy prices kept rising across the region."
)


def batches() -> list[tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]]:
    """Three batches: a story and its copy, a story and another story, a brief and its story."""
    other = " ".join(reversed(STORY.split()))
    brief = " ".join(STORY.split()[:30])
    texts = [(STORY, STORY.replace("Thursday", "Friday")), (STORY, other), (brief, STORY)]
    return [
        (np.array([2 * n]), np.array([2 * n + 1]), np.array([2 * n, 2 * n + 1]), pa.array(pair))
        for n, pair in enumerate(texts)
    ]


def verdicts(pool: object | None, parallel: int) -> list[tuple[list[int], list[bool]]]:
    params = NearDupParams()
    return [
        (a.tolist() + b.tolist(), verdict[2].tolist())
        for a, b, verdict in _verified(iter(batches()), params, pool, parallel)  # type: ignore[arg-type]
    ]


def test_batches_verified_side_by_side_come_back_in_order_with_the_same_verdicts() -> None:
    here = verdicts(None, 1)
    assert [pair for pair, _ in here] == [[0, 1], [2, 3], [4, 5]]
    assert here[0][1] == [True] and here[1][1] == [False]
    with ThreadPoolExecutor(2) as threads:
        assert verdicts(threads, 2) == here
    with verification_pool(2) as processes:
        assert verdicts(processes, 2) == here
