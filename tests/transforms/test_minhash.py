"""MinHash signatures and band keys against slow pure-Python references of the same definitions.

Band keys are persisted (``body_bands``) and met by later runs, so the references pin every value:
the signature bins, densification and the band fold (and, through the shingles, word hashes and
the shingle polynomial).
"""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transforms.shingle_references import (
    FOLD,
    MASK,
    bodies_strategy,
    mix,
    sets_of,
)
from transforms import minhash
from transforms.minhash import MinHashParams, band_keys, signatures
from transforms.shingles import shingle, similarity

PARAMS = MinHashParams()


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
