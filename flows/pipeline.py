"""The ingest flow: extract -> normalise -> deduplicate -> publish -> report.

Work is sharded: one task run reads, decodes, normalises and stages a shard of thousands of files
(seconds of CPU), so Prefect's per-task cost stays negligible and the shards spread over the
worker processes of the task runner (a local process pool, or a Dask cluster). Everything else
runs on the driver over compact columns; bodies only stream through once more, at publish.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture, as_completed

from flows.render import render
from flows.runners import (
    api_shared_with_workers,
    runs_on_cluster,
    stop_local_workers,
    task_runner_from_env,
    use_jemalloc,
)
from flows.settings import RunSettings
from transforms.articles import census_files, parse_articles
from transforms.census import LearnedChrome
from transforms.entities import extract_mentions
from transforms.neardup import NearDupParams, cluster_documents, sketch_bodies
from transforms.publishers import PublisherRules, parse_rules
from warehouse import catalog, incremental, neardup, resume, sources, spill, store
from warehouse.clusters import cluster_table, document_matches

use_jemalloc()


class BooksDoNotBalance(RuntimeError):
    """Files seen != documents + quarantined: a file went missing inside the run."""


@dataclass
class RunSummary:
    """What a run did, for the terminal, the artifact and the ``runs`` table."""

    run_id: str
    snapshot_id: str
    input: str
    files_seen: int
    files_processed: int
    documents: int
    quarantined_by_reason: dict[str, int]
    duplicates: int
    clusters: int
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    status: str = "published"

    @property
    def quarantined(self) -> int:
        """Files quarantined, all reasons together."""
        return sum(self.quarantined_by_reason.values())

    def markdown(self) -> str:
        """The summary as a Markdown table (Prefect artifact)."""
        lines = [
            f"# newsetl run `{self.run_id}`",
            "",
            "| measure | value |",
            "|---|---|",
            f"| input | `{self.input}` |",
            f"| status | {self.status} |",
            f"| files seen | {self.files_seen} |",
            f"| files new or changed | {self.files_processed} |",
            f"| documents | {self.documents} |",
            f"| quarantined | {self.quarantined} |",
            f"| duplicates | {self.duplicates} |",
            f"| stories (clusters) | {self.clusters} |",
            f"| snapshot | `{self.snapshot_id}` |",
            f"| seconds | {self.seconds:.2f} |",
        ]
        lines += [
            f"| quarantined: {r} | {n} |" for r, n in sorted(self.quarantined_by_reason.items())
        ]
        lines += [f"| stage {s} (s) | {t:.2f} |" for s, t in self.stage_seconds.items()]
        return "\n".join(lines)


def load_signatures(publishers_file: Path | None) -> PublisherRules:
    """The built-in publisher signatures, behind the mapping and signatures of a publishers file."""
    if publishers_file is None:
        return PublisherRules()
    return parse_rules(publishers_file.read_text(encoding="utf-8"))


@task(name="discover_files", retries=2, retry_delay_seconds=[1, 5], cache_policy=NONE)
def discover_files(input_spec: str, pattern: str) -> sources.Discovery:
    """Find the article files of the input."""
    return sources.discover(input_spec, pattern)


@task(name="census_shard", retries=2, retry_delay_seconds=[1, 5], cache_policy=NONE)
def census_shard(
    root: Path | str,
    paths: list[str],
    shard: int,
    staging_path: Path,
    max_file_bytes: int,
    rules: PublisherRules,
) -> Path:
    """Stage the edge lines of one shard of files, for learned chrome removal."""
    read = sources.read_files(root, paths, max_file_bytes)
    staged = store.write_staged_census(staging_path, shard, census_files(read.files, rules))
    _release_memory()
    return staged


@task(name="process_shard", retries=2, retry_delay_seconds=[1, 5], cache_policy=NONE)
def process_shard(
    root: Path | str,
    paths: list[str],
    shard: int,
    staging_path: Path,
    max_file_bytes: int,
    rules: PublisherRules,
    learned: LearnedChrome,
) -> store.StagedShard:
    """Extract and normalise one shard of files and stage its documents and quarantine rows.

    A shard finished by a crashed run (or by an earlier try of this task) with the same content
    key is taken as it is: the key covers the files' sizes and mtimes, the parameters, the learned
    chrome and the code.
    """
    parameters = (max_file_bytes, rules, NEAR_DUPLICATES, learned.digest)
    key = resume.shard_key(root, paths, parameters, None)
    resumed = store.resumed_shard(staging_path, shard, key)
    if resumed is not None:
        return resumed
    read = sources.read_files(root, paths, max_file_bytes)
    parsed = parse_articles(read.files, rules=rules, learned=learned)
    quarantine = pa.concat_tables([read.quarantine, parsed.quarantine])
    documents = parsed.documents
    # Entities are read from the headline and the cleaned body, one paragraph apart.
    text = pc.binary_join_element_wise(
        pc.fill_null(documents.column("title"), ""), documents.column("body"), "\n"
    )
    mentions = extract_mentions(documents.column("doc_id"), text)
    mark = time.process_time()
    sketches = sketch_bodies(
        documents.column("content_hash"), documents.column("body"), NEAR_DUPLICATES
    )
    staged = store.write_staged_shard(
        staging_path,
        shard,
        documents,
        quarantine,
        sketches.bands,
        sketches.signatures,
        mentions,
        key,
    )
    minhash_seconds = time.process_time() - mark
    _release_memory()
    return replace(staged, minhash_seconds=minhash_seconds)


def _release_memory() -> None:
    """Give the memory Arrow freed back to the system.

    Arrow's allocator otherwise keeps the pages of its largest step: in a worker, of its largest
    shard (two idle workers holding them count in the run's peak memory); in the driver, of the
    last large join.
    """
    pa.default_memory_pool().release_unused()


@dataclass(frozen=True)
class Deduplication:
    """Clusters of the next snapshot's documents, and the tables that explain them."""

    clusters: pa.Table
    """``cluster_id``, ``is_canonical``, ``cluster_size``, aligned with ``keys.all_keys()``."""
    tables: dict[str, pa.Table]
    """``clusters``, ``document_matches`` and ``body_pairs``."""
    carried: dict[str, list[Path]]
    """Band keys and signatures of earlier runs and of this run's shards, linked as they are."""


@task(name="deduplicate_documents", cache_policy=NONE)
def deduplicate_documents(
    keys: incremental.DocumentKeys,
    previous: store.Snapshot | None,
    staging: store.RunStaging,
    run_id: str,
) -> Deduplication:
    """Cluster all documents of the next snapshot: exact copies, then verified near copies."""
    table = keys.all_keys()
    new_pairs = neardup.find_copies(previous, staging, table, NEAR_DUPLICATES)
    pairs = neardup.all_pairs(previous, staging, new_pairs, NEAR_DUPLICATES)
    assigned = cluster_documents(
        table.column("doc_id"),
        table.column("content_hash"),
        table.column("published_date"),
        table.column("word_count"),
        pairs.column("left_key").to_numpy(),
        pairs.column("right_key").to_numpy(),
    )
    # This run's band keys and signatures are staged in their declared schemas: their files are
    # linked into the snapshot beside the earlier runs' (never read into memory here).
    sketches = {"body_bands": staging.band_files(), "body_signatures": staging.signature_files()}
    return Deduplication(
        clusters=assigned.select(["cluster_id", "is_canonical", "cluster_size"]),
        tables={
            "clusters": cluster_table(table, assigned, run_id),
            "document_matches": document_matches(table, assigned, pairs, run_id),
            "body_pairs": pairs,
        },
        carried={
            name: [*store.table_files(previous, name), *staged] for name, staged in sketches.items()
        },
    )


@task(name="publish_snapshot", cache_policy=NONE)
def publish_snapshot(
    staging: store.RunStaging,
    keys: incremental.DocumentKeys,
    clusters: pa.Table,
    quarantine: pa.Table,
    manifest: pa.Table,
    tables: dict[str, pa.Table],
    carried_files: dict[str, list[Path]],
    run_row: dict[str, Any],
) -> store.Snapshot:
    """Write the next snapshot (carrying unchanged files), make it current, refresh the catalog."""
    logger = get_run_logger()
    plan = incremental.plan_documents(keys, clusters)
    logger.info(
        "documents: %d files carried unchanged, %d rewritten, %d new documents",
        len(plan.carried),
        len(plan.rewritten),
        keys.new.num_rows,
    )
    # We hold the writer lock: the current snapshot is the one this run started from.
    previous = staging.warehouse.snapshot() if staging.warehouse.current_snapshot_id() else None
    mentions = incremental.next_mentions(keys, staging, previous)
    snapshot = staging.publish(
        documents=incremental.document_batches(keys, clusters, plan, staging),
        carried_documents=plan.carried,
        quarantine=quarantine,
        manifest=manifest,
        tables={**tables, "mentions": mentions.written},
        carried_files={**carried_files, "mentions": mentions.carried},
        run_row=run_row,
        now=datetime.now(UTC),
        on_step=_publish_step,
    )
    _publish_step("write_catalog")
    catalog.write_catalog(staging.warehouse, snapshot)
    return snapshot


FAULT_KILL_AT = "NEWSETL_FAULT_KILL_AT"
# Near-duplicate settings: shingles, MinHash banding and similarity thresholds (README).
NEAR_DUPLICATES = NearDupParams()


def _publish_step(step: str) -> None:
    """Log a publish step; under crash testing, die at the step named in ``FAULT_KILL_AT``.

    The crash tests of RELIABILITY.md kill the run with SIGKILL at every named step and check
    that the warehouse is always exactly the previous or the new snapshot.
    """
    get_run_logger().debug("publish step %s", step)
    if os.environ.get(FAULT_KILL_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


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
            results = catalog.run_reports(connection)
        finally:
            connection.close()
    for result in results:
        if result.query.key not in ARTIFACT_REPORTS:
            continue
        table = render(result.columns, result.rows[:ARTIFACT_ROWS], "markdown")
        if len(result.rows) > ARTIFACT_ROWS:
            table += f"\n\n(first {ARTIFACT_ROWS} of {len(result.rows)} rows)"
        sections.append(f"## {result.query.name}\n\n{result.query.question}\n\n{table}")
    markdown = "\n\n".join(sections)
    create_markdown_artifact(markdown, key="newsetl-report", description="newsetl aggregate report")
    return markdown


def _nothing_new(
    wh: store.Warehouse,
    previous: store.Snapshot,
    run_id: str,
    settings: RunSettings,
    files_seen: int,
    started: float,
) -> RunSummary:
    """Publish nothing; finish what a run killed after its commit left undone; summarise."""
    get_run_logger().info("nothing new since snapshot %s: nothing published", previous.snapshot_id)
    if catalog.catalog_snapshot_id(wh) != previous.snapshot_id:
        catalog.write_catalog(wh, previous)
    wh.remove_leftovers()
    last = previous.last_run()
    return RunSummary(
        run_id=run_id,
        snapshot_id=previous.snapshot_id,
        input=settings.input,
        files_seen=files_seen,
        files_processed=0,
        documents=0,
        quarantined_by_reason={},
        duplicates=int(last["duplicates"]),
        clusters=int(last["clusters"]),
        seconds=time.perf_counter() - started,
        status="unchanged",
    )


def _shards(paths: pa.StringArray, size: int) -> list[pa.StringArray]:
    """Slices of ``size`` paths (no copies: a shard's list of names is made at submission)."""
    return [paths.slice(start, size) for start in range(0, len(paths), size)]


T = TypeVar("T")
Submit = Callable[[int, list[str]], PrefectFuture[T]]
# Shard tasks kept submitted per worker. Prefect's process pool pickles a task's parameters and
# context when it is submitted and holds them until a worker takes it: submitting the 500 shards
# of a million files at once held hundreds of MB in the driver. A cluster's workers are not
# counted here, so runs on Dask keep a larger number in flight.
SHARDS_PER_WORKER = 2
SHARDS_ON_A_CLUSTER = 256


def _run_shards(submit: Submit[T], shards: list[pa.StringArray], workers: int) -> Iterator[T]:
    """Run a task per shard with a bounded number submitted; yield results as they finish."""
    window = SHARDS_ON_A_CLUSTER if runs_on_cluster() else SHARDS_PER_WORKER * workers + 2
    queue = iter(enumerate(shards))
    pending: list[PrefectFuture[T]] = []

    def top_up() -> None:
        for number, shard in itertools.islice(queue, max(window - len(pending), 0)):
            pending.append(submit(number, shard.to_pylist()))

    top_up()
    while pending:
        finished = next(as_completed(pending))
        pending.remove(finished)
        top_up()
        yield finished.result()


def _census(
    root: Path | str,
    paths: pa.StringArray,
    staging: store.RunStaging,
    settings: RunSettings,
    rules: PublisherRules,
) -> list[Path]:
    """Stage the edge lines of the files to process, one census task per shard."""

    def submit(number: int, shard: list[str]) -> PrefectFuture[Path]:
        return census_shard.submit(
            root, shard, number, staging.path, settings.max_file_bytes, rules
        )

    return list(_run_shards(submit, _shards(paths, settings.shard_size), settings.workers))


def _plan_census(
    previous: store.Snapshot | None,
    root: Path | str,
    present: pa.StringArray,
    todo: pa.Table,
    paths: pa.StringArray,
    staging: store.RunStaging,
    settings: RunSettings,
    rules: PublisherRules,
    stage_seconds: dict[str, float],
) -> tuple[incremental.CensusPlan, pa.Table, pa.StringArray]:
    """Count this run's edge lines; add the unchanged files whose learned chrome changed."""
    mark = time.perf_counter()
    census = incremental.plan_census(
        previous,
        paths,
        _census(root, paths, staging, settings, rules),
        present,
        spill_dir=staging.path,
    )
    if census.affected:
        get_run_logger().info(
            "%d unchanged files parsed again: edge lines of theirs became chrome or stopped being",
            len(census.affected),
        )
        todo = pa.concat_tables(
            [todo, incremental.manifest_stats(previous, census.affected)],
            promote_options="permissive",
        )
        paths = pa.concat_arrays([paths, pa.array(census.affected, pa.string())])
    stage_seconds["census"] = time.perf_counter() - mark
    return census, todo, paths


def _process_shards(
    root: Path | str,
    paths: pa.StringArray,
    staging: store.RunStaging,
    settings: RunSettings,
    rules: PublisherRules,
    learned: LearnedChrome,
) -> float:
    """Submit one task per shard to the task runner and stage their outputs as they finish.

    Returns:
        CPU seconds the shards spent on MinHash signatures (part of deduplication's cost).
    """
    started = time.perf_counter()
    shards = _shards(paths, settings.shard_size)

    def submit(number: int, shard: list[str]) -> PrefectFuture[store.StagedShard]:
        return process_shard.submit(
            root,
            shard,
            number,
            staging.path,
            settings.max_file_bytes,
            rules,
            learned,
        )

    files_done = resumed = 0
    minhash_seconds = 0.0
    for done, staged in enumerate(_run_shards(submit, shards, settings.workers), start=1):
        staging.add_shard(staged)
        resumed += staged.resumed
        files_done += staged.document_rows + staged.quarantine_rows
        minhash_seconds += staged.minhash_seconds
        _progress(done, len(shards), files_done, started)
    if resumed:
        get_run_logger().info(
            "reused %d of %d shards finished by a crashed run", resumed, len(shards)
        )
    return minhash_seconds


def _progress(done: int, total: int, files: int, started: float) -> None:
    if sys.stderr.isatty():
        rate = files / max(time.perf_counter() - started, 1e-9)
        sys.stderr.write(f"\rshards {done}/{total} · files {files} · {rate:,.0f} files/s ")
        sys.stderr.flush()
        if done == total:
            sys.stderr.write("\n")


@flow(name="newsetl-ingest", log_prints=True, task_runner=task_runner_from_env())
def ingest_articles(
    input: str | None = None,
    warehouse: str | None = None,
    pattern: str = "*.txt",
    max_file_bytes: int | None = None,
    shard_size: int | None = None,
    publishers_file: str | None = None,
    wait_for_lock: float = 0.0,
) -> RunSummary:
    """Ingest article files into the warehouse and publish a new snapshot.

    Args:
        input: Folder (searched recursively) or glob of article files; default
            ``NEWSETL_INPUT`` or the bundled samples.
        warehouse: Warehouse folder; default ``NEWSETL_WAREHOUSE`` or ``var/warehouse``.
        pattern: File name pattern inside an input folder.
        max_file_bytes: Size cap; larger files are quarantined as ``oversized``.
        shard_size: Files per shard task.
        publishers_file: TOML file of extra publisher signatures.
        wait_for_lock: Seconds to wait for another run writing the same warehouse.
    """
    logger = get_run_logger()
    settings = RunSettings.from_env(
        input=input,
        warehouse=Path(warehouse) if warehouse else None,
        pattern=pattern,
        max_file_bytes=max_file_bytes,
        shard_size=shard_size,
        publishers_file=Path(publishers_file) if publishers_file else None,
        wait_for_lock=wait_for_lock,
    ).check_paths()  # parameters of a served or deployed run are checked before any work
    signatures = load_signatures(settings.publishers_file)
    summary = _ingest(settings, signatures)
    if summary.status == "unchanged":
        return summary
    create_markdown_artifact(
        summary.markdown(), key="newsetl-run-summary", description="newsetl ingest summary"
    )
    report_snapshot(store.Warehouse(settings.warehouse), summary.snapshot_id)
    logger.info("run %s published snapshot %s", summary.run_id, summary.snapshot_id)
    return summary


def _ingest(settings: RunSettings, signatures: PublisherRules) -> RunSummary:
    """Discover, process, deduplicate and publish, under the warehouse's writer lock.

    Everything a run holds in memory (document keys, clusters, the tables of the snapshot) goes
    when this returns, before the report queries run.
    """
    logger = get_run_logger()
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    stage_seconds: dict[str, float] = {}
    run_id = f"{started_at.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
    wh = store.Warehouse(settings.warehouse)

    with wh.writer_lock(run_id, wait_seconds=settings.wait_for_lock), api_shared_with_workers():
        mark = time.perf_counter()
        discovery = discover_files(settings.input, settings.pattern)
        previous = wh.snapshot() if wh.current_snapshot_id() else None
        todo = incremental.pending_files(previous, discovery)
        paths = todo.column("source_path").combine_chunks()
        # The paths as Arrow strings, not a million Python objects (~130 MB in the driver).
        root, files_seen = discovery.root, len(discovery.paths)
        present = pa.array(discovery.paths, pa.string())
        del discovery
        _release_memory()  # the stat join's buffers (~200 MB at a million files)
        stage_seconds["discover"] = time.perf_counter() - mark
        logger.info(
            "run %s: %d files under %s, %d new or changed",
            run_id,
            files_seen,
            root,
            len(paths),
        )
        if not len(paths) and previous is not None:
            return _nothing_new(wh, previous, run_id, settings, files_seen, started)

        # Removed at the end; after a failure its finished shards stay for the next run to reuse.
        with wh.staging(run_id) as staging:
            census, todo, paths = _plan_census(
                previous, root, present, todo, paths, staging, settings, signatures, stage_seconds
            )

            mark = time.perf_counter()
            stage_seconds["minhash_cpu"] = _process_shards(
                root, paths, staging, settings, signatures, census.learned
            )
            stage_seconds["extract_normalise"] = time.perf_counter() - mark
            stop_local_workers()

            new_quarantine = staging.read_quarantine()
            new_documents = staging.read_documents(["source_path", "raw_sha256"])
            if new_documents.num_rows + new_quarantine.num_rows != len(paths):
                raise BooksDoNotBalance(
                    f"{len(paths)} files processed but {new_documents.num_rows} documents + "
                    f"{new_quarantine.num_rows} quarantined"
                )
            by_reason = dict(sorted(Counter(new_quarantine.column("reason").to_pylist()).items()))
            # The next snapshot's quarantine and manifest now, so that the file lists they are
            # made of (a million paths and hashes) do not stay through dedup and publish.
            quarantine = incremental.next_quarantine(previous, paths, new_quarantine, run_id)
            manifest = incremental.next_manifest(
                previous, todo, new_documents, new_quarantine, run_id
            )
            documents, quarantined = new_documents.num_rows, new_quarantine.num_rows
            del new_documents, new_quarantine, todo, present

            mark = time.perf_counter()
            keys = incremental.gather_keys(previous, staging, paths)
            _release_memory()  # read buffers of the keys' files
            dedup = cast(Deduplication, deduplicate_documents(keys, previous, staging, run_id))
            clusters = dedup.clusters
            stage_seconds["deduplicate"] = time.perf_counter() - mark
            _release_memory()
            canonical = np.count_nonzero(clusters.column("is_canonical").to_numpy(False))
            duplicates, cluster_count = clusters.num_rows - int(canonical), int(canonical)

            mark = time.perf_counter()
            run_row = {
                "run_id": run_id,
                "started_at": started_at,
                "finished_at": datetime.now(UTC),
                "input": settings.input,
                "status": "published",
                "files_seen": files_seen,
                "files_processed": len(paths),
                "documents": documents,
                "quarantined": quarantined,
                "quarantined_by_reason": list(by_reason.items()),
                "total_documents": clusters.num_rows,
                "duplicates": duplicates,
                "clusters": cluster_count,
                "stage_seconds": list(stage_seconds.items()),
                "parameters": json.dumps(
                    {k: str(v) for k, v in asdict(settings).items()}, sort_keys=True
                ),
                "newsetl_version": version("newsetl"),
            }
            snapshot = cast(
                store.Snapshot,
                publish_snapshot(
                    staging,
                    keys,
                    clusters,
                    quarantine,
                    manifest,
                    dedup.tables,
                    {**dedup.carried, "line_census": census.files},
                    run_row,
                ),
            )
            stage_seconds["publish"] = time.perf_counter() - mark

    summary = RunSummary(
        run_id=run_id,
        snapshot_id=snapshot.snapshot_id,
        input=settings.input,
        files_seen=files_seen,
        files_processed=len(paths),
        documents=documents,
        quarantined_by_reason=by_reason,
        duplicates=duplicates,
        clusters=cluster_count,
        seconds=time.perf_counter() - started,
        stage_seconds=stage_seconds,
    )
    return summary
