"""LSH band buckets in numpy: the bodies sharing a band key, and the candidate pairs they make.

A band's rows are sorted by band key; a bucket is a run of equal keys, and only the runs of
several bodies are sorted again by body. The buckets that make pairs are kept as runs of body
indices, and their pairs are the members of a run taken two at a time. Two bodies sharing
several bands are made a pair in each, so pairs are made for a range of smaller bodies at a
time and made distinct by one sort of their packed codes (numpy's sort, not a hash join):
memory follows the pairs of one range, not those of the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transforms.arrays import run_starts


@dataclass(frozen=True, slots=True)
class Buckets:
    """The buckets of one band that make candidates, as runs of body indices."""

    members: np.ndarray
    """Body indices (int32), bucket after bucket, ascending within a bucket."""
    bounds: np.ndarray
    """Start of each bucket in ``members`` (int32), then ``len(members)``."""
    new: np.ndarray | None
    """Whether each member's row is new in this run (bool); None when every row is."""


def band_buckets(
    band_keys: np.ndarray,
    body_keys: np.ndarray,
    new: np.ndarray | None,
    bodies: np.ndarray,
    max_bodies: int,
) -> Buckets:
    """The buckets of one band holding 2 to ``max_bodies`` distinct bodies, one of them new.

    Args:
        band_keys: The band's key of each row.
        body_keys: The body of each row (a body listed twice counts once in its bucket).
        new: Whether each row is new in this run; None when every row is (a first run).
        bodies: Every body key, sorted and distinct: members are indices in it.
        max_bodies: A bucket of more distinct bodies than this is stock text, and makes no pairs.
    """
    order = np.argsort(band_keys)
    keys = band_keys[order]
    changes = keys[1:] != keys[:-1]
    # Rows alone with their key make no pair: only the others are sorted by (bucket, body).
    shared = np.zeros(len(keys), dtype=bool)
    shared[:-1] |= ~changes
    shared[1:] |= ~changes
    bucket = np.cumsum(np.r_[0, changes])[shared]
    rows = order[shared]
    width = max(len(bodies), 1)
    codes = bucket * width + np.searchsorted(bodies, body_keys[rows])
    if new is not None:  # the lowest bit: 0 for a new row, which then sorts first
        codes = codes * 2 + ~new[rows]
    codes.sort()
    flags = None
    if new is not None:
        flags = (codes & 1) == 0
        codes >>= 1
    firsts = _firsts(codes)
    codes = codes[firsts]
    bucket, members = codes // width, (codes % width).astype(np.int32)
    starts = _firsts(bucket)
    sizes = np.diff(np.r_[starts, len(bucket)])
    kept = (sizes >= 2) & (sizes <= max_bodies)
    if flags is not None:
        flags = flags[firsts]
        if len(starts):
            kept &= np.logical_or.reduceat(flags, starts)
    starts, sizes = starts[kept], sizes[kept]
    at = _ranges(starts, sizes)
    return Buckets(
        members=members[at],
        bounds=np.r_[0, np.cumsum(sizes)].astype(np.int32),
        new=None if flags is None else flags[at],
    )


def left_pairs(buckets: Buckets, bodies: int) -> np.ndarray:
    """Pairs each body makes as the smaller index, at most, over one band's buckets (int64).

    An upper bound when ``buckets.new`` is given: pairs of two old rows are not made.
    """
    sizes = np.diff(buckets.bounds)
    after = np.repeat(buckets.bounds[1:], sizes) - np.arange(len(buckets.members)) - 1
    return np.bincount(buckets.members, weights=after, minlength=bodies).astype(np.int64)


def candidate_codes(bands: list[Buckets], bodies: int, first: int, last: int) -> np.ndarray:
    """Distinct pairs sharing a bucket whose smaller body index is in ``[first, last)``, sorted.

    A pair is ``left * bodies + right`` (int64, ``left < right``); at least one of its rows in
    the bucket is new.
    """
    codes = np.concatenate(
        [np.zeros(0, np.int64)] + [_codes(b, bodies, first, last) for b in bands]
    )
    codes.sort()
    return codes[run_starts(codes)]


def left_ranges(pairs_per_body: np.ndarray, pairs_per_range: int) -> list[tuple[int, int]]:
    """Consecutive ranges of left bodies, each making about ``pairs_per_range`` pairs or fewer.

    A body making more pairs than that on its own is a range of its own.
    """
    total = np.cumsum(pairs_per_body)
    ranges: list[tuple[int, int]] = []
    first, done = 0, 0
    while first < len(pairs_per_body):
        last = int(np.searchsorted(total, done + pairs_per_range, side="right"))
        last = max(last, first + 1)
        ranges.append((first, last))
        done = int(total[last - 1])
        first = last
    return ranges


def _codes(buckets: Buckets, bodies: int, first: int, last: int) -> np.ndarray:
    """The pairs of one band's buckets whose smaller body is in ``[first, last)``, as codes."""
    members = buckets.members
    at = np.flatnonzero((members >= first) & (members < last))
    after = _run_ends(buckets, at) - at - 1
    partner = _ranges(at + 1, after)
    own = np.repeat(at, after)
    if buckets.new is not None:
        either = buckets.new[own] | buckets.new[partner]
        own, partner = own[either], partner[either]
    return members[own].astype(np.int64) * bodies + members[partner]


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (a sort: numpy's hashing ``unique`` is slower on keys)."""
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """Positions in sorted ``ordered`` where a new value starts."""
    return np.flatnonzero(run_starts(ordered))


def _run_ends(buckets: Buckets, at: np.ndarray) -> np.ndarray:
    """End (exclusive) in ``members`` of the bucket of each position ``at``."""
    return buckets.bounds[np.searchsorted(buckets.bounds, at, side="right")]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + lengths[i] - 1`` of every i, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)
