"""The tables that explain the clusters: one row per cluster, and each copy's match.

Built from the cluster assignment of every document of the next snapshot (aligned with the
document keys) and the verified copy pairs of their bodies.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.body_keys import body_keys
from warehouse.schemas import CLUSTERS, DOCUMENT_MATCHES, conform


def cluster_table(keys: pa.Table, assigned: pa.Table, run_id: str) -> pa.Table:
    """One row per cluster: canonical document, size, first and last date, publishers.

    All in Arrow kernels: a million documents' publisher lists as Python objects would not be.
    """
    table = pa.table(
        {
            "cluster_id": assigned.column("cluster_id"),
            "canonical_doc_id": assigned.column("canonical_doc_id"),
            "published_date": keys.column("published_date"),
            "publisher": keys.column("publisher"),
        }
    )
    grouped = table.group_by(["cluster_id", "canonical_doc_id"], use_threads=False).aggregate(
        [("cluster_id", "count"), ("published_date", "min"), ("published_date", "max")]
    )
    # Distinct (cluster, publisher) pairs in order, then listed per cluster: single-threaded
    # grouping keeps the order of the input, so each list comes out sorted.
    outlets = (
        table.group_by(["cluster_id", "publisher"], use_threads=False)
        .aggregate([])
        .sort_by([("cluster_id", "ascending"), ("publisher", "ascending")])
        .group_by("cluster_id", use_threads=False)
        .aggregate([("publisher", "list")])
        .sort_by("cluster_id")
    )
    # One row per cluster on both sides (a cluster has one canonical document), in the same
    # order: Arrow's join does not carry list columns.
    grouped = grouped.sort_by("cluster_id")
    if not grouped.column("cluster_id").equals(outlets.column("cluster_id")):
        raise ValueError("a cluster has more than one canonical document")
    grouped = grouped.append_column("publisher_list", outlets.column("publisher_list"))
    return conform(
        pa.table(
            {
                "cluster_id": grouped.column("cluster_id"),
                "canonical_doc_id": grouped.column("canonical_doc_id"),
                "size": pc.cast(grouped.column("cluster_id_count"), pa.int32()),
                "first_date": grouped.column("published_date_min"),
                "last_date": grouped.column("published_date_max"),
                "publishers": grouped.column("publisher_list"),
                "run_id": pa.array([run_id] * grouped.num_rows, pa.string()),
            }
        ),
        CLUSTERS,
        name="clusters",
    )


def document_matches(keys: pa.Table, assigned: pa.Table, pairs: pa.Table, run_id: str) -> pa.Table:
    """Each copy (non-canonical document) and the canonical document it was matched to.

    Raises:
        ValueError: A near copy whose verified pair is not among ``pairs`` (a broken invariant:
            clusters are made of those pairs).
    """
    copies = pc.invert(assigned.column("is_canonical"))
    doc_id = keys.column("doc_id").filter(copies)
    canonical_id = assigned.column("canonical_doc_id").filter(copies)
    content_hash = keys.column("content_hash").combine_chunks()
    canonical_rows = pc.index_in(canonical_id, value_set=keys.column("doc_id").combine_chunks())
    if canonical_rows.null_count:
        raise ValueError(f"{canonical_rows.null_count} copies' canonical documents are not given")
    own = body_keys(content_hash.filter(copies))
    head = body_keys(content_hash.take(canonical_rows)) if len(canonical_rows) else own
    exact = own == head
    left, right = np.minimum(own, head), np.maximum(own, head)
    similarity = np.ones(len(own), dtype=np.float32)
    containment = np.ones(len(own), dtype=np.float32)
    near = np.flatnonzero(~exact)
    if len(near):
        wanted = pa.table(
            {
                "left_key": pa.array(left[near], pa.uint64()),
                "right_key": pa.array(right[near], pa.uint64()),
                "row": pa.array(near),
            }
        )
        found = wanted.join(
            pairs.select(["left_key", "right_key", "jaccard", "containment"]),
            ["left_key", "right_key"],
            join_type="inner",
            use_threads=False,
        )
        if found.num_rows != len(near):
            raise ValueError(
                f"{len(near) - found.num_rows} near copies have no verified pair with their "
                "canonical document"
            )
        rows = found.column("row").to_numpy()
        similarity[rows] = found.column("jaccard").to_numpy()
        containment[rows] = found.column("containment").to_numpy()
    return conform(
        pa.table(
            {
                "doc_id": doc_id,
                "matched_doc_id": canonical_id,
                "similarity": pa.array(similarity),
                "containment": pa.array(containment),
                "kind": pc.if_else(pa.array(exact), "exact", "near"),
                "run_id": pa.array([run_id] * len(own), pa.string()),
            }
        ),
        DOCUMENT_MATCHES,
        name="document_matches",
    )
