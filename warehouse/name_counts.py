"""The counts behind ``name_mentions`` and ``name_comentions``, made block by block of documents.

Each frequent name is a bit (``frequent_names.name_bit``); a document's bits are its mask. The
counts are made from the rows of a block of documents at a time (the queries under
``warehouse/sql/name_counts``) by :mod:`transforms.name_counts`, and registered with the
connection as the relation the table's query reads (``name_mention_counts``,
``name_comention_counts``): partial counts, which that query sums. The work grows with the
documents' rows, not with the rows times the names of their documents, and memory with a block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from transforms.name_counts import count_by_bit, document_masks, pairs_within

QUERIES = Path(__file__).parent / "sql" / "name_counts"
BLOCK_DOCUMENTS = 32_768
"""Documents counted at a time: at most a few million rows of pairs in memory."""

_NAME_BIT = pa.field("name_bit", pa.int32(), nullable=False)
_DOCUMENTS = pa.field("documents", pa.int64(), nullable=False)
MENTION_COUNTS = pa.schema(
    [
        _NAME_BIT,
        pa.field("period", pa.int32(), nullable=False),
        pa.field("entity_number", pa.int32(), nullable=False),
        _DOCUMENTS,
        pa.field("mentions", pa.int64(), nullable=False),
    ]
)
COMENTION_COUNTS = pa.schema(
    [
        _NAME_BIT,
        pa.field("month_number", pa.int32(), nullable=False),
        pa.field("country_number", pa.int32(), nullable=False),
        pa.field("other_country_number", pa.int32(), nullable=False),
        _DOCUMENTS,
    ]
)


def _query(name: str) -> str:
    return next(QUERIES.glob(f"*_{name}.sql")).read_text()


class _Block:
    """The rows of documents ``first`` to ``last`` that both counts start from."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, first: int, last: int) -> None:
        bounds = {"first": first, "last": last}
        periods = connection.sql(_query("document_periods"), params=bounds).to_arrow_table()
        frequent = connection.sql(_query("frequent_rows"), params=bounds).to_arrow_table()
        self.connection, self.bounds, self.first = connection, bounds, first
        size = last - first + 1
        self.period = np.zeros(size, np.int64)
        self.month = np.zeros(size, np.int64)
        at = periods.column("doc_number").to_numpy() - first
        self.period[at] = periods.column("period").to_numpy()
        self.month[at] = periods.column("month_number").to_numpy()
        self.frequent = frequent
        self.masks = document_masks(
            frequent.column("doc_number").to_numpy() - first,
            frequent.column("name_bit").to_numpy(),
            size,
        )


def _blocks(connection: duckdb.DuckDBPyConnection) -> Iterator[_Block]:
    """Blocks of documents, month by month: numbers run on within a month, not across months."""
    connection.execute(_query("name_periods"))
    months = connection.execute(
        "SELECT min(doc_number), max(doc_number) FROM document_facts "
        "GROUP BY doc_number >> 32 ORDER BY 1"
    ).fetchall()
    for month_first, month_last in months:
        for first in range(month_first, month_last + 1, BLOCK_DOCUMENTS):
            yield _Block(connection, first, min(first + BLOCK_DOCUMENTS - 1, month_last))


def _entity_span(connection: duckdb.DuckDBPyConnection) -> int:
    """One more than the largest entity number: the base keys are made in."""
    [(largest,)] = connection.execute("SELECT max(entity_number) FROM entities").fetchall()
    return int(largest or 0) + 1


def mention_counts(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """Per (name bit, period, entity of a frequent name): documents naming both, and mentions."""
    span = _entity_span(connection)
    parts = [MENTION_COUNTS.empty_table()]
    for block in _blocks(connection):
        rows = block.frequent
        documents = rows.column("doc_number").to_numpy() - block.first
        entities = rows.column("entity_number").to_numpy().astype(np.int64)
        counts = count_by_bit(
            block.masks[documents],
            block.period[documents] * span + entities,
            rows.column("mentions").to_numpy().astype(np.int64),
        )
        parts.append(
            pa.table(
                [
                    counts.bit.astype(np.int32),
                    (counts.key // span).astype(np.int32),
                    (counts.key % span).astype(np.int32),
                    counts.rows,
                    counts.weight,
                ],
                schema=MENTION_COUNTS,
            )
        )
    return pa.concat_tables(parts)


def comention_counts(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """Per (name bit, month, pair of countries): the documents naming the name and both."""
    span = _entity_span(connection)
    parts = [COMENTION_COUNTS.empty_table()]
    for block in _blocks(connection):
        rows = block.connection.sql(_query("country_rows"), params=block.bounds).to_arrow_table()
        documents = rows.column("doc_number").to_numpy() - block.first
        countries = rows.column("entity_number").to_numpy().astype(np.int64)
        first, second = pairs_within(documents)
        pair_documents = documents[first]
        counts = count_by_bit(
            block.masks[pair_documents],
            (block.month[pair_documents] * span + countries[first]) * span + countries[second],
        )
        parts.append(
            pa.table(
                [
                    counts.bit.astype(np.int32),
                    (counts.key // (span * span)).astype(np.int32),
                    (counts.key // span % span).astype(np.int32),
                    (counts.key % span).astype(np.int32),
                    counts.rows,
                ],
                schema=COMENTION_COUNTS,
            )
        )
    return pa.concat_tables(parts)


COUNTED: dict[str, tuple[str, Callable[[duckdb.DuckDBPyConnection], pa.Table]]] = {
    "name_mentions": ("name_mention_counts", mention_counts),
    "name_comentions": ("name_comention_counts", comention_counts),
}
"""Report tables whose query reads counts made here: the relation's name and its maker."""


def register_counts(connection: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """Make and register the counts ``table``'s query reads; return the relation's name."""
    if table not in COUNTED:
        return None
    relation, make = COUNTED[table]
    connection.register(relation, make(connection))
    return relation


def release_counts(connection: duckdb.DuckDBPyConnection, relation: str | None) -> None:
    """Drop what :func:`register_counts` left in the connection."""
    if relation is not None:
        connection.unregister(relation)
        connection.execute("DROP TABLE IF EXISTS name_periods")
