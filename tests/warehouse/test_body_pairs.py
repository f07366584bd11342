"""Verification of near-copy batches (side by side in worker processes as in this process), and
the opening keys of an increment's candidates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.local_workers import verification_pool
from tests.warehouse.test_candidates import write_bands
from transforms.body_keys import key_positions
from transforms.minhash import MinHashParams
from transforms.near_copies import NearDupParams
from warehouse.body_pairs import _opening_keys, _touched_openings, _verified
from warehouse.candidates import touched_buckets, touched_candidates
from warehouse.store import RunStaging, Snapshot

STORY = (
    "The central bank raised its main interest rate by a quarter of a percentage point on "
    "Thursday, its third increase this year, saying inflation remained well above its target "
    "and that further moves could not be ruled out as energy prices kept rising across the region."
)


def batches() -> list[tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]]:
    """Three batches: a story and its copy, a story and another story, a brief and its story."""
    other = " ".join(reversed(STORY.split()))
    brief = " ".join(STORY.split()[:30])
    texts = [(STORY, STORY.replace("Thursday", "Friday")), (STORY, other), (brief, STORY)]
    return [
        (np.array([2 * n]), np.array([2 * n + 1]), np.array([2 * n, 2 * n + 1]), pa.array(pair))
        for n, pair in enumerate(texts)
    ]


def verdicts(pool: object | None, parallel: int) -> list[tuple[list[int], list[bool]]]:
    params = NearDupParams()
    return [
        (a.tolist() + b.tolist(), verdict[2].tolist())
        for a, b, verdict in _verified(iter(batches()), params, pool, parallel)  # type: ignore[arg-type]
    ]


def test_batches_verified_side_by_side_come_back_in_order_with_the_same_verdicts() -> None:
    here = verdicts(None, 1)
    assert [pair for pair, _ in here] == [[0, 1], [2, 3], [4, 5]]
    assert here[0][1] == [True] and here[1][1] == [False]
    with ThreadPoolExecutor(2) as threads:
        assert verdicts(threads, 2) == here
    with verification_pool(2) as processes:
        assert verdicts(processes, 2) == here


# Keys agreeing whole, or in their low 32 bits only, and low bits equal to the values bodies stored
# without opening keys get (2**31 + their number x bands + band: a body stored without openings
# then agrees with a new one).
KEY = st.builds(
    lambda high, low: high << 32 | low,
    st.sampled_from([0, 1]),
    st.sampled_from([0, 1, 2, 2**31, 2**31 + 1, 2**31 + 2, 2**31 + 3]),
)
# A body's 2 body band keys and 2 opening keys, whether it was stored with its opening keys, and
# whether it is published, new or both (published earlier, sketched again).
BODY = st.tuples(
    st.lists(KEY, min_size=4, max_size=4), st.booleans(), st.sampled_from(["old", "new", "both"])
)


@settings(max_examples=40, deadline=None)
@given(st.lists(BODY, min_size=1, max_size=8))
# Opening keys agreeing in their low 32 bits only.
@example(bodies=[([0, 0, 0, 0], True, "old"), ([0, 0, 2**32, 2**32 + 1], True, "new")])
# A body stored without opening keys, whose own values (2**31 + 0, + 1) are a new body's keys;
# and one stored with others.
@example(bodies=[([0, 0, 0, 0], False, "old"), ([0, 0, 2**31, 2**31 + 1], True, "new")])
@example(bodies=[([0, 0, 0, 0], True, "old"), ([0, 0, 2**31, 2**31 + 1], True, "new")])
def test_opening_keys_read_by_the_touched_buckets_agree_as_those_read_by_body(
    tmp_path_factory: pytest.TempPathFactory, bodies: list[tuple[list[int], bool, str]]
) -> None:
    """Every candidate pair agrees on as many opening bands either way, bodies stored without
    opening keys included."""
    numbered = [(number + 1, keys, stored) for number, (keys, stored, _) in enumerate(bodies)]
    old = [body for body, (_, _, where) in zip(numbered, bodies, strict=True) if where != "new"]
    new = [body for body, (_, _, where) in zip(numbered, bodies, strict=True) if where != "old"]
    params = NearDupParams(
        minhash=MinHashParams(permutations=2, bands=2, rows=1),
        opening_minhash=MinHashParams(permutations=2, bands=2, rows=1, seed=2),
    )
    folder = tmp_path_factory.mktemp("openings")
    (folder / "staging" / "bands").mkdir(parents=True)
    old_file = write_band_rows(folder / "old.parquet", old)
    write_band_rows(folder / "staging" / "bands" / "shard-000000.parquet", new, openings=True)
    previous = Snapshot("s", folder, {"tables": {"body_bands": {"files": [old_file.name]}}})
    staging = RunStaging(None, "run", folder / "staging")  # type: ignore[arg-type]
    touched = touched_buckets([old_file], staging.band_files(), folder, params.minhash.bands)
    pairs = touched_candidates(touched, max_bodies=100)
    present = np.unique([body for body, _, _ in old + new]).astype(np.uint64)
    left = key_positions(present, pairs.column("left_key").to_numpy())
    right = key_positions(present, pairs.column("right_key").to_numpy())
    wanted = np.unique(np.r_[left, right]).astype(np.int64)
    read = _opening_keys(previous, staging, present[wanted], params, wanted)
    touched_read = _touched_openings(previous, staging, touched, present[wanted], params, wanted)
    a, b = np.searchsorted(wanted, left), np.searchsorted(wanted, right)
    assert np.array_equal(
        (read[a] == read[b]).sum(axis=1), (touched_read[a] == touched_read[b]).sum(axis=1)
    )


def write_band_rows(
    path: Path, bodies: list[tuple[int, list[int], bool]], *, openings: bool = False
) -> Path:
    """A ``body_bands`` file of bodies with 2 body bands and, if they have them, 2 opening bands."""
    rows = [
        (body, band, key)
        for body, keys, has_openings in bodies
        for band, key in enumerate(keys)
        if band < 2 or has_openings or openings
    ]
    return write_bands(path, rows)
