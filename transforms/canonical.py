"""The canonical rule and the cluster ids that every deduplication step shares.

Documents with the same normalised body are exact copies; :mod:`transforms.clustering` groups
them and their near copies into clusters. The canonical member of a cluster is chosen by a
deterministic rule that does not depend on input order, shard size or worker count:

1. the earliest ``published_date`` (documents without a date come last),
2. then the body verified similar to the most other bodies (the version the others copy: a
   brief, a teaser and a scan of a story are each similar to the story, rarely to each other),
3. then the fullest body (most words),
4. then the smallest ``doc_id``.

The cluster id is derived from the canonical body's content hash, so it is the same in every run
that sees the same bodies.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Latest representable date32 value: sorts documents without a date after every dated one.
NO_DATE_SORTS_LAST = np.iinfo(np.int32).max
CLUSTER_ID_HEX = 16


def cluster_id_for(content_hash: pa.Array) -> pa.Array:
    """The cluster id of an exact-duplicate group: ``c`` and the first hex digits of its hash."""
    return pc.binary_join_element_wise(
        "c", pc.utf8_slice_codeunits(content_hash, 0, CLUSTER_ID_HEX), ""
    )


def canonical_order(
    doc_id: pa.Array,
    published_date: pa.Array,
    word_count: pa.Array,
    links: np.ndarray | None = None,
) -> np.ndarray:
    """Indices that sort documents by the canonical rule (best candidate first).

    Args:
        doc_id: Unique document ids.
        published_date: Dates (null allowed).
        word_count: Words of each document's body.
        links: Other bodies each document's body is verified similar to (none if omitted).
    """
    dates = pc.fill_null(pc.cast(published_date, pa.int32()), NO_DATE_SORTS_LAST).to_numpy()
    longest_first = -pc.fill_null(word_count, 0).to_numpy().astype(np.int64)
    most_linked_first = -(np.zeros(len(dates), np.int64) if links is None else links)
    doc_rank = pc.rank(doc_id, sort_keys="ascending", tiebreaker="first").to_numpy()
    # np.lexsort sorts by the last key first.
    return np.lexsort((doc_rank, longest_first, most_linked_first, dates))
