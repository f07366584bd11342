"""The ingest flow: discover -> census -> process -> deduplicate -> publish -> report.

Each stage is a function of ``flows/stages.py`` that returns a frozen dataclass: what later stages
need, and the counters of what it did. This module runs them in order under the warehouse's
writer lock, then reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.runners import api_shared_with_workers, task_runner_from_env, use_jemalloc
from flows.settings import RunSettings
from flows.stages import Discovered, Run, deduplicate, discover, process, publish, take_census
from flows.tasks import report_snapshot
from transforms.publishers import PublisherRules, parse_rules
from warehouse import catalog
from warehouse.runs import RunRecord, StageCounters
from warehouse.store import Warehouse

use_jemalloc()


def _ingest(
    settings: RunSettings, signatures: PublisherRules, *, rebuild: bool = False
) -> RunSummary:
    """Run the stages under the warehouse's writer lock.

    Everything a run holds in memory (document keys, clusters, the tables of the snapshot) goes
    when this returns, before the report queries run.
    """
    run = Run.start(settings, signatures)
    started = time.perf_counter()
    with run.warehouse.writer_lock(run.run_id, wait_seconds=settings.wait_for_lock):
        found = discover(run, rebuild=rebuild)
        if found.nothing_to_do:
            return _nothing_new(run, found, started)
        # Removed at the end; after a failure its finished shards stay for the next run to reuse.
        with run.warehouse.staging(run.run_id) as staging, api_shared_with_workers():
            census = take_census(run, found, staging)
            processed = process(run, found, census, staging)
            # A million paths at scale, which no later stage reads: not kept through dedup.
            found, census = found.without_file_lists(), census.without_file_lists()
            deduplicated = deduplicate(run, found, processed, staging)
            processed = processed.without_file_lists()
            published = publish(run, found, census, processed, deduplicated, staging)
    summary = RunSummary.of(run, published.record, published.snapshot.snapshot_id, started)
    return replace(summary.with_stage(published.counters), replaced=found.replaced)


@flow(name="newsetl-ingest", log_prints=True, task_runner=task_runner_from_env())
def ingest_articles(
    input: str | None = None,
    warehouse: str | None = None,
    pattern: str = "*.txt",
    max_file_bytes: int | None = None,
    shard_size: int | None = None,
    publishers_file: str | None = None,
    wait_for_lock: float = 0.0,
    prune_missing: bool = False,
    allow_new_root: bool = False,
    earliest_date: str | None = None,
    max_days_ahead: int | None = None,
    rebuild: bool = False,
) -> RunSummary:
    """Ingest article files into the warehouse and publish a new snapshot.

    Args:
        input: Folder (searched recursively) or glob of article files; default
            ``NEWSETL_INPUT`` or the bundled samples.
        warehouse: Warehouse folder; default ``NEWSETL_WAREHOUSE`` or ``var/warehouse``.
        pattern: File name pattern inside an input folder.
        max_file_bytes: Size cap; larger files are quarantined as ``oversized``.
        shard_size: Files per shard.
        publishers_file: TOML file of publisher mappings and signatures (docs/design.md).
        wait_for_lock: Seconds to wait for another run writing the same warehouse.
        prune_missing: Remove the documents of files no longer in the input.
        allow_new_root: Go ahead when the input root is not the warehouse's last one.
        earliest_date: The earliest publication date believed (YYYY-MM-DD).
        max_days_ahead: Days after the run's date a publication date may be.
        rebuild: Build everything from the input, ignoring the current snapshot's content
            (the repair of a damaged snapshot); its runs history is kept where it reads.
    """
    settings = RunSettings.from_env(
        input=input,
        warehouse=Path(warehouse) if warehouse else None,
        pattern=pattern,
        max_file_bytes=max_file_bytes,
        shard_size=shard_size,
        publishers_file=Path(publishers_file) if publishers_file else None,
        wait_for_lock=wait_for_lock,
        prune_missing=prune_missing,
        allow_new_root=allow_new_root,
        earliest_date=earliest_date,
        max_days_ahead=max_days_ahead,
    ).check_paths()  # parameters of a served or deployed run are checked before any work
    summary = _ingest(settings, load_signatures(settings.publishers_file), rebuild=rebuild)
    if summary.status == "unchanged":
        return summary
    create_markdown_artifact(
        summary.markdown(), key="newsetl-run-summary", description="newsetl ingest summary"
    )
    report_snapshot(Warehouse(settings.warehouse), summary.snapshot_id)
    get_run_logger().info("run %s published snapshot %s", summary.run_id, summary.snapshot_id)
    return summary


def load_signatures(publishers_file: Path | None) -> PublisherRules:
    """The built-in publisher signatures, behind the mapping and signatures of a publishers file."""
    if publishers_file is None:
        return PublisherRules()
    return parse_rules(publishers_file.read_text(encoding="utf-8"))


def _nothing_new(run: Run, found: Discovered, started: float) -> RunSummary:
    """Publish nothing; finish what a run killed after its commit left undone; summarise."""
    previous = found.previous
    assert previous is not None  # noqa: S101 - the caller checked
    get_run_logger().info("nothing new since snapshot %s: nothing published", previous.snapshot_id)
    if catalog.catalog_snapshot_id(run.warehouse) != previous.snapshot_id:
        catalog.write_catalog(run.warehouse, previous)
    run.warehouse.remove_leftovers()
    last = previous.last_run()
    return RunSummary(
        run_id=run.run_id,
        snapshot_id=previous.snapshot_id,
        input=run.settings.input,
        files_seen=found.files_seen,
        files_processed=0,
        documents=0,
        quarantined_by_reason={},
        duplicates=int(last["duplicates"]),
        clusters=int(last["clusters"]),
        seconds=time.perf_counter() - started,
        stages=(found.counters,),
        status="unchanged",
        files_missing=found.files_missing,
    )


@dataclass(frozen=True)
class RunSummary:
    """What a run did, for the terminal and the run's artifact."""

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
    stages: tuple[StageCounters, ...] = ()
    status: str = "published"
    files_missing: int = 0
    """Files of earlier runs not found in the input now (their documents are kept)."""
    files_pruned: int = 0
    """Missing files whose documents this run removed (``--prune-missing``)."""
    replaced: tuple[str, ...] = ()
    """Under a new input root, paths whose earlier documents this run replaced."""

    @classmethod
    def of(cls, run: Run, record: RunRecord, snapshot_id: str, started: float) -> RunSummary:
        """The summary of a run that published ``record``."""
        return cls(
            run_id=run.run_id,
            snapshot_id=snapshot_id,
            input=run.settings.input,
            files_seen=record.files_seen,
            files_processed=record.files_processed,
            documents=record.documents,
            quarantined_by_reason=dict(record.quarantined_by_reason),
            duplicates=record.duplicates,
            clusters=record.clusters,
            seconds=time.perf_counter() - started,
            stages=record.stages,
            files_missing=record.files_missing,
            files_pruned=record.files_pruned,
        )

    def with_stage(self, counters: StageCounters) -> RunSummary:
        """This summary with one more stage's counters."""
        return replace(self, stages=(*self.stages, counters))

    @property
    def quarantined(self) -> int:
        """Files quarantined, all reasons together."""
        return sum(self.quarantined_by_reason.values())

    def markdown(self) -> str:
        """The summary as Markdown tables (Prefect artifact): the run, then stage by stage."""
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
            f"| files missing from the input | {self.files_missing} |",
            f"| missing files pruned | {self.files_pruned} |",
            f"| duplicates | {self.duplicates} |",
            f"| stories (clusters) | {self.clusters} |",
            f"| snapshot | `{self.snapshot_id}` |",
            f"| seconds | {self.seconds:.2f} |",
        ]
        lines += [
            f"| quarantined: {r} | {n} |" for r, n in sorted(self.quarantined_by_reason.items())
        ]
        lines += [
            "",
            "| stage | files in | files out | documents | quarantined | MB | wall s | CPU s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {s.stage} | {s.files_in} | {s.files_out} | {s.documents} | {s.quarantined} "
            f"| {s.bytes / 1e6:.1f} | {s.wall_seconds:.2f} | {s.cpu_seconds:.2f} |"
            for s in self.stages
        ]
        return "\n".join(lines)
