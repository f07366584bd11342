"""Candidate pairs for near-duplicate detection: the bodies sharing an LSH band bucket.

Band keys of every distinct body (``body_bands``, persisted in each snapshot) and those of the
bodies new in a run are split by band into temporary files in one pass; each band's buckets are
then grouped in numpy (:mod:`transforms.buckets`) and only the buckets that make pairs stay in
memory (their members' indices). Pairs are made for a range of bodies at a time and streamed
out, so the candidates of a million documents never sit in memory at once. A run adding few
bodies (``INCREMENT_SHARE``) reads the published keys once, in DuckDB, through a semi join on its
new bodies' buckets (:func:`touched_buckets`): those buckets' rows make its candidates and decide
which copy pairs of earlier runs are still supported.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.buckets import (
    Buckets,
    band_buckets,
    candidate_codes,
    left_pairs,
    left_ranges,
    sorted_distinct,
)
from warehouse.spill import parameter_names, spilling_connection

SQL = Path(__file__).parent / "sql" / "candidates"
TOUCHED_SQL = SQL / "05_touched_buckets.sql"
INCREMENT_SQL = SQL / "10_candidate_pairs.sql"
SUPPORTED_SQL = SQL / "20_supported_pairs.sql"
UNSETTLED_SQL = SQL / "30_unsettled_pairs.sql"
STILL_SUPPORTED_SQL = SQL / "40_still_supported.sql"
BAND_COLUMNS = ["body_key", "band", "band_key"]
# A band's rows as they wait on disk: key, body key, and whether the row is new in this run.
BAND_ROW = np.dtype([("band_key", "<u8"), ("body_key", "<u8"), ("new", "u1")])
# Rows read from a band file at a time (about 18 MB of them).
READ_ROWS = 1 << 20
CANDIDATES = pa.schema([("left_key", pa.uint64()), ("right_key", pa.uint64())])
INCREMENT_SHARE = 0.1
"""Largest share of the published band files' bytes a run's new ones may have for the join to
read the published bands through the new bodies' buckets (``05_touched_buckets.sql``, DuckDB);
larger runs, first runs included, sort every band in numpy (a run adding 1% of a million bodies
groups the rows of its buckets in about a second either way, rather than every body's)."""
TOUCHED_FILE = "touched-buckets.parquet"
TOUCHED_THREADS = 2
"""DuckDB threads of :func:`touched_buckets`: its scan of every published band key is the work,
and its join table (the new bodies' buckets) is small."""


@dataclass(frozen=True)
class TouchedBuckets:
    """The buckets a run's new bodies fall into, with all their bodies (:func:`touched_buckets`).

    On disk, so that a larger increment's rows spill rather than wait in memory: queries read
    them through the views of :meth:`register`.
    """

    rows: Path
    """Parquet: every row (``body_key``, ``band``, ``band_key``) of those buckets, old and new,
    once (``member`` true), and in the opening bands the rows agreeing with a new body's key in
    its low 32 bits (``member`` false where the whole key differs)."""
    new_bands: list[Path]
    """The new bodies' band files."""
    first_opening: int | None
    """The first opening band; None: no rows but the buckets'."""

    def register(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Views ``members``, ``new_bands`` and ``openings`` of the rows in ``connection``."""
        rows = connection.read_parquet(str(self.rows))
        rows.filter("member").select(", ".join(BAND_COLUMNS)).create_view("members")
        opening = "false" if self.first_opening is None else f"band >= {int(self.first_opening)}"
        rows.filter(opening).select(", ".join(BAND_COLUMNS)).create_view("openings")
        new = connection.read_parquet([str(p) for p in self.new_bands])
        new.select(", ".join(BAND_COLUMNS)).distinct().create_view("new_bands")


def reads_touched_buckets(
    old_bands: list[Path], new_bands: list[Path], increment_share: float = INCREMENT_SHARE
) -> bool:
    """Whether a run reads the published band keys through its new bodies' buckets (few new)."""
    return bool(old_bands and new_bands) and _bytes(new_bands) <= increment_share * _bytes(
        old_bands
    )


def touched_buckets(
    old_bands: list[Path],
    new_bands: list[Path],
    folder: Path,
    first_opening: int | None = None,
) -> TouchedBuckets:
    """The rows of every bucket a new body is in, read in one pass (``05_touched_buckets.sql``).

    Args:
        old_bands: Parquet files of the bodies already published (body_key, band, band_key).
        new_bands: Parquet files of this run's new bodies, same columns.
        folder: Where the rows are written (the run's staging folder), and DuckDB spills.
        first_opening: The first opening band, whose rows agreeing with a new body's in their
            low 32 bits are read too; None: no such rows.
    """
    target = folder / TOUCHED_FILE
    old_bands = old_bands or new_bands  # rows read twice are one
    connection = spilling_connection(folder, threads=TOUCHED_THREADS)
    try:
        query = connection.sql(
            TOUCHED_SQL.read_text(),
            params={
                "old": [str(p) for p in old_bands],
                "new": [str(p) for p in new_bands],
                "first_opening": first_opening,
            },
        )
        query.write_parquet(str(target), compression="zstd")
    finally:
        connection.close()
    return TouchedBuckets(target, list(new_bands), first_opening)


def candidate_batches(
    old_bands: list[Path],
    new_bands: list[Path],
    *,
    max_bodies: int,
    spill_dir: Path | None = None,
    batch_rows: int = 1_000_000,
    pairs_per_range: int = 2_000_000,
    increment_share: float = INCREMENT_SHARE,
    threads: int = 1,
) -> Iterator[pa.RecordBatch]:
    """Pairs of bodies (body keys) sharing a band key, at least one of them new, in batches.

    A bucket (band, band key) yields pairs when it holds 2 to ``max_bodies`` distinct bodies,
    old and new counted together, and a new one.

    Args:
        old_bands: Parquet files of the bodies already published (body_key, band, band_key).
        new_bands: Parquet files of this run's new bodies, same columns.
        max_bodies: Buckets shared by more distinct bodies than this yield no pairs.
        spill_dir: Where the band rows wait on disk (the run's staging folder); the system's
            temporary folder if None.
        batch_rows: Pairs per batch at most: candidates stream out and never sit in memory at
            once.
        pairs_per_range: Pairs made at a time before they are made distinct (a pair shared in
            several bands is made in each): bounds the memory of making them, 8 bytes a pair
            and a few times that while they are sorted.
        increment_share: See INCREMENT_SHARE.
        threads: Bands grouped into buckets at a time, each by a thread (numpy's sorts run
            beside each other); the pairs then stream out of this thread.

    Yields:
        Batches of ``left_key`` < ``right_key`` pairs, each pair once over all batches, in
        ascending order.
    """
    if not new_bands:
        return
    if reads_touched_buckets(old_bands, new_bands, increment_share):
        with tempfile.TemporaryDirectory(prefix="touched-", dir=spill_dir) as folder:
            touched = touched_buckets(old_bands, new_bands, Path(folder))
            pairs = touched_candidates(touched, max_bodies, spill_dir)
        yield from pairs.to_batches(batch_rows)
        return
    with tempfile.TemporaryDirectory(prefix="band-rows-", dir=spill_dir) as folder:
        band_files, body_keys = _rows_by_band(old_bands, new_bands, Path(folder))
        bodies = len(body_keys)
        bucketed = functools.partial(
            _buckets, body_keys=body_keys, first_run=not old_bands, max_bodies=max_bodies
        )
        with ThreadPoolExecutor(max(threads, 1), thread_name_prefix="newsetl-buckets") as pool:
            bands = list(pool.map(bucketed, band_files))
    per_body = np.zeros(bodies, np.int64)
    for buckets in bands:
        per_body += left_pairs(buckets, bodies)
    for first, last in left_ranges(per_body, pairs_per_range):
        codes = candidate_codes(bands, bodies, first, last)
        for start in range(0, len(codes), batch_rows):
            chunk = codes[start : start + batch_rows]
            yield pa.record_batch(
                [pa.array(body_keys[chunk // bodies]), pa.array(body_keys[chunk % bodies])],
                schema=CANDIDATES,
            )


def _bytes(files: list[Path]) -> int:
    return sum(Path(path).stat().st_size for path in files)


def touched_candidates(
    touched: TouchedBuckets, max_bodies: int, spill_dir: Path | None = None
) -> pa.Table:
    """The candidate pairs of a run adding few bodies (``10_candidate_pairs.sql``), ascending."""
    connection = spilling_connection(spill_dir)
    try:
        touched.register(connection)
        pairs = connection.sql(
            INCREMENT_SQL.read_text(), params={"max_bodies": max_bodies}
        ).to_arrow_table()
    finally:
        connection.close()
    return pairs.cast(CANDIDATES)


def _rows_by_band(
    old_bands: list[Path], new_bands: list[Path], folder: Path
) -> tuple[list[Path], np.ndarray]:
    """Write the rows of every band to a file of its own; return the files and all body keys.

    On a first run (no old files) every row is new.
    """
    handles: dict[int, BinaryIO] = {}
    keys: list[np.ndarray] = []
    files = [(path, True) for path in new_bands] + [(path, False) for path in old_bands]
    try:
        for path, new in files:
            for batch in pq.ParquetFile(path).iter_batches(
                batch_size=READ_ROWS, columns=["body_key", "band", "band_key"]
            ):
                body = batch.column(0).to_numpy()
                band = batch.column(1).to_numpy()
                keys.append(sorted_distinct(body))
                order = np.argsort(band, kind="stable")
                rows = np.empty(len(order), BAND_ROW)
                rows["band_key"] = batch.column(2).to_numpy()[order]
                rows["body_key"] = body[order]
                rows["new"] = new
                sorted_bands = band[order]
                values = sorted_distinct(sorted_bands)
                bounds = [*np.searchsorted(sorted_bands, values).tolist(), len(order)]
                for value, start, end in zip(values.tolist(), bounds, bounds[1:], strict=False):
                    if value not in handles:
                        handles[value] = (folder / f"band-{value}.rows").open("wb")
                    rows[start:end].tofile(handles[value])
    finally:
        for handle in handles.values():
            handle.close()
    body_keys = sorted_distinct(np.concatenate([np.zeros(0, np.uint64), *keys]))
    return [folder / f"band-{value}.rows" for value in sorted(handles)], body_keys


def _buckets(path: Path, body_keys: np.ndarray, *, first_run: bool, max_bodies: int) -> Buckets:
    """The buckets of one band's rows that make pairs."""
    rows = np.fromfile(path, BAND_ROW)
    return band_buckets(
        rows["band_key"],
        rows["body_key"],
        None if first_run else rows["new"].astype(bool),
        body_keys,
        max_bodies,
    )


def supported_pairs(
    band_files: list[Path],
    pair_files: list[Path],
    max_bodies: int,
    spill_dir: Path | None = None,
    new_bands: list[Path] | None = None,
    touched: TouchedBuckets | None = None,
) -> pa.Table:
    """The pairs of ``pair_files`` that share a band bucket of at most ``max_bodies`` bodies.

    Args:
        band_files: Band keys of every body (``body_bands`` files).
        pair_files: Copy pairs (``body_pairs`` files).
        max_bodies: The bucket cap of :class:`transforms.near_copies.NearDupParams`.
        spill_dir: Where DuckDB spills.
        new_bands: The band files of the bodies this run adds to ``band_files``, when
            ``pair_files`` are pairs a run published, each supported then: only the pairs that
            share a bucket these bodies push over the cap are looked at again, and only those of
            them that share no small bucket of these bodies are checked against every bucket
            (``30_unsettled_pairs.sql``, then ``40_still_supported.sql``). None: every pair is
            checked.
        touched: The buckets of ``new_bands``' bodies (:func:`touched_buckets`), when the caller
            has read them already.
    """
    if new_bands is not None and not new_bands:
        return _read_pairs(pair_files)  # no bucket grew
    params: dict[str, object] = {
        "bands": [str(p) for p in band_files],
        "pairs": [str(p) for p in pair_files],
        "max_bodies": max_bodies,
    }
    if new_bands is None:
        return _run_steps(SUPPORTED_SQL, params, spill_dir, sides_fixed=False)
    with tempfile.TemporaryDirectory(prefix="touched-", dir=spill_dir) as folder:
        if touched is None:
            touched = touched_buckets(band_files, new_bands, Path(folder))
        connection = spilling_connection(spill_dir)
        try:
            touched.register(connection)
            *steps, last = _statements(UNSETTLED_SQL)
            for step in steps:
                connection.execute(step, _used(step, params))
            unsettled = connection.sql(last, params=_used(last, params)).to_arrow_table()
        finally:
            connection.close()
    if unsettled.num_rows == 0:
        return _read_pairs(pair_files)
    return _run_steps(
        STILL_SUPPORTED_SQL, params, spill_dir, sides_fixed=True, threads=2, unsettled=unsettled
    )


def _run_steps(
    sql: Path,
    params: dict[str, object],
    spill_dir: Path | None,
    *,
    sides_fixed: bool,
    threads: int = 1,
    **relations: pa.Table,
) -> pa.Table:
    """The result of the last statement of ``sql``, run after the others, as a table.

    ``threads``: DuckDB's; two where the work is scans joined to small tables.
    """
    connection = spilling_connection(spill_dir, threads=threads)
    if sides_fixed:
        # 40_still_supported.sql joins the large side (the bands) to a small one on its right:
        # DuckDB estimates a scan of many files from the first one's rows, and when that file
        # was small it swapped the sides and built a hash table of 43M band rows (4 s instead
        # of 0.6 s a statement at a million articles).
        connection.execute("SET disabled_optimizers = 'build_side_probe_side'")
    try:
        for name, table in relations.items():
            connection.register(name, table)
        *steps, last = _statements(sql)
        for step in steps:
            connection.execute(step, _used(step, params))
        return connection.sql(last, params=_used(last, params)).to_arrow_table()
    finally:
        connection.close()


def _statements(sql: Path) -> list[str]:
    return [part for part in sql.read_text().split(";\n") if part.strip()]


def _used(statement: str, params: dict[str, object]) -> dict[str, object]:
    """The values of the parameters ``statement`` uses (DuckDB refuses others)."""
    return {name: params[name] for name in parameter_names(statement)}


def _read_pairs(pair_files: list[Path]) -> pa.Table:
    """Every pair of ``pair_files``, in the columns the queries return."""
    columns = ["left_key", "right_key", "jaccard", "containment", "run_id"]
    return pa.concat_tables(pq.read_table(path, columns=columns) for path in pair_files)
