"""Word shingles and exact set similarity against slow pure-Python references."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transforms.shingle_references import (
    bodies_strategy,
    reference_covered,
    reference_hash,
    reference_opening_grams,
    reference_shingles,
    reference_tuples,
    reference_words,
    sets_of,
)
from transforms import shingles
from transforms.minhash import MinHashParams, signatures
from transforms.shingles import (
    coverage,
    opening_grams,
    shingle,
    shingle_sequences,
    similarity,
)

# Bodies without shingles and typographic variants are checked down to their signatures.
PARAMS = MinHashParams()

# --- shingles ----------------------------------------------------------------------------------


def test_shingles_of_a_tiny_body_are_the_hand_made_set() -> None:
    sh = shingle(pa.array(["The cat sat on the mat, the end."]), 5)
    by_hand = {
        ("the", "cat", "sat", "on", "the"),
        ("cat", "sat", "on", "the", "mat"),
        ("sat", "on", "the", "mat", "the"),
        ("on", "the", "mat", "the", "end"),
    }
    assert sh.offsets.dtype == np.int64 and sh.hashes.dtype == np.uint64
    assert sh.offsets.tolist() == [0, 4]
    assert sh.hashes.tolist() == sorted(reference_hash(t) for t in by_hand)


def test_a_repeated_shingle_counts_once() -> None:
    sh = shingle(pa.array(["a a a a a a a a", "b c b c b c b c"]), 5)
    assert sh.sizes().tolist() == [1, 2]


def test_short_bodies_have_one_shingle_of_all_their_words() -> None:
    sh = shingle(pa.array(["short text", "one", "four words right here"]), 5)
    assert sh.sizes().tolist() == [1, 1, 1]
    assert sets_of(sh) == [
        [reference_hash(("short", "text"))],
        [reference_hash(("one",))],
        [reference_hash(("four", "words", "right", "here"))],
    ]
    # Word order matters in a short shingle too.
    assert sets_of(shingle(pa.array(["text short"]), 5)) != sets_of(sh)[:1]


def test_bodies_without_words_have_no_shingles_and_match_nothing() -> None:
    bodies = pa.array(["", None, "— … !! “”", "some words here"], pa.string())
    sh = shingle(bodies, 5)
    assert sh.sizes().tolist() == [0, 0, 0, 1]
    sigs = signatures(sh, PARAMS)
    assert (sigs[:3] == 0xFFFFFFFF).all() and (sigs[3] != 0xFFFFFFFF).all()
    jaccard, containment = similarity(sh, np.array([0, 0, 2]), np.array([1, 3, 3]))
    assert jaccard.tolist() == [0.0, 0.0, 0.0] and containment.tolist() == [0.0, 0.0, 0.0]
    for empty in (pa.array([], pa.string()), pa.array([None, None], pa.string())):
        sh = shingle(empty, 5)
        assert sh.offsets.tolist() == [0] * (len(empty) + 1) and len(sh.hashes) == 0
        assert signatures(sh, PARAMS).shape == (len(empty), PARAMS.permutations)


def test_typographic_variants_are_the_same_text() -> None:
    plain = 'He said "it\'s over" - and left the room at 5 pm... Then - silence.'
    variants = [
        "He said “it’s over” — and left the room at 5 pm… Then – silence.",
        "HE SAID «IT‘S OVER» -- AND LEFT THE ROOM AT 5 PM. THEN, SILENCE",
        "He\u00a0said  \u201cit\u2019s over\u201d\u2014and left\nthe room at 5\u00a0pm.\tThen—"
        "silence",
    ]
    sh = shingle(pa.array([plain, *variants]), 3)
    sets = sets_of(sh)
    assert all(s == sets[0] for s in sets[1:])
    sigs = signatures(sh, PARAMS)
    assert (sigs == sigs[0]).all()


def test_letters_of_any_script_make_words() -> None:
    bodies = ["Café in Zürich, naïve ١٢٣ 中文 x²", "cafe in zurich naive 123"]
    sh = shingle(pa.array(bodies), 1)
    assert reference_words(bodies[0]) == ["café", "in", "zürich", "naïve", "١٢٣", "中文", "x²"]
    assert sets_of(sh) == [reference_shingles(b, 1) for b in bodies]
    assert sets_of(sh)[0] != sets_of(sh)[1]  # accents are part of the word


def test_words_do_not_run_across_bodies() -> None:
    together = sets_of(shingle(pa.array(["a b c", "", "d e f", "gh"]), 2))
    apart = [sets_of(shingle(pa.array([b]), 2))[0] for b in ["a b c", "", "d e f", "gh"]]
    assert together == apart


def test_every_arrow_layout_gives_the_same_shingles() -> None:
    bodies = ["One two three four five six", None, "seven, eight", "nine ten eleven twelve x y"]
    expected = sets_of(shingle(pa.array(bodies), 3))
    array = pa.array(bodies * 2)
    layouts = [
        pa.array(bodies, pa.large_string()),
        pa.array(bodies, pa.string_view()),
        array.slice(4, 4),
        pa.chunked_array([array.slice(4, 1), array.slice(5, 3)]),
    ]
    for layout in layouts:
        assert sets_of(shingle(layout, 3)) == expected


@settings(max_examples=150, deadline=None)
@given(bodies_strategy, st.integers(min_value=1, max_value=6))
def test_shingles_equal_the_reference(bodies: list[str | None], k: int) -> None:
    sh = shingle(pa.array(bodies, pa.string()), k)
    assert len(sh.offsets) == len(bodies) + 1
    assert sets_of(sh) == [reference_shingles(b, k) for b in bodies]


# --- exact similarity --------------------------------------------------------------------------


def test_containment_sees_a_partial_reprint() -> None:
    story = " ".join(f"w{i}" for i in np.random.default_rng(3).permutation(400))
    first_half = " ".join(story.split()[:200])
    sh = shingle(pa.array([story, first_half]), 5)
    jaccard, containment = similarity(sh, np.array([0]), np.array([1]))
    assert jaccard.dtype == np.float32 and containment.dtype == np.float32
    assert jaccard[0] == pytest.approx(196 / 396) and containment[0] == 1.0


def test_similarity_of_no_pairs_and_mismatched_pairs() -> None:
    sh = shingle(pa.array(["a b c d e f"]), 2)
    jaccard, containment = similarity(sh, np.array([], np.int64), np.array([], np.int64))
    assert len(jaccard) == 0 and len(containment) == 0
    with pytest.raises(ValueError, match="left bodies"):
        similarity(sh, np.array([0, 0]), np.array([0]))


@settings(max_examples=80, deadline=None)
@given(bodies_strategy, st.data())
def test_similarity_equals_the_set_computation(
    bodies: list[str | None], data: st.DataObject
) -> None:
    n = len(bodies)
    index = st.integers(min_value=0, max_value=n - 1)
    pairs = data.draw(st.lists(st.tuples(index, index), max_size=20))
    left = np.array([p[0] for p in pairs], dtype=np.int64)
    right = np.array([p[1] for p in pairs], dtype=np.int64)
    sh = shingle(pa.array(bodies, pa.string()), 2)
    jaccard, containment = similarity(sh, left, right)
    reference = [reference_tuples(b, 2) for b in bodies]
    for i, (a, b) in enumerate(pairs):
        common = len(reference[a] & reference[b])
        union = len(reference[a] | reference[b])
        smaller = min(len(reference[a]), len(reference[b]))
        assert jaccard[i] == pytest.approx(common / union if union else 0.0, abs=1e-6)
        assert containment[i] == pytest.approx(common / smaller if smaller else 0.0, abs=1e-6)


def test_similarity_does_not_depend_on_the_merge_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    vocabulary = [f"v{i}" for i in range(60)]
    bodies = [" ".join(rng.choice(vocabulary, size=rng.integers(0, 80))) for _ in range(50)]
    sh = shingle(pa.array(bodies), 2)
    left, right = rng.integers(0, 50, size=500), rng.integers(0, 50, size=500)
    whole = similarity(sh, left, right)
    monkeypatch.setattr(shingles, "MERGE_CHUNK", 7)
    chunked = similarity(sh, left, right)
    assert (whole[0] == chunked[0]).all() and (whole[1] == chunked[1]).all()


# --- openings and coverage ---------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(bodies_strategy, st.integers(1, 12), st.integers(1, 9))
def test_opening_grams_equal_the_reference(
    bodies: list[str | None], opening_words: int, gram_bytes: int
) -> None:
    grams = opening_grams(pa.array(bodies, pa.string()), opening_words, gram_bytes)
    assert sets_of(grams) == [reference_opening_grams(b, opening_words, gram_bytes) for b in bodies]


def test_a_misread_letter_costs_few_opening_grams_but_five_shingles() -> None:
    story = " ".join(f"word{i}" for i in range(60))
    misread = story.replace("word30", "wsrd30")
    grams = opening_grams(pa.array([story, misread]), 60, 7)
    jaccard, _ = similarity(grams, np.array([0]), np.array([1]))
    words, _ = similarity(shingle(pa.array([story, misread]), 5), np.array([0]), np.array([1]))
    assert jaccard[0] > 0.9 and words[0] < 0.85


@settings(max_examples=100, deadline=None)
@given(bodies_strategy, st.integers(min_value=1, max_value=5), st.data())
def test_coverage_equals_the_reference(
    bodies: list[str | None], k: int, data: st.DataObject
) -> None:
    index = st.integers(min_value=0, max_value=len(bodies) - 1)
    pairs = data.draw(st.lists(st.tuples(index, index), max_size=20))
    query = np.array([p[0] for p in pairs], dtype=np.int64)
    target = np.array([p[1] for p in pairs], dtype=np.int64)
    sets, sequences = shingle_sequences(pa.array(bodies, pa.string()), k)
    assert sets_of(sets) == sets_of(shingle(pa.array(bodies, pa.string()), k))
    assert sequences.words.tolist() == [len(reference_words(b)) for b in bodies]
    covered, longest = coverage(sequences, sets, query, target, k)
    assert covered.tolist() == [reference_covered(bodies[a], bodies[b], k)[0] for a, b in pairs]
    assert longest.tolist() == [reference_covered(bodies[a], bodies[b], k)[1] for a, b in pairs]


def test_coverage_keeps_the_words_around_a_misreading(monkeypatch: pytest.MonkeyPatch) -> None:
    story = [f"w{i}" for i in range(100)]
    noisy = [w if i % 10 != 5 else f"x{i}" for i, w in enumerate(story)]  # every tenth word
    sets, sequences = shingle_sequences(pa.array([" ".join(story), " ".join(noisy)]), 5)
    _, containment = similarity(sets, np.array([1]), np.array([0]))
    covered, longest = coverage(sequences, sets, np.array([1, 0]), np.array([0, 1]), 5)
    assert containment[0] == pytest.approx(46 / 96)  # half the shingles are lost...
    # ...but only the misread words (and the last four, after the last misreading).
    assert covered.tolist() == [86, 86]
    assert longest.tolist() == [9, 9]  # between two misreadings
    monkeypatch.setattr(shingles, "MERGE_CHUNK", 3)  # chunking changes nothing
    again = coverage(sequences, sets, np.array([1, 0]), np.array([0, 1]), 5)
    assert again[0].tolist() == [86, 86] and again[1].tolist() == [9, 9]
