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
