"""Counting by the bits of frequent names: the same sums as expanding every row by its bits."""

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from transforms.name_counts import count_by_bit, document_masks, pairs_within


@given(st.lists(st.integers(0, 6), max_size=40))
def test_pairs_within_are_every_pair_of_a_group_once(groups: list[int]) -> None:
    ordered = np.array(sorted(groups), dtype=np.int64)
    first, second = pairs_within(ordered)
    expected = [
        (i, j)
        for i in range(len(ordered))
        for j in range(i + 1, len(ordered))
        if ordered[i] == ordered[j]
    ]
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == expected


@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 63)), max_size=40),
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 5), st.integers(1, 9)), max_size=60),
)
def test_counts_by_bit_equal_rows_expanded_by_their_document_bits(
    names: list[tuple[int, int]], rows: list[tuple[int, int, int]]
) -> None:
    """``names``: (document, bit) it names; ``rows``: (document, key, weight) it has."""
    masks = document_masks(
        np.array([d for d, _ in names], np.int64), np.array([b for _, b in names], np.int64), 10
    )
    documents = np.array([d for d, _, _ in rows], np.int64)
    counts = count_by_bit(
        masks[documents],
        np.array([k for _, k, _ in rows], np.int64),
        np.array([w for _, _, w in rows], np.int64),
    )
    bits_of = {d: {b for e, b in names if e == d} for d in range(10)}
    expected_rows: Counter[tuple[int, int]] = Counter()
    expected_weight: Counter[tuple[int, int]] = Counter()
    for document, key, weight in rows:
        for bit in bits_of[document]:
            expected_rows[bit, key] += 1
            expected_weight[bit, key] += weight
    cells = list(zip(counts.bit.tolist(), counts.key.tolist(), strict=True))
    assert dict(zip(cells, counts.rows.tolist(), strict=True)) == dict(expected_rows)
    assert dict(zip(cells, counts.weight.tolist(), strict=True)) == dict(expected_weight)
    unweighted = count_by_bit(masks[documents], np.array([k for _, k, _ in rows], np.int64))
    assert unweighted.rows.tolist() == unweighted.weight.tolist() == counts.rows.tolist()
