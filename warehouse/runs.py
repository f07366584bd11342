"""The record of a run: its counts, stage by stage, as the ``runs`` table keeps them."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import psutil
import pyarrow as pa

from warehouse.schemas import RUNS, conform


@dataclass(frozen=True)
class StageCounters:
    """What one stage of a run did: its books, its bytes and its cost."""

    stage: str
    files_in: int = 0
    """Files the stage was given."""
    files_out: int = 0
    """Files it passed on (accepted or quarantined, each counted once)."""
    documents: int = 0
    """Documents it produced or handled."""
    quarantined: int = 0
    """Files it quarantined."""
    bytes: int = 0
    """Bytes it read (discover, census, process) or wrote (publish)."""
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    """CPU of the run's process tree during the stage (driver, worker processes, Prefect's
    server), and of a cluster's workers on its tasks."""


def tree_cpu() -> float:
    """CPU seconds of this process's tree: itself, its live descendants and the ended ones.

    An ended process counts once its parent has waited for it (a pool's shutdown does).
    """
    total = 0.0
    me = psutil.Process()
    try:
        tree = [me, *me.children(recursive=True)]
    except psutil.Error:
        tree = [me]
    for process in tree:
        with contextlib.suppress(psutil.Error):  # ended between the listing and the read
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


@dataclass(frozen=True)
class StageClock:
    """Wall time since a stage started, and the CPU time of the run's process tree since then.

    The tree is the driver, its worker processes (the shard tasks' pool, the pools deduplication
    and publish start) and Prefect's temporary server. Tasks on a cluster are not in it: their
    stage adds the CPU they report as ``worker_cpu``.
    """

    wall: float = field(default_factory=time.perf_counter)
    cpu: float = field(default_factory=tree_cpu)

    def counters(self, stage: str, *, worker_cpu: float = 0.0, **counts: int) -> StageCounters:
        """The stage's counters, timed up to now."""
        return StageCounters(
            stage,
            wall_seconds=time.perf_counter() - self.wall,
            cpu_seconds=tree_cpu() - self.cpu + worker_cpu,
            **counts,
        )


@dataclass(frozen=True)
class RunRecord:
    """One row of the ``runs`` table but for the snapshot it publishes (known at publish)."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    input: str
    files_seen: int
    files_processed: int
    documents: int
    quarantined_by_reason: Mapping[str, int]
    total_documents: int
    duplicates: int
    clusters: int
    stages: tuple[StageCounters, ...]
    parameters: str
    newsetl_version: str
    minhash_cpu_seconds: float = 0.0
    status: str = "published"
    """published; rebuilt (a repair that processed the input again); compacted (the same
    content in fewer files, ``newsetl compact``)."""
    input_root: str | None = None
    """The absolute folder (or URL) that this run's source paths are relative to."""
    files_missing: int = 0
    """Files of earlier runs not found in the input."""
    files_pruned: int = 0
    """Missing files whose rows this run removed (``--prune-missing``)."""
    publishing: StageClock | None = None
    """Started with the publish stage: the row records publish as it stands when the row is
    written (documents, tables, report tables), before the checksums, the pointer swap and the
    catalog."""

    def table(self, snapshot_id: str, parent_snapshot_id: str | None) -> pa.Table:
        """This run's row of ``runs``, conformed to its schema."""
        stages = self.stages
        if self.publishing is not None:
            stages = (
                *stages,
                self.publishing.counters(
                    "publish", files_in=self.files_seen, documents=self.total_documents
                ),
            )
        stage_seconds = [(s.stage, s.wall_seconds) for s in stages]
        row = {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "input": self.input,
            "input_root": self.input_root,
            "status": self.status,
            "files_seen": self.files_seen,
            "files_processed": self.files_processed,
            "documents": self.documents,
            "quarantined": sum(self.quarantined_by_reason.values()),
            "files_missing": self.files_missing,
            "files_pruned": self.files_pruned,
            "quarantined_by_reason": sorted(self.quarantined_by_reason.items()),
            "total_documents": self.total_documents,
            "duplicates": self.duplicates,
            "clusters": self.clusters,
            "stage_seconds": [*stage_seconds, ("minhash_cpu", self.minhash_cpu_seconds)],
            "stages": [asdict(stage) for stage in stages],
            "parameters": self.parameters,
            "snapshot_id": snapshot_id,
            "parent_snapshot_id": parent_snapshot_id,
            "newsetl_version": self.newsetl_version,
        }
        return conform(pa.Table.from_pylist([row], schema=RUNS), RUNS, name="runs")


def republish_record(
    last: Mapping[str, Any],
    run_id: str,
    now: datetime,
    status: str,
    parameters: str,
    newsetl_version: str,
    *,
    total_documents: int,
    clusters: int,
) -> RunRecord:
    """The ``runs`` row of a command that publishes content again (a repair, a compaction).

    It processes no file; its input and root are those of ``last``, the row of the content's run
    (the next run checks its root against them), and its totals those of the content.
    """
    return RunRecord(
        run_id=run_id,
        started_at=now,
        finished_at=now,
        input=str(last.get("input") or ""),
        input_root=last.get("input_root"),
        status=status,
        files_seen=0,
        files_processed=0,
        documents=0,
        quarantined_by_reason={},
        total_documents=total_documents,
        duplicates=total_documents - clusters,
        clusters=clusters,
        stages=(),
        parameters=parameters,
        newsetl_version=newsetl_version,
    )


def upgrade_runs(previous: pa.Table) -> pa.Table:
    """Runs written before a column of ``runs`` existed, with that column null, conformed."""
    for field_ in RUNS:
        if field_.name not in previous.column_names and field_.nullable:
            previous = previous.append_column(field_, pa.nulls(previous.num_rows, field_.type))
    return conform(previous, RUNS, name="runs")
