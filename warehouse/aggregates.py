"""The report tables: pre-aggregated at publish by DuckDB, so a report reads thousands of rows.

Each table is one query under ``warehouse/sql/aggregates``, run in file order; a query reads the
snapshot's ``documents`` and ``mentions`` and the report tables before it, and the ``run_id``
column is added to its rows here. At publish they are
written into the snapshot being built (so they are swapped in with it, atomically); for a snapshot
published before they existed, :func:`create_report_tables` builds them in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.name_counts import register_counts, release_counts
from warehouse.schemas import REPORT_TABLES, conform
from warehouse.spill import spilling_connection
from warehouse.storage import Storage

LOGGER = logging.getLogger(__name__)
AGGREGATES_DIR = Path(__file__).parent / "sql" / "aggregates"
# The documents as syndication counts them (their day and wire agency): a staging view the
# report tables of stories read, defined once for the catalog and the build alike.
WIRE_DOCUMENTS = Path(__file__).parent / "sql" / "staging" / "05_stg_wire_documents.sql"
# Rows per Parquet row group, and per batch fetched from DuckDB. Small enough that a month of
# document_entities (~370k rows at a million documents) spans a handful of row groups, so a
# date-filtered report skips the rest by their doc_number statistics.
REPORT_GROUP_ROWS = 65_536
# One thread: with many outlets the per-outlet-and-month tables are large sorts, and two threads
# each pinning their sort blocks ran out of the limit where one spills and passes. The memory
# limit bounds the build within the run's budget; DuckDB spills what does not fit.
BUILD_THREADS = 1
BUILD_MEMORY_LIMIT = "256MB"
RETRY_MEMORY_LIMIT = "1GB"
"""A table whose build runs out of ``BUILD_MEMORY_LIMIT`` is built again once within this.

DuckDB spills sorts and groupings, but not everything it pins: at a million documents a build
that passed on its own failed within a run now and then ("failed to pin block"). A run then
costs more memory for that table rather than failing after all its work."""
FREQUENT_ENTITY_SHARE = 0.05
"""A name is frequent when entities bearing it are named in more than this share of documents.

With any name as its entity filter a report reads monthly counts built at publish (the
``name_*`` tables) instead of every document naming it, whose cost grows with the share. A
frequent name's counts (``name_mentions``, ``name_comentions``) pair each document's frequent
names with its entities and group the pairs. The others' entities are counted by pairing rows too
(``other_name_mentions``), which stays small below this share; their pairs of countries are read
from their documents when a report asks, since counting them ahead would outgrow the build's
memory. The share changes the build, never the answers: the tests draw shares from 0 to 1.
"""


def report_table_queries() -> list[tuple[str, str]]:
    """(table name, query) of every report table, in build order."""
    queries = []
    for sql_file in sorted(AGGREGATES_DIR.glob("*.sql")):
        name = sql_file.stem.partition("_")[2]
        if name not in REPORT_TABLES:
            raise ValueError(f"{sql_file} builds {name!r}, which has no schema in REPORT_TABLES")
        queries.append((name, sql_file.read_text()))
    if [name for name, _ in queries] != list(REPORT_TABLES):
        raise ValueError(f"warehouse/sql/aggregates does not build exactly {list(REPORT_TABLES)}")
    return queries


def query_parameters(query: str, frequent_share: float) -> dict[str, object]:
    """The bound values a report table's query uses, by name (DuckDB refuses unused ones)."""
    return {"frequent_share": frequent_share} if "$frequent_share" in query else {}


def create_report_tables(
    connection: duckdb.DuckDBPyConnection,
    run_id: str = "",
    frequent_share: float = FREQUENT_ENTITY_SHARE,
) -> None:
    """Build the report tables in ``connection``'s memory from its ``documents`` and ``mentions``.

    For snapshots published before the report tables existed, and for tests: the same queries as
    publish, so the reports answer the same. ``frequent_share``: see FREQUENT_ENTITY_SHARE.
    """
    connection.execute(WIRE_DOCUMENTS.read_text())
    for name, query in report_table_queries():
        counts = register_counts(connection, name)
        # Table names come from our own files (checked against REPORT_TABLES), never from input.
        connection.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT *, $run_id AS run_id FROM ({query})",  # noqa: S608
            {"run_id": run_id} | query_parameters(query, frequent_share),
        )
        release_counts(connection, counts)


def write_report_tables(
    storage: Storage,
    build: Path,
    run_id: str,
    documents: Sequence[Path],
    mentions: Sequence[Path],
    spill_dir: Path,
    compression: str,
    frequent_share: float = FREQUENT_ENTITY_SHARE,
) -> dict[str, int]:
    """Write the report tables of a snapshot being built; return their row counts.

    Args:
        storage: Through which the files are written.
        build: The snapshot's build folder; each table goes to ``<table>/part-<run_id>.parquet``.
        run_id: The publishing run, stamped on every row.
        documents: The snapshot's document files.
        mentions: The snapshot's mention files.
        spill_dir: Where DuckDB spills past its memory limit (the run's staging folder).
        compression: Parquet compression, the store's.
        frequent_share: See FREQUENT_ENTITY_SHARE.
    """
    connection = spilling_connection(spill_dir, BUILD_MEMORY_LIMIT)
    connection.execute(f"SET threads = {BUILD_THREADS}")
    rows: dict[str, int] = {}
    try:
        _view(connection, "documents", documents)
        _view(connection, "mentions", mentions)
        connection.execute(WIRE_DOCUMENTS.read_text())
        for name, query in report_table_queries():
            target = build / name / f"part-{run_id}.parquet"
            parameters = query_parameters(query, frequent_share)
            counts = register_counts(connection, name)
            for limit in (BUILD_MEMORY_LIMIT, RETRY_MEMORY_LIMIT):
                connection.execute(f"SET memory_limit = '{limit}'")
                try:
                    rows[name] = _write(
                        storage,
                        connection,
                        query,
                        parameters,
                        run_id,
                        target,
                        REPORT_TABLES[name],
                        compression,
                    )
                    break
                except (duckdb.OutOfMemoryException, OSError) as error:
                    if limit == RETRY_MEMORY_LIMIT or "Out of Memory" not in str(error):
                        raise
                    LOGGER.warning(
                        "report table %s ran out of %s; building it again within %s",
                        name,
                        limit,
                        RETRY_MEMORY_LIMIT,
                    )
            release_counts(connection, counts)
            _view(connection, name, [target])
    finally:
        connection.close()
    return rows


def _view(connection: duckdb.DuckDBPyConnection, name: str, files: Sequence[Path]) -> None:
    """View ``files`` as table ``name`` (for the queries that come next)."""
    quoted = ", ".join("'" + str(path).replace("'", "''") + "'" for path in files)
    # Views take no parameters; names are ours and paths our own build files, quoted.
    source = f"read_parquet([{quoted}], hive_partitioning = false)"
    connection.execute(f"CREATE VIEW {name} AS SELECT * FROM {source}")  # noqa: S608


def _write(
    storage: Storage,
    connection: duckdb.DuckDBPyConnection,
    query: str,
    parameters: dict[str, object],
    run_id: str,
    target: Path,
    schema: pa.Schema,
    compression: str,
) -> int:
    """Stream ``query``'s rows into ``target`` in ``schema``, batch by batch; return the count."""
    reader = connection.sql(query, params=parameters or None).to_arrow_reader(REPORT_GROUP_ROWS)
    # The run id is added here, as slices of one array: DuckDB would copy the string into every
    # row it hands over (a second more for 13.5M rows).
    run_ids = pa.array([run_id] * REPORT_GROUP_ROWS, pa.string())
    rows = 0
    # Straight to the build folder: the snapshot is published whole by one rename, or not at all.
    with storage.parquet_writer(target, schema, compression=compression) as writer:
        for batch in reader:
            if batch.num_rows > len(run_ids):
                run_ids = pa.array([run_id] * batch.num_rows, pa.string())
            table = pa.Table.from_batches([batch]).append_column(
                "run_id", run_ids.slice(0, batch.num_rows)
            )
            table = conform(table, schema, name=target.parent.name)
            writer.write_table(table, row_group_size=REPORT_GROUP_ROWS)
            rows += table.num_rows
    return rows
