import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.minhash import MinHashParams, band_keys, shingle, signatures, similarity

PARAMS = MinHashParams()


def reference_sets(bodies: list[str], k: int) -> list[set[tuple[str, ...]]]:
    """The shingles as word tuples, the slow obvious way."""
    out = []
    for body in bodies:
        words = [w for w in re.split(r"[^\w]+|_", body.lower()) if w]
        if not words:
            out.append(set())
        elif len(words) < k:
            out.append({tuple(words)})
        else:
            out.append({tuple(words[i : i + k]) for i in range(len(words) - k + 1)})
    return out


def test_shingle_counts_match_the_reference() -> None:
    bodies = [
        "one two three four five six",
        "One, two; three four five six!",
        "short text",
        "",
        "a a a a a a a a",
    ]
    shingles = shingle(pa.array(bodies), 5)
    assert shingles.sizes().tolist() == [len(s) for s in reference_sets(bodies, 5)]
    # Case and punctuation do not matter: the first two bodies are the same set.
    first = shingles.hashes[shingles.offsets[0] : shingles.offsets[1]]
    second = shingles.hashes[shingles.offsets[1] : shingles.offsets[2]]
    assert sorted(first) == sorted(second)


def test_typographic_variants_are_the_same_text() -> None:
    plain = 'He said "it\'s over" - and left the room at 5 pm.'
    fancy = "He said “it’s over” — and left the room at 5 pm."
    sigs = signatures(shingle(pa.array([plain, fancy]), 3), PARAMS)
    assert (sigs[0] == sigs[1]).all()


def test_identical_bodies_have_identical_signatures_and_band_keys() -> None:
    text = "The council voted on the harbour plan on Tuesday after a long debate. " * 5
    sigs = signatures(shingle(pa.array([text, text, "another story entirely here"]), 5), PARAMS)
    keys = band_keys(sigs, PARAMS)
    assert (sigs[0] == sigs[1]).all() and (keys[0] == keys[1]).all()
    assert not (keys[0] == keys[2]).any()
    assert keys.shape == (3, PARAMS.bands)


def words(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [f"w{i}" for i in rng.integers(0, 50_000, size=n)]


@pytest.mark.parametrize("target", [0.5, 0.8])
def test_signature_agreement_estimates_jaccard(target: float) -> None:
    # Two sets of 1-word shingles with a known Jaccard: |A ∩ B| / |A ∪ B| = target.
    common = words(int(1000 * target), 1)
    rest = words(int(1000 * (1 - target)), 2)
    a = " ".join(common + rest[: len(rest) // 2])
    b = " ".join(common + rest[len(rest) // 2 :])
    shingles = shingle(pa.array([a, b]), 1)
    jaccard, _ = similarity(shingles, np.array([0]), np.array([1]))
    sigs = signatures(shingles, MinHashParams(permutations=256, bands=64, rows=4))
    estimate = (sigs[0] == sigs[1]).mean()
    assert abs(jaccard[0] - target) < 0.02
    assert abs(estimate - jaccard[0]) < 0.06


def test_containment_sees_a_partial_reprint() -> None:
    story = " ".join(words(400, 3))
    first_half = " ".join(story.split()[:200])
    shingles = shingle(pa.array([story, first_half]), 5)
    jaccard, containment = similarity(shingles, np.array([0]), np.array([1]))
    assert 0.45 < jaccard[0] < 0.55 and containment[0] == 1.0


def test_empty_bodies_have_no_shingles_and_match_nothing() -> None:
    shingles = shingle(pa.array(["", None, "some words here"], pa.string()), 5)
    assert shingles.sizes().tolist() == [0, 0, 1]
    jaccard, containment = similarity(shingles, np.array([0, 0]), np.array([1, 2]))
    assert jaccard.tolist() == [0.0, 0.0] and containment.tolist() == [0.0, 0.0]


def test_banding_must_cover_the_permutations() -> None:
    with pytest.raises(ValueError, match="bands x rows"):
        MinHashParams(permutations=100, bands=30, rows=4)


texts = st.lists(
    st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta"]), max_size=25).map(
        " ".join
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60)
@given(texts, st.integers(min_value=0, max_value=12))
def test_signatures_do_not_depend_on_the_batch(bodies: list[str], cut: int) -> None:
    whole = signatures(shingle(pa.array(bodies), 3), PARAMS)
    cut = min(cut, len(bodies))
    parts = [
        signatures(shingle(pa.array(part), 3), PARAMS)
        for part in (bodies[:cut], bodies[cut:])
        if part
    ]
    assert (np.concatenate(parts) == whole).all()


@settings(max_examples=60)
@given(texts, texts)
def test_similarity_equals_the_set_computation(left: list[str], right: list[str]) -> None:
    n = min(len(left), len(right))
    bodies = left[:n] + right[:n]
    shingles = shingle(pa.array(bodies), 2)
    jaccard, containment = similarity(shingles, np.arange(n), np.arange(n, 2 * n))
    reference = reference_sets(bodies, 2)
    for i in range(n):
        a, b = reference[i], reference[n + i]
        common = len(a & b)
        expected_j = common / len(a | b) if a | b else 0.0
        expected_c = common / min(len(a), len(b)) if a and b else 0.0
        assert jaccard[i] == pytest.approx(expected_j, abs=1e-6)
        assert containment[i] == pytest.approx(expected_c, abs=1e-6)
