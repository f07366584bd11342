"""Connected components of the pair graph and the verification batches packed from them."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from transforms.components import component_batches, components, pair_batches


def _reference_components(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Smallest member of each node's component, by repeated merging of sets (slow, obvious)."""
    groups = [{i} for i in range(n)]
    for a, b in edges:
        merged = groups[a] | groups[b]
        for member in merged:
            groups[member] = merged
    return [min(groups[i]) for i in range(n)]


@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=60))
def test_components_match_a_slow_reference(edges: list[tuple[int, int]]) -> None:
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    assert components(30, left, right).tolist() == _reference_components(30, edges)


def test_a_long_chain_is_one_component() -> None:
    n = 1000
    order = np.random.default_rng(1).permutation(n)
    labels = components(n, order[:-1], order[1:])
    assert set(labels.tolist()) == {0}


@given(
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=60),
    st.integers(1, 12),
)
def test_batches_keep_pairs_together_and_stay_small(
    edges: list[tuple[int, int]], max_bodies: int
) -> None:
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    batch = component_batches(40, left, right, max_bodies)
    assert (batch[left] == batch[right]).all()
    involved = set(left.tolist()) | set(right.tolist())
    assert {i for i in range(40) if batch[i] >= 0} == involved
    labels = _reference_components(40, edges)
    for number in set(batch.tolist()) - {-1}:
        members = np.flatnonzero(batch == number)
        sizes = np.bincount([labels[i] for i in members])
        # Over the cap only when one component alone is larger than it.
        assert len(members) <= max_bodies or np.count_nonzero(sizes) == 1


@given(
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=80),
    st.integers(2, 12),
)
def test_pair_batches_never_hold_more_bodies_than_the_cap(
    edges: list[tuple[int, int]], max_bodies: int
) -> None:
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    batch = pair_batches(40, left, right, max_bodies)
    assert len(batch) == len(edges)
    numbers = sorted(set(batch.tolist()))
    assert numbers == list(range(len(numbers)))  # numbered without gaps
    for number in numbers:
        in_batch = batch == number
        assert len(set(left[in_batch].tolist()) | set(right[in_batch].tolist())) <= max_bodies
    # A component within the cap is never cut: its pairs share one batch.
    labels = _reference_components(40, edges)
    for label in set(labels):
        members = [i for i in range(40) if labels[i] == label]
        pairs = np.isin(left, members)
        if pairs.any() and len(members) <= max_bodies:
            assert len(set(batch[pairs].tolist())) == 1


def test_a_story_copied_thousands_of_times_is_verified_in_bounded_batches() -> None:
    copies = np.arange(1, 5001, dtype=np.int64)
    batch = pair_batches(5001, np.zeros(5000, np.int64), copies, 800)
    assert batch.max() >= 6
    for number in range(int(batch.max()) + 1):
        assert np.count_nonzero(batch == number) + 1 <= 800
