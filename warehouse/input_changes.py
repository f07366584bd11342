"""The input against the warehouse: which files are new, changed or gone, and under which root.

A run processes only the files new or changed since the current snapshot (by size and mtime, as
its manifest recorded them); the others are carried. A document is known by its path relative to
the input root, so the root is checked against the last run's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.changed_files import compare_files
from warehouse.census_plan import census_is_current
from warehouse.schemas import MANIFEST, conform
from warehouse.sources import Discovery, stat_files
from warehouse.store import Snapshot, table_files


@dataclass(frozen=True)
class InputChanges:
    """How the input differs from what the warehouse holds."""

    todo: pa.Table
    """``source_path``, ``bytes``, ``mtime_ns`` of the files new or changed, in input order."""
    missing: pa.Table
    """``source_path`` and ``outcome`` of the files processed before and not found now."""

    @property
    def missing_documents(self) -> int:
        """Missing files that are documents (the others are quarantine rows)."""
        return int(pc.sum(pc.equal(self.missing.column("outcome"), "document")).as_py() or 0)


# Changes the command line found before a run, with the listing and snapshot they were found
# for: the run in the same process takes them rather than comparing a million files again.
_KEPT: list[tuple[str | None, Discovery, InputChanges]] = []


def keep_changes(previous: Snapshot | None, discovery: Discovery, changes: InputChanges) -> None:
    """Keep ``changes`` for the next :func:`input_changes` of the same listing and snapshot."""
    _KEPT[:] = [(_snapshot_id(previous), discovery, changes)]


def drop_changes() -> None:
    """Forget changes kept and not taken (a run that failed before its discovery)."""
    _KEPT.clear()


def _snapshot_id(previous: Snapshot | None) -> str | None:
    return None if previous is None else previous.snapshot_id


def input_changes(previous: Snapshot | None, discovery: Discovery) -> InputChanges:
    """Stat the discovered files: which are new or changed since ``previous``, which are gone.

    A file that disappears from the input keeps its document (a crawl folder is often an
    archive that gets cleaned up); runs count such files, and ``--prune-missing`` removes them.
    Changes kept for this very listing and snapshot (:func:`keep_changes`) are taken, once.
    """
    if _KEPT:
        snapshot_id, listed, kept = _KEPT.pop()
        if listed is discovery and snapshot_id == _snapshot_id(previous):
            return kept
    stats = discovery.stats
    if stats is None:
        stats = stat_files(discovery.root, discovery.paths)
    processed = _manifest(previous, ["source_path", "bytes", "mtime_ns", "outcome"])
    comparison = compare_files(stats, processed)
    missing = processed.filter(comparison.gone).select(["source_path", "outcome"])
    if not census_is_current(previous):
        # Under a census of an older layout every file is pending: its chrome is counted again.
        return InputChanges(stats, missing)
    return InputChanges(comparison.todo, missing)


def _manifest(previous: Snapshot | None, columns: list[str]) -> pa.Table:
    """Some columns of the previous snapshot's manifest.

    Comparing a million files' sizes and mtimes reads neither their hashes nor their run ids.
    """
    schema = pa.schema([MANIFEST.field(name) for name in columns])
    files = table_files(previous, "manifest")
    if not files:
        return schema.empty_table()
    rows = pa.concat_tables(pq.read_table(path, columns=columns) for path in files)
    return conform(rows, schema, name="manifest")


def pending_files(previous: Snapshot | None, discovery: Discovery) -> pa.Table:
    """Stat the discovered files and keep those new or changed since ``previous``."""
    return input_changes(previous, discovery).todo


class InputRootChanged(ValueError):
    """The input's root differs from the one the warehouse's source paths are relative to."""


def root_of(root: Path | str) -> str:
    """An input root as the ``runs`` table records it: an absolute real path, or a URL."""
    text = str(root)
    return text if "://" in text else os.path.realpath(text)


def last_root(previous: Snapshot | None) -> str | None:
    """The input root of the run that published ``previous``; None if unknown or none."""
    if previous is None:
        return None
    root = previous.last_run().get("input_root")
    return None if root is None else str(root)


def check_root(previous: Snapshot | None, root: str, *, allow_new_root: bool) -> str | None:
    """Check a run's input root against the warehouse's last one.

    A document's identity is its path relative to the root: under another root, paths that
    happen to be the same replace each other's documents, and all the others pile up beside.

    Returns:
        The earlier root when it differs and ``allow_new_root`` says go ahead, else None.

    Raises:
        InputRootChanged: The root differs and ``allow_new_root`` is false.
    """
    earlier = last_root(previous)
    if earlier is None or earlier == root:
        return None
    if not allow_new_root:
        raise InputRootChanged(
            f"input root {root!r} is not {earlier!r}, the root of this warehouse's last run: "
            "documents are known by their path under the root, so files of the two would mix "
            "and same-named ones replace each other's documents. Use a warehouse per input "
            "root, or pass --allow-new-root to go ahead (replaced documents are named)"
        )
    return earlier


def replaced_paths(previous: Snapshot | None, todo: pa.Table) -> list[str]:
    """Paths this run processes that earlier runs processed too: their documents are replaced."""
    processed = _manifest(previous, ["source_path"]).column("source_path")
    paths = todo.column("source_path")
    return sorted(paths.filter(pc.is_in(paths, value_set=processed)).to_pylist())


def manifest_stats(previous: Snapshot | None, paths: list[str]) -> pa.Table:
    """``source_path``, ``bytes`` and ``mtime_ns`` of unchanged files, as the manifest has them."""
    rows = _manifest(previous, ["source_path", "bytes", "mtime_ns"])
    wanted = rows.filter(pc.is_in(rows.column("source_path"), value_set=pa.array(paths)))
    return wanted.select(["source_path", "bytes", "mtime_ns"])
