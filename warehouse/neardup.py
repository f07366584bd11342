"""Candidate pairs for near-duplicate detection: LSH band keys grouped by DuckDB.

Band keys of every distinct body (``body_bands``, persisted in each snapshot) are joined with those
of the bodies new in a run; DuckDB spills the join to disk when it does not fit in memory, so the
buckets of a million documents never sit in a Python dictionary.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

SQL = Path(__file__).parent / "sql" / "neardup" / "10_candidate_pairs.sql"
PAIRS_SCHEMA = pa.schema([("left_hash", pa.string()), ("right_hash", pa.string())])


def candidate_pairs(
    old_bands: list[Path], new_bands: list[Path], *, memory_limit: str = "1GB"
) -> pa.Table:
    """Pairs of bodies (content hashes) sharing a band key, at least one of them new.

    Args:
        old_bands: Parquet files of the bodies already published (content_hash, band, band_key).
        new_bands: Parquet files of this run's new bodies, same columns.
        memory_limit: DuckDB's memory limit; past it the join spills to a temporary directory.

    Returns:
        ``left_hash`` < ``right_hash`` pairs, sorted, each once.
    """
    if not new_bands:
        return PAIRS_SCHEMA.empty_table()
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
        connection.execute("SET preserve_insertion_order = false")
        return connection.execute(
            SQL.read_text(),
            {
                "old": [str(p) for p in old_bands] or [str(p) for p in new_bands],
                "old_is_new": not old_bands,
                "new": [str(p) for p in new_bands],
            },
        ).to_arrow_table()
    finally:
        connection.close()
