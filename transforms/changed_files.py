"""Which files a run must process: those new since the last run, or changed (size or mtime)."""

from __future__ import annotations

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


def files_to_process(current: pa.Table, processed: pa.Table) -> pa.Table:
    """The files of ``current`` that are not in ``processed`` with the same size and mtime.

    A file whose stat failed (null size) is always processed again, so that its quarantine row
    reflects the latest attempt.

    Args:
        current: ``source_path``, ``bytes``, ``mtime_ns`` of the files discovered now.
        processed: The same columns for the files the warehouse already holds.

    Returns:
        The rows of ``current`` to process, in their original order.
    """
    previous = processed.select(["source_path", "bytes", "mtime_ns"]).rename_columns(
        ["source_path", "previous_bytes", "previous_mtime_ns"]
    )
    indexed = current.append_column("position", pa.array(np.arange(current.num_rows)))
    joined = indexed.join(previous, keys="source_path", join_type="left outer")
    unchanged = pc.and_(
        pc.equal(joined.column("bytes"), joined.column("previous_bytes")),
        pc.equal(joined.column("mtime_ns"), joined.column("previous_mtime_ns")),
    )
    positions = pc.filter(joined.column("position"), pc.invert(pc.fill_null(unchanged, False)))
    return current.take(pc.take(positions, pc.sort_indices(positions)))
