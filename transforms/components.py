"""Connected components of the candidate pair graph, packed into verification batches."""

from __future__ import annotations

import numpy as np


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected component of each of ``n`` nodes given edges, as its smallest node's index.

    Label propagation with pointer jumping: each round every edge pulls both ends to the smaller
    label, then labels follow their own labels; rounds grow with the log of the longest path.
    """
    labels = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return labels
    left, right = left.astype(np.int64), right.astype(np.int64)
    while True:
        low = np.minimum(labels[left], labels[right])
        pulled = labels.copy()
        np.minimum.at(pulled, left, low)
        np.minimum.at(pulled, right, low)
        while True:  # pointer jumping: follow labels to their roots
            jumped = pulled[pulled]
            if np.array_equal(jumped, pulled):
                break
            pulled = jumped
        if np.array_equal(pulled, labels):
            return labels
        labels = pulled


def component_batches(n: int, left: np.ndarray, right: np.ndarray, max_bodies: int) -> np.ndarray:
    """Batch number of each of ``n`` bodies such that every pair lies within one batch.

    Whole connected components of the pair graph are packed, in order, into batches of about
    ``max_bodies`` bodies (a component larger than that is a batch of its own); bodies in no
    pair get -1. Verifying a batch then needs only its own bodies in memory.
    """
    batch = np.full(n, -1, dtype=np.int64)
    if len(left) == 0:
        return batch
    involved = np.unique(np.concatenate([left, right]))
    local = components(
        len(involved), np.searchsorted(involved, left), np.searchsorted(involved, right)
    )
    _, of_body, sizes = np.unique(local, return_inverse=True, return_counts=True)
    # Greedy packing in component order: a component that would overfill a batch starts the next.
    component_batch = np.zeros(len(sizes), dtype=np.int64)
    current, filled = 0, 0
    for index, size in enumerate(sizes.tolist()):
        if filled and filled + size > max_bodies:
            current, filled = current + 1, 0
        component_batch[index] = current
        filled += size
    batch[involved] = component_batch[of_body]
    return batch


def pair_batches(n: int, left: np.ndarray, right: np.ndarray, max_bodies: int) -> np.ndarray:
    """Batch number of each pair, such that a batch's pairs name at most ``max_bodies`` bodies.

    Whole components are packed as :func:`component_batches` packs them, so a body is read for
    one batch. A component larger than ``max_bodies`` (a story copied thousands of times, or
    stock text chaining stories) is cut: its pairs, in order, go to batches of their own, each
    closed when the next pair would bring it past ``max_bodies`` bodies. Its bodies may then be
    read for several batches, but no batch holds more texts than the bound.
    """
    batch = component_batches(n, left, right, max_bodies)[left]
    if len(batch) == 0:
        return batch
    ends = np.unique(np.concatenate([batch * n + left, batch * n + right]))
    bodies = np.bincount(ends // n)
    following = len(bodies)
    for oversized in np.flatnonzero(bodies > max_bodies).tolist():
        pairs = np.flatnonzero(batch == oversized)
        pairs = pairs[np.lexsort((right[pairs], left[pairs]))]
        number, held = oversized, set[int]()
        for pair, first, second in zip(
            pairs.tolist(), left[pairs].tolist(), right[pairs].tolist(), strict=True
        ):
            if held and len(held) + (first not in held) + (second not in held) > max_bodies:
                number, held, following = following, set[int](), following + 1
            held.update((first, second))
            batch[pair] = number
    return batch
