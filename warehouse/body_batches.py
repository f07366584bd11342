"""Bodies of documents in batches, streamed out of a snapshot's files once.

Work that compares bodies (verifying near-copy candidates, finding shared passages) needs the
texts of some documents, a batch at a time, and a million documents' text does not fit in
memory. One DuckDB scan of the document files picks the wanted bodies by content hash; each
scanned chunk is sorted by batch and appended to a temporary Arrow file per batch (a DuckDB sort
of long strings by batch does not spill well); the files are then mapped back one at a time.
Arrow's file format, uncompressed: the files live minutes, and writing and mapping them costs a
copy of the text, where Parquet encodes and decodes it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import ipc

from warehouse.spill import spilling_connection

BODIES = (
    "SELECT w.batch, d.content_hash, d.body "
    "FROM read_parquet($files, union_by_name = true) AS d "
    "JOIN wanted AS w USING (content_hash)"
)
# Rows of a scanned chunk (some 50 MB of text): what the driver holds, twice, while it sorts
# them by batch; each batch's share of a chunk is one write.
CHUNK_ROWS = 16_384
# The scan decompresses every body of the files: two threads (its join table, the wanted
# hashes, is small).
SCAN_THREADS = 2


def bodies_by_batch(
    files: Sequence[Path | str], wanted: pa.Table, work_dir: Path
) -> Iterator[tuple[int, pa.Table]]:
    """Each batch's bodies, one of each content hash: ``(batch, table(content_hash, body))``.

    Args:
        files: Document files (any with ``content_hash`` and ``body``).
        wanted: ``content_hash`` and ``batch`` (int64) rows; a hash may be in several batches.
        work_dir: Where the temporary files go and DuckDB spills (a run's staging folder).
    """
    with tempfile.TemporaryDirectory(prefix="bodies-", dir=work_dir) as folder:
        writers: dict[int, ipc.RecordBatchFileWriter] = {}
        connection = spilling_connection(work_dir)
        connection.execute(f"SET threads = {SCAN_THREADS}")
        try:
            connection.register("wanted", wanted)
            query = connection.sql(BODIES, params={"files": [str(f) for f in files]})
            for part in query.to_arrow_reader(CHUNK_ROWS):
                batch_of = part.column(0).to_numpy()
                order = np.argsort(batch_of, kind="stable")
                numbers, starts = np.unique(batch_of[order], return_index=True)
                ends = np.r_[starts[1:], len(order)]
                # One take puts the chunk in batch order; each batch's rows are then a slice,
                # appended to the batch's file as a record batch of its own.
                grouped = part.take(pa.array(order))
                for number, start, end in zip(numbers.tolist(), starts, ends, strict=True):
                    if number not in writers:
                        target = Path(folder) / f"batch-{number}.arrow"
                        writers[number] = ipc.new_file(target, grouped.schema)
                    writers[number].write_batch(grouped.slice(start, end - start))
        finally:
            connection.close()
            for writer in writers.values():
                writer.close()
        for number in sorted(writers):
            with pa.memory_map(str(Path(folder) / f"batch-{number}.arrow")) as source:
                table = ipc.open_file(source).read_all()
            # Documents with the same content hash have the same body: one of each.
            hashes = table.column("content_hash")
            unique = pc.unique(hashes)
            if len(unique) < table.num_rows:
                table = table.take(pc.index_in(unique, value_set=hashes))
            yield number, table.select(["content_hash", "body"])
