"""Which files a run must process: those new since the last run, or changed (size or mtime)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FILE_STAT_SCHEMA = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("bytes", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
    ]
)
"""What discovery saw of each file; null size and time where it could not stat it."""


@dataclass(frozen=True)
class FileComparison:
    """The files found now against those processed before."""

    todo: pa.Table
    """The rows of the files found now that are new or changed, in their order."""
    gone: pa.Array
    """For each processed row, whether its path is not among the files found now."""


def compare_files(current: pa.Table, processed: pa.Table) -> FileComparison:
    """Which files of ``current`` are new or changed, and which ``processed`` rows are gone.

    A file is unchanged when its size and mtime equal those of every ``processed`` row of its
    path; a file whose stat failed (null size) is always processed again, so that its quarantine
    row reflects the latest attempt. Each found path is looked up once in the processed paths
    (``index_in``, which gives a path's first row) rather than joined (BENCHMARKS.md). A path
    with several processed rows is compared with each of them, as a join would: the manifest
    has one row per path, but one written by an older newsetl from a glob that matched a file
    several ways (``in/**/**/*.txt``) has more. Those rows cost a second, small look-up only
    when some processed row is not a path's first found now.

    Args:
        current: ``source_path``, ``bytes``, ``mtime_ns`` of the files discovered now.
        processed: The same columns for the files the warehouse already holds.
    """
    paths = current.column("source_path")
    known = processed.column("source_path")
    first = pc.index_in(paths, value_set=known)
    changed = _differs(current, processed, first)
    found = np.zeros(processed.num_rows, np.bool_)
    found[first.drop_null().to_numpy()] = True
    unmatched = np.flatnonzero(~found)
    if len(unmatched):
        later = processed.take(pa.array(unmatched))
        listed = pc.is_in(paths, value_set=later.column("source_path"))
        if pc.any(listed).as_py():
            changed, again = _with_later_rows(current, later, listed, changed)
            found[unmatched[again]] = True
    return FileComparison(current.filter(pa.array(changed)), pa.array(~found))


def _differs(current: pa.Table, processed: pa.Table, rows: pa.Array) -> np.ndarray:
    """For each file of ``current``, whether it differs from the ``processed`` row at ``rows``."""
    return _stat_differs(
        current.column("bytes"),
        current.column("mtime_ns"),
        processed.column("bytes").take(rows),
        processed.column("mtime_ns").take(rows),
    )


def _stat_differs(
    size: pa.ChunkedArray | pa.Array,
    mtime: pa.ChunkedArray | pa.Array,
    processed_size: pa.ChunkedArray | pa.Array,
    processed_mtime: pa.ChunkedArray | pa.Array,
) -> np.ndarray:
    """Whether each file's size or mtime is not its processed row's (or either is unknown)."""
    unchanged = pc.and_(pc.equal(size, processed_size), pc.equal(mtime, processed_mtime))
    return np.asarray(pc.invert(pc.fill_null(unchanged, False)), np.bool_)


def _with_later_rows(
    current: pa.Table, later: pa.Table, listed: pa.ChunkedArray | pa.Array, changed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``changed`` with the files that differ from a processed row after their path's first.

    Those rows are few (a path's second row, or rows of files gone) and are joined.

    Returns:
        ``changed`` updated, and for each row of ``later`` whether its path is found now.
    """
    positions = np.flatnonzero(np.asarray(listed, np.bool_))
    found_now = current.take(pa.array(positions)).append_column("position", pa.array(positions))
    earlier = later.select(["source_path", "bytes", "mtime_ns"]).rename_columns(
        ["source_path", "processed_bytes", "processed_mtime_ns"]
    )
    earlier = earlier.append_column("row", pa.array(np.arange(later.num_rows)))
    joined = found_now.join(earlier, keys="source_path", join_type="inner")
    differs = _stat_differs(
        joined.column("bytes"),
        joined.column("mtime_ns"),
        joined.column("processed_bytes"),
        joined.column("processed_mtime_ns"),
    )
    changed = changed.copy()
    changed[np.asarray(joined.column("position"), np.int64)[differs]] = True
    again = np.zeros(later.num_rows, np.bool_)
    again[np.asarray(joined.column("row"), np.int64)] = True
    return changed, again


def files_to_process(current: pa.Table, processed: pa.Table) -> pa.Table:
    """The files of ``current`` that are not in ``processed`` with the same size and mtime.

    Returns:
        The rows of ``current`` to process, in their original order (:func:`compare_files`).
    """
    return compare_files(current, processed).todo
