"""``match_passages``: why each near copy is linked to its canonical document, kept across runs.

At publish, every near copy of ``document_matches`` gets the longest passage it shares with its
canonical document and what differs between them (:mod:`transforms.passages`). A row of the
previous snapshot stands while its copy is still matched to the same canonical document and
neither was processed again: their bodies, so their passage, are the same. Only the other
matches are computed, so a run adding 1% of the documents reads the bodies of its new matches,
not of every match; a previous file whose rows all stand is hard-linked into the new snapshot.

The bodies of the matches to compute are read in batches of whole stories (a canonical body and
its copies), one batch of text in memory at a time (:mod:`warehouse.body_batches`); given worker
processes, they compute batches side by side while the next batches are read.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.passages import PassageParams, batch_passages
from warehouse.body_batches import bodies_by_batch
from warehouse.incremental import DocumentKeys, Scope
from warehouse.schemas import MATCH_PASSAGES, conform
from warehouse.store import RunStaging, Snapshot, table_files

# Pairs of bodies computed at once: some 2,000 bodies of text and their words in memory.
BATCH_PAIRS = 1_000
PASSAGES = PassageParams()


@dataclass(frozen=True)
class PassagesPlan:
    """The ``match_passages`` of the next snapshot: files carried as they are, and rows written."""

    carried: list[Path]
    """Previous files whose rows all stand: hard-linked, not rewritten."""
    written: pa.Table
    """Rows of previous files that lost some, and the rows of this run's new matches."""


def _pair_keys(doc_id: pa.Array, matched_doc_id: pa.Array) -> pa.Array:
    """One string per (copy, canonical) pair, to test pairs as set members."""
    return pc.binary_join_element_wise(doc_id, matched_doc_id, "\x1f")


def next_match_passages(
    keys: DocumentKeys,
    matches: pa.Table,
    staging: RunStaging,
    previous: Snapshot | None,
    params: PassageParams = PASSAGES,
    batch_pairs: int = BATCH_PAIRS,
    *,
    workers: Callable[[], Executor] | None = None,
    parallel: int = 1,
    scope: Scope | None = None,
    before_compute: Callable[[int], None] | None = None,
) -> PassagesPlan:
    """Carry the passages that stand; compute those of the new near copies.

    Args:
        keys: The next snapshot's documents: ``keys.previous`` are the unchanged ones.
        matches: The next snapshot's ``document_matches``: every row, or those of ``scope``.
        staging: This run's staging (its documents, and room for temporary files).
        previous: The current snapshot, or None for a first run.
        params: How passages are found.
        batch_pairs: Pairs of bodies computed at once.
        workers: Starts the worker processes that compute batches side by side (``parallel``
            of them), while this process reads the next batches' bodies. None: batches are
            computed here.
        parallel: The number of workers ``workers`` starts.
        scope: The copies (``doc_id``) whose matches the run drew again; a previous passage of
            another copy stands as it is (its match and both bodies did not change). None:
            ``matches`` has every copy.
        before_compute: Called with the number of matches to compute, before their bodies are
            read (the caller may wait there for the memory they need); not called when none is.
    """
    near = matches.filter(pc.equal(matches.column("kind"), "near"))
    wanted = _pair_keys(near.column("doc_id"), near.column("matched_doc_id"))
    # A document of the next snapshot is new (or new again) or kept as it was: the few new ones
    # are the set to test against.
    new = keys.new.column("doc_id").combine_chunks()
    standing = near.filter(
        pc.invert(
            pc.or_(
                pc.is_in(near.column("doc_id"), value_set=new),
                pc.is_in(near.column("matched_doc_id"), value_set=new),
            )
        )
    )
    standing_keys = _pair_keys(standing.column("doc_id"), standing.column("matched_doc_id"))
    carried: list[Path] = []
    parts: list[pa.Table] = []
    done: list[pa.ChunkedArray] = []
    for path in table_files(previous, "match_passages"):
        if scope is None:
            pairs = pq.read_table(path, columns=["doc_id", "matched_doc_id"])
            if not pairs.num_rows:
                continue  # a run without near copies wrote an empty file: nothing to carry
            found = _pair_keys(pairs.column("doc_id"), pairs.column("matched_doc_id"))
            stands = pc.is_in(found, value_set=standing_keys)
            done.append(found.filter(stands))
        else:
            drawn = scope.rows_in(path)
            if not pc.any(drawn).as_py():
                if len(drawn):
                    carried.append(path)
                continue
            pairs = pq.read_table(path, columns=["doc_id", "matched_doc_id"]).filter(drawn)
            found = _pair_keys(pairs.column("doc_id"), pairs.column("matched_doc_id"))
            standing_drawn = pc.is_in(found, value_set=standing_keys)
            done.append(found.filter(standing_drawn))
            stands = pc.invert(drawn)
            stands = pc.replace_with_mask(stands, drawn, standing_drawn.combine_chunks())
        if pc.all(stands).as_py():
            carried.append(path)
        elif pc.any(stands).as_py():
            rows = pq.read_table(path).filter(stands)
            parts.append(conform(rows, MATCH_PASSAGES, name="match_passages"))
    computed = pa.chunked_array([chunk for keys in done for chunk in keys.chunks], pa.string())
    todo = near.filter(pc.invert(pc.is_in(wanted, value_set=computed.combine_chunks())))
    del near, wanted, standing, standing_keys, done, computed
    if todo.num_rows:
        if before_compute is not None:
            before_compute(todo.num_rows)
        parts.append(
            _compute(keys, todo, staging, previous, params, batch_pairs, workers, parallel)
        )
    written = pa.concat_tables(parts) if parts else MATCH_PASSAGES.empty_table()
    return PassagesPlan(carried, written)


def _positions(sought: pa.ChunkedArray, doc_ids: pa.Array) -> pa.Array:
    """Where each of ``sought`` is in ``doc_ids`` (unique), null where it is not.

    The few ids sought are hashed, not the million documents: ``doc_ids`` is probed once.
    """
    distinct = pc.unique(sought)
    at = pc.index_in(doc_ids, value_set=distinct)
    found = at.is_valid().to_numpy(zero_copy_only=False)
    row_of = np.full(len(distinct), -1, np.int64)
    row_of[pc.fill_null(at, 0).to_numpy()[found]] = np.flatnonzero(found)
    rows = row_of[pc.index_in(sought, value_set=distinct).to_numpy(zero_copy_only=False)]
    return pa.array(rows, mask=rows < 0)


def _compute(
    keys: DocumentKeys,
    todo: pa.Table,
    staging: RunStaging,
    previous: Snapshot | None,
    params: PassageParams,
    batch_pairs: int,
    workers: Callable[[], Executor] | None,
    parallel: int,
) -> pa.Table:
    """The passages of ``todo``'s matches, computed once per distinct pair of bodies."""
    everyone = keys.all_keys()
    matched = len(todo)
    # Copies and canonical documents looked up at once: one hash table of every document id.
    sought = pa.chunked_array(
        [*todo.column("doc_id").chunks, *todo.column("matched_doc_id").chunks], pa.string()
    )
    located = _positions(sought, everyone.column("doc_id").combine_chunks())
    if located.null_count:
        raise ValueError("a near copy or its canonical document is not among the documents")
    # Hashes by rank among the distinct ones: pairs of ranks sort as pairs of hashes, and each
    # match finds its distinct pair of bodies without a join on strings.
    encoded = pc.dictionary_encode(everyone.column("content_hash").combine_chunks().take(located))
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    named = encoded.dictionary.take(pa.array(order))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    ranks = rank[encoded.indices.to_numpy()]
    copy_rank, canonical_rank = ranks[:matched], ranks[matched:]
    # Pairs in canonical order, ``batch_pairs`` a batch: a story's copies share batches with its
    # canonical, and a story copied thousands of times reads its canonical once per batch
    # rather than holding all its copies at once (64,831 bodies in one batch at a million).
    pairs, pair_of_match = np.unique(canonical_rank * len(named) + copy_rank, return_inverse=True)
    canonical_of_pair, copy_of_pair = pairs // len(named), pairs % len(named)
    bodies = pa.table(
        {
            "canonical_hash": named.take(pa.array(canonical_of_pair)),
            "copy_hash": named.take(pa.array(copy_of_pair)),
        }
    )
    batch = np.arange(bodies.num_rows) // batch_pairs
    batches = int(batch[-1]) + 1
    bounds = np.searchsorted(batch, np.arange(batches + 1))
    # A body once in each batch it is wanted in.
    wanted_at = np.unique(np.r_[canonical_of_pair, copy_of_pair] * batches + np.r_[batch, batch])
    wanted = pa.table(
        {
            "content_hash": named.take(pa.array(wanted_at // batches)),
            "batch": pa.array(wanted_at % batches),
        }
    )
    files = [shard.documents for shard in staging.shards]
    files += table_files(previous, "documents")
    found: list[pa.Table] = []
    with contextlib.ExitStack() as stack:
        pool = None
        if workers is not None and parallel > 1 and len(bounds) > 2:  # two batches or more
            pool = stack.enter_context(workers())
            # Workers start (a process each, importing numpy and pyarrow) while the bodies are
            # read, rather than when the first batch is ready.
            for _ in range(parallel):
                pool.submit(importlib.import_module, batch_passages.__module__)
        # One batch more than workers out at a time: each worker finds the next batch waiting
        # when it is done, and the texts held here stay within a few batches.
        running: collections.deque[Future[pa.Table]] = collections.deque()
        for number, texts in bodies_by_batch(files, wanted, staging.path):
            in_batch = bodies.slice(bounds[number], bounds[number + 1] - bounds[number])
            copies = in_batch.column("copy_hash").combine_chunks()
            canonicals = in_batch.column("canonical_hash").combine_chunks()
            if pool is None:
                found.append(batch_passages(copies, canonicals, texts, params))
                continue
            running.append(pool.submit(batch_passages, copies, canonicals, texts, params))
            if len(running) > parallel:
                found.append(running.popleft().result())
        found += [future.result() for future in running]
    # The batches' rows are the distinct pairs in order, unless a batch had no body to read.
    computed = pa.concat_tables(found) if found else None
    if computed is None or not (
        computed.column("copy_hash").equals(bodies.column("copy_hash"))
        and computed.column("canonical_hash").equals(bodies.column("canonical_hash"))
    ):
        raise ValueError("near copies have no body to compare")
    by_doc = pc.sort_indices(todo.column("doc_id"))
    rows = computed.take(pa.array(pair_of_match[by_doc.to_numpy()]))
    rows = rows.append_column("doc_id", todo.column("doc_id").take(by_doc))
    rows = rows.append_column("matched_doc_id", todo.column("matched_doc_id").take(by_doc))
    rows = rows.append_column("run_id", pa.repeat(pa.scalar(staging.run_id), rows.num_rows))
    return conform(rows.select(MATCH_PASSAGES.names), MATCH_PASSAGES, name="match_passages")
