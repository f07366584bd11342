"""MinHash building blocks against slow pure-Python references of the same definitions.

Band keys are persisted (``body_bands``) and met by later runs, so the references pin every value:
word hashes, the shingle polynomial, the signature bins, densification and the band fold.
"""

import re

import numpy as np
import pyarrow as pa
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms import minhash
from transforms.minhash import (
    MinHashParams,
    Shingles,
    band_keys,
    shingle,
    signatures,
    similarity,
)

PARAMS = MinHashParams()
MASK = (1 << 64) - 1
FOLD = 0x100000001B3


# --- slow references -------------------------------------------------------------------------


def reference_words(body: str | None) -> list[str]:
    """Runs of Unicode letters and digits of the lower-cased text."""
    return re.findall(r"[^\W_]+", (body or "").lower())


def reference_tuples(body: str | None, k: int) -> set[tuple[str, ...]]:
    """The shingles of a body as word tuples."""
    words = reference_words(body)
    if not words:
        return set()
    if len(words) < k:
        return {tuple(words)}
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def mix(z: int) -> int:
    """splitmix64's finaliser."""
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def reference_hash(words: tuple[str, ...]) -> int:
    """A shingle's hash: word hashes folded as a polynomial, mixed, the top 40 bits."""
    folded = 0
    for word in words:
        folded = (folded * FOLD + xxhash.xxh3_64_intdigest(word.encode())) & MASK
    return mix(folded) >> 24


def reference_shingles(body: str | None, k: int) -> list[int]:
    """A body's shingle hashes, sorted."""
    return sorted({reference_hash(t) for t in reference_tuples(body, k)})


def reference_signature(hashes: list[int], params: MinHashParams) -> list[int]:
    """One permutation hashing with optimal densification, one shingle at a time."""
    width = params.permutations
    if not hashes:
        return [0xFFFFFFFF] * width
    seed = (params.seed * 0x9E3779B97F4A7C15) & MASK
    bins: list[int | None] = [None] * width
    for h in hashes:
        z = mix(h ^ seed)
        slot, value = (z >> 32) % width, (z & 0xFFFFFFFF) >> 1
        current = bins[slot]
        bins[slot] = value if current is None else min(current, value)
    out = []
    for j in range(width):
        # A filled bin keeps its minimum; an empty one tries a fixed sequence of bins, then the
        # next filled one to the right.
        tries = [j] + [mix(t * width + j) % width for t in range(minhash.DENSIFY_ATTEMPTS)]
        tries += [(j + d) % width for d in range(1, width)]
        out.append(next(v for v in (bins[t] for t in tries) if v is not None))
    return out


def reference_band_keys(signature: list[int], params: MinHashParams) -> list[int]:
    """Each band's rows folded into a key that starts from the mixed band number."""
    keys = []
    for band in range(params.bands):
        key = mix(band)
        for row in signature[band * params.rows : (band + 1) * params.rows]:
            key = mix((key * FOLD + row) & MASK)
        keys.append(key)
    return keys


def sets_of(sh: Shingles) -> list[list[int]]:
    return [sh.hashes[a:b].tolist() for a, b in zip(sh.offsets[:-1], sh.offsets[1:], strict=True)]


# --- strategies --------------------------------------------------------------------------------

# Letters (ASCII, accented, CJK), digits of other scripts, and separators of every style; no
# characters whose lower case differs between Python and Arrow (final sigma, dotted I).
CHARACTERS = [
    *"aAbBcéÉüÜñßx9０١²中文 \n\t,.;!?-_'\"",
    *"\u00a0\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u0303\U0001f600",
]
free_text = st.text(alphabet=st.sampled_from(CHARACTERS), max_size=80)
WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta"]
prose = st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join)
bodies_strategy = st.lists(st.one_of(prose, free_text, st.none()), min_size=1, max_size=12)


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


# --- signatures and band keys ------------------------------------------------------------------


def test_identical_bodies_have_identical_signatures_and_band_keys() -> None:
    text = "The council voted on the harbour plan on Tuesday after a long debate. " * 5
    sigs = signatures(shingle(pa.array([text, text, "another story entirely here"]), 5), PARAMS)
    keys = band_keys(sigs, PARAMS)
    assert sigs.shape == (3, PARAMS.permutations) and sigs.dtype == np.uint32
    assert keys.shape == (3, PARAMS.bands) and keys.dtype == np.uint64
    assert (sigs[0] == sigs[1]).all() and (keys[0] == keys[1]).all()
    assert not (keys[0] == keys[2]).any()


def test_equal_rows_in_different_bands_give_different_keys() -> None:
    sigs = np.full((2, PARAMS.permutations), 7, dtype=np.uint32)
    keys = band_keys(sigs, PARAMS)
    assert len(set(keys[0].tolist())) == PARAMS.bands
    assert (keys[0] == keys[1]).all()


def test_band_keys_are_a_stored_format() -> None:
    # body_bands of earlier runs hold these values: a change here orphans every stored key.
    sh = shingle(pa.array(["Storm closes the harbour road; ferries cancelled until Friday."]), 5)
    keys = band_keys(signatures(sh, PARAMS), PARAMS)
    assert sh.hashes[:2].tolist() == [189264206532, 498530860619]
    assert keys[0, :3].tolist() == [
        15524363090854986754,
        17711522876284470146,
        4803984747259665614,
    ]


@settings(max_examples=60, deadline=None)
@given(
    bodies_strategy,
    st.sampled_from([PARAMS, MinHashParams(3, 16, 4, 4, seed=7), MinHashParams(2, 1, 1, 1, 0)]),
)
def test_signatures_and_band_keys_equal_the_reference(
    bodies: list[str | None], params: MinHashParams
) -> None:
    sh = shingle(pa.array(bodies, pa.string()), params.shingle_words)
    sigs = signatures(sh, params)
    keys = band_keys(sigs, params)
    for i, hashes in enumerate(sets_of(sh)):
        expected = reference_signature(hashes, params)
        assert sigs[i].tolist() == expected
        assert keys[i].tolist() == reference_band_keys(expected, params)


@settings(max_examples=60, deadline=None)
@given(bodies_strategy, st.integers(min_value=0, max_value=12))
def test_results_do_not_depend_on_the_batch(bodies: list[str | None], cut: int) -> None:
    def run(part: list[str | None]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        sh = shingle(pa.array(part, pa.string()), 3)
        sigs = signatures(sh, PARAMS)
        return sets_of(sh), sigs, band_keys(sigs, PARAMS)

    whole = run(bodies)
    cut = min(cut, len(bodies))
    first, second = run(bodies[:cut]), run(bodies[cut:])
    assert first[0] + second[0] == whole[0]
    assert (np.concatenate([first[1], second[1]]) == whole[1]).all()
    assert (np.concatenate([first[2], second[2]]) == whole[2]).all()


def pairs_with_jaccard(target: float, union: int, pairs: int, seed: int) -> list[str]:
    """Bodies 2i and 2i + 1 share exactly ``target`` of their distinct one-word shingles."""
    rng = np.random.default_rng(seed)
    common = round(union * target)
    only = (union - common) // 2
    bodies = []
    for _ in range(pairs):
        words = [f"w{i}" for i in rng.choice(10**9, size=common + 2 * only, replace=False)]
        shared, a, b = words[:common], words[common : common + only], words[common + only :]
        bodies += [" ".join(shared + a), " ".join(shared + b)]
    return bodies


@pytest.mark.parametrize("target", [0.5, 0.8])
@pytest.mark.parametrize("union", [40, 400, 1200])
def test_signature_agreement_estimates_jaccard(target: float, union: int) -> None:
    # 40 shingles leave most of the 111 bins to densification; 1200 fill every bin.
    bodies = pairs_with_jaccard(target, union, pairs=40, seed=union)
    sh = shingle(pa.array(bodies), 1)
    left, right = np.arange(0, len(bodies), 2), np.arange(1, len(bodies), 2)
    jaccard, _ = similarity(sh, left, right)
    assert np.allclose(jaccard, target)
    sigs = signatures(sh, PARAMS)
    agreement = (sigs[left] == sigs[right]).mean()
    assert abs(agreement - target) <= 0.06


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
    monkeypatch.setattr(minhash, "MERGE_CHUNK", 7)
    chunked = similarity(sh, left, right)
    assert (whole[0] == chunked[0]).all() and (whole[1] == chunked[1]).all()


# --- parameters --------------------------------------------------------------------------------


def test_banding_must_cover_the_permutations() -> None:
    with pytest.raises(ValueError, match="bands x rows"):
        MinHashParams(permutations=100, bands=30, rows=4)
    with pytest.raises(ValueError, match="bands x rows"):
        MinHashParams(permutations=112, bands=14, rows=7)
    assert MinHashParams(permutations=112, bands=14, rows=8).rows == 8


def test_parameters_are_validated() -> None:
    with pytest.raises(ValueError, match="shingle_words"):
        MinHashParams(shingle_words=0)
    with pytest.raises(ValueError, match="at least 1"):
        MinHashParams(permutations=0, bands=0, rows=3)
    with pytest.raises(ValueError, match="seed"):
        MinHashParams(seed=-1)
    with pytest.raises(ValueError, match="shingle_words"):
        shingle(pa.array(["a b"]), 0)
