"""Is a snapshot whole? Check its files against what publish recorded, and repair it if not.

Publish records every file of a snapshot in its manifest: size, xxh3-128 checksum and rows
(``store.file_records``). Two levels of checking use them:

* ``sizes``: every file is there with its recorded size. A stat per file, so every run does it
  before carrying the snapshot forward (truncation and deletion, the usual damage, show here),
  and never publishes on top of a damaged snapshot.
* ``full``: also every file's checksum, Parquet footer and row count, and each table's total
  rows. It reads every byte, so it is ``newsetl check``'s, run when the user asks or on a schedule
  of their own, not a cost of every incremental run.

Repair never changes a published snapshot; it publishes a new one (``docs/operations.md``):

* ``relink``: each damaged file has an intact twin (the same recorded checksum) in another
  snapshot still on disk, typically because a file was deleted from one snapshot while others
  hard-link the same data: the new snapshot is the current one with the twins linked in.
* ``restore``: the new snapshot is a copy of an older intact snapshot; the next run then
  processes the files new or changed since that one.
* rebuild from the inputs: a full run that ignores the damaged snapshot (``newsetl repair``
  runs it when neither of the above applies; see ``flows.pipeline``).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse.runs import RunRecord, republish_record, upgrade_runs
from warehouse.schemas import RUNS
from warehouse.store import (
    CHECKSUM,
    Snapshot,
    Warehouse,
    file_checksum,
    file_records,
    new_snapshot_id,
)

Level = Literal["sizes", "full"]


@dataclass(frozen=True)
class Damage:
    """One file of a snapshot that is not as publish recorded it."""

    table: str
    path: str
    """The file's path inside the snapshot folder."""
    problem: str


@dataclass(frozen=True)
class CheckReport:
    """What checking a snapshot found."""

    snapshot_id: str
    level: Level
    files: int
    bytes: int
    damage: tuple[Damage, ...]
    recorded: bool
    """Whether publish recorded sizes and checksums (snapshots before newsetl did have none)."""

    @property
    def intact(self) -> bool:
        """Nothing damaged."""
        return not self.damage

    def describe(self) -> str:
        """One line for a person: what was checked and what was found."""
        what = {
            "sizes": "present with their recorded sizes",
            "full": "present with their recorded sizes, checksums, footers and row counts",
        }[self.level]
        if not self.recorded:
            what = "present, footers and row counts readable (no checksums were recorded)"
        head = f"snapshot {self.snapshot_id}: {self.files} files, {self.bytes:,} bytes"
        if self.intact:
            return f"{head}: all {what}"
        return f"{head}: {len(self.damage)} damaged"


class SnapshotDamaged(RuntimeError):
    """The snapshot a run would carry forward is damaged: the run publishes nothing."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        shown = "; ".join(f"{d.path}: {d.problem}" for d in report.damage[:5])
        more = f" and {len(report.damage) - 5} more" if len(report.damage) > 5 else ""
        super().__init__(
            f"snapshot {report.snapshot_id} is damaged ({shown}{more}); nothing was published. "
            "`newsetl check` lists the damage, `newsetl repair` publishes a repaired snapshot"
        )


def _table_of(snapshot: Snapshot) -> dict[str, str]:
    return {
        relative: table
        for table, entry in snapshot.manifest["tables"].items()
        for relative in entry["files"]
    }


def _check_file(
    path: Path, record: dict[str, Any] | None, level: Level
) -> tuple[int, str | None, int | None]:
    """(bytes on disk, the problem or None, rows in its footer where read) of one file."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return 0, "missing", None
    except OSError as error:
        return 0, f"cannot be read: {error.strerror}", None
    if record is not None and size != record["bytes"]:
        change = "truncated" if size < record["bytes"] else "grown"
        return size, f"{change}: {size:,} bytes, {record['bytes']:,} recorded", None
    if level == "sizes" and record is not None:
        return size, None, None
    if level == "full" and record is not None:
        try:
            checksum = file_checksum(path)
        except OSError as error:
            return size, f"cannot be read: {error.strerror}", None
        if checksum != record[CHECKSUM]:
            return size, "checksum differs from the one recorded: its bytes changed", None
    try:
        rows = pq.read_metadata(path).num_rows
    except (OSError, pa.ArrowException) as error:
        return size, f"Parquet footer unreadable: {error}", None
    if record is not None and rows != record["rows"]:
        return size, f"{rows:,} rows, {record['rows']:,} recorded", rows
    return size, None, rows


def check_snapshot(snapshot: Snapshot, level: Level = "full") -> CheckReport:
    """Check every file of ``snapshot`` against what publish recorded.

    Args:
        snapshot: The snapshot to check.
        level: ``sizes`` (a stat per file) or ``full`` (every byte, footer and row count).
    """
    records = snapshot.file_records()
    tables = _table_of(snapshot)
    damage: list[Damage] = []
    total_bytes = 0
    table_rows: dict[str, int] = {}
    for relative, table in tables.items():
        size, problem, rows = _check_file(snapshot.path / relative, records.get(relative), level)
        total_bytes += size
        if problem is not None:
            damage.append(Damage(table, relative, problem))
        elif rows is not None:
            table_rows[table] = table_rows.get(table, 0) + rows
    if level == "full" or not records:
        damaged_tables = {d.table for d in damage}
        for table, entry in snapshot.manifest["tables"].items():
            counted = table_rows.get(table, 0)
            if table not in damaged_tables and counted != entry["rows"]:
                problem = f"{counted:,} rows in its files, {entry['rows']:,} recorded"
                damage.append(Damage(table, table, problem))
    return CheckReport(
        snapshot.snapshot_id,
        level,
        len(tables),
        total_bytes,
        tuple(damage),
        recorded=bool(records),
    )


def require_intact(snapshot: Snapshot) -> None:
    """Check the sizes of ``snapshot``'s files before a run carries it forward.

    Raises:
        SnapshotDamaged: A file is missing or has another size than recorded.
    """
    report = check_snapshot(snapshot, "sizes")
    if not report.intact:
        raise SnapshotDamaged(report)


def find_twins(
    warehouse: Warehouse, snapshot: Snapshot, damage: Iterable[Damage]
) -> dict[str, Path]:
    """Intact files elsewhere in the warehouse with the recorded checksum of each damaged file.

    Returns:
        The twin of each damaged file that has one, by the damaged file's path in the snapshot.
    """
    records = snapshot.file_records()
    wanted = {d.path: records[d.path] for d in damage if d.path in records}
    twins: dict[str, Path] = {}
    for other_id in reversed(warehouse.snapshot_ids()):
        if other_id == snapshot.snapshot_id or not wanted:
            continue
        other = warehouse.snapshot(other_id)
        for relative, record in other.file_records().items():
            for damaged, expected in list(wanted.items()):
                same = record.get(CHECKSUM) == expected[CHECKSUM]
                if not same or record["bytes"] != expected["bytes"]:
                    continue
                candidate = other.path / relative
                _, problem, _ = _check_file(candidate, expected, "full")
                if problem is None:
                    twins[damaged] = candidate
                    del wanted[damaged]
    return twins


@dataclass(frozen=True)
class Repair:
    """A repair that was published."""

    snapshot: Snapshot
    how: str


def readable_runs(snapshot: Snapshot | None) -> pa.Table:
    """The ``runs`` rows of ``snapshot``, or none if its runs table is damaged (history is lost)."""
    if snapshot is None:
        return RUNS.empty_table()
    try:
        runs = pa.concat_tables(pq.read_table(path) for path in snapshot.files("runs"))
    except (OSError, pa.ArrowException):
        return RUNS.empty_table()
    return upgrade_runs(runs)


def _repair_record(
    base: Snapshot, documents: list[Path], history: pa.Table, run_id: str, now: datetime, how: str
) -> RunRecord:
    """The ``runs`` row of a repair: the figures of the content it publishes (``documents``)."""
    last: dict[str, Any] = next(
        (r for r in reversed(history.to_pylist()) if r["snapshot_id"] == base.snapshot_id), {}
    )
    canonical = sum(
        pc.sum(pq.read_table(path, columns=["is_canonical"]).column(0)).as_py() or 0
        for path in documents
    )
    return republish_record(
        last,
        run_id,
        now,
        "repaired",
        json.dumps({"repair": how, "content_of": base.snapshot_id}),
        _version(),
        total_documents=base.rows("documents"),
        clusters=canonical,
    )


def _version() -> str:
    from importlib.metadata import version  # noqa: PLC0415 - only repairs need it

    return version("newsetl")


def publish_copy(
    warehouse: Warehouse,
    base: Snapshot,
    substitutes: dict[str, Path],
    history: pa.Table,
    how: str,
    now: datetime,
) -> Snapshot:
    """Publish a new snapshot with ``base``'s content, some files linked from elsewhere.

    Every data file is a hard link (nothing is copied); the ``runs`` table is written again with
    ``history`` and a row for this repair. Call while holding the writer lock.

    Args:
        warehouse: The warehouse.
        base: The snapshot whose content is published again.
        substitutes: Intact files to link in place of ``base``'s, by path in the snapshot.
        history: The ``runs`` rows to keep.
        how: ``relink`` or ``restore``, recorded in the repair's ``runs`` row.
        now: Publication time.
    """
    run_id = f"repair-{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
    staging = warehouse.staging(run_id)
    try:
        build = staging.path / "snapshot"
        snapshot_id = new_snapshot_id(now)
        tables = {name: dict(entry) for name, entry in base.manifest["tables"].items()}
        for name, entry in tables.items():
            if name == "runs":
                continue
            for relative in entry["files"]:
                source = substitutes.get(relative, base.path / relative)
                warehouse.storage.link(source, build / relative)
        linked = [build / relative for relative in tables["documents"]["files"]]
        record = _repair_record(base, linked, history, run_id, now, how)
        this = record.table(snapshot_id, warehouse.current_snapshot_id())
        runs = pa.concat_tables([history, this])
        warehouse.storage.write_parquet(build / "runs" / "part-0.parquet", runs)
        tables["runs"] = {"files": ["runs/part-0.parquet"], "rows": runs.num_rows}
        previous = warehouse.snapshot() if warehouse.current_snapshot_id() else None
        manifest = {
            "snapshot_id": snapshot_id,
            "parent_snapshot_id": warehouse.current_snapshot_id(),
            "run_id": run_id,
            "created_at": now.astimezone(UTC).isoformat(),
            "tables": tables,
            "files": {
                **{k: v for k, v in base.file_records().items() if not k.startswith("runs/")},
                **file_records(build, {"runs": tables["runs"]}, previous),
            },
            "repaired": {"how": how, "content_of": base.snapshot_id},
        }
        if not base.file_records():
            manifest["files"] = file_records(build, tables, None)
        snapshot = staging.commit(build, manifest)
    finally:
        staging.remove()
    return snapshot


def relink(warehouse: Warehouse, report: CheckReport) -> Repair | None:
    """Repair the current snapshot from intact twins of its damaged files, if all have one.

    Returns:
        The repair, or None when some damaged file has no twin (or a table total is off).
    """
    current = warehouse.snapshot(report.snapshot_id)
    twins = find_twins(warehouse, current, report.damage)
    if any(d.path not in twins and d.table != "runs" for d in report.damage):
        return None
    snapshot = publish_copy(
        warehouse, current, twins, best_history(warehouse), "relink", datetime.now(UTC)
    )
    return Repair(snapshot, f"linked {len(twins)} intact file(s) from other snapshots")


def best_history(warehouse: Warehouse) -> pa.Table:
    """The ``runs`` rows of the newest snapshot whose runs table reads (the current one's)."""
    for snapshot_id in warehouse.published_chain():
        history = readable_runs(warehouse.snapshot(snapshot_id))
        if history.num_rows:
            return history
    return RUNS.empty_table()


def restore(warehouse: Warehouse, snapshot_id: str) -> Repair:
    """Publish the content of an older, intact snapshot as a new snapshot.

    Raises:
        SnapshotDamaged: That snapshot is damaged too.
    """
    base = warehouse.snapshot(snapshot_id)
    report = check_snapshot(base)
    if not report.intact:
        raise SnapshotDamaged(report)
    history = best_history(warehouse)
    snapshot = publish_copy(warehouse, base, {}, history, "restore", datetime.now(UTC))
    return Repair(snapshot, f"restored the content of snapshot {snapshot_id}")
