"""Sketches of bodies: band keys of the body and of its opening, signatures, the screen."""

import numpy as np
import pyarrow as pa

from transforms.near_copies import NearDupParams, plausible_pairs
from transforms.sketches import (
    opening_keys,
    signature_bytes,
    sketch_bodies,
    unpack_signature_bytes,
    unpack_signatures,
)

PARAMS = NearDupParams()


def _story(words: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(f"w{i}" for i in rng.permutation(10 * words)[:words])


def test_each_body_has_its_band_keys_then_its_openings() -> None:
    hashes = pa.array(["aa" * 16, "bb" * 16, "aa" * 16])  # an exact copy is sketched once
    sketches = sketch_bodies(hashes, pa.array([_story(300), _story(50, 1), _story(300)]), PARAMS)
    bands = sketches.bands
    assert bands.num_rows == 2 * PARAMS.bands == 2 * (37 + 8)
    assert bands.column("band").to_pylist()[: PARAMS.bands] == list(range(PARAMS.bands))
    signatures = unpack_signatures(sketches.signatures.column("signature"), 111)
    assert signatures.shape == (2, 111)


def test_a_brief_shares_its_stories_opening_keys_but_hardly_any_body_band() -> None:
    story = _story(2000)
    brief = " ".join(story.split()[:60])
    other = _story(2000, seed=9)
    keys = opening_keys(pa.array([story, brief, other]), PARAMS)
    assert (keys[0] == keys[1]).all()
    assert not (keys[0] == keys[2]).any()
    sketches = sketch_bodies(pa.array(["aa" * 16, "bb" * 16]), pa.array([story, brief]), PARAMS)
    rows = sketches.bands.column("band_key").to_numpy().reshape(2, -1)
    assert (rows[0, :37] == rows[1, :37]).sum() <= 1  # Jaccard 0.03: no body band in common


def test_the_screen_keeps_pairs_that_share_an_opening_and_drops_the_others() -> None:
    story = _story(2000)
    brief = " ".join(story.split()[:60])
    unrelated = _story(60, seed=5)
    bodies = pa.array([story, brief, unrelated])
    sketches = sketch_bodies(pa.array(["aa" * 16, "bb" * 16, "cc" * 16]), bodies, PARAMS)
    order = np.argsort(sketches.signatures.column("body_key").to_numpy())
    signatures = signature_bytes(unpack_signatures(sketches.signatures.column("signature"), 111))
    sizes = sketches.signatures.column("shingles").to_numpy()
    openings = opening_keys(bodies, PARAMS)[order]
    left, right = np.array([0, 0]), np.array([1, 2])
    assert plausible_pairs(signatures, sizes, left, right, PARAMS).tolist() == []
    assert plausible_pairs(signatures, sizes, left, right, PARAMS, openings).tolist() == [0]


def test_the_low_bytes_read_from_storage_are_those_of_the_unpacked_signatures() -> None:
    bodies = pa.array([_story(300, seed) for seed in range(5)])
    sketches = sketch_bodies(pa.array([f"{n:02x}" * 16 for n in range(5)]), bodies, PARAMS)
    column = sketches.signatures.column("signature").combine_chunks()
    for part in (column, column.slice(2), column.slice(1, 3), column.slice(5)):
        low = unpack_signature_bytes(part, 111)
        assert low.dtype == np.uint8 and low.shape == (len(part), 111)
        assert np.array_equal(low, signature_bytes(unpack_signatures(part, 111)))
    assert np.any(unpack_signature_bytes(column, 111) != 0)
