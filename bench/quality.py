"""Quality measures for the benchmark: pairwise cluster scores and token-level cleaning scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from math import comb


def pairwise_scores(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> dict[str, float]:
    """Pairwise precision, recall, F1 and adjusted Rand index of a clustering against labels.

    A pair of documents is positive when both are in one cluster. Counted from the contingency
    table, never by enumerating pairs, so a million documents cost a dictionary of cluster pairs.
    """
    if len(predicted) != len(truth):
        raise ValueError("predicted and truth must label the same documents")
    joint = Counter(zip(predicted, truth, strict=True))
    both = sum(comb(n, 2) for n in joint.values())
    predicted_pairs = sum(comb(n, 2) for n in Counter(predicted).values())
    true_pairs = sum(comb(n, 2) for n in Counter(truth).values())
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = comb(len(truth), 2)
    expected = predicted_pairs * true_pairs / total if total else 0.0
    maximum = (predicted_pairs + true_pairs) / 2
    ari = (both - expected) / (maximum - expected) if maximum != expected else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "ari": ari,
        "true_pairs": float(true_pairs),
        "predicted_pairs": float(predicted_pairs),
    }


def token_scores(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Token (white-space word, multiset) precision, recall and F1 of cleaned vs expected texts.

    Returns the micro-averaged scores (all tokens pooled) and the mean F1 per document.
    """
    overlap = predicted_total = expected_total = 0
    per_document = []
    for predicted, expected in pairs:
        got, want = Counter(predicted.split()), Counter(expected.split())
        common = sum((got & want).values())
        overlap += common
        predicted_total += sum(got.values())
        expected_total += sum(want.values())
        p = common / max(sum(got.values()), 1)
        r = common / max(sum(want.values()), 1)
        per_document.append(2 * p * r / (p + r) if p + r else 0.0)
    precision = overlap / max(predicted_total, 1)
    recall = overlap / max(expected_total, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    mean_f1 = sum(per_document) / len(per_document) if per_document else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "mean_f1": mean_f1,
        "documents": float(len(per_document)),
    }


def pairwise_scores_by_kind(
    predicted: Sequence[Hashable], truth: Sequence[Hashable], kinds: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Pairwise precision and recall of the pairs that involve a document of each kind.

    A pair counts for kind K when at least one of its two documents is of kind K: precision is
    the share of the predicted pairs (same cluster) involving K that are true (same story),
    recall the share of the true pairs involving K that are predicted. A kind whose documents
    are each a story of their own (a negative) has no true pairs: its recall is 1 and its
    precision counts the false links it made. Counted from contingency tables like
    :func:`pairwise_scores`.
    """
    if not len(predicted) == len(truth) == len(kinds):
        raise ValueError("predicted, truth and kinds must label the same documents")

    def involving(groups: Iterable[Hashable]) -> Counter[str]:
        size: Counter[Hashable] = Counter()
        of_kind: Counter[tuple[Hashable, str]] = Counter()
        for group, kind in zip(groups, kinds, strict=True):
            size[group] += 1
            of_kind[group, kind] += 1
        pairs: Counter[str] = Counter()
        for (group, kind), count in of_kind.items():
            n = size[group]
            pairs[kind] += comb(n, 2) - comb(n - count, 2)
        return pairs

    predicted_pairs = involving(predicted)
    true_pairs = involving(truth)
    both = involving(list(zip(predicted, truth, strict=True)))
    scores: dict[str, dict[str, float]] = {}
    for kind in sorted(set(kinds)):
        found, said, real = both[kind], predicted_pairs[kind], true_pairs[kind]
        scores[kind] = {
            "precision": found / said if said else 1.0,
            "recall": found / real if real else 1.0,
            "true_pairs": float(real),
            "predicted_pairs": float(said),
            "false_pairs": float(said - found),
            "documents": float(sum(1 for k in kinds if k == kind)),
        }
    return scores
