"""The Prefect tasks of the ingest flow.

Each input file is read and decoded once per run, by two shard functions: :func:`normalise_shard`
reads, decodes and normalises a shard of files and stages their texts with the census of their
edge lines; once the whole census has learned the chrome, :func:`process_shard` parses the staged
texts. The tasks :func:`normalise_shards` and :func:`process_shards` run them over a batch of
consecutive shards, one shard at a time: a task run's own CPU in its worker and in the Prefect
server is a good part of a census shard's (BENCHMARKS.md, "CPU per article in a full run"), so
on local workers a task run carries several shards; on a cluster, one. The other tasks run once
per run in the flow's own process, over compact columns.
"""

from __future__ import annotations

import functools
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from flows.local_workers import (
    PASSAGE_NICENESS,
    lower_this_thread,
    passage_pool,
    settle_worker,
    verification_pool,
)
from flows.render import render
from transforms.articles import census_texts, normalise_files, parse_texts
from transforms.body_keys import body_keys
from transforms.census import LearnedChrome
from transforms.clustering import (
    CLUSTERING_DIGEST,
    changed_pair_keys,
    cluster_documents,
    recluster,
)
from transforms.entities import extract_mentions
from transforms.header import PlausibleDates
from transforms.isolation import parse_isolating
from transforms.near_copies import NearDupParams
from transforms.publishers import PublisherRules
from transforms.sketches import sketch_bodies
from warehouse import (
    body_pairs,
    catalog,
    incremental,
    match_passages,
    resume,
    sources,
    spill,
    store,
)
from warehouse.runs import RunRecord
from warehouse.storage import Storage
from warehouse.story_partitions import StoryMonths

# Near-duplicate settings: shingles, MinHash banding and similarity thresholds (docs/design.md).
NEAR_DUPLICATES = NearDupParams()

# Shard tasks touch the input and the staging folder: a storage hiccup is retried, a bad file is
# not (it is quarantined, never raised).
SHARD_RETRIES = 2
SHARD_RETRY_DELAYS: list[float] = [1, 5]


@task(name="discover_files", retries=2, retry_delay_seconds=SHARD_RETRY_DELAYS, cache_policy=NONE)
def discover_files(input_spec: str, pattern: str, warehouse: Path) -> sources.Discovery:
    """Find the article files of the input (never those of the warehouse, if it lies inside).

    The command line's listing is taken when it made one, checking for new files before the run.
    """
    listed = sources.take_listing(input_spec, pattern, warehouse)
    return listed if listed is not None else sources.discover(input_spec, pattern, skip=warehouse)


@dataclass(frozen=True)
class NormalisedShard:
    """One shard's staged normalised texts and census of edge lines, and what they cost."""

    shard: int
    texts: Path
    census: Path
    files: int
    cpu_seconds: float


@dataclass(frozen=True)
class ShardFiles:
    """One shard of a stage: its number, its files, and (process) its staged texts, if any."""

    shard: int
    paths: list[str]
    texts: Path | None = None


@task(
    name="normalise_shards",
    retries=SHARD_RETRIES,
    retry_delay_seconds=SHARD_RETRY_DELAYS,
    cache_policy=NONE,
)
def normalise_shards(
    storage: Storage,
    root: Path | str,
    shards: list[ShardFiles],
    staging_path: Path,
    max_file_bytes: int,
    rules: PublisherRules,
) -> list[NormalisedShard]:
    """:func:`normalise_shard` over each shard of a batch, in order.

    A retry takes the shards an earlier try staged as they are.
    """
    results = []
    for one in shards:
        results.append(
            normalise_shard(
                storage, root, one.paths, one.shard, staging_path, max_file_bytes, rules
            )
        )
        settle_worker()
    return results


def normalise_shard(
    storage: Storage,
    root: Path | str,
    paths: list[str],
    shard: int,
    staging_path: Path,
    max_file_bytes: int,
    rules: PublisherRules,
) -> NormalisedShard:
    """Read, decode and normalise one shard of files; stage the texts and their edge lines.

    The files are read once in a run: :func:`process_shard` parses the staged texts once the
    census has learned the chrome. A shard this run already staged (an earlier try of its task)
    is taken as it is: within a run, a shard number always names the same files.
    """
    started = time.process_time()
    staged_before = store.staged_normalised(staging_path, shard)
    if staged_before is not None:
        texts, census_file = staged_before
        return NormalisedShard(shard, texts, census_file, len(paths), time.process_time() - started)
    normalised, unread = _read_normalised(storage, root, paths, max_file_bytes)
    texts = store.write_staged_texts(storage, staging_path, shard, normalised, unread)
    census = census_texts(normalised, rules)
    staged = store.write_staged_census(storage, staging_path, shard, census)
    release_memory()
    return NormalisedShard(shard, texts, staged, len(paths), time.process_time() - started)


def _read_normalised(
    storage: Storage, root: Path | str, paths: list[str], max_file_bytes: int
) -> tuple[pa.Table, pa.Table]:
    """Read, decode and normalise files: their texts (``TEXTS_SCHEMA``) and quarantine rows.

    A file that cannot be read, or that normalising fails on alone (as parsing does), is
    quarantined.
    """
    read = sources.read_files(root, paths, max_file_bytes, opener=storage.open_input)
    normalised = parse_isolating(normalise_files, read.files)
    return normalised.documents, pa.concat_tables([read.quarantine, normalised.quarantine])


@dataclass(frozen=True)
class ProcessedShard:
    """One shard's staged outputs, and what it cost."""

    staged: store.StagedShard
    cpu_seconds: float
    """CPU seconds of the whole task in its worker process."""
    sketch_cpu_seconds: float
    """Of which MinHash signatures and band keys (deduplication's share of the work)."""


@task(
    name="process_shards",
    retries=SHARD_RETRIES,
    retry_delay_seconds=SHARD_RETRY_DELAYS,
    cache_policy=NONE,
)
def process_shards(
    storage: Storage,
    root: Path | str,
    shards: list[ShardFiles],
    staging_path: Path,
    max_file_bytes: int,
    signatures: PublisherRules,
    learned_chrome: LearnedChrome,
    plausible_dates: PlausibleDates,
) -> list[ProcessedShard]:
    """:func:`process_shard` over each shard of a batch, in order.

    A retry takes the shards an earlier try staged as they are (by their content key).
    """
    results = []
    for one in shards:
        results.append(
            process_shard(
                storage,
                root,
                one.paths,
                one.shard,
                staging_path,
                max_file_bytes,
                signatures,
                learned_chrome,
                plausible_dates,
                one.texts,
            )
        )
        settle_worker()
    return results


def process_shard(
    storage: Storage,
    root: Path | str,
    paths: list[str],
    shard: int,
    staging_path: Path,
    max_file_bytes: int,
    signatures: PublisherRules,
    learned_chrome: LearnedChrome,
    plausible_dates: PlausibleDates,
    texts: Path | None = None,
) -> ProcessedShard:
    """Parse one shard of files and stage its documents and quarantine rows.

    ``texts`` is the shard's staged normalised texts (:func:`normalise_shard`), removed once the
    shard is staged; without it (unchanged files parsed again because their chrome moved) the
    files are read, decoded and normalised here.

    A shard finished by a crashed run (or by an earlier try of this task) with the same content
    key is taken as it is: the key covers the files' sizes and mtimes, the parameters, the learned
    chrome and the code.
    """
    started = time.process_time()
    parameters = (max_file_bytes, signatures, NEAR_DUPLICATES, plausible_dates)
    key = resume.shard_key(root, paths, (*parameters, learned_chrome.digest), None)
    resumed = store.resumed_shard(storage, staging_path, shard, key)
    if resumed is not None:
        if texts is not None:
            storage.remove(texts)
        return ProcessedShard(resumed, time.process_time() - started, 0.0)
    if texts is None:
        normalised_texts, unread = _read_normalised(storage, root, paths, max_file_bytes)
    else:
        normalised_texts, unread = store.read_staged_texts(texts)
    parse = functools.partial(
        parse_texts,
        rules=signatures,
        learned=learned_chrome,
        plausible_dates=plausible_dates,
    )
    parsed = parse_isolating(parse, normalised_texts)  # a file parsing fails on is quarantined
    quarantine = pa.concat_tables([unread, parsed.quarantine])
    documents = parsed.documents
    # Entities are read from the headline and the cleaned body, one paragraph apart.
    text = pc.binary_join_element_wise(
        pc.fill_null(documents.column("title"), ""), documents.column("body"), "\n"
    )
    mentions = extract_mentions(documents.column("doc_id"), text)
    sketching = time.process_time()
    sketches = sketch_bodies(
        documents.column("content_hash"), documents.column("body"), NEAR_DUPLICATES
    )
    sketch_seconds = time.process_time() - sketching
    staged = store.write_staged_shard(
        storage,
        staging_path,
        shard,
        documents,
        quarantine,
        sketches.bands,
        sketches.signatures,
        mentions,
        key,
    )
    if texts is not None:
        storage.remove(texts)
    release_memory()
    return ProcessedShard(staged, time.process_time() - started, sketch_seconds)


def release_memory() -> None:
    """Give the memory Arrow freed back to the system.

    Arrow's allocator otherwise keeps the pages of its largest step: in a worker, of its largest
    shard (two idle workers holding them count in the run's peak memory); in the driver, of the
    last large join.
    """
    pa.default_memory_pool().release_unused()


@task(name="deduplicate_documents", cache_policy=NONE)
def deduplicate_documents(
    keys: incremental.DocumentKeys,
    previous: store.Snapshot | None,
    staging: store.RunStaging,
    workers: int = 1,
) -> tuple[pa.Table, pa.Table, np.ndarray | None]:
    """Cluster all documents of the next snapshot: exact copies, then verified near copies.

    ``workers`` local processes verify the near copies' batches side by side.

    Returns:
        Each document's ``cluster_id``, ``is_canonical`` and ``cluster_size`` (aligned with
        ``keys.all_keys()``), every verified pair of bodies, and which documents' clusters were
        drawn (None: every one's; the others' are the previous snapshot's, whole).
    """
    table = keys.all_keys()
    pairs = body_pairs.next_pairs(
        previous,
        staging,
        table,
        NEAR_DUPLICATES,
        verifiers=functools.partial(verification_pool, workers),
        parallel=workers,
        known=keys.places(),
    )
    left, right = pairs.column("left_key").to_numpy(), pairs.column("right_key").to_numpy()
    doc_id, content_hash = table.column("doc_id"), table.column("content_hash")
    dates, words = table.column("published_date"), table.column("word_count")
    if previous is None or incremental.drawn_by(previous) != CLUSTERING_DIGEST:
        # A first run, or clusters drawn by other rules: every cluster is drawn.
        return cluster_documents(doc_id, content_hash, dates, words, left, right), pairs, None
    # Only the components of the pairs' graph whose documents or pairs changed are drawn again.
    before_left, before_right = incremental.previous_pairs(previous)
    seeds = np.r_[
        changed_pair_keys(before_left, before_right, left, right),
        body_keys(keys.gone_hashes) if len(keys.gone_hashes) else np.empty(0, np.uint64),
    ]
    carried = incremental.previous_clusters(keys, previous)
    assigned, drawn = recluster(doc_id, content_hash, dates, words, left, right, carried, seeds)
    get_run_logger().info(
        "clusters: %d of %d documents in components drawn again, the others' carried",
        int(np.count_nonzero(drawn)),
        len(doc_id),
    )
    return assigned, pairs, drawn


# Tables deduplication computes whole: an increment writes the rows that changed.
CARRIED_WHOLE_TABLES = ("clusters", "document_matches", "body_pairs")


class PublishFailed(Exception):
    """The publish a computation was for failed: it stops rather than finish for nothing."""


PASSAGES_BESIDE_REPORTS = 100_000
"""Most matches whose passages are computed beside the report tables; more wait until they are
built. A first run's (about half its documents) wait: their workers and bodies beside the
report tables' DuckDBs made a large run's peak memory (BENCHMARKS.md, "A million at 685f03a").
An increment's few cost little memory, and beside the report tables no time."""


@task(name="publish_snapshot", cache_policy=NONE)
def publish_snapshot(
    staging: store.RunStaging,
    keys: incremental.DocumentKeys,
    assigned: pa.Table,
    tables: store.SnapshotTables,
    whole_tables: Mapping[str, list[Path]],
    record: RunRecord,
    previous: store.Snapshot | None,
    runs_history: pa.Table | None = None,
    workers: int = 1,
    scopes: Mapping[str, incremental.Scope] | None = None,
) -> store.Snapshot:
    """Write the next snapshot (carrying unchanged files), make it current, refresh the catalog.

    ``whole_tables`` are the staged files of ``CARRIED_WHOLE_TABLES``, every row of each, or of
    its scope in ``scopes`` (the stories the run drew again: ``incremental.drawn_scopes``);
    ``previous`` is the snapshot the run builds on (None for a first run or a rebuild);
    ``runs_history`` the earlier ``runs`` rows, when not the current snapshot's (a rebuild);
    ``workers`` local processes find the near copies' shared passages side by side.
    """
    logger = get_run_logger()
    scopes = scopes or {}
    plan = incremental.plan_documents(keys, assigned)
    logger.info(
        "documents: %d files carried unchanged, %d rewritten (%d rows go), %d new documents",
        len(plan.carried),
        len(plan.rewritten),
        plan.dropped_rows,
        keys.new.num_rows,
    )
    # Each table's rows to write are staged as soon as made: none waits in memory for the rest.
    mentions = incremental.next_mentions(keys, staging, previous)
    tables = _with_staged(tables, "mentions", mentions.written, mentions.carried, staging)
    del mentions
    # Each story's month, which places the rows of the story tables (story_partitions).
    stories = incremental.next_story_months(
        previous, whole_tables["clusters"], scopes.get("clusters")
    )
    # Why each near copy is linked: computed for the new matches only, the others carried, by
    # worker processes beside the writing of the documents and the report tables. Many matches
    # (a first run's) are computed once the report tables are built: both keep the two cores
    # busy, and the memory of each (the workers and their bodies, the report tables' DuckDBs)
    # is then not added to the other's.
    reports_built, failed = threading.Event(), threading.Event()

    def before_compute(matches: int) -> None:
        if matches > PASSAGES_BESIDE_REPORTS:
            reports_built.wait()
        if failed.is_set():
            raise PublishFailed("the publish failed: its passages are not computed")

    def passages_after_reports() -> tuple[pa.Table, list[Path]]:
        reports_built.set()
        return passages.result()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="match-passages") as background:
        try:
            passages = background.submit(
                _staged_passages,
                keys,
                whole_tables["document_matches"],
                staging,
                previous,
                workers,
                stories,
                scopes.get("match_passages"),
                before_compute,
            )
            # The rows of the stories this run left alone are carried.
            for name in CARRIED_WHOLE_TABLES:
                carried = incremental.carry_unchanged_staged(
                    previous, name, whole_tables[name], staging, stories, scopes.get(name)
                )
                tables = tables.with_table(name, carried.written, carried.carried)
            snapshot = staging.publish(
                documents=incremental.document_batches(keys, assigned, plan, staging),
                carried_documents=[Path(name) for name in plan.carried],
                tables=tables,
                record=record,
                now=datetime.now(UTC),
                runs_history=runs_history,
                previous_reports=previous,
                later={"match_passages": passages_after_reports},
            )
        except BaseException:
            failed.set()
            raise
        finally:
            reports_built.set()
    catalog.write_catalog(staging.warehouse, snapshot)
    return snapshot


def _staged_passages(
    keys: incremental.DocumentKeys,
    document_matches: list[Path],
    staging: store.RunStaging,
    previous: store.Snapshot | None,
    workers: int,
    stories: StoryMonths,
    scope: incremental.Scope | None,
    before_compute: Callable[[int], None] | None = None,
) -> tuple[pa.Table, list[Path]]:
    """The next ``match_passages``: rows to write (none: they are staged) and files to carry.

    Run beside the writing of the documents and the report tables, in a thread (and its DuckDB
    scan) of lower priority than theirs, as its worker processes are; ``before_compute`` (as in
    :func:`match_passages.next_match_passages`) may hold the computing until they are done.
    """
    lower_this_thread(PASSAGE_NICENESS)
    passages = match_passages.next_match_passages(
        keys,
        store.read_staged_table(document_matches, "document_matches"),
        staging,
        previous,
        workers=functools.partial(passage_pool, workers),
        parallel=workers,
        scope=scope,
        before_compute=before_compute,
    )
    rows = incremental.staged_rows(
        incremental.CarriedRows(passages.carried, passages.written),
        staging,
        "match_passages",
        "rows",
        stories,
    )
    return rows.written, rows.carried


def _with_staged(
    tables: store.SnapshotTables,
    name: str,
    written: pa.Table,
    carried: list[Path],
    staging: store.RunStaging,
) -> store.SnapshotTables:
    """``tables`` and the table ``name``, its rows to write staged as a file it carries."""
    rows = incremental.staged_rows(incremental.CarriedRows(carried, written), staging, name, "rows")
    return tables.with_table(name, rows.written, rows.carried)


# The reports of the run's artifact, and rows shown of each: a summary, `newsetl report` has all.
ARTIFACT_REPORTS = (
    "duplicates",
    "quarantine_by_reason",
    "syndication_reach",
    "widest_syndicated",
    "top_entities",
    "country_comentions",
)
ARTIFACT_ROWS = 10


@task(name="report_snapshot", cache_policy=NONE)
def report_snapshot(wh: store.Warehouse, snapshot_id: str) -> str:
    """Run the key report queries over the published snapshot and post them as an artifact."""
    connection = catalog.connect(wh, snapshot_id)
    # Within the run's memory budget, like its other DuckDB work; past it, DuckDB spills.
    spill_dir = tempfile.TemporaryDirectory(prefix="newsetl-report-")
    spill.bound(connection, Path(spill_dir.name))
    sections = [f"# newsetl report, snapshot `{snapshot_id}`"]
    with spill_dir:
        try:
            results = catalog.run_reports(connection, keys=ARTIFACT_REPORTS)
        finally:
            connection.close()
    for result in results:
        table = render(result.columns, result.rows[:ARTIFACT_ROWS], "markdown")
        if len(result.rows) > ARTIFACT_ROWS:
            table += f"\n\n(first {ARTIFACT_ROWS} of {len(result.rows)} rows)"
        sections.append(f"## {result.query.name}\n\n{result.query.question}\n\n{table}")
    markdown = "\n\n".join(sections)
    create_markdown_artifact(markdown, key="newsetl-report", description="newsetl aggregate report")
    return markdown
