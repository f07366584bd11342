"""Bodies of documents in batches, streamed out of a snapshot's files once.

Work that compares bodies (verifying near-copy candidates, finding shared passages) needs the
texts of some documents, a batch at a time, and a million documents' text does not fit in
memory. One DuckDB scan of the document files picks the wanted bodies by content hash and
appends them to a temporary Parquet file per batch (a DuckDB sort of long strings by batch does
not spill well); the files are then read back one at a time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse.spill import spilling_connection

BODIES = (
    "SELECT w.batch, d.content_hash, d.body "
    "FROM read_parquet($files, union_by_name = true) AS d "
    "JOIN wanted AS w USING (content_hash)"
)


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
        writers: dict[int, pq.ParquetWriter] = {}
        connection = spilling_connection(work_dir)
        try:
            connection.register("wanted", wanted)
            query = connection.sql(BODIES, params={"files": [str(f) for f in files]})
            for part in query.to_arrow_reader(4096):
                batch_of = part.column(0).to_numpy()
                for number in np.unique(batch_of).tolist():
                    if number not in writers:
                        target = Path(folder) / f"batch-{number}.parquet"
                        writers[number] = pq.ParquetWriter(target, part.schema)
                    writers[number].write_batch(part.filter(pa.array(batch_of == number)))
        finally:
            connection.close()
            for writer in writers.values():
                writer.close()
        for number in sorted(writers):
            table = pq.read_table(Path(folder) / f"batch-{number}.parquet")
            # Documents with the same content hash have the same body: one of each.
            hashes = table.column("content_hash")
            first = pc.index_in(pc.unique(hashes), value_set=hashes)
            yield number, table.take(first).select(["content_hash", "body"])
