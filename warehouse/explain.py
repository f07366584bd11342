"""What the warehouse knows about one document's story and match, for ``newsetl explain``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

# Copies listed for a canonical document.
LISTED_COPIES = 10


class UnknownDocument(LookupError):
    """No document of the snapshot has the id asked for."""


@dataclass(frozen=True)
class Explanation:
    """A document, its story, its canonical document and why they are linked."""

    document: dict[str, Any]
    story: dict[str, Any]
    canonical: dict[str, Any]
    match: dict[str, Any] | None
    """Its ``document_matches`` row (kind, similarity, containment); None for a canonical."""
    passage: dict[str, Any] | None
    """Its ``match_passages`` row; None unless it is a near copy whose passage is recorded."""
    copies: list[dict[str, Any]]
    """For a canonical document: its copies (the first LISTED_COPIES) and their match figures."""
    bodies: dict[str, str]
    """The bodies of the document and its canonical, by doc_id."""


DOCUMENT = """
SELECT doc_id, publisher, published_date, date_precision, title, byline, dateline_agency,
    source_path, cluster_id, is_canonical, cluster_size, body
FROM documents WHERE doc_id = $doc_id
"""


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, params)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def explain_document(connection: duckdb.DuckDBPyConnection, doc_id: str) -> Explanation:
    """Look up ``doc_id`` in a snapshot's views (``catalog.connect``).

    Raises:
        UnknownDocument: No such document in the snapshot.
    """
    found = _rows(connection, DOCUMENT, doc_id=doc_id)
    if not found:
        raise UnknownDocument(doc_id)
    document = found[0]
    [story] = _rows(
        connection,
        "SELECT * EXCLUDE (run_id) FROM stories WHERE cluster_id = $cluster_id",
        cluster_id=document["cluster_id"],
    )
    if document["is_canonical"]:
        canonical, match, passage = document, None, None
        copies = _rows(
            connection,
            "SELECT m.doc_id, d.publisher, d.published_date, m.kind, m.similarity, "
            "m.containment, p.passage_words, p.edits "
            "FROM document_matches AS m JOIN documents AS d USING (doc_id) "
            "LEFT JOIN match_passages AS p USING (doc_id, matched_doc_id) "
            "WHERE m.matched_doc_id = $doc_id "
            "ORDER BY d.published_date NULLS LAST, d.publisher, m.doc_id LIMIT $limit",
            doc_id=doc_id,
            limit=LISTED_COPIES,
        )
    else:
        [match] = _rows(
            connection,
            "SELECT matched_doc_id, kind, similarity, containment FROM document_matches "
            "WHERE doc_id = $doc_id",
            doc_id=doc_id,
        )
        [canonical] = _rows(connection, DOCUMENT, doc_id=match["matched_doc_id"])
        passages = _rows(
            connection,
            "SELECT * EXCLUDE (run_id) FROM match_passages "
            "WHERE doc_id = $doc_id AND matched_doc_id = $matched",
            doc_id=doc_id,
            matched=match["matched_doc_id"],
        )
        passage = passages[0] if passages else None
        copies = []
    bodies = {row["doc_id"]: row.pop("body") for row in (document, canonical) if "body" in row}
    return Explanation(document, story, canonical, match, passage, copies, bodies)
