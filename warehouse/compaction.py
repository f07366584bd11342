"""Compaction: merge the small files increments leave into files of a target size.

Each run adds files: a documents file in every month it touches, and a file per shard to
``mentions``, ``body_bands``, ``body_signatures`` and ``line_census``. Carrying them as they are is
what makes an increment cheap; a warehouse fed every half hour would pile up thousands of them,
and every query would open them all. ``newsetl compact`` publishes a snapshot with the same rows
in fewer files, in the spirit of Delta Lake's ``OPTIMIZE``: the small files of each partition are
merged (:func:`transforms.increment_plan.plan_compaction`), every other file is hard-linked, and
the snapshot is committed like a run's (staged, fsynced, renamed, pointer swapped). Queries see
the same rows before and after; a reader on the old snapshot keeps its files.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from transforms import increment_plan
from warehouse.incremental import file_table
from warehouse.runs import republish_record, upgrade_runs
from warehouse.schemas import TABLES
from warehouse.storage import partition_value
from warehouse.store import (
    ROW_GROUP_ROWS,
    Snapshot,
    Warehouse,
    file_records,
    new_snapshot_id,
)

TARGET_BYTES = 128 << 20
"""Size a merged file should reach: large enough that a million documents are a few files a
month, small enough that one merge reads and writes a bounded amount."""
SKIPPED = ("runs",)
"""Tables compaction leaves alone: ``runs`` is one file, written again by every publish."""


@dataclass(frozen=True)
class Compaction:
    """What ``newsetl compact`` did."""

    snapshot: Snapshot | None
    """The snapshot published, None when there was nothing to merge."""
    merged_files: int
    """Files merged away (their rows are in ``written_files`` files now)."""
    written_files: int
    written_bytes: int


def plan(snapshot: Snapshot, target_bytes: int) -> dict[str, list[increment_plan.CompactionGroup]]:
    """The merges of each table of ``snapshot`` (tables with none are left out)."""
    records = snapshot.file_records()
    groups: dict[str, list[increment_plan.CompactionGroup]] = {}
    for table, entry in snapshot.manifest["tables"].items():
        if table in SKIPPED or table not in TABLES:
            continue
        rows = []
        for relative in entry["files"]:
            record = records.get(relative) or _record(snapshot.path / relative)
            partition = partition_value(Path(relative))
            rows.append((relative, partition, int(record["rows"]), int(record["bytes"])))
        merges = increment_plan.plan_compaction(file_table(rows), target_bytes=target_bytes)
        # Only files in the table's declared schema are merged: an older layout stays as it is.
        merges = [g for g in merges if all(_declared(snapshot.path / f, table) for f in g.files)]
        if merges:
            groups[table] = merges
    return groups


def _record(path: Path) -> dict[str, int]:
    return {"rows": pq.read_metadata(path).num_rows, "bytes": path.stat().st_size}


def _declared(path: Path, table: str) -> bool:
    return pq.read_schema(path).equals(TABLES[table], check_metadata=False)


def compact(warehouse: Warehouse, now: datetime, target_bytes: int = TARGET_BYTES) -> Compaction:
    """Publish the current snapshot again with its small files merged. Hold the writer lock.

    The new snapshot has a ``runs`` row of status ``compacted`` carrying the figures of the
    content it republishes (its input root among them, which the next run checks).
    """
    base = warehouse.snapshot()
    groups = plan(base, target_bytes)
    if not groups:
        return Compaction(None, 0, 0, 0)
    run_id = f"compact-{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
    storage = warehouse.storage
    staging = warehouse.staging(run_id)
    try:
        build = staging.path / "snapshot"
        storage.make_dir(build)
        tables = {name: dict(entry) for name, entry in base.manifest["tables"].items()}
        written_files = written_bytes = merged = 0
        for name, entry in tables.items():
            if name == "runs":
                continue
            merges = groups.get(name, [])
            gone = {file for group in merges for file in group.files}
            files = [relative for relative in entry["files"] if relative not in gone]
            for relative in files:
                storage.link(base.path / relative, build / relative)
            for number, group in enumerate(merges):
                if not group.rows and (files or any(other.rows for other in merges)):
                    merged += len(group.files)  # files without rows: nothing to write
                    continue
                folder = Path(group.files[0]).parent
                relative = str(folder / f"part-{run_id}-{number}.parquet")
                with storage.parquet_writer(build / relative, TABLES[name]) as writer:
                    for source in group.files:
                        table = pq.read_table(base.path / source, schema=TABLES[name])
                        writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
                files.append(relative)
                merged += len(group.files)
                written_files += 1
                written_bytes += (build / relative).stat().st_size
            entry["files"] = sorted(files)
        snapshot_id = new_snapshot_id(now)
        history = upgrade_runs(pa.concat_tables(pq.read_table(p) for p in base.files("runs")))
        row = _row(base, run_id, now, merged, target_bytes, snapshot_id)
        runs = pa.concat_tables([history, row])
        storage.write_parquet(
            build / "runs" / "part-0.parquet", runs, row_group_size=ROW_GROUP_ROWS
        )
        tables["runs"] = {"files": ["runs/part-0.parquet"], "rows": runs.num_rows}
        manifest = {
            "snapshot_id": snapshot_id,
            "parent_snapshot_id": base.snapshot_id,
            "run_id": run_id,
            "created_at": now.astimezone(UTC).isoformat(),
            "tables": tables,
            "files": file_records(build, tables, base),
            "compacted": {"content_of": base.snapshot_id, "target_bytes": target_bytes},
        }
        snapshot = staging.commit(build, manifest)
    finally:
        staging.remove()
    return Compaction(snapshot, merged, written_files, written_bytes)


def _row(
    base: Snapshot, run_id: str, now: datetime, merged: int, target_bytes: int, snapshot_id: str
) -> pa.Table:
    """The compaction's ``runs`` row: the figures and input of the content it republishes."""
    last = base.last_run()
    record = republish_record(
        last,
        run_id,
        now,
        "compacted",
        json.dumps(
            {"compact": target_bytes, "merged_files": merged, "content_of": base.snapshot_id},
            sort_keys=True,
        ),
        version("newsetl"),
        total_documents=int(last["total_documents"]),
        clusters=int(last["clusters"]),
    )
    return record.table(snapshot_id, base.snapshot_id)
