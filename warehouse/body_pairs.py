"""The verified copy pairs of the next snapshot (``body_pairs``): found, verified and kept.

Candidates stream from the band buckets (:mod:`warehouse.candidates`), are screened on the stored
signatures and verified on their text in batches; the pairs of earlier runs stay while the
buckets still support them.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.arrays import distinct_inverse, distinct_sorted
from transforms.body_keys import body_keys, key_positions
from transforms.components import pair_batches
from transforms.near_copies import NearDupParams, plausible_pairs, verify_pairs
from transforms.sketches import unpack_signature_bytes
from warehouse.body_batches import KnownPlaces, bodies_by_batch
from warehouse.candidates import (
    TouchedBuckets,
    candidate_batches,
    reads_touched_buckets,
    supported_pairs,
    touched_buckets,
    touched_candidates,
)
from warehouse.parallel import in_order
from warehouse.schemas import BODY_PAIRS, conform
from warehouse.spill import spilling_connection
from warehouse.store import RunStaging, Snapshot, table_files

# Candidate pairs screened at a time by one thread, when they are all made at once.
SCREEN_ROWS = 1 << 18
_Ends = tuple[np.ndarray, np.ndarray, bool]
"""A chunk of candidate pairs: its left and right ends, as body keys (True) or as places among
the wanted bodies (False, -1 where not present)."""


def next_pairs(
    previous: Snapshot | None,
    staging: RunStaging,
    keys: pa.Table,
    params: NearDupParams,
    *,
    verifiers: Callable[[], Executor] | None = None,
    parallel: int = 1,
    known: KnownPlaces | None = None,
) -> pa.Table:
    """The copy pairs of the next snapshot: :func:`find_copies` and :func:`kept_pairs`, merged.

    A run adding few bodies reads the published band keys once, through its new bodies'
    buckets (:func:`warehouse.candidates.touched_buckets`), for both. The previous pairs still
    supported are found in a thread beside the search for new ones: neither needs the other,
    and both mostly wait on DuckDB's scans or on the verifying processes. ``known``: see
    :func:`find_copies`.
    """
    old_bands, new_bands = table_files(previous, "body_bands"), staging.band_files()
    touched = None
    if reads_touched_buckets(old_bands, new_bands):
        touched = touched_buckets(old_bands, new_bands, staging.path, params.minhash.bands)
    with ThreadPoolExecutor(1, thread_name_prefix="newsetl-kept-pairs") as beside:
        kept = beside.submit(kept_pairs, previous, staging, params, touched=touched)
        found = find_copies(
            previous,
            staging,
            keys,
            params,
            verifiers=verifiers,
            parallel=parallel,
            touched=touched,
            known=known,
        )
        return merged_pairs([found, kept.result()])


def find_copies(
    previous: Snapshot | None,
    staging: RunStaging,
    keys: pa.Table,
    params: NearDupParams,
    *,
    batch_bodies: int = 8_000,
    verifiers: Callable[[], Executor] | None = None,
    parallel: int = 1,
    touched: TouchedBuckets | None = None,
    known: KnownPlaces | None = None,
) -> pa.Table:
    """Verified copy pairs among the bodies new in this run and all the others.

    Candidates stream from :func:`candidate_batches`; each batch is judged on the stored
    signatures and shingle counts first (:func:`transforms.near_copies.plausible_pairs`), so only
    the pairs that may be copies are kept, and only those cost a read of their text. They are
    verified on their exact shingle sets before they link anything (``BODY_PAIRS`` rows, copies
    only). A run adding few bodies has few candidates: they are made at once, and only their
    bodies' sketches are read. Whole connected components of the plausible pairs are packed
    into batches of about ``batch_bodies`` bodies, and the documents stream the bodies out
    batch by batch (through temporary files), so only one batch of text is in memory at a time.

    Args:
        previous: The current snapshot (its band keys, signatures and documents), or None.
        staging: This run's staging (band keys, signatures and documents of the new bodies).
        keys: ``content_hash`` of every document of the next snapshot.
        params: Similarity thresholds and MinHash settings.
        batch_bodies: Bodies verified at a time (bounds the memory of text and shingles).
        verifiers: Starts the worker processes that verify batches side by side (``parallel``
            of them); batches are then of ``batch_bodies / parallel`` bodies, so the texts and
            shingles in memory stay within the same bound. None: batches are verified here.
        parallel: The number of workers ``verifiers`` starts, and of the threads that group
            the band buckets and screen the candidates (with or without ``verifiers``).
        touched: The buckets of this run's new bodies, read by :func:`next_pairs` for a run
            adding few bodies; None: read here if the run is one.
        known: Where the previous snapshot's bodies are, when the run read their keys: the
            bodies verified are then looked up there, not found by a scan of every document.
    """
    every_hash = keys.column("content_hash").combine_chunks()
    present, first = distinct_sorted(body_keys(every_hash))
    hashes = _Hashes(every_hash, first)
    old_bands, new_bands = table_files(previous, "body_bands"), staging.band_files()
    if touched is None and reads_touched_buckets(old_bands, new_bands):
        touched = touched_buckets(old_bands, new_bands, staging.path, params.minhash.bands)
    if touched is not None:
        candidates = touched_candidates(touched, params.max_bucket_bodies, staging.path)
        left, right = _screened(
            previous, staging, present, candidates.to_batches(), params, touched, parallel
        )
    else:
        batches = candidate_batches(
            old_bands,
            new_bands,
            max_bodies=params.max_bucket_bodies,
            spill_dir=staging.path,
            threads=parallel,
        )
        left, right = _screened(previous, staging, present, batches, params, None, parallel)
    if len(left) == 0:  # candidates, but none plausible
        return BODY_PAIRS.empty_table()
    side_by_side = verifiers is not None and parallel > 1
    size = max(batch_bodies // parallel, 2) if side_by_side else batch_bodies
    batch_of = pair_batches(len(present), left, right, size)
    by_batch = np.argsort(batch_of, kind="stable")
    left, right, batch_of = left[by_batch], right[by_batch], batch_of[by_batch]
    batches = _bodies_by_batch(previous, staging, hashes, left, right, batch_of, known)
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


def _screened(
    previous: Snapshot | None,
    staging: RunStaging,
    present: np.ndarray,
    batches: Iterable[pa.RecordBatch],
    params: NearDupParams,
    touched: TouchedBuckets | None,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs of present bodies that may be copies, as indices in ``present``.

    With ``touched`` (a run adding few bodies), the candidates are few: all are made first, only
    their bodies' signatures are read, and their opening keys come from ``touched``. Otherwise
    every present body's sketches are read, and candidates stream through. Chunks of candidates
    are screened by ``threads`` threads side by side (numpy's gathers and comparisons run
    beside each other), in order.
    """
    places: np.ndarray | None = None
    if touched is not None:
        batches = list(batches)
        ends = [batch.column(i).to_numpy() for batch in batches for i in (0, 1)]
        # The ends' distinct keys sorted once: each is looked up in order, and an end's place
        # among the bodies wanted follows from its key's, with no binary search per end.
        distinct, end_of = distinct_inverse(np.concatenate([_NO_KEYS, *ends]))
        found = key_positions(present, distinct)
        kept = found >= 0
        wanted, numbers = distinct[kept], found[kept]
        places = np.where(kept, np.cumsum(kept) - 1, -1)[end_of]
    else:
        wanted, numbers = present, np.arange(len(present))
    sigs, sizes = _signatures(previous, staging, wanted, params.minhash.permutations)
    if touched is None:
        openings = _opening_keys(previous, staging, wanted, params, numbers)
    else:
        openings = _touched_openings(previous, staging, touched, wanted, params, numbers)

    def screen(ends: _Ends) -> tuple[np.ndarray, np.ndarray]:
        left, right, are_keys = ends
        if are_keys:
            left, right = key_positions(wanted, left), key_positions(wanted, right)
        both = (left >= 0) & (right >= 0)
        left, right = left[both], right[both]
        plausible = plausible_pairs(sigs, sizes, left, right, params, openings)
        return numbers[left[plausible]], numbers[right[plausible]]

    kept_left: list[np.ndarray] = [np.zeros(0, np.int64)]
    kept_right: list[np.ndarray] = [np.zeros(0, np.int64)]
    with ThreadPoolExecutor(max(threads, 1), thread_name_prefix="newsetl-screen") as pool:
        for left, right in in_order(pool, screen, _candidate_ends(batches, places), threads):
            kept_left.append(left)
            kept_right.append(right)
    return np.concatenate(kept_left), np.concatenate(kept_right)


_NO_KEYS = np.zeros(0, np.uint64)


def _candidate_ends(
    batches: Iterable[pa.RecordBatch], places: np.ndarray | None
) -> Iterator[_Ends]:
    """The candidates in chunks, as they are screened.

    Each batch's body keys; or, with ``places`` (the ends' places, each batch's left ends then
    its right ends), slices of them of at most ``SCREEN_ROWS`` pairs.
    """
    start = 0
    for batch in batches:
        if places is None:
            yield batch.column(0).to_numpy(), batch.column(1).to_numpy(), True
            continue
        rows = batch.num_rows
        left, right = places[start : start + rows], places[start + rows : start + 2 * rows]
        start += 2 * rows
        for at in range(0, rows, SCREEN_ROWS):
            yield left[at : at + SCREEN_ROWS], right[at : at + SCREEN_ROWS], False


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


@dataclass(frozen=True)
class _Hashes:
    """The content hash of each body, in the order of their keys: a document's each."""

    column: pa.Array
    """Every document's content hash."""
    first: np.ndarray
    """For each body, one of its documents."""

    def __len__(self) -> int:
        return len(self.first)

    def take(self, bodies: np.ndarray) -> pa.Array:
        """The hashes of some bodies (indices): only those are taken out of the column."""
        return self.column.take(pa.array(self.first[bodies]))


def _bodies_by_batch(
    previous: Snapshot | None,
    staging: RunStaging,
    hashes: _Hashes,
    left: np.ndarray,
    right: np.ndarray,
    batch_of: np.ndarray,
    known: KnownPlaces | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]]:
    """Each verification batch: its pairs ``(a, b)``, its body indices (sorted) and their texts.

    ``left``, ``right``: the pairs (body indices), sorted by ``batch_of``, the batch of each; a
    body is read for each batch one of its pairs is in, by one scan of the staged and published
    documents, or of the staged ones with the previous bodies' places ``known``
    (:func:`warehouse.body_batches.bodies_by_batch`).
    """
    files = [str(p) for p in staging.path.glob("documents/*.parquet")]
    files += [str(p) for p in table_files(previous, "documents")]
    size = len(hashes)
    wanted_ends = np.unique(np.concatenate([batch_of * size + left, batch_of * size + right]))
    wanted = pa.table(
        {
            "content_hash": hashes.take(wanted_ends % size),
            "batch": pa.array(wanted_ends // size),
        }
    )
    bounds = np.searchsorted(batch_of, np.arange(int(batch_of[-1]) + 2))
    for number, texts in bodies_by_batch(files, wanted, staging.path, known):
        pairs = slice(bounds[number], bounds[number + 1])
        a, b = left[pairs], right[pairs]
        members = np.unique(np.concatenate([a, b]))
        at = pc.index_in(hashes.take(members), value_set=texts.column("content_hash"))
        if at.null_count:
            raise ValueError(f"{at.null_count} bodies of verification batch {number} not found")
        yield a, b, members, texts.column("body").combine_chunks().take(at)


def _signatures(
    previous: Snapshot | None, staging: RunStaging, wanted: np.ndarray, permutations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stored signatures (their low bytes) and shingle counts of the wanted body keys (sorted).

    Low bytes (:func:`transforms.sketches.unpack_signature_bytes`) are enough to judge
    candidates and keep a million bodies' signatures in 111 MB.
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
        sigs[at] = unpack_signature_bytes(rows.column(2), permutations)
        sizes[at] = rows.column(1).to_numpy()
    return sigs, sizes


def _opening_keys(
    previous: Snapshot | None,
    staging: RunStaging,
    wanted: np.ndarray,
    params: NearDupParams,
    numbers: np.ndarray,
) -> np.ndarray:
    """Stored opening band keys (their low 32 bits) of the wanted body keys (sorted).

    ``(bodies, opening bands)`` uint32; a body stored without them (hashed before openings
    were sketched) gets values of its own, which agree with no other body's: made from its
    number in ``numbers`` (its place among all present bodies, whichever are wanted).
    """
    bands = params.opening_minhash.bands
    opening = _own_openings(numbers, bands)
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


def _touched_openings(
    previous: Snapshot | None,
    staging: RunStaging,
    touched: TouchedBuckets,
    wanted: np.ndarray,
    params: NearDupParams,
    numbers: np.ndarray,
) -> np.ndarray:
    """:func:`_opening_keys` of the candidates' bodies of a run adding few bodies, by its buckets.

    Every candidate pair has a new body, whose opening keys are all in the touched rows, and so
    are the others' keys agreeing with a new body's in their low 32 bits: a key not there agrees
    with no new body's, and its body's own value (:func:`_opening_keys`) says the same, unless
    that value is a new body's key (a body stored without opening keys would then agree with
    it): such bodies' keys are read from the band files.
    """
    first, bands = params.minhash.bands, params.opening_minhash.bands
    opening = _own_openings(numbers, bands)
    known = np.zeros(opening.shape, bool)
    connection = spilling_connection(staging.path)
    try:
        touched.register(connection)
        connection.register("wanted", pa.table({"body_key": pa.array(wanted, pa.uint64())}))
        rows = connection.sql(
            "SELECT body_key, band, band_key FROM openings SEMI JOIN wanted USING (body_key)"
        ).to_arrow_table()
        new_keys = connection.sql(
            "SELECT DISTINCT band, band_key & 4294967295 AS low FROM new_bands "
            "WHERE band >= $first",
            params={"first": first},
        ).to_arrow_table()
    finally:
        connection.close()
    at = np.searchsorted(wanted, rows.column("body_key").to_numpy())
    band = rows.column("band").to_numpy().astype(np.int64) - first
    opening[at, band] = rows.column("band_key").to_numpy().astype(np.uint32)
    known[at, band] = True
    new_band = new_keys.column("band").to_numpy().astype(np.int64) - first
    new_low = new_keys.column("low").to_numpy().astype(np.uint32)
    taken = np.zeros(opening.shape, bool)
    for number in range(bands):
        taken[:, number] = np.isin(opening[:, number], new_low[new_band == number])
    unsure = np.flatnonzero((taken & ~known).any(axis=1))
    if len(unsure):
        opening[unsure] = _opening_keys(previous, staging, wanted[unsure], params, numbers[unsure])
    return opening


def _own_openings(numbers: np.ndarray, bands: int) -> np.ndarray:
    """The opening values of bodies stored without opening keys: their own, from their numbers."""
    own = np.add.outer(
        numbers.astype(np.uint32) * np.uint32(bands), np.arange(bands, dtype=np.uint32)
    )
    return own.astype(np.uint32) | np.uint32(1 << 31)


def _rows_of_wanted(
    staging: RunStaging, wanted: np.ndarray, sql: str, params: dict[str, object], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Stream the rows ``sql`` selects, with the wanted body keys registered as ``wanted``.

    Two DuckDB threads: the work is the scan, and the join table (the wanted keys) is small.
    """
    connection = spilling_connection(staging.path, threads=2)
    try:
        connection.register("wanted", pa.table({"body_key": pa.array(wanted, pa.uint64())}))
        yield from connection.sql(sql, params=params).to_arrow_reader(batch_rows)
    finally:
        connection.close()


def kept_pairs(
    previous: Snapshot | None,
    staging: RunStaging,
    params: NearDupParams,
    *,
    touched: TouchedBuckets | None = None,
) -> pa.Table:
    """The previous snapshot's copy pairs that stay in the next one.

    A previous pair stays while it shares a band bucket of at most ``max_bucket_bodies``
    bodies: the pairs are then those one run over everything finds. Only the pairs in buckets
    this run's bodies pushed over the cap are looked at again
    (:func:`warehouse.candidates.supported_pairs`); ``touched``, the buckets of this run's new
    bodies when :func:`next_pairs` has read them.
    """
    old_files = table_files(previous, "body_pairs")
    if not old_files:
        return BODY_PAIRS.empty_table()
    new_bands = staging.band_files()
    return supported_pairs(
        table_files(previous, "body_bands") + new_bands,
        old_files,
        params.max_bucket_bodies,
        spill_dir=staging.path,
        new_bands=new_bands,
        touched=touched,
    )


def merged_pairs(tables: Sequence[pa.Table]) -> pa.Table:
    """The pairs of ``tables`` as one ``BODY_PAIRS`` table, each pair once."""
    merged = pa.concat_tables([conform(t, BODY_PAIRS, name="body_pairs") for t in tables])
    return conform(_distinct_pairs(merged), BODY_PAIRS, name="body_pairs")


# Mixes a pair's two keys into one 64-bit code (a golden-ratio multiplier); equal codes are
# only a hint that two rows may be one pair, checked on the keys themselves.
PAIR_MIX = np.uint64(0x9E3779B97F4A7C15)


def _distinct_pairs(pairs: pa.Table) -> pa.Table:
    """One row per pair, sorted by its keys.

    A pair found again keeps the largest figures and the run that first verified it (run ids
    start with their time). Only the rows whose pair may be repeated are grouped: a pair is
    mostly stored once.
    """
    left, right = pairs.column("left_key").to_numpy(), pairs.column("right_key").to_numpy()
    code = (left * PAIR_MIX) ^ right
    order = np.argsort(code)
    same = code[order[1:]] == code[order[:-1]]
    repeated = np.zeros(len(code), bool)
    repeated[order[1:][same]] = True
    repeated[order[:-1][same]] = True
    if repeated.any():
        mask = pa.array(repeated)
        grouped = (
            pairs.filter(mask)
            .group_by(["left_key", "right_key"], use_threads=False)
            .aggregate([("jaccard", "max"), ("containment", "max"), ("run_id", "min")])
        )
        grouped = grouped.rename_columns(pairs.column_names).cast(pairs.schema)
        pairs = pa.concat_tables([pairs.filter(pc.invert(mask)), grouped])
        left, right = pairs.column("left_key").to_numpy(), pairs.column("right_key").to_numpy()
    return pairs.take(pa.array(np.lexsort((right, left))))
