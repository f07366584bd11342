"""Candidate pairs for near-duplicate detection: LSH band keys grouped by DuckDB.

Band keys of every distinct body (``body_bands``, persisted in each snapshot) are joined with those
of the bodies new in a run; DuckDB spills the join to disk when it does not fit in memory, so the
buckets of a million documents never sit in a Python dictionary.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.neardup import (
    NearDupParams,
    body_keys,
    plausible_pairs,
    unpack_signatures,
    verify_pairs,
)
from warehouse.schemas import BODY_PAIRS, conform
from warehouse.store import RunStaging, Snapshot

SQL = Path(__file__).parent / "sql" / "neardup" / "10_candidate_pairs.sql"
PAIRS_SCHEMA = pa.schema([("left_key", pa.uint64()), ("right_key", pa.uint64())])


def candidate_pairs(
    old_bands: list[Path],
    new_bands: list[Path],
    *,
    memory_limit: str = "512MB",
    spill_dir: Path | None = None,
) -> pa.Table:
    """Pairs of bodies (body keys) sharing a band key, at least one of them new.

    Args:
        old_bands: Parquet files of the bodies already published (body_key, band, band_key).
        new_bands: Parquet files of this run's new bodies, same columns.
        memory_limit: DuckDB's memory limit; past it the join spills to ``spill_dir``.
        spill_dir: Where DuckDB spills (the run's staging folder); its default otherwise.

    Returns:
        ``left_key`` < ``right_key`` pairs, sorted, each once.
    """
    if not new_bands:
        return PAIRS_SCHEMA.empty_table()
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
        if spill_dir is not None:
            connection.execute(f"SET temp_directory = '{spill_dir / 'duckdb-spill'}'")
        connection.execute("SET preserve_insertion_order = false")
        return connection.sql(
            SQL.read_text(),
            params={
                "old": [str(p) for p in old_bands] or [str(p) for p in new_bands],
                "old_is_new": not old_bands,
                "new": [str(p) for p in new_bands],
            },
        ).to_arrow_table()
    finally:
        connection.close()


def find_copies(
    previous: Snapshot | None,
    staging: RunStaging,
    keys: pa.Table,
    params: NearDupParams,
    *,
    batch_pairs: int = 200_000,
) -> pa.Table:
    """Verified copy pairs among the bodies new in this run and all the others.

    Candidates come from :func:`candidate_pairs`. Their stored signatures are compared first, so
    only pairs that may be copies (:func:`transforms.neardup.plausible_pairs`) cost a read of
    their text; those are verified on their exact shingle sets before they link anything
    (``BODY_PAIRS`` rows, copies only).

    Args:
        previous: The current snapshot (its band keys, signatures and documents), or None.
        staging: This run's staging (band keys, signatures and documents of the new bodies).
        keys: ``content_hash`` of every document of the next snapshot.
        params: Similarity thresholds and MinHash settings.
        batch_pairs: Plausible pairs verified at a time (bounds the memory of bodies and
            shingles); the documents are scanned once per batch.
    """
    pairs = candidate_pairs(
        _files(previous, "body_bands"), staging.band_files(), spill_dir=staging.path
    )
    if pairs.num_rows == 0:
        return BODY_PAIRS.empty_table()
    hashes = pc.unique(keys.column("content_hash").combine_chunks())
    present = np.sort(body_keys(hashes))
    by_key = dict(zip(body_keys(hashes).tolist(), hashes.to_pylist(), strict=True))
    left = pairs.column("left_key").to_numpy()
    right = pairs.column("right_key").to_numpy()
    both = np.isin(left, present, assume_unique=False) & np.isin(right, present)
    left, right = left[both], right[both]
    involved, index = np.unique(np.concatenate([left, right]), return_inverse=True)
    sigs, sizes = _signatures(previous, staging, involved, params.minhash.permutations)
    plausible = plausible_pairs(sigs, sizes, index[: len(left)], index[len(left) :], params)
    left, right = left[plausible], right[plausible]
    found: list[pa.Table] = [BODY_PAIRS.empty_table()]
    for start in range(0, len(left), batch_pairs):
        a, b = left[start : start + batch_pairs], right[start : start + batch_pairs]
        involved, index = np.unique(np.concatenate([a, b]), return_inverse=True)
        bodies = _bodies(previous, staging, [by_key[k] for k in involved.tolist()])
        texts = pa.array([bodies[by_key[k]] for k in involved.tolist()], pa.string())
        jaccard, containment, is_copy = verify_pairs(
            texts, index[: len(a)], index[len(a) :], params
        )
        found.append(
            pa.table(
                {
                    "left_key": pa.array(a[is_copy], pa.uint64()),
                    "right_key": pa.array(b[is_copy], pa.uint64()),
                    "jaccard": pa.array(jaccard[is_copy], pa.float32()),
                    "containment": pa.array(containment[is_copy], pa.float32()),
                }
            )
        )
    return conform(
        pa.concat_tables(found, promote_options="permissive"), BODY_PAIRS, name="body_pairs"
    )


def _files(snapshot: Snapshot | None, table: str) -> list[Path]:
    return snapshot.files(table) if snapshot is not None and _has(snapshot, table) else []


def _signatures(
    previous: Snapshot | None, staging: RunStaging, wanted: np.ndarray, permutations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stored signatures and shingle counts of the wanted body keys (sorted), aligned."""
    files = [str(p) for p in staging.signature_files() + _files(previous, "body_signatures")]
    connection = duckdb.connect(":memory:")
    try:
        connection.register("wanted", pa.table({"body_key": pa.array(wanted, pa.uint64())}))
        rows: pa.Table = connection.sql(
            "SELECT s.body_key, any_value(s.shingles) AS shingles, "
            "any_value(s.signature) AS signature "
            "FROM read_parquet($files) AS s JOIN wanted USING (body_key) "
            "GROUP BY s.body_key ORDER BY s.body_key",
            params={"files": files},
        ).to_arrow_table()
    finally:
        connection.close()
    at = np.searchsorted(wanted, rows.column("body_key").to_numpy())
    sigs = np.zeros((len(wanted), permutations), np.uint32)
    sigs[at] = unpack_signatures(rows.column("signature").combine_chunks(), permutations)
    sizes = np.zeros(len(wanted), np.int64)
    sizes[at] = rows.column("shingles").to_numpy()
    return sigs, sizes


def all_pairs(previous: Snapshot | None, new_pairs: pa.Table) -> pa.Table:
    """The copy pairs of the next snapshot: the previous ones, then this run's (each once)."""
    tables = [new_pairs]
    if previous is not None and _has(previous, "body_pairs"):
        tables = [pq.read_table(p) for p in previous.files("body_pairs")] + tables
    merged = pa.concat_tables([conform(t, BODY_PAIRS, name="body_pairs") for t in tables])
    if merged.num_rows == 0:
        return merged
    unique = merged.group_by(["left_key", "right_key"], use_threads=False).aggregate(
        [("jaccard", "max"), ("containment", "max")]
    )
    unique = unique.rename_columns(["left_key", "right_key", "jaccard", "containment"])
    return conform(
        unique.sort_by([("left_key", "ascending"), ("right_key", "ascending")]),
        BODY_PAIRS,
        name="body_pairs",
    )


def _has(snapshot: Snapshot, table: str) -> bool:
    return table in snapshot.manifest["tables"] and bool(snapshot.files(table))


def _bodies(previous: Snapshot | None, staging: RunStaging, wanted: list[str]) -> dict[str, str]:
    """The body of each wanted content hash, from the staged and the published documents."""
    files = [str(p) for p in staging.path.glob("documents/*.parquet")]
    if previous is not None:
        files += [str(p) for p in previous.files("documents")]
    connection = duckdb.connect(":memory:")
    try:
        connection.register("wanted", pa.table({"content_hash": pa.array(wanted, pa.string())}))
        rows: pa.Table = connection.sql(
            "SELECT d.content_hash, any_value(d.body) AS body "
            "FROM read_parquet($files, union_by_name = true) AS d "
            "JOIN wanted USING (content_hash) GROUP BY d.content_hash",
            params={"files": files},
        ).to_arrow_table()
    finally:
        connection.close()
    return dict(
        zip(rows.column("content_hash").to_pylist(), rows.column("body").to_pylist(), strict=True)
    )
