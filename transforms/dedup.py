"""The canonical rule and the cluster ids that every deduplication step shares.

Documents with the same normalised body are exact copies; :mod:`transforms.neardup` groups them
and their near copies into clusters. The canonical member of a cluster is chosen by a
deterministic rule that does not depend on input order, shard size or worker count:

1. the earliest ``published_date`` (documents without a date come last),
2. then the fullest body (most characters),
3. then the smallest ``doc_id``.

The cluster id is derived from the canonical body's content hash, so it is the same in every run
that sees the same bodies.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# A body of fewer words than this says too little to make two documents one story by itself: a
# templated notice (Reuters: `Qtly div five cts vs five cts prior / Pay July One / Record June
# 17`) is word for word the same for two companies, whose names are in the headlines. Such a
# body is an exact copy only under the same headline, and never a near copy.
SHORT_BODY_WORDS = 30
# Latest representable date32 value: sorts documents without a date after every dated one.
NO_DATE_SORTS_LAST = np.iinfo(np.int32).max
CLUSTER_ID_HEX = 16


def word_counts(texts: pa.Array) -> pa.Array:
    """Words of each text, as ``documents.word_count`` counts them: runs of non-space characters.

    The one definition behind ``word_count`` and :data:`SHORT_BODY_WORDS`'s near-copy rule.
    """
    return pc.cast(pc.count_substring_regex(texts, r"\S+"), pa.int32())


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
