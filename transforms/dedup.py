"""Exact deduplication: documents with the same normalised body form one cluster.

The canonical member of a cluster is chosen by a deterministic rule that does not depend on input
order, shard size or worker count:

1. the earliest ``published_date`` (documents without a date come last),
2. then the fullest body (most characters),
3. then the smallest ``doc_id``.

The cluster id is derived from the content hash, so it is the same in every run that sees the
same body, whichever member is canonical.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Latest representable date32 value: sorts documents without a date after every dated one.
NO_DATE_SORTS_LAST = np.iinfo(np.int32).max
CLUSTER_ID_HEX = 16


def contiguous(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array from an array or a chunked column."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def cluster_id_for(content_hash: pa.Array) -> pa.Array:
    """The cluster id of an exact-duplicate group: ``c`` and the first hex digits of its hash."""
    return pc.binary_join_element_wise(
        "c", pc.utf8_slice_codeunits(content_hash, 0, CLUSTER_ID_HEX), ""
    )


def canonical_order(doc_id: pa.Array, published_date: pa.Array, body_chars: pa.Array) -> np.ndarray:
    """Indices that sort documents by the canonical rule (best candidate first)."""
    dates = pc.fill_null(pc.cast(published_date, pa.int32()), NO_DATE_SORTS_LAST).to_numpy()
    longest_first = -pc.fill_null(body_chars, 0).to_numpy().astype(np.int64)
    doc_rank = pc.rank(doc_id, sort_keys="ascending", tiebreaker="first").to_numpy()
    # np.lexsort sorts by the last key first.
    return np.lexsort((doc_rank, longest_first, dates))


def assign_exact_clusters(
    doc_id: pa.Array, content_hash: pa.Array, published_date: pa.Array, body_chars: pa.Array
) -> pa.Table:
    """Group documents by content hash and pick each group's canonical member.

    Args:
        doc_id: Unique document ids.
        content_hash: Hash of each normalised body.
        published_date: Publication dates (null allowed).
        body_chars: Length of each body in characters.

    Returns:
        A table aligned with the input: ``cluster_id``, ``is_canonical`` and ``cluster_size``.
    """
    n = len(doc_id)
    if n == 0:
        return pa.table(
            {
                "cluster_id": pa.array([], pa.string()),
                "is_canonical": pa.array([], pa.bool_()),
                "cluster_size": pa.array([], pa.int32()),
            }
        )
    order = canonical_order(doc_id, published_date, body_chars)
    groups = pc.dictionary_encode(contiguous(content_hash)).indices.to_numpy()
    sizes = np.bincount(groups)
    # Walking documents best-first, the first time a group is seen is its canonical member.
    _, first_in_order = np.unique(groups[order], return_index=True)
    is_canonical = np.zeros(n, dtype=bool)
    is_canonical[order[first_in_order]] = True
    return pa.table(
        {
            "cluster_id": cluster_id_for(contiguous(content_hash)),
            "is_canonical": pa.array(is_canonical),
            "cluster_size": pa.array(sizes[groups].astype(np.int32)),
        }
    )
