"""The numbers a body states, read as a multiset of figures and number words."""

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.figures import _runs, number_tokens
from transforms.shingles import similarity


def test_number_tokens_read_figures_and_number_words_alike() -> None:
    bodies = pa.array(
        [
            "Over ten years, 4,200 banks; 1.0 ounce, 0.50 ounce, 6-3/16 pct. Shr 30 cts vs 30 cts.",
            "Over 10 years, 4200 banks; one ounce, 0.5 ounce, 6-3/16 pct. Shr 30 cts vs 30 cts.",
            "Shr 30 cts vs 36 cts.",
            None,
            "No figures here at all: 1st half, 3rd qtr, the G7, someone often.",
        ]
    )
    numbers = number_tokens(bodies)
    assert numbers.sizes().tolist() == [7, 7, 2, 0, 0]  # repeats count: 30 and 30
    _, shared = similarity(numbers, np.array([0, 0]), np.array([1, 2]))
    assert shared.tolist() == [1.0, 0.5]  # the same numbers however written; 30 of 30, 36


# No deadline: Arrow's first regex compilation in a busy process can exceed it.
@settings(deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["1", "2.5", "4,200", "-", ".", "/", "ten", "two", "a", "é", " ", "\n"]
            ),
            max_size=12,
        ).map("".join),
        min_size=1,
        max_size=6,
    )
)
def test_number_tokens_of_a_body_do_not_depend_on_its_batch(texts: list[str]) -> None:
    together = number_tokens(pa.array(texts))
    for i, text in enumerate(texts):
        assert together.sizes()[i] == number_tokens(pa.array([text])).sizes()[0]
    for i in range(len(texts) - 1):  # numbers shared by neighbours, in a batch or as a pair
        _, shared = similarity(together, np.array([i]), np.array([i + 1]))
        pair = number_tokens(pa.array(texts[i : i + 2]))
        assert shared[0] == similarity(pair, np.array([0]), np.array([1]))[1][0]


@given(st.lists(st.lists(st.booleans(), max_size=8), min_size=1, max_size=6))
def test_runs_are_cut_at_the_edges_of_bodies(bodies: list[list[bool]]) -> None:
    """``_runs``: each run of True within one body, as a loop over the bytes finds them."""
    mask = np.array([bit for body in bodies for bit in body], dtype=bool)
    offsets = np.cumsum([0, *map(len, bodies)]).astype(np.int64)
    expected: list[tuple[int, int]] = []
    for first, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        at = first
        while at < end:
            if mask[at]:
                run_end = at
                while run_end < end and mask[run_end]:
                    run_end += 1
                expected.append((at, run_end))
                at = run_end
            else:
                at += 1
    starts, ends = _runs(mask, offsets)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == expected
