"""A small corpus for the report SQL: documents, clusters, mentions and quarantine as tables.

Three publishers over three months; one story carried by all three, one by two (twice by one of
them), the rest single; Russia named more each month, Myanmar with it in some documents.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse import aggregates, catalog
from warehouse.schemas import CLUSTERS, DOCUMENTS, DOCUMENTS_VIEW, MENTIONS, QUARANTINE

WIRES = ("Reuters", "TASS")


def document(
    doc_id: str, publisher: str, day: dt.date | None, cluster: str, canonical: bool, title: str
) -> dict[str, object]:
    # Columns the reports do not read get a plain value where the schema requires one.
    placeholder = {pa.string(): "-", pa.int64(): 0, pa.int32(): 0, pa.bool_(): False}
    row: dict[str, object] = {
        field.name: None if field.nullable else placeholder.get(field.type, 0)
        for field in DOCUMENTS_VIEW
    }
    return row | {
        "doc_id": doc_id,
        "source_path": f"{doc_id}.txt",
        "publisher": publisher,
        # The wires' own pages credit their wire.
        "agency": publisher if publisher in WIRES else None,
        "published_date": day,
        "title": title,
        "word_count": 100,
        "cluster_id": cluster,
        "is_canonical": canonical,
    }


def mention_rows(mentions: list[tuple[str, str, str, int]]) -> list[dict[str, object]]:
    """``mentions`` rows of (document, kind, entity, times named) tuples."""
    return [
        {"doc_id": d, "kind": k, "entity": e, "mentions": n, "run_id": "r"}
        for d, k, e, n in mentions
    ]


def report_tables() -> dict[str, pa.Table]:
    """``documents``, ``mentions`` and ``quarantine`` of the report corpus."""
    jan, feb, mar = dt.date(2021, 1, 10), dt.date(2021, 2, 10), dt.date(2021, 3, 10)
    documents = [
        # The wide story: three outlets, four copies, first on Jan 10, last on Feb 10.
        document("w1", "Reuters", jan, "cwide", True, "Talks In Geneva"),
        document("w2", "TASS", jan, "cwide", False, "Talks in Geneva, say officials"),
        document("w3", "BBC", feb, "cwide", False, "Geneva talks"),
        document("w4", "BBC", feb, "cwide", False, "Geneva talks (update)"),
        # Two outlets.
        document("p1", "Reuters", feb, "cpair", True, "Ceasefire Holds"),
        document("p2", "TASS", mar, "cpair", False, "Ceasefire holds"),
        # Single stories.
        document("s1", "TASS", mar, "cs1", True, "Kremlin Says"),
        document("s2", "TASS", mar, "cs2", True, "Moscow Weather"),
        document("s3", "BBC", None, "cs3", True, "Undated Feature"),
    ]
    sizes: dict[str, int] = {}
    for row in documents:
        sizes[str(row["cluster_id"])] = sizes.get(str(row["cluster_id"]), 0) + 1
    for row in documents:
        row["cluster_size"] = sizes[str(row["cluster_id"])]
    # Russia: 1 document in January, 2 in February, 3 in March: a rising trend.
    mentions = [
        ("w1", "country", "Russia", 2),
        ("w1", "country", "Myanmar", 1),
        ("w1", "person", "Dmitry Peskov", 1),
        ("w3", "country", "Russia", 1),
        ("w3", "country", "Myanmar", 2),
        ("p1", "country", "Russia", 1),
        ("p2", "country", "Russia", 1),
        ("p2", "country", "China", 1),
        ("s1", "country", "Russia", 3),
        ("s1", "person", "Dmitry Peskov", 2),
        ("s1", "organisation", "Kremlin", 1),
        ("s2", "country", "Russia", 1),
        ("s2", "city", "Moscow", 1),
    ]
    quarantine = [
        {"source_path": "bad/a.txt", "reason": "empty", "bytes": 0, "run_id": "r"},
        {"source_path": "bad/b.txt", "reason": "empty", "bytes": 3, "run_id": "r"},
        {"source_path": "bad/c.bin", "reason": "binary", "bytes": 1024, "run_id": "r"},
    ]
    return {
        "documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(mention_rows(mentions), schema=MENTIONS),
        "quarantine": pa.Table.from_pylist(
            [{field.name: row.get(field.name) for field in QUARANTINE} for row in quarantine],
            schema=QUARANTINE,
        ),
    }


def report_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the report corpus, its report tables and the staging views."""
    connection = duckdb.connect(":memory:")
    for name, table in report_tables().items():
        connection.from_arrow(table).create(name)
    aggregates.create_report_tables(connection)
    catalog.create_staging_views(connection)
    return connection


def clusters_of(documents: pa.Table) -> pa.Table:
    """``clusters`` rows of documents: their ``cluster_size`` (``DOCUMENTS_VIEW``), or as many
    as each cluster has (the files' layout, ``DOCUMENTS``)."""
    if "cluster_size" not in documents.column_names:
        grouped = documents.group_by("cluster_id").aggregate([("doc_id", "count")])
        sizes = dict(zip(*grouped.to_pydict().values(), strict=True))
        column = [sizes[cluster] for cluster in documents.column("cluster_id").to_pylist()]
        documents = documents.append_column("cluster_size", pa.array(column, pa.int32()))
    grouped = documents.group_by("cluster_id").aggregate(
        [("cluster_size", "max"), ("published_date", "min"), ("published_date", "max")]
    )
    canonical = documents.filter(documents.column("is_canonical"))
    heads = dict(zip(*canonical.select(["cluster_id", "doc_id"]).to_pydict().values(), strict=True))
    publishers: dict[str, set[str]] = {}
    for cluster, publisher in zip(
        *documents.select(["cluster_id", "publisher"]).to_pydict().values(), strict=True
    ):
        publishers.setdefault(cluster, set()).add(publisher)
    ids = grouped.column("cluster_id").to_pylist()
    return pa.table(
        {
            "cluster_id": ids,
            "canonical_doc_id": [heads[cluster] for cluster in ids],
            "size": grouped.column("cluster_size_max"),
            "first_date": grouped.column("published_date_min"),
            "last_date": grouped.column("published_date_max"),
            "publishers": [sorted(publishers[cluster]) for cluster in ids],
            "run_id": ["r"] * len(ids),
        },
        schema=CLUSTERS,
    )


def write_published(folder: Path, tables: dict[str, pa.Table]) -> dict[str, Path]:
    """Write ``documents``, ``mentions`` and ``clusters`` files as a snapshot holds them.

    ``tables["documents"]`` is as DuckDB shows it; its files leave out the sizes of the
    clusters, which the ``clusters`` file holds (``warehouse.documents_view``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    documents = tables["documents"]
    written = {
        "documents": documents.select(DOCUMENTS.names).cast(DOCUMENTS),
        "mentions": tables["mentions"],
        "clusters": clusters_of(documents),
    }
    files = {}
    for name, table in written.items():
        files[name] = folder / f"{name}.parquet"
        pq.write_table(table, files[name])
    return files
