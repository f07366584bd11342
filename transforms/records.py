"""The record shapes that travel between the steps of a shard: files in, quarantine rows out."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

FILES_SCHEMA = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("raw", pa.large_binary(), nullable=False),
    ]
)
"""What the reader hands over: each file's path relative to the input root, and its bytes."""

TEXTS_SCHEMA = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        pa.field("bytes", pa.int64(), nullable=False),
        pa.field("encoding", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
    ]
)
"""Each decoded file's normalised text, with what the document row keeps of its bytes: what the
census counts, and what parsing reads once the census has learned the chrome."""

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("bytes", pa.int64()),
        pa.field("raw_sha256", pa.string()),
    ]
)
"""One row per file that did not become a document."""


def quarantine_rows(rows: Sequence[dict[str, object]]) -> pa.Table:
    """Build a quarantine table from row dicts (``source_path``, ``reason``, ``detail``...)."""
    return pa.Table.from_pylist(list(rows), schema=QUARANTINE_SCHEMA)
