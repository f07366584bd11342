"""Query results written to a file by newsetl: Parquet, CSV or JSON, whole or not at all.

The user's SQL only reads (``warehouse.sandbox``); the file is written here, batch by batch from
DuckDB's Arrow stream (a result larger than memory still exports), into a temporary file beside
the target that replaces it with one rename once complete and flushed to disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

COMPRESSION = "zstd"
BATCH_ROWS = 65_536


class ExportError(ValueError):
    """The result cannot be written in the format asked for."""


def json_value(value: Any) -> Any:
    """A value JSON cannot hold as it is (dates, decimals, bytes), as one it can."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def _write_parquet(reader: pa.RecordBatchReader, handle: IO[bytes]) -> int:
    rows = 0
    with pq.ParquetWriter(handle, reader.schema, compression=COMPRESSION) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_csv(reader: pa.RecordBatchReader, handle: IO[bytes]) -> int:
    nested = [f.name for f in reader.schema if pa.types.is_nested(f.type)]
    if nested:
        raise ExportError(
            f"CSV cannot hold the nested column(s) {', '.join(nested)}: "
            "write .parquet or .json, or select them as text (col::VARCHAR)"
        )
    rows = 0
    with pacsv.CSVWriter(handle, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_json(reader: pa.RecordBatchReader, handle: IO[bytes], *, lines: bool) -> int:
    """A JSON array of objects (as ``--format json`` prints), or one object per line."""
    rows = 0
    handle.write(b"" if lines else b"[")
    for batch in reader:
        for record in batch.to_pylist():
            text = json.dumps(record, default=json_value, ensure_ascii=False)
            if lines:
                handle.write(text.encode() + b"\n")
            else:
                handle.write((b",\n" if rows else b"\n") + text.encode())
            rows += 1
    handle.write(b"" if lines else b"\n]\n")
    return rows


WRITERS: dict[str, Callable[[pa.RecordBatchReader, IO[bytes]], int]] = {
    ".parquet": _write_parquet,
    ".csv": _write_csv,
    ".json": lambda reader, handle: _write_json(reader, handle, lines=False),
    ".jsonl": lambda reader, handle: _write_json(reader, handle, lines=True),
    ".ndjson": lambda reader, handle: _write_json(reader, handle, lines=True),
}


def check_target(path: Path, warehouse: Path) -> None:
    """Check that a result can go to ``path``: a known suffix, and outside the warehouse.

    Raises:
        ExportError: An unknown suffix, or a path inside the warehouse (where it could replace
            a snapshot's file).
    """
    if path.suffix.lower() not in WRITERS:
        raise ExportError(
            f"--output {str(path)!r}: the file name must end in one of {', '.join(WRITERS)}"
        )
    target = Path(os.path.realpath(path.absolute()))
    if target.is_relative_to(os.path.realpath(warehouse.absolute())):
        raise ExportError(f"--output {str(path)!r} lies inside the warehouse: write it elsewhere")


def export(result: duckdb.DuckDBPyRelation, path: Path) -> int:
    """Write the rows of a query's ``result`` to ``path``; return how many.

    The format is the file's suffix (see ``WRITERS``). ``path`` is replaced only once the whole
    result is written: a failed export leaves no file and the old one as it was.
    """
    writer = WRITERS[path.suffix.lower()]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    reader = result.to_arrow_reader(BATCH_ROWS)
    try:
        with open(temporary, "wb") as handle:
            rows = writer(reader, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return rows
