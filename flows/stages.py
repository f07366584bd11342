"""The stages of an ingest run: discover, census, process, deduplicate, publish.

Each stage is a function that returns a frozen dataclass: what later stages need, and the
:class:`~warehouse.runs.StageCounters` of what it did. ``flows/pipeline.py`` runs them in order;
state passes only through these results.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from prefect import Task, get_run_logger
from prefect.futures import PrefectFuture, as_completed

from flows.runners import runs_on_cluster, stop_local_workers
from flows.settings import RunSettings
from flows.tasks import (
    NormalisedShard,
    ShardFiles,
    deduplicate_documents,
    discover_files,
    normalise_shards,
    process_shards,
    publish_snapshot,
    release_memory,
)
from transforms import increment_plan
from transforms.clustering import CLUSTERING_DIGEST
from transforms.publishers import PublisherRules
from warehouse import census_plan, incremental, input_changes, integrity, sources, store
from warehouse.clusters import cluster_table, document_matches
from warehouse.runs import RunRecord, StageClock, StageCounters
from warehouse.schemas import CENSUS_LEARNED, PENDING_REPARSE, conform
from warehouse.story_partitions import StoryMonths


class BooksDoNotBalance(RuntimeError):
    """Files seen != documents + quarantined: a file went missing inside the run."""


@dataclass(frozen=True)
class Run:
    """Who runs, with what: fixed for the whole run."""

    run_id: str
    started_at: datetime
    settings: RunSettings
    signatures: PublisherRules
    """The user's publisher mapping and signatures, with the built-in ones."""

    @classmethod
    def start(cls, settings: RunSettings, signatures: PublisherRules) -> Run:
        """A new run now, with a sortable unique id."""
        now = datetime.now(UTC)
        run_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
        return cls(run_id, now, settings, signatures)

    @property
    def warehouse(self) -> store.Warehouse:
        """The warehouse this run writes."""
        return store.Warehouse(self.settings.warehouse)


@dataclass(frozen=True)
class Discovered:
    """The input as found now, and the snapshot the run starts from."""

    root: Path | str
    previous: store.Snapshot | None
    """The snapshot built on: the current one, checked intact; None for a first run or rebuild."""
    present: pa.StringArray
    """Every file found, as a path relative to the root."""
    pending: pa.Table
    """``source_path``, ``bytes``, ``mtime_ns`` of the files new or changed since ``previous``."""
    counters: StageCounters
    input_root: str = ""
    """The root as the ``runs`` table records it: an absolute real path, or a URL."""
    pruned: pa.StringArray = field(default_factory=lambda: pa.array([], pa.string()))
    """Missing files whose rows this run removes (``--prune-missing``)."""
    files_missing: int = 0
    """Files of earlier runs not in the input any more."""
    files_pruned: int = 0
    replaced: tuple[str, ...] = ()
    """Under a new input root (allowed), the paths whose earlier documents are replaced."""
    runs_history: pa.Table | None = None
    """For a rebuild, the earlier ``runs`` rows that could be read; else None (the current's)."""
    deferred: pa.StringArray = field(default_factory=lambda: pa.array([], pa.string()))
    """Unchanged files earlier runs left to parse again (their chrome moved), longest waiting
    first."""

    @property
    def files_seen(self) -> int:
        """Files found by discovery."""
        return self.counters.files_in

    @property
    def nothing_to_do(self) -> bool:
        """No file new, changed, to prune or left to parse again since a published snapshot."""
        return (
            self.previous is not None
            and not self.pending.num_rows
            and not len(self.pruned)
            and not len(self.deferred)
        )

    def without_file_lists(self) -> Discovered:
        """This result without its lists of files, which the stages after processing never read."""
        # New empty arrays: a slice would keep the buffers it was cut from.
        empty = pa.array([], pa.string())
        return replace(
            self,
            present=empty,
            pending=self.pending.schema.empty_table(),
            pruned=empty,
            deferred=empty,
        )


def discover(run: Run, *, rebuild: bool = False) -> Discovered:
    """Find the input's files: those new or changed since the current snapshot, those gone.

    The current snapshot is checked first (sizes: a run never publishes on top of damage), and
    the input root against the last run's. A ``rebuild`` starts from nothing but the readable
    ``runs`` history of the current snapshot.

    Raises:
        SnapshotDamaged: A file of the current snapshot is missing or has another size.
        InputRootChanged: Another input root than the last run's, without ``allow_new_root``.
    """
    clock = StageClock()
    settings = run.settings
    discovery = discover_files(settings.input, settings.pattern, settings.warehouse)
    wh = run.warehouse
    previous = wh.snapshot() if wh.current_snapshot_id() else None
    runs_history = None
    if rebuild:  # nothing of the damaged snapshot is carried but what of its runs reads
        runs_history, previous = integrity.best_history(wh), None
    elif previous is not None:
        integrity.require_intact(previous)
    input_root = input_changes.root_of(discovery.root)
    earlier_root = input_changes.check_root(
        previous, input_root, allow_new_root=settings.allow_new_root
    )
    changes = input_changes.input_changes(previous, discovery)
    pending = changes.todo
    replaced = input_changes.replaced_paths(previous, pending) if earlier_root else []
    # The paths as Arrow strings, not a million Python objects.
    present = discovery.path_array()
    root = discovery.root
    del discovery
    release_memory()  # the stat join's buffers
    logger = get_run_logger()
    logger.info(
        "run %s: %d files under %s, %d new or changed",
        run.run_id,
        len(present),
        root,
        pending.num_rows,
    )
    if earlier_root:
        logger.warning(
            "input root %s is not %s, the last run's: %d documents replaced: %s",
            input_root,
            earlier_root,
            len(replaced),
            ", ".join(replaced) or "none",
        )
    missing = changes.missing.num_rows
    if missing:
        logger.warning(
            "%d files of earlier runs are missing from the input (%d documents): %s",
            missing,
            changes.missing_documents,
            "pruned" if settings.prune_missing else "kept (--prune-missing removes them)",
        )
    pruned = (
        changes.missing.column("source_path").combine_chunks()
        if settings.prune_missing
        else pa.array([], pa.string())
    )
    counters = clock.counters(
        "discover",
        files_in=len(present),
        files_out=pending.num_rows,
        bytes=int(pc.sum(pending.column("bytes")).as_py() or 0),
    )
    return Discovered(
        root,
        previous,
        present,
        pending,
        counters,
        input_root=input_root,
        pruned=pruned,
        files_missing=missing,
        files_pruned=len(pruned),
        replaced=tuple(replaced),
        runs_history=runs_history,
        deferred=census_plan.deferred_paths(previous),
    )


T = TypeVar("T")
ShardArguments = Callable[[list[ShardFiles]], tuple[object, ...]]
# Shard tasks kept submitted per worker. Prefect's process pool pickles a task's parameters and
# context when it is submitted and holds them until a worker takes it: submitting the 500 shards
# of a million files at once held hundreds of MB in the driver. A cluster's workers are not
# counted here, so runs on Dask keep a larger number in flight.
TASKS_PER_WORKER = 2
TASKS_ON_A_CLUSTER = 256
# On local workers a task run carries a batch of consecutive shards, so that Prefect's CPU per
# task run (in the worker and the server) is paid once for several.
# A batch takes at most 1/BATCH_SHARE_DIVISOR of what is left per worker, so batches shrink as a
# stage goes and the workers finish together; above MAX_SHARDS_PER_BATCH the cost saved is small
# and a retried batch, or the last one, would hold up more.
BATCH_SHARE_DIVISOR = 2
MAX_SHARDS_PER_BATCH = 8


def _shards(paths: pa.StringArray, size: int) -> list[pa.StringArray]:
    """Slices of ``size`` paths (no copies: a shard's list of names is made at submission)."""
    return [paths.slice(start, size) for start in range(0, len(paths), size)]


def shard_batches(count: int, workers: int, *, on_cluster: bool = False) -> list[range]:
    """The shard numbers of each task run: consecutive batches, largest first; one on a cluster."""
    batches: list[range] = []
    start = 0
    while start < count:
        share = -(-(count - start) // (BATCH_SHARE_DIVISOR * max(workers, 1)))  # rounded up
        size = 1 if on_cluster else min(share, MAX_SHARDS_PER_BATCH)
        batches.append(range(start, start + size))
        start += size
    return batches


def _run_shards(
    task: Task[..., list[T]],
    arguments: ShardArguments,
    shards: list[pa.StringArray],
    workers: int,
) -> Iterator[T]:
    """Run ``task`` on batches of shards, a bounded number submitted; yield each shard's result.

    A batch's results come when its task run finishes, in shard order. A lone shard runs in the
    flow's own process when the workers are local: it cannot share the work with another, and
    starting a worker process (importing the whole stack) would cost seconds, more than the shard
    of a small scheduled run.
    """

    def batch_files(numbers: range) -> list[ShardFiles]:
        return [ShardFiles(number, shards[number].to_pylist()) for number in numbers]

    on_cluster = runs_on_cluster()
    if len(shards) == 1 and not on_cluster:
        yield from task(*arguments(batch_files(range(1))))
        return
    window = TASKS_ON_A_CLUSTER if on_cluster else TASKS_PER_WORKER * workers + 2
    queue = iter(shard_batches(len(shards), workers, on_cluster=on_cluster))
    pending: list[PrefectFuture[list[T]]] = []

    def top_up() -> None:
        for numbers in itertools.islice(queue, max(window - len(pending), 0)):
            pending.append(task.submit(*arguments(batch_files(numbers))))

    top_up()
    while pending:
        finished = next(as_completed(pending))
        pending.remove(finished)
        top_up()
        yield from finished.result()


@dataclass(frozen=True)
class Census:
    """Learned chrome for this run, and the files it must process."""

    plan: census_plan.CensusPlan
    to_process: pa.Table
    """The pending files, then unchanged ones whose learned chrome changed (``manifest`` stats)."""
    counters: StageCounters
    deferred: pa.Table = field(default_factory=PENDING_REPARSE.empty_table)
    """Unchanged files whose chrome changed, left for later runs (``pending_reparse`` rows)."""
    counted: pa.Table = field(default_factory=CENSUS_LEARNED.empty_table)
    """What the census teaches, counted (``census_learned`` rows): the next run's start."""
    texts: tuple[Path, ...] = ()
    """The staged normalised texts of the pending files, one file per shard, in shard order:
    shard ``n`` of ``texts`` holds the pending files of process shard ``n``."""

    @property
    def paths(self) -> pa.StringArray:
        """Paths of the files to process, relative to the input root."""
        return self.to_process.column("source_path").combine_chunks()

    def texts_of(self, shard: int) -> Path | None:
        """The staged texts of process shard ``shard``; None for one of files parsed again."""
        return self.texts[shard] if shard < len(self.texts) else None

    def without_file_lists(self) -> Census:
        """This result without its list of files, which the stages after processing never read."""
        return replace(self, to_process=self.to_process.schema.empty_table())


def take_census(run: Run, found: Discovered, staging: store.RunStaging) -> Census:
    """Read and normalise the pending files and count their edge lines; learn the chrome.

    Adds the unchanged files whose chrome changed to the files to process.
    """
    clock = StageClock()
    settings = run.settings
    paths = found.pending.column("source_path").combine_chunks()

    def arguments(batch: list[ShardFiles]) -> tuple[object, ...]:
        return (
            staging.warehouse.storage,
            found.root,
            batch,
            staging.path,
            settings.max_file_bytes,
            run.signatures,
        )

    pending = _shards(paths, settings.shard_size)
    shards: list[NormalisedShard] = []
    files_done = 0
    results = _run_shards(normalise_shards, arguments, pending, settings.workers)
    for done, result in enumerate(results, start=1):
        shards.append(result)
        files_done += result.files
        _progress("census", done, len(pending), files_done, clock.wall)
    shards.sort(key=lambda shard: shard.shard)
    plan = census_plan.plan_census(
        found.previous,
        pa.concat_arrays([paths, found.pruned]),  # their earlier census rows go
        [shard.census for shard in shards],
        found.present,
        spill_dir=staging.path,
        storage=staging.warehouse.storage,
    )
    get_run_logger().info(
        "chrome census: %s",
        "this run's rows counted into the previous counts (census_learned)"
        if plan.incremental
        else "counted over the whole census",
    )
    to_process = found.pending
    now, later = increment_plan.bound_reparse(
        census_plan.still_to_reparse(found.deferred, found.present, paths, found.pruned),
        plan.affected,
        increment_plan.reparse_limit(found.pending.num_rows, settings.reparse_floor),
    )
    if now or later:
        get_run_logger().info(
            "%d unchanged files parsed again (%d newly affected: edge lines of theirs became "
            "chrome or stopped being), %d left for later runs",
            len(now),
            len(plan.affected),
            len(later),
        )
    if now:
        to_process = pa.concat_tables(
            [to_process, input_changes.manifest_stats(found.previous, now)],
            promote_options="permissive",
        )
    deferred = pa.table(
        {
            "source_path": pa.array(later, pa.string()),
            "run_id": pa.array([run.run_id] * len(later), pa.string()),
        },
        schema=PENDING_REPARSE,
    )
    counters = clock.counters(
        "census",
        worker_cpu=sum(shard.cpu_seconds for shard in shards) if runs_on_cluster() else 0.0,
        files_in=len(paths),
        files_out=to_process.num_rows,
        bytes=int(pc.sum(found.pending.column("bytes")).as_py() or 0),
    )
    counted = plan.counted.append_column(
        "run_id", pa.array([run.run_id] * plan.counted.num_rows, pa.string())
    )
    return Census(
        plan,
        to_process,
        counters,
        deferred,
        conform(counted, CENSUS_LEARNED, name="census_learned"),
        tuple(shard.texts for shard in shards),
    )


@dataclass(frozen=True)
class Processed:
    """What the shard tasks staged, and the next snapshot's quarantine and manifest."""

    reprocessed: pa.StringArray
    """Paths this run processed."""
    superseded: pa.StringArray
    """Paths whose earlier rows go: those processed again, and those pruned."""
    documents: int
    quarantined_by_reason: dict[str, int]
    quarantine: incremental.CarriedRows
    """The next snapshot's quarantine: files, this run's rows staged among them."""
    manifest: incremental.CarriedRows
    """The next snapshot's manifest, likewise."""
    sketch_cpu_seconds: float
    """CPU seconds the shards spent on MinHash sketches (part of deduplication's cost)."""
    counters: StageCounters

    @property
    def files_processed(self) -> int:
        """Files this run processed."""
        return self.counters.files_in

    def without_file_lists(self) -> Processed:
        """This result without its lists of files, which no stage after deduplication reads."""
        empty = pa.array([], pa.string())
        return replace(self, reprocessed=empty, superseded=empty)


def process(run: Run, found: Discovered, census: Census, staging: store.RunStaging) -> Processed:
    """Parse every file to process, shard by shard, with the chrome the census learned.

    The pending files' shards parse the texts the census staged; the unchanged files parsed
    again come after them, in shards of their own that read their files.

    Raises:
        BooksDoNotBalance: Staged documents and quarantine rows do not account for every file.
    """
    clock = StageClock()
    settings = run.settings
    paths = census.paths
    pending = found.pending.num_rows
    shards = [
        *_shards(paths.slice(0, pending), settings.shard_size),
        *_shards(paths.slice(pending), settings.shard_size),
    ]

    def arguments(batch: list[ShardFiles]) -> tuple[object, ...]:
        return (
            staging.warehouse.storage,
            found.root,
            [replace(one, texts=census.texts_of(one.shard)) for one in batch],
            staging.path,
            settings.max_file_bytes,
            run.signatures,
            census.plan.learned,
            settings.plausible_dates(run.started_at.date()),
        )

    files_done = resumed = 0
    worker_cpu = sketch_cpu = 0.0
    results = _run_shards(process_shards, arguments, shards, settings.workers)
    for done, result in enumerate(results, start=1):
        staging.add_shard(result.staged)
        resumed += result.staged.resumed
        files_done += result.staged.document_rows + result.staged.quarantine_rows
        worker_cpu += result.cpu_seconds
        sketch_cpu += result.sketch_cpu_seconds
        _progress("process", done, len(shards), files_done, clock.wall)
    if resumed:
        get_run_logger().info(
            "reused %d of %d shards finished by a crashed run", resumed, len(shards)
        )
    stop_local_workers()

    staged_quarantine = staging.read_quarantine()
    staged_documents = staging.read_documents(["source_path", "raw_sha256"])
    if staged_documents.num_rows + staged_quarantine.num_rows != len(paths):
        raise BooksDoNotBalance(
            f"{len(paths)} files processed but {staged_documents.num_rows} documents + "
            f"{staged_quarantine.num_rows} quarantined"
        )
    by_reason = dict(sorted(Counter(staged_quarantine.column("reason").to_pylist()).items()))
    # The next snapshot's quarantine and manifest now, so that the file lists they are made of
    # (a million paths and hashes) do not stay through dedup and publish.
    # Staged as files: publish links them, and they do not stay in memory until then.
    superseded = pa.concat_arrays([paths, found.pruned])
    quarantine = incremental.staged_rows(
        incremental.next_quarantine(found.previous, superseded, staged_quarantine, run.run_id),
        staging,
        "quarantine",
        "rows",
    )
    manifest = incremental.staged_rows(
        incremental.next_manifest(
            found.previous,
            census.to_process,
            staged_documents,
            staged_quarantine,
            run.run_id,
            pruned=found.pruned,
        ),
        staging,
        "manifest",
        "rows",
    )
    counters = clock.counters(
        "process",
        worker_cpu=worker_cpu if runs_on_cluster() else 0.0,
        files_in=len(paths),
        files_out=files_done,
        documents=staged_documents.num_rows,
        quarantined=staged_quarantine.num_rows,
        bytes=int(pc.sum(census.to_process.column("bytes")).as_py() or 0),
    )
    return Processed(
        paths,
        superseded,
        staged_documents.num_rows,
        by_reason,
        quarantine,
        manifest,
        sketch_cpu,
        counters,
    )


def _progress(stage: str, done: int, total: int, files: int, started: float) -> None:
    if sys.stderr.isatty():
        rate = files / max(time.perf_counter() - started, 1e-9)
        sys.stderr.write(f"\r{stage}: shards {done}/{total} · files {files} · {rate:,.0f} files/s ")
        sys.stderr.flush()
        if done == total:
            sys.stderr.write("\n")


@dataclass(frozen=True)
class Deduplicated:
    """Clusters of every document of the next snapshot, and the tables that explain them."""

    keys: incremental.DocumentKeys
    assigned: pa.Table
    """``cluster_id`` and ``is_canonical`` (``incremental.CLUSTER_COLUMNS``), aligned with
    ``keys.all_keys()``; each cluster's size is in ``clusters``."""
    whole_tables: dict[str, list[Path]]
    """Every row of ``clusters``, ``document_matches`` and ``body_pairs``, or of their
    ``scopes``, staged (``tasks.CARRIED_WHOLE_TABLES``): the story tables a file per story
    month."""
    scopes: dict[str, incremental.Scope]
    """The story tables' rows this run computed, when it drew only some stories again
    (``incremental.drawn_scopes``); a table without one was computed whole."""
    band_files: list[Path]
    """Band keys of every body: the previous snapshot's files and this run's shard files."""
    signature_files: list[Path]
    """MinHash signatures of every body, likewise."""
    counters: StageCounters

    @property
    def stories(self) -> int:
        """Clusters in the next snapshot: one canonical document each."""
        return int(np.count_nonzero(self.assigned.column("is_canonical").to_numpy(False)))

    @property
    def duplicates(self) -> int:
        """Documents of the next snapshot that are not their cluster's canonical."""
        return self.assigned.num_rows - self.stories


def deduplicate(
    run: Run, found: Discovered, processed: Processed, staging: store.RunStaging
) -> Deduplicated:
    """Gather every document's keys and cluster them: exact copies, then verified near copies."""
    clock = StageClock()
    keys = incremental.gather_keys(found.previous, staging, processed.superseded)
    release_memory()  # read buffers of the keys' files
    assigned, pairs, drawn = deduplicate_documents(
        keys, found.previous, staging, run.settings.workers
    )
    scopes = incremental.drawn_scopes(keys, assigned, drawn)
    table, clustered = keys.all_keys(), assigned
    if drawn is not None:
        # The stories drawn again, whole: each document's cluster and canonical are among them.
        rows = pa.array(np.flatnonzero(drawn))
        table, clustered = table.take(rows), assigned.take(rows)
    # Staged as soon as made: publish links or reads them; they do not stay in memory.
    clusters = cluster_table(table, clustered, run.run_id)
    stories = StoryMonths.of(clusters)
    matches = document_matches(table, clustered, pairs, run.run_id)
    whole_tables = {
        "clusters": staging.stage_by_month(
            "clusters", clusters, stories.months("clusters", clusters), "all"
        ),
        "document_matches": staging.stage_by_month(
            "document_matches", matches, stories.months("document_matches", matches), "all"
        ),
        "body_pairs": [staging.stage_table("body_pairs", pairs, "all")],
    }
    del table, clustered, pairs, clusters, matches, stories
    assigned = assigned.select(incremental.CLUSTER_COLUMNS)
    release_memory()
    # This run's band keys and signatures are staged in their declared schemas: their files are
    # linked into the snapshot beside the earlier runs' (never read into memory here).
    band_files = [*store.table_files(found.previous, "body_bands"), *staging.band_files()]
    signature_files = [
        *store.table_files(found.previous, "body_signatures"),
        *staging.signature_files(),
    ]
    counters = clock.counters(
        "deduplicate", files_in=processed.files_processed, documents=assigned.num_rows
    )
    return Deduplicated(keys, assigned, whole_tables, scopes, band_files, signature_files, counters)


@dataclass(frozen=True)
class Published:
    """The snapshot this run made current."""

    snapshot: store.Snapshot
    record: RunRecord
    counters: StageCounters


def publish(
    run: Run,
    found: Discovered,
    census: Census,
    processed: Processed,
    deduplicated: Deduplicated,
    staging: store.RunStaging,
) -> Published:
    """Write the next snapshot (carrying unchanged files), make it current, refresh the catalog."""
    clock = StageClock()
    record = replace(run_record(run, found, census, processed, deduplicated), publishing=clock)
    snapshot = publish_snapshot(
        staging,
        deduplicated.keys,
        deduplicated.assigned,
        store.SnapshotTables(
            quarantine=processed.quarantine.written,
            manifest=processed.manifest.written,
            written={"pending_reparse": census.deferred, "census_learned": census.counted},
            carried={
                "body_bands": deduplicated.band_files,
                "body_signatures": deduplicated.signature_files,
                "line_census": census.plan.files,
                "quarantine": processed.quarantine.carried,
                "manifest": processed.manifest.carried,
            },
        ),
        deduplicated.whole_tables,
        record,
        found.previous,
        found.runs_history,
        run.settings.workers,
        deduplicated.scopes,
    )
    counters = clock.counters(
        "publish",
        files_in=found.files_seen,
        documents=record.total_documents,
        bytes=store.written_bytes(snapshot),
    )
    return Published(snapshot, record, counters)


def run_record(
    run: Run,
    found: Discovered,
    census: Census,
    processed: Processed,
    deduplicated: Deduplicated,
) -> RunRecord:
    """This run's row of the ``runs`` table, with the counters of every stage before publish."""
    return RunRecord(
        run_id=run.run_id,
        started_at=run.started_at,
        finished_at=datetime.now(UTC),
        input=sources.escape_name(run.settings.input),
        input_root=sources.escape_name(found.input_root),
        files_missing=found.files_missing,
        files_pruned=found.files_pruned,
        status="rebuilt" if found.runs_history is not None else "published",
        files_seen=found.files_seen,
        files_processed=processed.files_processed,
        documents=processed.documents,
        quarantined_by_reason=processed.quarantined_by_reason,
        total_documents=deduplicated.assigned.num_rows,
        duplicates=deduplicated.duplicates,
        clusters=deduplicated.stories,
        stages=(found.counters, census.counters, processed.counters, deduplicated.counters),
        minhash_cpu_seconds=processed.sketch_cpu_seconds,
        parameters=json.dumps(
            {k: str(v) for k, v in asdict(run.settings).items()}
            | {"clustering": CLUSTERING_DIGEST},
            sort_keys=True,
        ),
        newsetl_version=version("newsetl"),
    )
