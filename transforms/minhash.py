"""MinHash signatures of shingle sets and their LSH band keys, vectorised in numpy.

MinHash keeps, per permutation, the smallest permuted hash of a body's shingles
(:mod:`transforms.shingles`): two bodies agree on a permutation with probability equal to their
Jaccard similarity. LSH cuts the signature into bands of rows; bodies that agree on a whole band
are candidate pairs, then verified on their exact shingle sets.

Band keys are persisted (``body_bands``) and met by later runs' keys, so every value computed here
is part of the stored format: changing tokenisation, hashing or the parameters makes new bodies
miss the copies already stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transforms.shingles import FOLD, Shingles, mix

EMPTY_SIGNATURE = np.uint32(0xFFFFFFFF)
# Tries of an empty bin to borrow from a filled one before it takes the next one to the right.
DENSIFY_ATTEMPTS = 64


@dataclass(frozen=True, slots=True)
class MinHashParams:
    """Shingle size, permutations and banding (bands x rows = permutations).

    The defaults were measured on the generator's syndication labels (37 bands of 3 rows: pairwise
    recall 0.996, 28 x 4: 0.961); band keys made with other parameters do not meet them.
    """

    shingle_words: int = 5
    permutations: int = 111
    bands: int = 37
    rows: int = 3
    seed: int = 1

    def __post_init__(self) -> None:
        if self.bands < 1 or self.rows < 1:
            raise ValueError("bands and rows must be at least 1")
        if self.bands * self.rows != self.permutations:
            raise ValueError(
                f"bands x rows must equal permutations: {self.bands} x {self.rows} "
                f"!= {self.permutations}"
            )
        if self.shingle_words < 1:
            raise ValueError("shingle_words must be at least 1")
        if not 0 <= self.seed < 2**64:
            raise ValueError("seed must fit in 64 unsigned bits")


def signatures(sh: Shingles, params: MinHashParams) -> np.ndarray:
    """MinHash signature of each body: ``(documents, permutations)`` uint32.

    One permutation hashing: each shingle's seeded, mixed hash picks one of the ``permutations``
    bins and the bin keeps the smallest value, so one pass over the shingles fills every row
    (instead of one pass per permutation). Empty bins of short bodies borrow from other
    bins (optimal densification), which keeps the agreement of two signatures an estimate of the
    bodies' Jaccard similarity. A body's signature depends only on its own shingles.

    Args:
        sh: Shingle sets of the bodies.
        params: Permutations and seed.

    Returns:
        The signatures; bodies without shingles get all-ones rows (they match nothing but each
        other, and are never verified as copies).
    """
    n = len(sh.offsets) - 1
    width = params.permutations
    out = np.full((n, width), EMPTY_SIGNATURE, dtype=np.uint32)
    if len(sh.hashes) == 0:
        return out
    with np.errstate(over="ignore"):
        seed = np.uint64(params.seed) * np.uint64(0x9E3779B97F4A7C15)
    mixed = mix(sh.hashes ^ seed)
    owner = np.repeat(np.arange(n, dtype=np.uint64), sh.sizes())
    slot = owner * np.uint64(width) + (mixed >> np.uint64(32)) % np.uint64(width)
    value = (mixed & np.uint64(0xFFFFFFFF)) >> np.uint64(1)  # 31 bits: never the empty marker
    np.minimum.at(out.reshape(-1), slot.astype(np.intp), value.astype(np.uint32))
    _densify(out, sh.sizes() > 0)
    return out


def _densify(sigs: np.ndarray, filled: np.ndarray) -> None:
    """Fill, in place, each empty bin of the ``filled`` rows from a bin of a fixed random sequence.

    Optimal densification (Shrivastava, 2017): empty bin j tries bins h(j, 1), h(j, 2), ... and
    takes the value of the first filled one. Every body uses the same sequences, so agreement
    stays an estimate of Jaccard, and different empty bins borrow from different bins, so the
    rows of a band stay independent even for a short body. A bin still empty after
    DENSIFY_ATTEMPTS tries takes the next filled bin to the right, circularly. Only the empty
    bins are visited.
    """
    width = sigs.shape[1]
    empty = sigs == EMPTY_SIGNATURE
    empty[~filled] = False
    row, col = np.nonzero(empty)
    if len(row) == 0:
        return
    empty[~filled] = True  # rows without shingles lend nothing
    sequence = (
        (mix(np.arange(DENSIFY_ATTEMPTS * width, dtype=np.uint64)) % np.uint64(width))
        .reshape(DENSIFY_ATTEMPTS, width)
        .astype(np.int64)
    )
    for attempt in range(DENSIFY_ATTEMPTS):
        if len(row) == 0:
            return
        source = sequence[attempt, col]
        hit = ~empty[row, source]
        sigs[row[hit], col[hit]] = sigs[row[hit], source[hit]]
        row, col = row[~hit], col[~hit]
    if len(row):
        rows, which = np.unique(row, return_inverse=True)
        positions = np.arange(2 * width)
        doubled = np.concatenate([empty[rows], empty[rows]], axis=1)
        candidates = np.where(doubled, 4 * width, positions)
        nearest = np.minimum.accumulate(candidates[:, ::-1], axis=1)[:, ::-1][:, :width] % width
        sigs[row, col] = sigs[row, nearest[which, col]]


def band_keys(sigs: np.ndarray, params: MinHashParams) -> np.ndarray:
    """One uint64 key per band of each signature.

    Args:
        sigs: Signatures, ``(documents, permutations)`` uint32.
        params: The banding.

    Returns:
        ``(documents, bands)`` uint64: a hash of each band's rows with the band index mixed in,
        so equal rows in different bands give different keys.
    """
    n = sigs.shape[0]
    rows = sigs.reshape(n, params.bands, params.rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = np.broadcast_to(mix(np.arange(params.bands, dtype=np.uint64)), (n, params.bands))
        key = key.copy()
        for j in range(params.rows):
            key = mix(key * FOLD + rows[:, :, j])
    return key
