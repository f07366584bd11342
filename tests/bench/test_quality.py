import itertools

from hypothesis import given
from hypothesis import strategies as st

from bench.quality import pairwise_scores, pairwise_scores_by_kind, token_scores


def brute_force(predicted: list[int], truth: list[int]) -> tuple[int, int, int]:
    pairs = list(itertools.combinations(range(len(truth)), 2))
    both = sum(predicted[a] == predicted[b] and truth[a] == truth[b] for a, b in pairs)
    return (
        both,
        sum(predicted[a] == predicted[b] for a, b in pairs),
        sum(truth[a] == truth[b] for a, b in pairs),
    )


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=25))
def test_pairwise_scores_match_counting_every_pair(labels: list[tuple[int, int]]) -> None:
    predicted, truth = [p for p, _ in labels], [t for _, t in labels]
    both, predicted_pairs, true_pairs = brute_force(predicted, truth)
    scores = pairwise_scores(predicted, truth)
    assert scores["predicted_pairs"] == predicted_pairs and scores["true_pairs"] == true_pairs
    if predicted_pairs:
        assert abs(scores["precision"] - both / predicted_pairs) < 1e-12
    if true_pairs:
        assert abs(scores["recall"] - both / true_pairs) < 1e-12


def test_perfect_and_merged_clusterings() -> None:
    truth = ["a", "a", "b", "b", "c"]
    assert pairwise_scores(truth, truth)["f1"] == 1.0
    assert pairwise_scores(truth, truth)["ari"] == 1.0
    merged = pairwise_scores(["x"] * 5, truth)
    assert merged["recall"] == 1.0 and merged["precision"] == 0.2


def test_token_scores() -> None:
    scores = token_scores([("the cat sat", "the cat sat on the mat"), ("", "x")])
    assert scores["precision"] == 1.0
    assert abs(scores["recall"] - 3 / 7) < 1e-12
    assert scores["documents"] == 2.0


@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from("xyz")),
        min_size=2,
        max_size=25,
    )
)
def test_scores_by_kind_count_the_pairs_that_involve_the_kind(
    labels: list[tuple[int, int, str]],
) -> None:
    predicted = [p for p, _, _ in labels]
    truth = [t for _, t, _ in labels]
    kinds = [k for _, _, k in labels]
    scores = pairwise_scores_by_kind(predicted, truth, kinds)
    for kind, got in scores.items():
        pairs = [
            (a, b)
            for a, b in itertools.combinations(range(len(labels)), 2)
            if kind in (kinds[a], kinds[b])
        ]
        said = [(a, b) for a, b in pairs if predicted[a] == predicted[b]]
        real = [(a, b) for a, b in pairs if truth[a] == truth[b]]
        found = [(a, b) for a, b in said if truth[a] == truth[b]]
        assert got["predicted_pairs"] == len(said) and got["true_pairs"] == len(real)
        assert got["false_pairs"] == len(said) - len(found)
        assert got["precision"] == (len(found) / len(said) if said else 1.0)
        assert got["recall"] == (len(found) / len(real) if real else 1.0)
