"""The tables that explain the clusters: one row per cluster, and each copy's match.

Built from the cluster assignment of every document of the next snapshot (aligned with the
document keys) and the verified copy pairs of their bodies.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.neardup import body_keys
from warehouse.schemas import CLUSTERS, DOCUMENT_MATCHES, conform


def cluster_table(keys: pa.Table, assigned: pa.Table, run_id: str) -> pa.Table:
    """One row per cluster: canonical document, size, first and last date, publishers."""
    table = pa.table(
        {
            "cluster_id": assigned.column("cluster_id"),
            "canonical_doc_id": assigned.column("canonical_doc_id"),
            "published_date": keys.column("published_date"),
            "publisher": keys.column("publisher"),
        }
    )
    grouped = table.group_by(["cluster_id", "canonical_doc_id"], use_threads=False).aggregate(
        [
            ("cluster_id", "count"),
            ("published_date", "min"),
            ("published_date", "max"),
            ("publisher", "distinct"),
        ]
    )
    publishers = grouped.column("publisher_distinct")
    return conform(
        pa.table(
            {
                "cluster_id": grouped.column("cluster_id"),
                "canonical_doc_id": grouped.column("canonical_doc_id"),
                "size": pc.cast(grouped.column("cluster_id_count"), pa.int32()),
                "first_date": grouped.column("published_date_min"),
                "last_date": grouped.column("published_date_max"),
                "publishers": pa.array(
                    [sorted(p) for p in publishers.to_pylist()], pa.list_(pa.string())
                ),
                "run_id": pa.array([run_id] * grouped.num_rows, pa.string()),
            }
        ).sort_by("cluster_id"),
        CLUSTERS,
        name="clusters",
    )


def document_matches(keys: pa.Table, assigned: pa.Table, pairs: pa.Table, run_id: str) -> pa.Table:
    """Each copy (non-canonical document) and the canonical document it was matched to."""
    copies = pc.invert(assigned.column("is_canonical"))
    doc_id = keys.column("doc_id").filter(copies)
    canonical_id = assigned.column("canonical_doc_id").filter(copies)
    content_hash = keys.column("content_hash").combine_chunks()
    by_doc = dict(zip(keys.column("doc_id").to_pylist(), range(keys.num_rows), strict=True))
    canonical_rows = np.array([by_doc[d] for d in canonical_id.to_pylist()], dtype=np.int64)
    own = body_keys(content_hash.filter(copies))
    head = body_keys(content_hash.take(pa.array(canonical_rows))) if len(canonical_rows) else own
    exact = own == head
    left, right = np.minimum(own, head), np.maximum(own, head)
    similarity = np.ones(len(own), dtype=np.float32)
    containment = np.ones(len(own), dtype=np.float32)
    if pairs.num_rows and (~exact).any():
        lookup = {
            (a, b): (j, c)
            for a, b, j, c in zip(
                pairs.column("left_key").to_pylist(),
                pairs.column("right_key").to_pylist(),
                pairs.column("jaccard").to_pylist(),
                pairs.column("containment").to_pylist(),
                strict=True,
            )
        }
        for i in np.flatnonzero(~exact):
            similarity[i], containment[i] = lookup[(int(left[i]), int(right[i]))]
    return conform(
        pa.table(
            {
                "doc_id": doc_id,
                "matched_doc_id": canonical_id,
                "similarity": pa.array(similarity),
                "containment": pa.array(containment),
                "kind": pa.array(np.where(exact, "exact", "near").tolist(), pa.string()),
                "run_id": pa.array([run_id] * len(own), pa.string()),
            }
        ),
        DOCUMENT_MATCHES,
        name="document_matches",
    )
