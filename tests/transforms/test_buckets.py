"""Band buckets in numpy: which buckets make pairs, and the distinct pairs of a range of bodies."""

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from transforms.buckets import (
    band_buckets,
    candidate_codes,
    left_pairs,
    left_ranges,
    sorted_distinct,
)

BODIES = np.array([10, 20, 30, 40, 50, 60], dtype=np.uint64)


def buckets_of(buckets_members: np.ndarray, bounds: np.ndarray) -> list[list[int]]:
    return [buckets_members[a:b].tolist() for a, b in itertools.pairwise(bounds.tolist())]


def test_buckets_of_two_to_max_distinct_bodies_make_pairs() -> None:
    # Key 7: bodies 30, 10, 20 (20 twice); key 8: one body listed twice; key 9: five bodies.
    band_keys = np.array([7, 7, 7, 7, 8, 8, 9, 9, 9, 9, 9], dtype=np.uint64)
    body_keys = np.array([30, 10, 20, 20, 40, 40, 10, 20, 30, 40, 50], dtype=np.uint64)
    buckets = band_buckets(band_keys, body_keys, None, BODIES, max_bodies=4)
    assert buckets_of(buckets.members, buckets.bounds) == [[0, 1, 2]]
    assert buckets.new is None
    wider = band_buckets(band_keys, body_keys, None, BODIES, max_bodies=5)
    assert sorted(buckets_of(wider.members, wider.bounds)) == [[0, 1, 2], [0, 1, 2, 3, 4]]


def test_only_buckets_holding_a_new_row_make_pairs() -> None:
    band_keys = np.array([7, 7, 8, 8, 8], dtype=np.uint64)
    body_keys = np.array([10, 20, 30, 40, 30], dtype=np.uint64)
    new = np.array([False, False, False, False, True])
    buckets = band_buckets(band_keys, body_keys, new, BODIES, max_bodies=10)
    assert buckets_of(buckets.members, buckets.bounds) == [[2, 3]]
    assert buckets.new is not None
    assert buckets.new.tolist() == [True, False]  # body 30's new row outweighs its old one


def reference_pairs(
    rows: list[tuple[int, int, bool]], max_bodies: int, first: int, last: int
) -> set[tuple[int, int]]:
    """Pairs of a bucket of 2..max_bodies bodies with a new row, left in [first, last)."""
    members: dict[int, set[int]] = {}
    new: dict[int, set[int]] = {}
    for key, body, is_new in rows:
        members.setdefault(key, set()).add(body)
        if is_new:
            new.setdefault(key, set()).add(body)
    pairs = set()
    for key, bodies in members.items():
        if 2 <= len(bodies) <= max_bodies:
            for a, b in itertools.combinations(sorted(bodies), 2):
                if (a in new.get(key, ()) or b in new.get(key, ())) and first <= a < last:
                    pairs.add((a, b))
    return pairs


@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 4), st.integers(0, 9), st.booleans()), max_size=25),
        min_size=1,
        max_size=3,
    ),
    st.integers(2, 6),
    st.integers(0, 10),
    st.integers(0, 10),
    st.booleans(),
)
def test_candidate_codes_match_a_slow_reference(
    bands: list[list[tuple[int, int, bool]]],
    max_bodies: int,
    first: int,
    length: int,
    all_new: bool,
) -> None:
    bodies = np.arange(10, dtype=np.uint64) * 3  # keys need not be indices
    if all_new:
        bands = [[(key, body, True) for key, body, _ in rows] for rows in bands]
    buckets = [
        band_buckets(
            np.array([key for key, _, _ in rows], dtype=np.uint64),
            bodies[[body for _, body, _ in rows]],
            None if all_new else np.array([is_new for _, _, is_new in rows], dtype=bool),
            bodies,
            max_bodies,
        )
        for rows in bands
    ]
    codes = candidate_codes(buckets, 10, first, first + length)
    expected = set().union(
        *(reference_pairs(rows, max_bodies, first, first + length) for rows in bands)
    )
    assert codes.tolist() == sorted(a * 10 + b for a, b in expected)
    made = sum(left_pairs(b, 10) for b in buckets)
    assert made[first : first + length].sum() >= len(codes)


@given(st.lists(st.integers(0, 20), max_size=30), st.integers(1, 40))
def test_left_ranges_cover_every_body_once_within_the_bound(
    pairs_per_body: list[int], pairs_per_range: int
) -> None:
    counts = np.array(pairs_per_body, dtype=np.int64)
    ranges = left_ranges(counts, pairs_per_range)
    assert [i for first, last in ranges for i in range(first, last)] == list(range(len(counts)))
    for first, last in ranges:
        assert last - first == 1 or counts[first:last].sum() <= pairs_per_range


def test_sorted_distinct() -> None:
    values = np.array([5, 1, 5, 3, 1], dtype=np.uint64)
    assert sorted_distinct(values).tolist() == [1, 3, 5]
    assert sorted_distinct(values[:0]).tolist() == []
