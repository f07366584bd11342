import datetime as dt

import pyarrow as pa
import pytest

from transforms.body_keys import body_keys
from transforms.clustering import cluster_documents
from warehouse.clusters import cluster_table, document_matches

A, B, C = "a" * 32, "b" * 32, "c" * 32  # content hashes of three bodies


def keys() -> pa.Table:
    return pa.table(
        {
            "doc_id": ["d1", "d2", "d3", "d4", "d5"],
            "content_hash": [A, A, B, A, C],
            "published_date": [
                dt.date(2021, 5, 2),
                dt.date(2021, 5, 1),
                dt.date(2021, 5, 3),
                None,
                dt.date(2021, 6, 1),
            ],
            "word_count": [10, 10, 9, 10, 40],
            "publisher": ["Reuters", "AFP", "Reuters", "BBC", "TASS"],
        }
    )


def pairs() -> pa.Table:
    a, b = body_keys(pa.array([A, B]))
    return pa.table(
        {
            "left_key": pa.array([min(a, b)], pa.uint64()),
            "right_key": pa.array([max(a, b)], pa.uint64()),
            "jaccard": pa.array([0.8], pa.float32()),
            "containment": pa.array([0.9], pa.float32()),
        }
    )


def assign(table: pa.Table, verified: pa.Table) -> pa.Table:
    return cluster_documents(
        table.column("doc_id"),
        table.column("content_hash"),
        table.column("published_date"),
        table.column("word_count"),
        verified.column("left_key").to_numpy(),
        verified.column("right_key").to_numpy(),
    )


def test_a_cluster_row_lists_its_distinct_publishers_sorted() -> None:
    table = keys()
    clusters = cluster_table(table, assign(table, pairs()), "r1").to_pylist()
    assert sorted((c["canonical_doc_id"], c["size"]) for c in clusters) == [("d2", 4), ("d5", 1)]
    story = next(c for c in clusters if c["size"] == 4)
    assert story["publishers"] == ["AFP", "BBC", "Reuters"]
    assert (story["first_date"], story["last_date"]) == (dt.date(2021, 5, 1), dt.date(2021, 5, 3))
    assert [c["cluster_id"] for c in clusters] == sorted(c["cluster_id"] for c in clusters)


def test_each_copy_is_matched_to_the_canonical_with_the_verified_similarity() -> None:
    table = keys()
    matches = document_matches(table, assign(table, pairs()), pairs(), "r1").to_pylist()
    found = {m["doc_id"]: (m["matched_doc_id"], m["kind"], m["similarity"]) for m in matches}
    assert found == {
        "d1": ("d2", "exact", 1.0),
        "d4": ("d2", "exact", 1.0),
        "d3": ("d2", "near", pytest.approx(0.8)),
    }


def test_a_near_copy_without_its_verified_pair_is_an_error() -> None:
    table = keys()
    with pytest.raises(ValueError, match="no verified pair"):
        document_matches(table, assign(table, pairs()), pairs().slice(0, 0), "r1")
