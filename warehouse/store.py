"""Snapshots on disk: staging, atomic publish, the ``current`` pointer and the writer lock.

Layout of a warehouse folder::

    current -> snapshots/<id>        symlink, swapped atomically by os.replace
    snapshots/<id>/_snapshot.json    the snapshot's manifest: tables, files, row counts
    snapshots/<id>/documents/published_month=YYYY-MM/part-N.parquet
    snapshots/<id>/quarantine/part-<run_id>.parquet  (and the earlier runs' files carried)
    snapshots/<id>/runs/part-0.parquet
    staging/<run_id>/                work in progress of a run (marked by a file of its own);
                                     never read by queries
    newsetl.duckdb                   DuckDB catalog with views over the current snapshot
    newsetl.lock                     held by the one run that may write

Nothing is ever written in place: a run stages everything, fsyncs it, renames the finished
snapshot folder into ``snapshots/`` and then swaps the pointer. A crash at any moment leaves the
previous snapshot current; leftovers in ``staging/`` are removed by the next run, but only the
folders a run marked as its own: whatever else is there is not newsetl's to delete.

Every file of a snapshot is recorded in its manifest with its size, checksum and row count
(``files``), so that damage can be found later (``warehouse.integrity``).
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence, Set
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from transforms.records import QUARANTINE_SCHEMA, TEXTS_SCHEMA
from warehouse import aggregates, resume
from warehouse.runs import RunRecord, upgrade_runs
from warehouse.schemas import (
    BODY_BANDS,
    BODY_SIGNATURES,
    DOCUMENTS,
    LINE_CENSUS,
    MANIFEST,
    QUARANTINE,
    REPORT_TABLES,
    RUNS,
    TABLES,
    SchemaContractError,
    conform,
    schemas_digest,
)
from warehouse.schemas import MENTIONS as MENTION_ROWS
from warehouse.storage import NULL_PARTITION, Storage, default_storage, partition_value
from warehouse.story_partitions import PARTITION

CURRENT = "current"
SNAPSHOTS = "snapshots"
BANDS = "bands"  # staged LSH band keys of a run's new bodies
SIGNATURES = "signatures"  # staged MinHash signatures of a run's new bodies
CENSUS = "census"  # staged edge lines of a run's files (learned chrome)
TEXTS = "texts"  # staged normalised texts of a run's files, until their shard is parsed
MENTIONS = "mentions"  # staged entity mentions of a run's new documents
STAGED_TABLES = "tables"  # rows of the next snapshot's tables, staged before publish links them
STAGING = "staging"
LOCK = "newsetl.lock"
MANIFEST_FILE = "_snapshot.json"
PARTITION_COLUMN = "published_month"
COMPRESSION = "zstd"
# Row groups of 64k rows keep DuckDB's parallel scans busy without bloating writer memory.
ROW_GROUP_ROWS = 65_536
DOCUMENT_GROUP_MIN_ROWS = 2_048
DOCUMENT_WAIT_BYTES = 64 << 20
# Month files written side by side: Parquet's encoding and compression of a row group release
# the GIL, so while one thread reads and sorts the next batch, two others keep encoding; a
# month's row groups all go through one thread, in order, so the files are the same.
DOCUMENT_WRITE_THREADS = 2
# Marks a staging folder as a run's own: cleanup deletes nothing else.
STAGING_MARKER = ".newsetl-run"
# A run id as flows.pipeline makes them: a crash between creating a staging folder and marking it
# leaves an empty folder so named, which is removed (only if empty).
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
CHECKSUM = "xxh3_128"
HASH_CHUNK_BYTES = 1 << 20


class WarehouseLocked(RuntimeError):
    """Another run holds the warehouse's writer lock."""


class SnapshotNotFound(LookupError):
    """The warehouse has no current snapshot, or not the one asked for."""


def file_checksum(path: Path) -> str:
    """The xxh3-128 checksum of a file's bytes, hex: fast enough to record at every publish."""
    digest = xxhash.xxh3_128()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def new_snapshot_id(now: datetime) -> str:
    """A sortable, unique snapshot id: UTC time to the microsecond and a random suffix."""
    return f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Snapshot:
    """A published snapshot: its id, folder and manifest."""

    snapshot_id: str
    path: Path
    manifest: dict[str, Any]

    def files(self, table: str) -> list[Path]:
        """Absolute paths of the Parquet files of ``table`` in this snapshot."""
        return [self.path / relative for relative in self.manifest["tables"][table]["files"]]

    def last_run(self) -> dict[str, Any]:
        """The ``runs`` row of the run that published this snapshot."""
        runs = pa.concat_tables(pq.read_table(path) for path in self.files("runs"))
        return runs.filter(pc.equal(runs.column("snapshot_id"), self.snapshot_id)).to_pylist()[-1]

    def rows(self, table: str) -> int:
        """Row count of ``table`` as recorded at publish time."""
        return int(self.manifest["tables"][table]["rows"])

    def file_records(self) -> dict[str, dict[str, Any]]:
        """Size, checksum and rows of each file, by path in the snapshot, as recorded at publish.

        Empty for snapshots published before newsetl recorded them.
        """
        return dict(self.manifest.get("files", {}))


def table_files(snapshot: Snapshot | None, table: str) -> list[Path]:
    """The files of ``table`` in ``snapshot``, none without a snapshot.

    Snapshots published before a table existed do not list it: they have none of its files.
    """
    if snapshot is None or table not in snapshot.manifest["tables"]:
        return []
    return snapshot.files(table)


# Warehouses whose writer lock this process holds (real path -> pid, depth). The command line
# takes the lock before Prefect starts, so that a held lock is one clear line, not a failed flow
# run; the flow it then runs in this process takes it again through here.
_HELD: dict[str, tuple[int, int, int]] = {}  # real path -> pid, depth, lock file descriptor
_HELD_GUARD = threading.Lock()


def _write_owner(descriptor: int, owner: str) -> None:
    """Name the holder in the lock file, for the message another writer gets."""
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"run {owner} (pid {os.getpid()})\n".encode(), 0)


class Warehouse:
    """A warehouse folder: read its snapshots, or (holding the lock) stage and publish new ones."""

    def __init__(self, root: Path | str, storage: Storage | None = None) -> None:
        self.root = Path(root).absolute()
        self.storage = storage or default_storage()
        """Through which every write to the folder goes."""

    @property
    def catalog_path(self) -> Path:
        """Path of the DuckDB catalog file."""
        return self.root / "newsetl.duckdb"

    def current_snapshot_id(self) -> str | None:
        """Id of the current snapshot, or None for a warehouse that has never published."""
        try:
            return Path(os.readlink(self.root / CURRENT)).name
        except (FileNotFoundError, NotADirectoryError):
            return None

    def snapshot_ids(self) -> list[str]:
        """Ids of all published snapshots, oldest first."""
        folder = self.root / SNAPSHOTS
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / MANIFEST_FILE).is_file())

    def snapshot(self, snapshot_id: str | None = None) -> Snapshot:
        """The snapshot ``snapshot_id``, or the current one.

        The pointer is read once: everything read through the returned object comes from one
        immutable snapshot, however many runs publish meanwhile.

        Raises:
            SnapshotNotFound: No such snapshot, or nothing published yet.
        """
        wanted = snapshot_id or self.current_snapshot_id()
        if wanted is None:
            raise SnapshotNotFound(f"no snapshot published in {self.root} yet: run `newsetl run`")
        path = self.root / SNAPSHOTS / wanted
        try:
            manifest = json.loads((path / MANIFEST_FILE).read_text())
        except FileNotFoundError as error:
            raise SnapshotNotFound(f"no snapshot {wanted!r} in {self.root}") from error
        return Snapshot(wanted, path, manifest)

    @contextlib.contextmanager
    def writer_lock(self, owner: str, *, wait_seconds: float = 0.0) -> Iterator[None]:
        """Hold the one-writer lock for the duration of the block.

        The lock is re-entrant within a process: a block inside another one holding it (the CLI
        around the flow it runs) goes ahead, and names itself as the holder while it runs.

        Args:
            owner: Who takes it (a run id), recorded for the message another run gets.
            wait_seconds: How long to wait for a run that holds it; 0 fails at once.

        Raises:
            WarehouseLocked: Another process holds the lock past ``wait_seconds``.
        """
        self.storage.make_dir(self.root)
        key = os.path.realpath(self.root)
        with _HELD_GUARD:
            pid, depth, held = _HELD.get(key, (0, 0, -1))
            if pid == os.getpid():
                _HELD[key] = (pid, depth + 1, held)
                _write_owner(held, owner)
            else:
                held = -1
        if held >= 0:
            try:
                yield
            finally:
                with _HELD_GUARD:
                    pid, depth, held = _HELD[key]
                    _HELD[key] = (pid, depth - 1, held)
            return
        path = self.root / LOCK
        descriptor = self.storage.open_lock(path)
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = path.read_text().strip() or "another process"
                        raise WarehouseLocked(
                            f"warehouse {self.root} is being written by {holder}; "
                            "wait for it to finish or pass --wait-for-lock SECONDS"
                        ) from None
                    time.sleep(0.2)
            _write_owner(descriptor, owner)
            with _HELD_GUARD:
                _HELD[key] = (os.getpid(), 1, descriptor)
            try:
                yield
            finally:
                with _HELD_GUARD:
                    _HELD.pop(key, None)
        finally:
            os.close(descriptor)

    def published_chain(self) -> list[str]:
        """The current snapshot and its ancestors still on disk, newest first.

        Publication order comes from each manifest's parent, not from ids or clocks, so a clock
        that steps back cannot make a published snapshot look like a crash's leftover.
        """
        chain: list[str] = []
        snapshot_id = self.current_snapshot_id()
        while (
            snapshot_id is not None
            and (self.root / SNAPSHOTS / snapshot_id / MANIFEST_FILE).is_file()
        ):
            chain.append(snapshot_id)
            snapshot_id = self.snapshot(snapshot_id).manifest.get("parent_snapshot_id")
        return chain

    def _orphans(self) -> list[str]:
        published = set(self.published_chain())
        return [s for s in self.snapshot_ids() if s not in published]

    def staging_leftovers(self) -> list[Path]:
        """Staging folders of runs that are over: marked as a run's own, or empty and named so.

        Anything else under ``staging/`` is not newsetl's, and is neither read nor deleted.
        """
        staging_root = self.root / STAGING
        if not staging_root.is_dir():
            return []
        found = []
        for entry in sorted(staging_root.iterdir()):
            if entry.is_symlink() or not entry.is_dir():
                continue
            if (entry / STAGING_MARKER).is_file() or (
                RUN_ID.match(entry.name) and not any(entry.iterdir())
            ):
                found.append(entry)
        return found

    def has_leftovers(self) -> bool:
        """Whether a crashed run left staging folders or a snapshot that never became current."""
        return bool(self._orphans()) or bool(self.staging_leftovers())

    def remove_leftovers(self, keep: Path | None = None) -> None:
        """Delete what crashed runs left behind. Call only while holding :meth:`writer_lock`."""
        for leftover in self.staging_leftovers():
            if leftover != keep:
                self.storage.remove(leftover)
        for snapshot_id in self._orphans():
            # Renamed into place by a run that died before its pointer swap: never published.
            self.storage.remove(self.root / SNAPSHOTS / snapshot_id)

    def expire_snapshots(self, *, keep: int, grace: timedelta, now: datetime) -> list[str]:
        """Delete snapshots beyond the newest ``keep``, once older than ``grace``.

        The grace period protects readers that resolved an older snapshot moments ago: a query
        that started before the deletion keeps its files only if they are still there. Data files
        shared with newer snapshots are hard links and stay. Call while holding the writer lock.

        Returns:
            The ids deleted.
        """
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}")
        deleted = []
        for snapshot_id in self.published_chain()[keep:]:
            created = datetime.fromisoformat(self.snapshot(snapshot_id).manifest["created_at"])
            if now - created >= grace:
                self.storage.remove(self.root / SNAPSHOTS / snapshot_id)
                deleted.append(snapshot_id)
        return deleted

    def staging(self, run_id: str) -> RunStaging:
        """Start the staging area of a run, removing what crashed runs left behind.

        Leftovers are staging folders and snapshots that never became current.

        Call only while holding :meth:`writer_lock`: staging of a live run is never removed.
        """
        path = self.root / STAGING / run_id
        leftovers = self.staging_leftovers()
        self.storage.make_dir(path)
        self.storage.write_text(path / STAGING_MARKER, f"staging of newsetl run {run_id}\n")
        # Before they go: the finished shards of theirs.
        resume.adopt_finished_shards(self.storage, leftovers, path)
        self.remove_leftovers(keep=path)
        return RunStaging(self, run_id, path)


@dataclass(frozen=True)
class SnapshotTables:
    """The tables of a new snapshot besides its documents, runs and report tables."""

    quarantine: pa.Table
    """Quarantine rows to write: with ``carried["quarantine"]``, the complete table."""
    manifest: pa.Table
    """Manifest rows to write: with ``carried["manifest"]``, the complete manifest."""
    written: Mapping[str, pa.Table] = field(default_factory=dict)
    """Other tables (``clusters``...) written whole; a table of ``TABLES`` given neither here
    nor in ``carried`` is written empty."""
    carried: Mapping[str, Sequence[Path]] = field(default_factory=dict)
    """Files hard-linked into the table of the same name, beside what ``written`` has for it:
    the previous snapshot's, and staged shard files already in the table's schema."""

    def with_table(self, name: str, table: pa.Table, carried: Sequence[Path]) -> SnapshotTables:
        """These tables and one more, written and carried."""
        return replace(
            self,
            written={**self.written, name: table},
            carried={**self.carried, name: carried},
        )


@dataclass(frozen=True)
class StagedShard:
    """Where one shard's staged tables are, and their row counts."""

    shard: int
    documents: Path
    quarantine: Path
    document_rows: int
    quarantine_rows: int
    resumed: bool = False
    """Taken finished from a crashed run's staging (or an earlier try), not computed again."""


@dataclass
class RunStaging:
    """The staging area of one run: shard outputs, then the snapshot being built."""

    warehouse: Warehouse
    run_id: str
    path: Path
    shards: list[StagedShard] = field(default_factory=list)

    def add_shard(self, staged: StagedShard) -> None:
        """Record a shard written by a worker (possibly in another process)."""
        self.shards.append(staged)

    def iter_documents(self, columns: list[str] | None = None) -> Iterator[pa.Table]:
        """Staged documents shard by shard, in shard order (the order dedup results align to)."""
        for staged in sorted(self.shards, key=lambda s: s.shard):
            yield pq.read_table(staged.documents, columns=columns)

    def read_documents(self, columns: list[str]) -> pa.Table:
        """Selected columns of all staged documents, in shard order."""
        tables = list(self.iter_documents(columns))
        if not tables:
            return DOCUMENTS.empty_table().select(columns)
        return pa.concat_tables(tables)

    def band_files(self) -> list[Path]:
        """The LSH band keys of the staged documents' bodies, one file per shard."""
        return sorted((self.path / BANDS).glob("shard-*.parquet"))

    def signature_files(self) -> list[Path]:
        """The MinHash signatures of the staged documents' bodies, one file per shard."""
        return sorted((self.path / SIGNATURES).glob("shard-*.parquet"))

    def mention_files(self) -> list[Path]:
        """The entity mentions of the staged documents, one file per shard."""
        return sorted((self.path / MENTIONS).glob("shard-*.parquet"))

    def stage_table(self, name: str, rows: pa.Table, part: str) -> Path:
        """Stage rows of the next snapshot's table ``name`` as the file ``part``; return it.

        Publish links the file into the snapshot as it is (``SnapshotTables.carried``), so the
        rows need not stay in memory until then.
        """
        target = self.path / STAGED_TABLES / name / f"{part}.parquet"
        self.warehouse.storage.write_parquet(
            target, conform(rows, TABLES[name], name=name), row_group_size=ROW_GROUP_ROWS
        )
        return target

    def stage_by_month(self, name: str, rows: pa.Table, months: pa.Array, part: str) -> list[Path]:
        """Stage rows of the story table ``name`` as the file ``part`` of each of their months.

        ``months`` (``story_partitions.StoryMonths``) is each row's folder,
        ``<name>/story_month=<month>/``; publish links the files into the same folders.
        """
        rows = conform(rows, TABLES[name], name=name)
        order = pc.sort_indices(months).to_numpy()
        ordered, sorted_months = rows.take(order), pc.take(months, order)
        values, starts = np.unique(sorted_months.to_numpy(zero_copy_only=False), return_index=True)
        bounds = [*starts.tolist(), rows.num_rows]
        staged = []
        for number, month in enumerate(values):
            target = self.path / STAGED_TABLES / name / f"{PARTITION}={month}" / f"{part}.parquet"
            self.warehouse.storage.write_parquet(
                target,
                ordered.slice(bounds[number], bounds[number + 1] - bounds[number]),
                row_group_size=ROW_GROUP_ROWS,
            )
            staged.append(target)
        return staged

    def read_quarantine(self) -> pa.Table:
        """All staged quarantine rows, in shard order."""
        tables = [pq.read_table(s.quarantine) for s in sorted(self.shards, key=lambda s: s.shard)]
        return pa.concat_tables(tables) if tables else QUARANTINE.empty_table().drop(["run_id"])

    def publish(
        self,
        *,
        documents: Iterable[pa.Table],
        carried_documents: Sequence[Path] = (),
        tables: SnapshotTables,
        record: RunRecord,
        now: datetime,
        runs_history: pa.Table | None = None,
        previous_reports: Snapshot | None = None,
        later: Mapping[str, Callable[[], tuple[pa.Table, Sequence[Path]]]] | None = None,
    ) -> Snapshot:
        """Write a new snapshot from staged data and make it current, atomically.

        Args:
            documents: Documents to write, batch by batch (each conformed to ``DOCUMENTS``).
            carried_documents: Unchanged document files of the previous snapshot, hard-linked in.
            tables: The snapshot's quarantine, manifest and other tables. The report tables are
                not given: they are built here from the snapshot's documents and mentions.
            record: This run's row of the ``runs`` table, but for the snapshot ids.
            now: Publication time, for the snapshot id.
            runs_history: The earlier ``runs`` rows to keep; default: the current snapshot's
                (a rebuild over a damaged snapshot passes what of them it could read).
            previous_reports: The snapshot this one follows, whose report tables' months are
                carried where their documents did not change; None: every month is built.
            later: Tables still being made while the others are written (``match_passages``,
                computed by other processes beside the report tables): each is called once the
                report tables are built and gives its rows to write and files to carry, as
                ``tables`` does; what it raises fails the publish.

        Returns:
            The published snapshot.

        Raises:
            SchemaContractError: A table does not match its schema; nothing is published.
        """
        warehouse = self.warehouse
        storage = warehouse.storage
        parent = warehouse.current_snapshot_id()
        snapshot_id = new_snapshot_id(now)
        build = self.path / "snapshot"
        storage.make_dir(build)
        # What the parent snapshot recorded of its files: those linked in are not read again.
        previous = warehouse.snapshot(parent) if parent else None
        known = _records_by_inode(previous) if previous is not None else {}

        storage.step("write_documents")
        document_rows = _write_documents(storage, build / "documents", documents, self.run_id)
        for path in carried_documents:
            target = build / "documents" / path.parent.name / path.name
            storage.link(path, target)
            document_rows += _rows_of(target, known)
        if not (build / "documents").is_dir():
            # An empty table is still a table: one file with the schema, so readers see columns.
            _write_single(storage, build / "documents", DOCUMENTS.empty_table())

        storage.step("write_quarantine")
        written = {
            "quarantine": conform(tables.quarantine, QUARANTINE, name="quarantine"),
            "manifest": conform(tables.manifest, MANIFEST, name="manifest"),
            **tables.written,
        }
        later = later or {}
        extra_rows = _write_other_tables(
            storage, build, self.run_id, written, tables.carried, known, skip=set(later)
        )

        storage.step("write_report_tables")
        extra_rows |= aggregates.write_report_tables(
            storage,
            build,
            self.run_id,
            sorted((build / "documents").rglob("*.parquet")),
            sorted((build / MENTIONS).rglob("*.parquet")),
            clusters=sorted((build / "clusters").rglob("*.parquet")),
            spill_dir=self.path,
            compression=COMPRESSION,
            previous=None
            if previous_reports is None
            else {
                name: previous_reports.files(name)
                for name in REPORT_TABLES
                if name in previous_reports.manifest["tables"]
            },
            previous_inputs={
                name: table_files(previous_reports, name)
                for name in ("documents", MENTIONS, "clusters")
            },
        )

        storage.step("write_later_tables")
        finished = {name: rows() for name, rows in later.items()}
        extra_rows |= _write_other_tables(
            storage,
            build,
            self.run_id,
            {name: table for name, (table, _) in finished.items()},
            {name: files for name, (_, files) in finished.items()},
            known,
            skip=set(TABLES) - set(finished),
        )

        storage.step("write_runs")
        if runs_history is None:
            runs_history = (
                pa.concat_tables(
                    (pq.read_table(f) for f in warehouse.snapshot(parent).files("runs")),
                    promote_options="permissive",
                )
                if parent
                else RUNS.empty_table()
            )
        runs = pa.concat_tables([upgrade_runs(runs_history), record.table(snapshot_id, parent)])
        _write_single(storage, build / "runs", runs)

        rows = {
            "documents": document_rows,
            "runs": runs.num_rows,
            **extra_rows,
        }
        listing = {
            name: {
                "files": sorted(
                    str(p.relative_to(build)) for p in (build / name).rglob("*.parquet")
                ),
                "rows": count,
            }
            for name, count in rows.items()
        }
        schemas = schemas_digest()
        # Files linked from a parent that checked them against the same declarations are not read.
        same = previous is not None and previous.manifest.get("schemas") == schemas
        _check_written_schemas(build, listing, frozenset(known) if same else frozenset())
        storage.step("record_checksums")
        snapshot_manifest = {
            "snapshot_id": snapshot_id,
            "parent_snapshot_id": parent,
            "run_id": self.run_id,
            "schemas": schemas,
            "created_at": now.astimezone(UTC).isoformat(),
            "tables": listing,
            "files": _records(build, listing, known),
        }
        return self.commit(build, snapshot_manifest, frozenset(known))

    def commit(
        self,
        build: Path,
        snapshot_manifest: dict[str, Any],
        durable: Container[tuple[int, int]] = frozenset(),
    ) -> Snapshot:
        """Make the snapshot built in ``build`` current: manifest, fsync, rename, pointer swap.

        The pointer swap is the commit point: before it, the previous snapshot stays current.
        ``durable``: the (device, inode) of files linked from a committed snapshot, flushed then.
        """
        warehouse = self.warehouse
        storage = warehouse.storage
        snapshot_id = snapshot_manifest["snapshot_id"]
        manifest_text = json.dumps(snapshot_manifest, indent=2, sort_keys=True)
        storage.write_text(build / MANIFEST_FILE, manifest_text)

        storage.step("fsync")
        storage.sync(build, durable)

        storage.step("rename_snapshot")
        storage.move(build, warehouse.root / SNAPSHOTS / snapshot_id)

        storage.step("swap_pointer")
        storage.point(warehouse.root / CURRENT, Path(SNAPSHOTS) / snapshot_id)
        return warehouse.snapshot(snapshot_id)

    def __enter__(self) -> RunStaging:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        """Remove the staging area; after a failure, keep the finished shards for the next run."""
        self.remove(keep_finished_shards=error_type is not None)

    def remove(self, *, keep_finished_shards: bool = False) -> None:
        """Delete this run's staging area (after publish, or after a failure).

        After a failure, ``keep_finished_shards`` leaves the staged shards for the next run, which
        reuses the finished ones and deletes the rest; only the snapshot being built and the
        staged texts go now.
        """
        storage = self.warehouse.storage
        if keep_finished_shards and (self.path / resume.DONE).is_dir():
            storage.remove(self.path / "snapshot")
            storage.remove(self.path / TEXTS)  # the census pass is done again from the files
            return
        storage.remove(self.path)


STAGED_TEXTS = pa.schema(
    [
        *(field.with_nullable(field.name != "source_path") for field in TEXTS_SCHEMA),
        *(
            field.with_nullable(True)
            for field in QUARANTINE_SCHEMA
            if field.name not in TEXTS_SCHEMA.names
        ),
    ]
)
"""A shard's files as the census pass leaves them: each decoded file's normalised text
(``TEXTS_SCHEMA``, ``reason`` null), then each file quarantined on the way (``QUARANTINE_SCHEMA``,
``text`` null)."""


def _with_columns(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` in ``schema``, the columns it lacks all null."""
    return pa.table(
        [
            table.column(field.name)
            if field.name in table.column_names
            else pa.nulls(table.num_rows, field.type)
            for field in schema
        ],
        schema=schema,
    )


def write_staged_texts(
    storage: Storage, path: Path, shard: int, texts: pa.Table, quarantine: pa.Table
) -> Path:
    """Stage one shard's normalised texts and quarantined files (in worker processes).

    Texts are unique: the writer does not try to dictionary-encode them.
    """
    target = path / TEXTS / f"shard-{shard:06d}.parquet"
    rows = pa.concat_tables(
        [_with_columns(texts, STAGED_TEXTS), _with_columns(quarantine, STAGED_TEXTS)]
    )
    storage.write_parquet(target, rows, use_dictionary=False)
    return target


def staged_normalised(path: Path, shard: int) -> tuple[Path, Path] | None:
    """Shard ``shard``'s staged texts and census, if both are staged whole; else None."""
    texts = path / TEXTS / f"shard-{shard:06d}.parquet"
    census = path / CENSUS / f"shard-{shard:06d}.parquet"
    return (texts, census) if resume.complete([texts, census]) else None


def read_staged_texts(path: Path) -> tuple[pa.Table, pa.Table]:
    """A shard's staged normalised texts (``TEXTS_SCHEMA``) and quarantine rows, in their order."""
    rows = pq.read_table(path, schema=STAGED_TEXTS)
    texts = rows.filter(pc.is_null(rows.column("reason")))
    quarantine = rows.filter(pc.is_valid(rows.column("reason")))
    return (
        texts.select(TEXTS_SCHEMA.names).cast(TEXTS_SCHEMA),
        quarantine.select(QUARANTINE_SCHEMA.names).cast(QUARANTINE_SCHEMA),
    )


def read_staged_table(paths: Sequence[Path], name: str) -> pa.Table:
    """The rows of table ``name`` staged in ``paths``; no paths: an empty table.

    Staged by :meth:`RunStaging.stage_table` or :meth:`RunStaging.stage_by_month`.
    """
    schema = TABLES[name]
    return pa.concat_tables(
        [schema.empty_table(), *(pq.read_table(p, schema=schema) for p in paths)]
    )


def write_staged_census(storage: Storage, path: Path, shard: int, census: pa.Table) -> Path:
    """Stage one shard's chrome census (called in worker processes); return its file."""
    target = path / CENSUS / f"shard-{shard:06d}.parquet"
    storage.write_parquet(
        target, conform(_with_run_id(census, path), LINE_CENSUS, name="line_census")
    )
    return target


def _with_run_id(table: pa.Table, staging_path: Path) -> pa.Table:
    """``table`` with the ``run_id`` of the run staging it (its staging folder is named so)."""
    return table.append_column(
        "run_id", pa.array([staging_path.name] * table.num_rows, pa.string())
    )


def resumed_shard(storage: Storage, path: Path, shard: int, key: str) -> StagedShard | None:
    """Shard ``shard`` from finished work with content key ``key``, if there is some to reuse."""
    rows = resume.take_resumable(storage, path, key, shard)
    if rows is None:
        return None
    files = resume.shard_files(path, shard)
    return StagedShard(
        shard,
        files["documents"],
        files["quarantine"],
        rows["documents"],
        rows["quarantine"],
        resumed=True,
    )


def write_staged_shard(
    storage: Storage,
    path: Path,
    shard: int,
    documents: pa.Table,
    quarantine: pa.Table,
    bands: pa.Table | None = None,
    signatures: pa.Table | None = None,
    mentions: pa.Table | None = None,
    key: str | None = None,
) -> StagedShard:
    """Write one shard's outputs into a run's staging folder (called in worker processes).

    With a content ``key``, the shard is marked done so that a retry or the next run after a
    crash can take it as it is (``warehouse.resume``).
    """
    documents_path = path / "documents" / f"shard-{shard:06d}.parquet"
    quarantine_path = path / "quarantine" / f"shard-{shard:06d}.parquet"
    outputs = [(documents_path, documents), (quarantine_path, quarantine)]
    # Band keys, signatures and mentions are staged in their declared schemas, with the run's id:
    # publish links them as they are.
    if bands is not None:
        bands = conform(_with_run_id(bands, path), BODY_BANDS, name="body_bands")
        outputs.append((path / BANDS / f"shard-{shard:06d}.parquet", bands))
    if signatures is not None:
        signatures = conform(
            _with_run_id(signatures, path), BODY_SIGNATURES, name="body_signatures"
        )
        outputs.append((path / SIGNATURES / f"shard-{shard:06d}.parquet", signatures))
    if mentions is not None:
        mentions = conform(_with_run_id(mentions, path), MENTION_ROWS, name="mentions")
        outputs.append((path / MENTIONS / f"shard-{shard:06d}.parquet", mentions))
    for target, table in outputs:
        # Whole or not at all: a retried task may write it again.
        storage.write_parquet(target, table)
    if key is not None and bands is not None and signatures is not None:
        rows = {"documents": documents.num_rows, "quarantine": quarantine.num_rows}
        resume.mark_done(storage, path, key, shard, rows)
    return StagedShard(
        shard, documents_path, quarantine_path, documents.num_rows, quarantine.num_rows
    )


# Hive's name for the partition of rows without a value (undated documents): readers know it.


def _months(table: pa.Table) -> pa.DictionaryArray:
    """Each document's partition value: its publication month (``YYYY-MM``), or Hive's null."""
    month = pc.strftime(pc.cast(table.column("published_date"), pa.timestamp("s")), format="%Y-%m")
    return pc.fill_null(month, NULL_PARTITION).combine_chunks().dictionary_encode()


def _write_documents(
    storage: Storage, folder: Path, batches: Iterable[pa.Table], run_id: str
) -> int:
    """Write documents into one file per month (``published_month=YYYY-MM``); return the rows.

    Memory is bounded whatever the input size: a month's rows wait until there are
    ``DOCUMENT_GROUP_MIN_ROWS`` of them, and while all waiting rows take more than
    ``DOCUMENT_WAIT_BYTES``, the month with the most waiting goes out as a row group. (pyarrow's
    ``write_dataset`` queues up to 64M rows when reading outruns writing, a limit Python cannot
    set; and holding a row group for each of dozens of months is hundreds of MB of text.) Row
    groups are encoded by ``DOCUMENT_WRITE_THREADS`` threads, each month's by one of them; at
    most one per thread is out at a time.
    """
    rows = 0
    writers: dict[str, tuple[pq.ParquetWriter, ThreadPoolExecutor]] = {}
    opened = contextlib.ExitStack()
    waiting: dict[str, list[pa.Table]] = {}
    waiting_rows: dict[str, int] = {}
    waiting_bytes = 0
    out: collections.deque[Future[None]] = collections.deque()

    def flush(month: str) -> None:
        nonlocal waiting_bytes
        parts = waiting.pop(month)
        del waiting_rows[month]
        waiting_bytes -= sum(part.nbytes for part in parts)
        if month not in writers:
            name = f"part-{run_id}-{len(writers)}.parquet"
            target = folder / f"{PARTITION_COLUMN}={month}" / name
            writer = opened.enter_context(storage.parquet_writer(target, DOCUMENTS))
            writers[month] = writer, threads[len(writers) % len(threads)]
        writer, thread = writers[month]
        while len(out) >= len(threads):
            out.popleft().result()
        group = pa.concat_tables(parts)
        out.append(thread.submit(writer.write_table, group, row_group_size=ROW_GROUP_ROWS))

    with opened, contextlib.ExitStack() as encoding:
        # Left before the writers close (their files are then whole, or removed after an error).
        threads = [
            encoding.enter_context(ThreadPoolExecutor(1, thread_name_prefix="newsetl-documents"))
            for _ in range(DOCUMENT_WRITE_THREADS)
        ]
        for batch in batches:
            table = conform(batch, DOCUMENTS, name="documents")
            rows += table.num_rows
            months = _months(table)
            codes = months.indices.to_numpy(zero_copy_only=False)
            order = np.argsort(codes, kind="stable")
            offset = 0
            for code, count in enumerate(np.bincount(codes, minlength=len(months.dictionary))):
                if not count:
                    continue
                month = months.dictionary[code].as_py()
                # A copy (take), not a slice: a slice would keep the whole batch alive.
                part = table.take(pa.array(order[offset : offset + count]))
                offset += int(count)
                waiting.setdefault(month, []).append(part)
                waiting_rows[month] = waiting_rows.get(month, 0) + part.num_rows
                waiting_bytes += part.nbytes
                if waiting_rows[month] >= DOCUMENT_GROUP_MIN_ROWS:
                    flush(month)
            while waiting_bytes > DOCUMENT_WAIT_BYTES:
                flush(max(waiting_rows, key=waiting_rows.__getitem__))
        for month in sorted(waiting):
            flush(month)
        while out:
            out.popleft().result()
    return rows


OWN_TABLES = ("documents", "runs")


def _write_other_tables(
    storage: Storage,
    build: Path,
    run_id: str,
    tables: Mapping[str, pa.Table],
    carried_files: Mapping[str, Sequence[Path]],
    known: Mapping[tuple[int, int], dict[str, Any]],
    skip: Set[str] = frozenset(),
) -> dict[str, int]:
    """Write every table but ``skip`` and those publish builds itself; return their row counts.

    ``known``: the parent snapshot's file records (:func:`_records_by_inode`), whose row counts
    serve for the files carried from it.
    """
    rows: dict[str, int] = {}
    for name, schema in TABLES.items():
        if name in OWN_TABLES or name in REPORT_TABLES or name in skip:
            continue
        carried = carried_files.get(name, ())
        table = tables.get(name)
        # An empty table beside carried files adds nothing; without them it keeps the columns.
        if (table is not None and table.num_rows) or not carried:
            table = schema.empty_table() if table is None else table
            _write_single(
                storage, build / name, conform(table, schema, name=name), f"part-{run_id}.parquet"
            )
            rows[name] = table.num_rows
        counts = {path: _rows_of(path, known) for path in carried}
        has_rows = name in rows or any(counts.values())
        for number, path in enumerate(carried):
            # Files of earlier snapshots keep their (unique) names; this run's staged files (the
            # build folder sits in the run's staging) are named after the run.
            staged = path.is_relative_to(build.parent)
            if staged and not counts[path] and (has_rows or number):
                # A staged file without rows adds none, and a file named first without rows
                # misleads DuckDB's estimates (compaction drops such files too): a table keeps
                # one only when it has no other file.
                continue
            link_name = f"part-{run_id}-{path.name}" if staged else path.name
            # A file in a Hive folder (``story_month=2021-03``) goes to the same folder.
            folder = path.parent.name if partition_value(path) is not None else ""
            storage.link(path, build / name / folder / link_name)
            rows[name] = rows.get(name, 0) + counts[path]
    return rows


def file_records(
    build: Path, tables: Mapping[str, Mapping[str, Any]], previous: Snapshot | None
) -> dict[str, dict[str, Any]]:
    """Size, checksum and rows of every file of the snapshot being built, by relative path.

    Files hard-linked from ``previous`` keep its records: only what this run wrote is hashed.
    """
    return _records(build, tables, _records_by_inode(previous) if previous is not None else {})


def _records(
    build: Path,
    tables: Mapping[str, Mapping[str, Any]],
    known: Mapping[tuple[int, int], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """:func:`file_records`, given the records of the files linked in, by (device, inode)."""
    return {
        relative: _file_record(build / relative, known)
        for entry in tables.values()
        for relative in entry["files"]
    }


def _records_by_inode(snapshot: Snapshot) -> dict[tuple[int, int], dict[str, Any]]:
    """The file records of ``snapshot`` by (device, inode): what hard links into a new one share."""
    known = {}
    for relative, record in snapshot.file_records().items():
        with contextlib.suppress(OSError):
            info = os.stat(snapshot.path / relative)
            known[info.st_dev, info.st_ino] = record
    return known


def _known_record(
    path: Path, known: Mapping[tuple[int, int], dict[str, Any]]
) -> tuple[os.stat_result, dict[str, Any] | None]:
    """``path``'s status, and its record when it is a file of ``known``'s snapshot, unchanged."""
    info = os.stat(path)
    record = known.get((info.st_dev, info.st_ino))
    if record is not None and record.get("bytes") == info.st_size:
        return info, record
    return info, None


def _rows_of(path: Path, known: Mapping[tuple[int, int], dict[str, Any]]) -> int:
    """Rows of a Parquet file: as recorded when it is a file of ``known``'s, else its footer's."""
    _, record = _known_record(path, known)
    if record is not None and "rows" in record:
        return int(record["rows"])
    return pq.read_metadata(path).num_rows


def _file_record(path: Path, known: Mapping[tuple[int, int], dict[str, Any]]) -> dict[str, Any]:
    """Size, checksum and rows of a snapshot file, for ``newsetl check`` to compare against.

    A file hard-linked from the previous snapshot is the same bytes: its record is taken over,
    so a run that carries most of the warehouse hashes only what it wrote.
    """
    info, record = _known_record(path, known)
    if record is not None:
        return dict(record)
    return {
        "bytes": info.st_size,
        CHECKSUM: file_checksum(path),
        "rows": pq.read_metadata(path).num_rows,
    }


def _write_single(
    storage: Storage, folder: Path, table: pa.Table, file_name: str = "part-0.parquet"
) -> None:
    storage.write_parquet(folder / file_name, table, row_group_size=ROW_GROUP_ROWS)


def _check_written_schemas(
    build: Path, tables: dict[str, dict[str, Any]], checked: Container[tuple[int, int]] = ()
) -> None:
    """Raise SchemaContractError for a file whose columns are not its table's declared ones.

    ``checked``: the (device, inode) of files already checked against the same declaration.
    """
    for name, entry in tables.items():
        declared = TABLES[name]
        for relative in entry["files"]:
            if checked:
                info = os.stat(build / relative)
                if (info.st_dev, info.st_ino) in checked:
                    continue
            written = pq.read_schema(build / relative)
            if not written.equals(declared, check_metadata=False):
                raise SchemaContractError(f"{relative} was written as {written}, not {declared}")


def written_bytes(snapshot: Snapshot) -> int:
    """Bytes of the snapshot's files written by its own publish, not linked from another."""
    return sum(written_by_table(snapshot).values())


def written_by_table(snapshot: Snapshot) -> dict[str, int]:
    """:func:`written_bytes` by table (the snapshot's own files, ``_snapshot.json``, by name)."""
    written: dict[str, int] = {}
    for path in snapshot.path.rglob("*"):
        if (stat := path.stat()).st_nlink == 1 and path.is_file():
            table = path.relative_to(snapshot.path).parts[0]
            written[table] = written.get(table, 0) + stat.st_size
    return written


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and one rename; return ``path``.

    A reader (a browser on the report) sees the old file or the new one, never half of one.
    """
    default_storage().write_text(path, text)
    return path
