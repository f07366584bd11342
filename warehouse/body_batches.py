"""Bodies of documents in batches, streamed out of a snapshot's files once.

Work that compares bodies (verifying near-copy candidates, finding shared passages) needs the
texts of some documents, a batch at a time, and a million documents' text does not fit in
memory. A DuckDB scan of the content hashes finds where the wanted bodies are (a file and a row in
it, one of each hash); each file is then read for its rows only, so DuckDB skips the row groups
holding none (a run adding few documents wants a few rows of most files), and a file whose rows
are mostly wanted is read whole. Each chunk read is sorted by batch and appended to a temporary
Arrow file per batch (a DuckDB sort of long strings by batch does not spill well); the files are
then mapped back one at a time.
Arrow's file format, uncompressed: the files live minutes, and writing and mapping them costs a
copy of the text, where Parquet encodes and decodes it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import ipc

from transforms.arrays import contiguous
from warehouse.spill import spilling_connection

PLACES = (
    "SELECT DISTINCT ON (content_hash) filename AS file, file_row_number AS row_number "
    "FROM read_parquet($files, union_by_name = true, filename = true, file_row_number = true) "
    "SEMI JOIN unplaced USING (content_hash) "
    "ORDER BY content_hash, file, row_number"
)
"""A file and row of each hash of ``unplaced`` in the ``$files`` that hold it."""
PLACED = pa.schema([("file", pa.string()), ("row_number", pa.int64())])
BODIES = (
    "SELECT w.batch, d.content_hash, d.body "
    "FROM read_parquet($file, file_row_number = true) AS d "
    "JOIN wanted AS w USING (content_hash)"
)
WHOLE_FILE_SHARE = 0.25
"""Share of a file's rows wanted from which it is read whole: its row groups nearly all hold one."""
# Rows of a scanned chunk (some 50 MB of text): what the driver holds, twice, while it sorts
# them by batch; each batch's share of a chunk is one write.
CHUNK_ROWS = 16_384
# The reads decompress the bodies of whole row groups: two threads (their join table, the
# wanted hashes, is small).
SCAN_THREADS = 2


@dataclass(frozen=True)
class KnownPlaces:
    """Where some bodies already are: a document file and row of each of their content hashes.

    A run that read its previous documents' keys knows their places (``incremental.gather_keys``);
    the scan of every file's hashes for them is then not needed.
    """

    files: list[str]
    """The document files the places point into."""
    content_hash: pa.Array | pa.ChunkedArray
    """Hashes of the bodies placed (repeats allowed: any of their rows holds the body)."""
    file_index: np.ndarray
    """Each hash's file, as an index into ``files``."""
    row: np.ndarray
    """Each hash's row in its file (Parquet's ``file_row_number``)."""

    def of(self, hashes: pa.Array) -> tuple[pa.Table, pa.Array]:
        """Places (``file``, ``row_number``) of the hashes known, and the hashes that are not.

        ``hashes`` are distinct and few beside the places: the places are probed in a hash set
        of them, not the other way round.
        """
        found = pc.is_in(self.content_hash, value_set=hashes)
        at = np.flatnonzero(found.to_numpy(zero_copy_only=False))
        taken = self.content_hash.take(pa.array(at))
        first = pc.index_in(hashes, value_set=contiguous(taken))
        placed = at[first.drop_null().to_numpy()]
        files = pa.array(self.files, pa.string()).take(pa.array(self.file_index[placed]))
        rows = pa.array(self.row[placed], pa.int64())
        unknown = hashes.filter(first.is_null())
        return pa.table([files, rows], schema=PLACED), unknown


def bodies_by_batch(
    files: Sequence[Path | str],
    wanted: pa.Table,
    work_dir: Path,
    known: KnownPlaces | None = None,
) -> Iterator[tuple[int, pa.Table]]:
    """Each batch's bodies, one of each content hash: ``(batch, table(content_hash, body))``.

    Args:
        files: Document files (any with ``content_hash`` and ``body``).
        wanted: ``content_hash`` and ``batch`` (int64) rows; a hash may be in several batches.
        work_dir: Where the temporary files go and DuckDB spills (a run's staging folder).
        known: Places of some of the bodies, in some of ``files``: the others are found by a
            scan of the files ``known`` does not cover (every wanted body must be in one of
            them or known).
    """
    with tempfile.TemporaryDirectory(prefix="bodies-", dir=work_dir) as folder:
        writers: dict[int, ipc.RecordBatchFileWriter] = {}
        connection = spilling_connection(work_dir)
        connection.execute(f"SET threads = {SCAN_THREADS}")
        try:
            connection.register("wanted", wanted)
            for query in _reads(connection, [str(f) for f in files], wanted, known):
                for part in query.to_arrow_reader(CHUNK_ROWS):
                    _append(part, Path(folder), writers)
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


def _reads(
    connection: duckdb.DuckDBPyConnection,
    files: list[str],
    wanted: pa.Table,
    known: KnownPlaces | None,
) -> Iterator[duckdb.DuckDBPyRelation]:
    """A query per file holding wanted bodies: its rows of them (one of each hash), or all."""
    if not files:
        return
    places = _places(connection, files, wanted, known)
    numbers = places.column("row_number").to_numpy()
    by_file = places.column("file").to_pylist()
    rows: dict[str, list[int]] = {}
    for file, number in zip(by_file, numbers.tolist(), strict=True):
        rows.setdefault(file, []).append(number)
    for file, wanted_rows in rows.items():
        if len(wanted_rows) >= WHOLE_FILE_SHARE * pq.read_metadata(file).num_rows:
            yield connection.sql(BODIES, params={"file": file})
        else:
            listed = ", ".join(str(number) for number in sorted(wanted_rows))
            yield connection.sql(
                f"{BODIES} WHERE d.file_row_number IN ({listed})", params={"file": file}
            )


def _places(
    connection: duckdb.DuckDBPyConnection,
    files: list[str],
    wanted: pa.Table,
    known: KnownPlaces | None,
) -> pa.Table:
    """A file and row of each wanted hash: the known ones', the others' by a scan of the rest."""
    hashes = pc.unique(wanted.column("content_hash").combine_chunks())
    placed, unknown = (PLACED.empty_table(), hashes) if known is None else known.of(hashes)
    rest = files if known is None else sorted(set(files) - set(known.files))
    if not len(unknown) or not rest:
        return placed
    connection.register("unplaced", pa.table({"content_hash": unknown}))
    scanned = connection.sql(PLACES, params={"files": rest}).to_arrow_table()
    return pa.concat_tables([placed, scanned.cast(PLACED)])


def _append(
    part: pa.RecordBatch, folder: Path, writers: dict[int, ipc.RecordBatchFileWriter]
) -> None:
    """Append a chunk's rows to the files of their batches."""
    batch_of = part.column(0).to_numpy()
    order = np.argsort(batch_of, kind="stable")
    numbers, starts = np.unique(batch_of[order], return_index=True)
    ends = np.r_[starts[1:], len(order)]
    # One take puts the chunk in batch order; each batch's rows are then a slice,
    # appended to the batch's file as a record batch of its own.
    grouped = part.take(pa.array(order))
    for number, start, end in zip(numbers.tolist(), starts, ends, strict=True):
        if number not in writers:
            writers[number] = ipc.new_file(folder / f"batch-{number}.arrow", grouped.schema)
        writers[number].write_batch(grouped.slice(start, end - start))
