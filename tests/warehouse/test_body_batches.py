"""Bodies streamed by batch out of document files, found by a scan or at places already known."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warehouse.body_batches import KnownPlaces, bodies_by_batch

BODIES = [f"body number {n} " * (n + 1) for n in range(12)]


def digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def write_documents(path: Path, bodies: list[str]) -> pa.Table:
    """A document file of ``bodies`` (repeats allowed), small row groups as published files."""
    table = pa.table(
        {
            "doc_id": [f"{path.stem}-{n}" for n in range(len(bodies))],
            "content_hash": [digest(body) for body in bodies],
            "body": bodies,
        }
    )
    pq.write_table(table, path, row_group_size=3)
    return table


def collected(batches: list[tuple[int, pa.Table]]) -> dict[int, list[tuple[str, str]]]:
    return {
        number: sorted(zip(*table.to_pydict().values(), strict=True)) for number, table in batches
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.integers(0, 8), min_size=1, max_size=10),
    st.lists(st.integers(4, 11), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 2)), min_size=1, max_size=20),
    st.booleans(),
)
def test_known_places_read_the_bodies_a_scan_of_every_file_reads(
    tmp_path: Path,
    published: list[int],
    staged: list[int],
    wanted: list[tuple[int, int]],
    place_all: bool,
) -> None:
    """Places known for the published files' bodies (some of them, or all, with repeats) read
    the same bodies per batch as a scan of every file; the staged file is scanned either way."""
    folder = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    halves = [published[: len(published) // 2], published[len(published) // 2 :]]
    old_files = [folder / f"old-{n}.parquet" for n in range(2)]
    old = [
        write_documents(path, [BODIES[i] for i in half])
        for path, half in zip(old_files, halves, strict=True)
    ]
    new_file = folder / "new.parquet"
    write_documents(new_file, [BODIES[i] for i in staged])
    present = set(published) | set(staged)
    asked = [(body, batch) for body, batch in wanted if body in present]
    if not asked:
        return
    table = pa.table(
        {
            "content_hash": [digest(BODIES[body]) for body, _ in asked],
            "batch": pa.array([batch for _, batch in asked], pa.int64()),
        }
    )
    files = [new_file, *old_files]
    rows = [(index, row) for index, part in enumerate(old) for row in range(part.num_rows)]
    if not place_all:
        rows = rows[::2]
    placed = [old[index].column("content_hash")[row].as_py() for index, row in rows]
    known = KnownPlaces(
        [str(path) for path in old_files],
        # As gather_keys reads them: a chunk per file.
        pa.chunked_array([placed[:1], placed[1:]], pa.string()),
        np.array([index for index, _ in rows], np.int64),
        np.array([row for _, row in rows], np.int64),
    )
    scanned = collected(list(bodies_by_batch(files, table, folder)))
    expected: dict[int, set[str]] = {}
    for body, batch in asked:
        expected.setdefault(batch, set()).add(BODIES[body])
    assert {n: {body for _, body in pairs} for n, pairs in scanned.items()} == expected
    # With places: the bodies known or in the staged file, the only file left to scan (a file
    # read whole gives the other wanted bodies it holds too), never a body not wanted.
    reachable = {digest(BODIES[i]) for i in staged} | set(placed)
    found = collected(list(bodies_by_batch(files, table, folder, known)))
    for number, pairs in scanned.items():
        assert {p for p in pairs if p[0] in reachable} <= set(found.get(number, []))
        assert set(found.get(number, [])) <= set(pairs)
    if place_all:
        assert found == scanned


def test_a_body_neither_known_nor_in_a_scanned_file_is_missing(tmp_path: Path) -> None:
    """Known places cover their files: those files are not scanned for the other hashes (a
    file with few rows wanted is read for those rows alone)."""
    old_file, new_file = tmp_path / "old.parquet", tmp_path / "new.parquet"
    write_documents(old_file, BODIES[:2] + BODIES[5:11])
    write_documents(new_file, BODIES[2:3])
    known = KnownPlaces(
        [str(old_file)], pa.array([digest(BODIES[0])]), np.zeros(1, np.int64), np.zeros(1, np.int64)
    )
    wanted = pa.table(
        {
            "content_hash": [digest(BODIES[n]) for n in range(3)],
            "batch": pa.array([0, 0, 0], pa.int64()),
        }
    )
    found = collected(list(bodies_by_batch([new_file, old_file], wanted, tmp_path, known)))
    assert {body for _, body in found[0]} == {BODIES[0], BODIES[2]}
