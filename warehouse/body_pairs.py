"""The verified copy pairs of the next snapshot (``body_pairs``): found, verified and kept.

Candidates stream from the band buckets (:mod:`warehouse.candidates`), are screened on the stored
signatures and verified on their text in batches; the pairs of earlier runs stay while the
buckets still support them.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.body_keys import body_keys, key_positions
from transforms.components import pair_batches
from transforms.near_copies import NearDupParams, plausible_pairs, verify_pairs
from transforms.sketches import signature_bytes, unpack_signatures
from warehouse.body_batches import bodies_by_batch
from warehouse.candidates import candidate_batches, supported_pairs
from warehouse.schemas import BODY_PAIRS, conform
from warehouse.spill import spilling_connection
from warehouse.store import RunStaging, Snapshot, table_files


def find_copies(
    previous: Snapshot | None,
    staging: RunStaging,
    keys: pa.Table,
    params: NearDupParams,
    *,
    batch_bodies: int = 8_000,
    verifiers: Callable[[], Executor] | None = None,
    parallel: int = 1,
) -> pa.Table:
    """Verified copy pairs among the bodies new in this run and all the others.

    Candidates stream from :func:`candidate_batches`; each batch is judged on the stored
    signatures and shingle counts first (:func:`transforms.near_copies.plausible_pairs`), so only
    the pairs that may be copies are kept, and only those cost a read of their text. They are
    verified on their exact shingle sets before they link anything (``BODY_PAIRS`` rows, copies
    only): whole connected components of the plausible pairs are packed into batches of about
    ``batch_bodies`` bodies, and one DuckDB scan of the documents streams the bodies out batch
    by batch (through temporary files), so only one batch of text is in memory at a time.

    Args:
        previous: The current snapshot (its band keys, signatures and documents), or None.
        staging: This run's staging (band keys, signatures and documents of the new bodies).
        keys: ``content_hash`` of every document of the next snapshot.
        params: Similarity thresholds and MinHash settings.
        batch_bodies: Bodies verified at a time (bounds the memory of text and shingles).
        verifiers: Starts the worker processes that verify batches side by side (``parallel``
            of them); batches are then of ``batch_bodies / parallel`` bodies, so the texts and
            shingles in memory stay within the same bound. None: batches are verified here.
        parallel: The number of workers ``verifiers`` starts.
    """
    hashes = pc.unique(keys.column("content_hash").combine_chunks())
    present = body_keys(hashes)
    order = np.argsort(present)
    present, hashes = present[order], hashes.take(pa.array(order))
    sigs, sizes = _signatures(previous, staging, present, params.minhash.permutations)
    openings = _opening_keys(previous, staging, present, params)
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
        plausible = plausible_pairs(sigs, sizes, left, right, params, openings)
        kept_left.append(left[plausible])
        kept_right.append(right[plausible])
    del sigs, sizes, openings
    left = np.concatenate(kept_left) if kept_left else np.zeros(0, np.int64)
    right = np.concatenate(kept_right) if kept_right else np.zeros(0, np.int64)
    if len(left) == 0:  # candidates, but none plausible
        return BODY_PAIRS.empty_table()
    side_by_side = verifiers is not None and parallel > 1
    size = max(batch_bodies // parallel, 2) if side_by_side else batch_bodies
    batch_of = pair_batches(len(present), left, right, size)
    by_batch = np.argsort(batch_of, kind="stable")
    left, right, batch_of = left[by_batch], right[by_batch], batch_of[by_batch]
    batches = _bodies_by_batch(previous, staging, hashes, left, right, batch_of)
    with contextlib.ExitStack() as stack:
        pool = None
        if verifiers is not None and side_by_side and batch_of[-1] > 0:  # two batches or more
            pool = stack.enter_context(verifiers())
        verified = _verified(batches, params, pool, parallel)
        found = [_copies(present, a, b, verdict, staging.run_id) for a, b, verdict in verified]
    return conform(
        pa.concat_tables([BODY_PAIRS.empty_table(), *found], promote_options="permissive"),
        BODY_PAIRS,
        name="body_pairs",
    )


Verdict = tuple[np.ndarray, np.ndarray, np.ndarray]
"""``(jaccard, containment, is_copy)`` of a batch's pairs (:func:`verify_pairs`)."""


def _verified(
    batches: Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]],
    params: NearDupParams,
    pool: Executor | None,
    parallel: int,
) -> Iterator[tuple[np.ndarray, np.ndarray, Verdict]]:
    """Each batch's pairs ``(a, b)`` (body indices) and their verdict, in batch order.

    With a pool, at most ``parallel`` batches are out at a time: the texts waiting in this
    process stay within a few batches.
    """
    waiting: collections.deque[tuple[np.ndarray, np.ndarray, Future[Verdict]]] = collections.deque()
    for a, b, members, bodies in batches:
        at_a, at_b = np.searchsorted(members, a), np.searchsorted(members, b)
        if pool is None:
            yield a, b, verify_pairs(bodies, at_a, at_b, params)
            continue
        waiting.append((a, b, pool.submit(verify_pairs, bodies, at_a, at_b, params)))
        if len(waiting) >= parallel:
            yield _when_done(waiting.popleft())
    while waiting:
        yield _when_done(waiting.popleft())


def _when_done(
    submitted: tuple[np.ndarray, np.ndarray, Future[Verdict]],
) -> tuple[np.ndarray, np.ndarray, Verdict]:
    a, b, future = submitted
    return a, b, future.result()


def _copies(
    present: np.ndarray, a: np.ndarray, b: np.ndarray, verdict: Verdict, run_id: str
) -> pa.Table:
    """The copy pairs of a verified batch, as ``BODY_PAIRS`` rows (without their schema)."""
    jaccard, containment, is_copy = verdict
    return pa.table(
        {
            "left_key": pa.array(present[a[is_copy]], pa.uint64()),
            "right_key": pa.array(present[b[is_copy]], pa.uint64()),
            "jaccard": pa.array(jaccard[is_copy], pa.float32()),
            "containment": pa.array(containment[is_copy], pa.float32()),
            "run_id": pa.array([run_id] * int(is_copy.sum()), pa.string()),
        }
    )


def _bodies_by_batch(
    previous: Snapshot | None,
    staging: RunStaging,
    hashes: pa.Array,
    left: np.ndarray,
    right: np.ndarray,
    batch_of: np.ndarray,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]]:
    """Each verification batch: its pairs ``(a, b)``, its body indices (sorted) and their texts.

    ``left``, ``right``: the pairs (body indices), sorted by ``batch_of``, the batch of each; a
    body is read for each batch one of its pairs is in, by one scan of the staged and published
    documents (:func:`warehouse.body_batches.bodies_by_batch`).
    """
    files = [str(p) for p in staging.path.glob("documents/*.parquet")]
    files += [str(p) for p in table_files(previous, "documents")]
    size = len(hashes)
    wanted_ends = np.unique(np.concatenate([batch_of * size + left, batch_of * size + right]))
    wanted = pa.table(
        {
            "content_hash": hashes.take(pa.array(wanted_ends % size)),
            "batch": pa.array(wanted_ends // size),
        }
    )
    bounds = np.searchsorted(batch_of, np.arange(int(batch_of[-1]) + 2))
    for number, texts in bodies_by_batch(files, wanted, staging.path):
        pairs = slice(bounds[number], bounds[number + 1])
        a, b = left[pairs], right[pairs]
        members = np.unique(np.concatenate([a, b]))
        at = pc.index_in(hashes.take(pa.array(members)), value_set=texts.column("content_hash"))
        if at.null_count:
            raise ValueError(f"{at.null_count} bodies of verification batch {number} not found")
        yield a, b, members, texts.column("body").combine_chunks().take(at)


def _signatures(
    previous: Snapshot | None, staging: RunStaging, wanted: np.ndarray, permutations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stored signatures (their low bytes) and shingle counts of the wanted body keys (sorted).

    Low bytes (:func:`transforms.sketches.signature_bytes`) are enough to judge candidates and
    keep a million bodies' signatures in 111 MB.
    """
    files = [str(p) for p in staging.signature_files() + table_files(previous, "body_signatures")]
    sigs = np.zeros((len(wanted), permutations), np.uint8)
    sizes = np.zeros(len(wanted), np.int64)
    if not files or len(wanted) == 0:
        return sigs, sizes
    # A body stored twice (in two shards or runs) has the same signature: either row does.
    for rows in _rows_of_wanted(
        staging,
        wanted,
        "SELECT body_key, shingles, signature "
        "FROM read_parquet($files) SEMI JOIN wanted USING (body_key)",
        {"files": files},
        65_536,
    ):
        at = np.searchsorted(wanted, rows.column(0).to_numpy())
        sigs[at] = signature_bytes(unpack_signatures(rows.column(2), permutations))
        sizes[at] = rows.column(1).to_numpy()
    return sigs, sizes


def _opening_keys(
    previous: Snapshot | None, staging: RunStaging, wanted: np.ndarray, params: NearDupParams
) -> np.ndarray:
    """Stored opening band keys (their low 32 bits) of the wanted body keys (sorted).

    ``(bodies, opening bands)`` uint32; a body stored without them (hashed before openings
    were sketched) gets values of its own, which agree with no other body's.
    """
    bands = params.opening_minhash.bands
    opening = np.arange(len(wanted) * bands, dtype=np.uint32).reshape(-1, bands) | np.uint32(
        1 << 31
    )
    files = [str(p) for p in staging.band_files() + table_files(previous, "body_bands")]
    if not files or len(wanted) == 0:
        return opening
    for rows in _rows_of_wanted(
        staging,
        wanted,
        "SELECT body_key, band, band_key FROM read_parquet($files) "
        "SEMI JOIN wanted USING (body_key) WHERE band >= $first AND band < $last",
        {"files": files, "first": params.minhash.bands, "last": params.bands},
        262_144,
    ):
        at = np.searchsorted(wanted, rows.column(0).to_numpy())
        band = rows.column(1).to_numpy().astype(np.int64) - params.minhash.bands
        opening[at, band] = rows.column(2).to_numpy().astype(np.uint32)
    return opening


def _rows_of_wanted(
    staging: RunStaging, wanted: np.ndarray, sql: str, params: dict[str, object], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Stream the rows ``sql`` selects, with the wanted body keys registered as ``wanted``."""
    connection = spilling_connection(staging.path)
    try:
        connection.register("wanted", pa.table({"body_key": pa.array(wanted, pa.uint64())}))
        yield from connection.sql(sql, params=params).to_arrow_reader(batch_rows)
    finally:
        connection.close()


def all_pairs(
    previous: Snapshot | None, staging: RunStaging, new_pairs: pa.Table, params: NearDupParams
) -> pa.Table:
    """The copy pairs of the next snapshot: the previous ones still supported, and this run's.

    A previous pair stays while it shares a band bucket of at most ``max_bucket_bodies``
    bodies: the pairs are then those one run over everything finds. Only the pairs in buckets
    this run's bodies pushed over the cap are checked again (``30_still_supported.sql``).
    """
    old_files = table_files(previous, "body_pairs")
    tables = [new_pairs]
    if old_files:
        new_bands = staging.band_files()
        tables.append(
            supported_pairs(
                table_files(previous, "body_bands") + new_bands,
                old_files,
                params.max_bucket_bodies,
                spill_dir=staging.path,
                new_bands=new_bands,
            )
        )
    merged = pa.concat_tables([conform(t, BODY_PAIRS, name="body_pairs") for t in tables])
    if merged.num_rows == 0:
        return merged
    # A pair found again keeps the run that first verified it (run ids start with their time).
    unique = merged.group_by(["left_key", "right_key"], use_threads=False).aggregate(
        [("jaccard", "max"), ("containment", "max"), ("run_id", "min")]
    )
    unique = unique.rename_columns(["left_key", "right_key", "jaccard", "containment", "run_id"])
    return conform(
        unique.sort_by([("left_key", "ascending"), ("right_key", "ascending")]),
        BODY_PAIRS,
        name="body_pairs",
    )
