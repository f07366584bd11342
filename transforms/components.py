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
