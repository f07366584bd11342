"""Candidate pairs for near-duplicate detection: LSH band keys grouped by DuckDB.

Band keys of every distinct body (``body_bands``, persisted in each snapshot) are joined with those
of the bodies new in a run; DuckDB spills the join to disk when it does not fit in memory, so the
buckets of a million documents never sit in a Python dictionary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.neardup import (
    NearDupParams,
    body_keys,
    key_positions,
    plausible_pairs,
    signature_bytes,
    unpack_signatures,
    verify_pairs,
)
from warehouse.schemas import BODY_PAIRS, conform
from warehouse.store import RunStaging, Snapshot, table_files

SQL = Path(__file__).parent / "sql" / "neardup" / "10_candidate_pairs.sql"
SUPPORTED_SQL = Path(__file__).parent / "sql" / "neardup" / "20_supported_pairs.sql"


def candidate_batches(
    old_bands: list[Path],
    new_bands: list[Path],
    *,
    max_bodies: int,
    memory_limit: str = "512MB",
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
    connection = _connect(memory_limit, spill_dir)
    try:
        reader = connection.sql(
            SQL.read_text(),
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


def _connect(memory_limit: str, spill_dir: Path | None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for the band-key joins: bounded memory, spilling into ``spill_dir``."""
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    if spill_dir is not None:
        connection.execute(f"SET temp_directory = '{spill_dir / 'duckdb-spill'}'")
    connection.execute("SET preserve_insertion_order = false")
    return connection


def find_copies(
    previous: Snapshot | None,
    staging: RunStaging,
    keys: pa.Table,
    params: NearDupParams,
    *,
    batch_pairs: int = 200_000,
) -> pa.Table:
    """Verified copy pairs among the bodies new in this run and all the others.

    Candidates stream from :func:`candidate_batches`; each batch is judged on the stored
    signatures and shingle counts first (:func:`transforms.neardup.plausible_pairs`), so only the
    pairs that may be copies are kept, and only those cost a read of their text. They are
    verified on their exact shingle sets before they link anything (``BODY_PAIRS`` rows, copies
    only).

    Args:
        previous: The current snapshot (its band keys, signatures and documents), or None.
        staging: This run's staging (band keys, signatures and documents of the new bodies).
        keys: ``content_hash`` of every document of the next snapshot.
        params: Similarity thresholds and MinHash settings.
        batch_pairs: Plausible pairs verified at a time (bounds the memory of bodies and
            shingles); the documents are scanned once per batch.
    """
    hashes = pc.unique(keys.column("content_hash").combine_chunks())
    present = body_keys(hashes)
    order = np.argsort(present)
    present, hashes = present[order], hashes.take(pa.array(order))
    sigs, sizes = _signatures(previous, staging, present, params.minhash.permutations)
    kept_left: list[np.ndarray] = []
    kept_right: list[np.ndarray] = []
    for batch in candidate_batches(
        table_files(previous, "body_bands"),
        staging.band_files(),
        max_bodies=params.max_bucket_bodies,
        spill_dir=staging.path,
    ):
        left = key_positions(present, batch.column(0).to_numpy())
        right = key_positions(present, batch.column(1).to_numpy())
        both = (left >= 0) & (right >= 0)
        left, right = left[both], right[both]
        plausible = plausible_pairs(sigs, sizes, left, right, params)
        kept_left.append(left[plausible])
        kept_right.append(right[plausible])
    if not kept_left:
        return BODY_PAIRS.empty_table()
    left, right = np.concatenate(kept_left), np.concatenate(kept_right)
    found: list[pa.Table] = [BODY_PAIRS.empty_table()]
    for start in range(0, len(left), batch_pairs):
        a, b = left[start : start + batch_pairs], right[start : start + batch_pairs]
        involved, index = np.unique(np.concatenate([a, b]), return_inverse=True)
        wanted = hashes.take(pa.array(involved))
        bodies = _bodies(previous, staging, wanted)
        jaccard, containment, is_copy = verify_pairs(
            bodies, index[: len(a)], index[len(a) :], params
        )
        found.append(
            pa.table(
                {
                    "left_key": pa.array(present[a[is_copy]], pa.uint64()),
                    "right_key": pa.array(present[b[is_copy]], pa.uint64()),
                    "jaccard": pa.array(jaccard[is_copy], pa.float32()),
                    "containment": pa.array(containment[is_copy], pa.float32()),
                }
            )
        )
    return conform(
        pa.concat_tables(found, promote_options="permissive"), BODY_PAIRS, name="body_pairs"
    )


# The rows of some Parquet files whose key is in the registered table ``wanted``, by key column.
WANTED_ROWS = {
    "body_key": "WITH rows AS (SELECT f.* FROM read_parquet($files, union_by_name = true) AS f "
    "JOIN wanted USING (body_key)) ",
    "content_hash": "WITH rows AS (SELECT f.* FROM read_parquet($files, union_by_name = true) "
    "AS f JOIN wanted USING (content_hash)) ",
}


def _wanted_rows(files: list[str], wanted: pa.Table, select: str) -> pa.Table:
    """``select`` over the rows of ``files`` whose key (the column of ``wanted``) is wanted.

    ``select`` reads from ``rows`` (the files joined with ``wanted``); DuckDB scans the files
    once and keeps only the wanted rows.
    """
    connection = duckdb.connect(":memory:")
    try:
        connection.register("wanted", wanted)
        query = WANTED_ROWS[wanted.column_names[0]] + select
        return connection.sql(query, params={"files": files}).to_arrow_table()
    finally:
        connection.close()


def _signatures(
    previous: Snapshot | None, staging: RunStaging, wanted: np.ndarray, permutations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stored signatures (their low bytes) and shingle counts of the wanted body keys (sorted).

    Low bytes (:func:`transforms.neardup.signature_bytes`) are enough to judge candidates and
    keep a million bodies' signatures in 111 MB.
    """
    files = [str(p) for p in staging.signature_files() + table_files(previous, "body_signatures")]
    sigs = np.zeros((len(wanted), permutations), np.uint8)
    sizes = np.zeros(len(wanted), np.int64)
    if not files or len(wanted) == 0:
        return sigs, sizes
    rows = _wanted_rows(
        files,
        pa.table({"body_key": pa.array(wanted, pa.uint64())}),
        "SELECT body_key, any_value(shingles) AS shingles, any_value(signature) AS signature "
        "FROM rows GROUP BY body_key ORDER BY body_key",
    )
    at = np.searchsorted(wanted, rows.column("body_key").to_numpy())
    sigs[at] = signature_bytes(
        unpack_signatures(rows.column("signature").combine_chunks(), permutations)
    )
    sizes[at] = rows.column("shingles").to_numpy()
    return sigs, sizes


def _bodies(previous: Snapshot | None, staging: RunStaging, wanted: pa.Array) -> pa.Array:
    """The bodies of the wanted content hashes, in their order, from staged and published files."""
    files = [str(p) for p in staging.path.glob("documents/*.parquet")]
    files += [str(p) for p in table_files(previous, "documents")]
    rows = _wanted_rows(
        files,
        pa.table({"content_hash": wanted}),
        "SELECT content_hash, any_value(body) AS body FROM rows GROUP BY content_hash",
    )
    found = dict(
        zip(rows.column("content_hash").to_pylist(), rows.column("body").to_pylist(), strict=True)
    )
    return pa.array([found[h] for h in wanted.to_pylist()], pa.string())


def supported_pairs(
    band_files: list[Path], pair_files: list[Path], max_bodies: int, spill_dir: Path | None = None
) -> pa.Table:
    """The pairs of ``pair_files`` that share a band bucket of at most ``max_bodies`` bodies.

    Args:
        band_files: Band keys of every body (``body_bands`` files).
        pair_files: Copy pairs (``body_pairs`` files).
        max_bodies: The bucket cap of :class:`transforms.neardup.NearDupParams`.
        spill_dir: Where DuckDB spills.
    """
    connection = _connect("512MB", spill_dir)
    try:
        return connection.sql(
            SUPPORTED_SQL.read_text(),
            params={
                "bands": [str(p) for p in band_files],
                "pairs": [str(p) for p in pair_files],
                "max_bodies": max_bodies,
            },
        ).to_arrow_table()
    finally:
        connection.close()


def all_pairs(
    previous: Snapshot | None, staging: RunStaging, new_pairs: pa.Table, params: NearDupParams
) -> pa.Table:
    """The copy pairs of the next snapshot: the previous ones still supported, and this run's.

    A previous pair stays while it shares a band bucket of at most ``max_bucket_bodies``
    bodies (``20_supported_pairs.sql``): the pairs are then those one run over everything finds.
    """
    old_files = table_files(previous, "body_pairs")
    tables = [new_pairs]
    if old_files:
        bands = table_files(previous, "body_bands") + staging.band_files()
        tables.append(
            supported_pairs(bands, old_files, params.max_bucket_bodies, spill_dir=staging.path)
        )
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
