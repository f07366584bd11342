"""Connected components of the pair graph and the verification batches packed from them."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from transforms.components import component_batches, components


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
