"""Work side by side in a pool, its results taken in order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from warehouse.parallel import in_order


def test_work_done_side_by_side_comes_back_in_order_with_few_items_waiting() -> None:
    """``in_order``: results in the items' order, at most ``ahead`` items out at a time."""
    pulled: list[int] = []
    taken: list[int] = []

    def items() -> Iterator[int]:
        for item in range(40):
            # Items out (submitted, not yet taken) when the next one is made.
            assert item - len(taken) <= 2
            pulled.append(item)
            yield item

    def slow_square(item: int) -> int:
        time.sleep(0.002 * (item % 3))  # later items finish first now and then
        return item * item

    with ThreadPoolExecutor(2) as pool:
        for result in in_order(pool, slow_square, items(), 2):
            taken.append(result)
    assert taken == [item * item for item in range(40)] and pulled == list(range(40))

    def fails(item: int) -> int:
        if item == 3:
            raise ValueError("item 3")
        return item

    with ThreadPoolExecutor(2) as pool, pytest.raises(ValueError, match="item 3"):
        list(in_order(pool, fails, range(10), 2))
