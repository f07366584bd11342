"""Candidate pairs from band keys: the bucket cap, and which stored pairs stay."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from warehouse.candidates import candidate_batches, supported_pairs


def write_bands(path: Path, rows: list[tuple[int, int, int]]) -> Path:
    """A ``body_bands`` file of (body_key, band, band_key) rows."""
    body, band, key = zip(*rows, strict=True) if rows else ((), (), ())
    pq.write_table(
        pa.table(
            {
                "body_key": pa.array(body, pa.uint64()),
                "band": pa.array(band, pa.int16()),
                "band_key": pa.array(key, pa.uint64()),
            }
        ),
        path,
    )
    return path


def candidates(
    old: list[Path], new: list[Path], max_bodies: int, pairs_per_range: int = 4
) -> set[tuple[int, int]]:
    """The candidates both ways (numpy sorts of every band, DuckDB through the new buckets),
    checked to be the same pairs, each once, ascending."""
    ways = []
    for share in (0.0, float("inf")):  # never the increment query; always it, when old bands
        batches = candidate_batches(
            old,
            new,
            max_bodies=max_bodies,
            batch_rows=3,
            pairs_per_range=pairs_per_range,
            increment_share=share,
        )
        found = [
            (int(a), int(b))
            for batch in batches
            for a, b in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True)
        ]
        assert len(found) == len(set(found)), "a pair made twice"
        assert all(a < b for a, b in found)
        assert found == sorted(found)
        ways.append(set(found))
    assert ways[0] == ways[1]
    return ways[0]


def bucket_pairs(
    old: list[tuple[int, int, int]], new: list[tuple[int, int, int]], max_bodies: int
) -> set[tuple[int, int]]:
    """The pairs of every bucket of 2..max_bodies distinct bodies that a new row is in."""
    bodies: dict[tuple[int, int], set[int]] = {}
    for body, band, key in old + new:
        bodies.setdefault((band, key), set()).add(body)
    pairs = set()
    for body, band, key in new:
        if 2 <= len(bodies[band, key]) <= max_bodies:
            pairs |= {(min(body, o), max(body, o)) for o in bodies[band, key] if o != body}
    return pairs


def pair_set(table: pa.Table) -> set[tuple[int, int]]:
    left, right = table.column("left_key").to_pylist(), table.column("right_key").to_pylist()
    return set(zip(left, right, strict=True))


def test_a_bucket_shared_by_too_many_bodies_yields_no_pairs(tmp_path: Path) -> None:
    # Bodies 1-3 share bucket (0, 7); bodies 1-6 share the stock-text bucket (1, 9).
    rows = [(b, 0, 7) for b in (1, 2, 3)] + [(b, 1, 9) for b in range(1, 7)]
    new = [write_bands(tmp_path / "new.parquet", rows)]
    assert candidates([], new, max_bodies=3) == {(1, 2), (1, 3), (2, 3)}
    every_pair = set(itertools.combinations(range(1, 7), 2))
    assert candidates([], new, max_bodies=6) == every_pair


def test_the_cap_counts_old_and_new_bodies_of_a_bucket(tmp_path: Path) -> None:
    old = [write_bands(tmp_path / "old.parquet", [(b, 0, 5) for b in (1, 2, 3)])]
    new = [write_bands(tmp_path / "new.parquet", [(4, 0, 5), (4, 0, 5)])]  # a repeat counts once
    assert candidates(old, new, max_bodies=4) == {(1, 4), (2, 4), (3, 4)}
    assert candidates(old, new, max_bodies=3) == set()


def test_stored_pairs_stay_while_one_of_their_buckets_is_small(tmp_path: Path) -> None:
    bands = write_bands(
        tmp_path / "bands.parquet",
        [(b, 0, 5) for b in (1, 2, 3, 4)] + [(1, 1, 8), (2, 1, 8)] + [(3, 1, 6), (9, 1, 6)],
    )
    pairs = tmp_path / "pairs.parquet"
    pq.write_table(
        pa.table(
            {
                "left_key": pa.array([1, 3, 2], pa.uint64()),
                "right_key": pa.array([2, 4, 9], pa.uint64()),
                "jaccard": pa.array([0.9, 0.8, 0.7], pa.float32()),
                "containment": pa.array([1.0, 0.9, 0.8], pa.float32()),
                "run_id": ["run-1", "run-1", "run-2"],
            }
        ),
        pairs,
    )
    kept = supported_pairs([bands], [pairs], max_bodies=3).sort_by("left_key")
    # (1, 2) also shares the small bucket (1, 8); (3, 4) only the crowded (0, 5); (2, 9) none.
    assert kept.column("left_key").to_pylist() == [1]
    assert kept.column("right_key").to_pylist() == [2]
    assert kept.column("jaccard").to_pylist() == pytest.approx([0.9])
    assert kept.column("run_id").to_pylist() == ["run-1"]
    assert supported_pairs([bands], [pairs], max_bodies=4).num_rows == 2


ROWS = st.lists(
    st.tuples(st.integers(1, 12), st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(ROWS, st.lists(ROWS, max_size=2), st.integers(2, 5), st.integers(1, 30))
def test_candidates_are_the_pairs_of_small_buckets_a_new_body_is_in(
    tmp_path_factory: pytest.TempPathFactory,
    new_rows: list[tuple[int, int, int]],
    old_files: list[list[tuple[int, int, int]]],
    max_bodies: int,
    pairs_per_range: int,
) -> None:
    """Whatever the pairs made at a time, each pair of a small bucket with a new body, once."""
    folder = tmp_path_factory.mktemp("bands")
    new = [write_bands(folder / "new.parquet", new_rows)]
    old = [write_bands(folder / f"old-{i}.parquet", rows) for i, rows in enumerate(old_files)]
    old_rows = [row for rows in old_files for row in rows]
    found = candidates(old, new, max_bodies, pairs_per_range)
    assert found == bucket_pairs(old_rows, new_rows, max_bodies)


def test_large_bodies_keys_keep_their_order(tmp_path: Path) -> None:
    big = 2**64 - 1
    rows = [(big, 0, 1), (3, 0, 1), (2**63, 0, 1)]
    new = [write_bands(tmp_path / "new.parquet", rows)]
    assert candidates([], new, max_bodies=3) == {(3, 2**63), (3, big), (2**63, big)}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, 2), st.integers(0, 3)), max_size=40),
    st.integers(2, 5),
    st.integers(1, 4),
)
# Bodies 1 and 2 pair in a first run; body 3 crowds their only bucket in the second.
@example(rows=[(1, 0, 0), (2, 0, 0), (3, 0, 0)], max_bodies=2, runs=2)
# (1, 2) is supported by buckets (0, 0) and (1, 0); the second run crowds (0, 0), the third
# grows it again and crowds (1, 0), the pair's last support.
@example(
    rows=[(1, 0, 0), (2, 0, 0), (3, 0, 0), (4, 0, 0), (6, 0, 0), (1, 1, 0), (2, 1, 0), (5, 1, 0)],
    max_bodies=2,
    runs=3,
)
def test_candidates_found_run_by_run_and_still_supported_equal_one_run(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[int, int, int]],
    max_bodies: int,
    runs: int,
) -> None:
    """Feeding bodies in several runs, keeping the pairs still supported, equals one run; and
    checking only the pairs in buckets a run crowded keeps what checking every pair keeps."""
    folder = tmp_path_factory.mktemp("runs")
    bodies = sorted({body for body, _, _ in rows})
    whole = write_bands(folder / "all.parquet", rows)
    expected = candidates([], [whole], max_bodies) if rows else set()
    found: set[tuple[int, int]] = set()
    published: list[Path] = []
    for run, part in enumerate(np.array_split(np.array(bodies, dtype=np.int64), runs)):
        mine = [r for r in rows if r[0] in set(part.tolist())]
        if not mine:
            continue
        new = write_bands(folder / f"run-{run}.parquet", mine)
        found |= candidates(published, [new], max_bodies)
        published.append(new)
        if found:
            pairs = folder / f"pairs-{run}.parquet"
            left, right = zip(*sorted(found), strict=True)
            pq.write_table(
                pa.table(
                    {
                        "left_key": pa.array(left, pa.uint64()),
                        "right_key": pa.array(right, pa.uint64()),
                        "jaccard": pa.array([1.0] * len(left), pa.float32()),
                        "containment": pa.array([1.0] * len(left), pa.float32()),
                        "run_id": [f"run-{run}"] * len(left),
                    }
                ),
                pairs,
            )
            kept = supported_pairs(published, [pairs], max_bodies, new_bands=[new])
            checked = supported_pairs(published, [pairs], max_bodies)
            assert kept.num_rows == len(pair_set(kept))
            found = pair_set(kept)
            assert found == pair_set(checked)
    assert found == expected
