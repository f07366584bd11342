"""Work handed to a pool while the caller makes the next item, its results taken in order."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_order(
    pool: Executor, function: Callable[[T], R], items: Iterable[T], ahead: int
) -> Iterator[R]:
    """``function`` of each item, run in ``pool``, in the items' order.

    At most ``ahead`` items are submitted and not yet taken: the next items are made in the
    caller's thread, and the results taken there, while the pool works on those. The results
    waiting stay within ``ahead`` of them.
    """
    running: collections.deque[Future[R]] = collections.deque()
    for item in items:
        running.append(pool.submit(function, item))
        if len(running) >= max(ahead, 1):
            yield running.popleft().result()
    while running:
        yield running.popleft().result()
