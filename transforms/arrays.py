"""Small helpers over Arrow arrays that the numpy-vectorised transforms share."""

from __future__ import annotations

import pyarrow as pa


def contiguous(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array from an array or a chunked column."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
