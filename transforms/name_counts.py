"""Counting what documents name with each frequent name, by bit masks instead of joins.

A document names a few of the (at most 64) frequent names; each is a bit of the document's mask.
The counts per frequent name are sums over documents of the rows a document has (its entities,
its pairs of countries), once for each bit of its mask. Documents are numbered densely, so a
document's mask is an array lookup, and the sums are one ``bincount`` per block of documents:
no row is ever multiplied by the names of its document in a join.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_NAMES = 64
"""Bits of a mask: frequent names beyond the 64 most frequent are not frequent."""


@dataclass(frozen=True)
class BitCounts:
    """Per (bit, key): how many rows had both, and the sum of their weights."""

    bit: np.ndarray
    key: np.ndarray
    rows: np.ndarray
    weight: np.ndarray


def document_masks(documents: np.ndarray, bits: np.ndarray, count: int) -> np.ndarray:
    """The mask of each of ``count`` documents (0..count-1): the bits of its rows, or-ed.

    ``documents`` and ``bits``: one row per (document, entity of a frequent name); a document
    naming two entities of one name (the country and the city) has its bit once.
    """
    masks = np.zeros(count, np.uint64)
    if len(documents):
        np.bitwise_or.at(masks, documents, np.left_shift(np.uint64(1), bits.astype(np.uint64)))
    return masks


def pairs_within(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows ``(i, j)``, ``i < j``, of the same group; ``groups`` sorted ascending."""
    n = len(groups)
    if n == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], n]
    after = np.repeat(ends, ends - starts) - np.arange(n) - 1
    first = np.repeat(np.arange(n), after)
    offsets = np.arange(len(first)) - np.repeat(np.cumsum(after) - after, after)
    return first, first + 1 + offsets


def count_by_bit(
    masks: np.ndarray, keys: np.ndarray, weights: np.ndarray | None = None
) -> BitCounts:
    """For each bit set in some row's mask and each key: rows with both, and their weight sum.

    Args:
        masks: uint64 mask of each row (its document's).
        keys: int64 key of each row (what is counted: an entity, a pair, with its period).
        weights: Optional weight of each row (mentions); the sums are of ones without.
    """
    distinct, key_ids = np.unique(keys, return_inverse=True)
    groups = max(len(distinct), 1)
    present = int(np.bitwise_or.reduce(masks)) if len(masks) else 0
    bits = np.array([bit for bit in range(MAX_NAMES) if (present >> bit) & 1], np.int64)
    if len(bits) == 0:
        empty = np.zeros(0, np.int64)
        return BitCounts(empty, empty, empty, empty)
    cells: list[np.ndarray] = []
    cell_weights: list[np.ndarray] = []
    for index, bit in enumerate(bits.tolist()):
        rows = np.flatnonzero((masks >> np.uint64(bit)) & np.uint64(1))
        cells.append(index * groups + key_ids[rows])
        if weights is not None:
            cell_weights.append(weights[rows])
    cell = np.concatenate(cells)
    size = len(bits) * groups
    rows_per_cell = np.bincount(cell, minlength=size)
    used = np.flatnonzero(rows_per_cell)
    if weights is None:
        weight = rows_per_cell[used]
    else:
        weight = np.rint(np.bincount(cell, np.concatenate(cell_weights), size)[used])
    return BitCounts(
        bits[used // groups], distinct[used % groups], rows_per_cell[used], weight.astype(np.int64)
    )
