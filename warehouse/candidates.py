"""Candidate pairs for near-duplicate detection: LSH band buckets grouped by DuckDB.

Band keys of every distinct body (``body_bands``, persisted in each snapshot) are joined with those
of the bodies new in a run; DuckDB spills the join to disk when it does not fit in memory, so the
buckets of a million documents never sit in a Python dictionary. The same buckets decide which
copy pairs of earlier runs are still supported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.spill import MEMORY_LIMIT, spilling_connection

CANDIDATES_SQL = Path(__file__).parent / "sql" / "candidates" / "10_candidate_pairs.sql"
SUPPORTED_SQL = Path(__file__).parent / "sql" / "candidates" / "20_supported_pairs.sql"
STILL_SUPPORTED_SQL = Path(__file__).parent / "sql" / "candidates" / "30_still_supported.sql"


def candidate_batches(
    old_bands: list[Path],
    new_bands: list[Path],
    *,
    max_bodies: int,
    memory_limit: str = MEMORY_LIMIT,
    spill_dir: Path | None = None,
    batch_rows: int = 1_000_000,
) -> Iterator[pa.RecordBatch]:
    """Pairs of bodies (body keys) sharing a band key, at least one of them new, in batches.

    Args:
        old_bands: Parquet files of the bodies already published (body_key, band, band_key).
        new_bands: Parquet files of this run's new bodies, same columns.
        max_bodies: Buckets shared by more distinct bodies than this yield no pairs.
        memory_limit: DuckDB's memory limit; past it the join spills to ``spill_dir``.
        spill_dir: Where DuckDB spills (the run's staging folder); its default otherwise.
        batch_rows: Pairs per batch: candidates stream out and never sit in memory at once.

    Yields:
        Batches of ``left_key`` < ``right_key`` pairs, each pair once over all batches.
    """
    if not new_bands:
        return
    connection = spilling_connection(spill_dir, memory_limit)
    try:
        reader = connection.sql(
            CANDIDATES_SQL.read_text(),
            params={
                "old": [str(p) for p in old_bands] or [str(p) for p in new_bands],
                "old_is_new": not old_bands,
                "new": [str(p) for p in new_bands],
                "max_bodies": max_bodies,
            },
        ).to_arrow_reader(batch_rows)
        yield from reader
    finally:
        connection.close()


def supported_pairs(
    band_files: list[Path],
    pair_files: list[Path],
    max_bodies: int,
    spill_dir: Path | None = None,
    new_bands: list[Path] | None = None,
) -> pa.Table:
    """The pairs of ``pair_files`` that share a band bucket of at most ``max_bodies`` bodies.

    Args:
        band_files: Band keys of every body (``body_bands`` files).
        pair_files: Copy pairs (``body_pairs`` files).
        max_bodies: The bucket cap of :class:`transforms.near_copies.NearDupParams`.
        spill_dir: Where DuckDB spills.
        new_bands: The band files of the bodies this run adds to ``band_files``, when
            ``pair_files`` are pairs a run published, each supported then: only the pairs that
            share a bucket these bodies push over the cap are checked again
            (``30_still_supported.sql``), not every pair against every bucket. None: every pair
            is checked.
    """
    if new_bands is not None and not new_bands:
        return _read_pairs(pair_files)  # no bucket grew
    sql = SUPPORTED_SQL if new_bands is None else STILL_SUPPORTED_SQL
    params: dict[str, object] = {
        "bands": [str(p) for p in band_files],
        "pairs": [str(p) for p in pair_files],
        "max_bodies": max_bodies,
    }
    if new_bands is not None:
        params["new"] = [str(p) for p in new_bands]
    connection = spilling_connection(spill_dir)
    try:
        *steps, last = [part for part in sql.read_text().split(";\n") if part.strip()]
        for step in steps:
            connection.execute(step, _used(step, params))
        return connection.sql(last, params=_used(last, params)).to_arrow_table()
    finally:
        connection.close()


def _used(statement: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters ``statement`` names outside its comments (DuckDB refuses others)."""
    code = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
    return {name: value for name, value in params.items() if f"${name}" in code}


def _read_pairs(pair_files: list[Path]) -> pa.Table:
    """Every pair of ``pair_files``, in the columns the queries return."""
    columns = ["left_key", "right_key", "jaccard", "containment", "run_id"]
    return pa.concat_tables(pq.read_table(path, columns=columns) for path in pair_files)
