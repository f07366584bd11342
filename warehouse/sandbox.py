"""A DuckDB connection for users' SQL that can read one snapshot and change nothing.

``newsetl sql`` runs whatever it is given, so its connection is read-only by construction, in
two layers:

1. The statement: exactly one, and a query (``SELECT``, ``WITH``, ``FROM``, ``VALUES``,
   ``DESCRIBE``, ``SHOW``, ``SUMMARIZE``), or an ``EXPLAIN`` of one. ``COPY``, ``ATTACH``,
   ``EXPORT``, ``INSTALL``/``LOAD``, ``SET``, DDL and DML are refused before anything runs.
2. The engine: an in-memory database (no database file is opened at all) whose only reachable
   files are the snapshot's Parquet files (``allowed_paths``), with external access, extension
   auto-loading and community extensions off, and the configuration locked so that no statement
   can turn any of it back on.

DuckDB's ``allowed_paths`` lets a statement write to the files it lists as well as read them
(``COPY ... TO`` a listed file with ``USE_TMP_FILE false`` overwrites it), so the first layer is
the one that keeps snapshot files intact; the second keeps every other file out of reach.
"""

from __future__ import annotations

import re

import duckdb

from warehouse.catalog import create_views
from warehouse.store import Warehouse

# Statements that only read. DESCRIBE, SHOW and SUMMARIZE parse as SELECT.
QUERY_TYPES = frozenset({duckdb.StatementType.SELECT})
# `EXPLAIN [ANALYZE] ...` or `EXPLAIN (options) ...`: the prefix before the explained statement.
EXPLAIN_PREFIX = re.compile(
    r"^\s*explain\s+(?:analy[sz]e\s+|\([^)]*\)\s*)?", re.IGNORECASE | re.DOTALL
)


class QueryRefused(ValueError):
    """A statement that is not one read-only query: nothing was run."""


def read_only_statement(connection: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one read-only statement of ``sql``.

    Raises:
        QueryRefused: ``sql`` holds no statement, several, or one that is not a query.
        duckdb.ParserException: ``sql`` does not parse.
    """
    statements = connection.extract_statements(sql)
    if len(statements) != 1:
        raise QueryRefused(f"newsetl sql runs exactly one statement; this has {len(statements)}")
    statement = statements[0]
    if statement.type == duckdb.StatementType.EXPLAIN:
        # EXPLAIN ANALYZE runs what it explains: that must be a query too.
        explained = EXPLAIN_PREFIX.sub("", statement.query, count=1)
        inner = connection.extract_statements(explained) if explained.strip() else []
        if len(inner) != 1 or inner[0].type not in QUERY_TYPES:
            raise QueryRefused("newsetl sql explains only queries (SELECT ...)")
        return statement.query
    if statement.type not in QUERY_TYPES:
        kind = statement.type.name
        raise QueryRefused(
            f"newsetl sql only reads: {kind} statements are not allowed (a query is one "
            "SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN); to write a "
            "result to a file, use --output FILE.parquet|.csv|.json"
        )
    return statement.query


def connect_read_only(
    warehouse: Warehouse, snapshot_id: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the views of one snapshot that reaches only its files.

    Raises:
        SnapshotNotFound: Nothing published yet, or no such snapshot.
    """
    snapshot = warehouse.snapshot(snapshot_id)
    connection = duckdb.connect(":memory:")
    create_views(connection, snapshot)
    files = [str(path) for table in snapshot.manifest["tables"] for path in snapshot.files(table)]
    connection.execute("SET allowed_paths = $files", {"files": files})
    for setting in (
        "enable_external_access = false",
        "autoinstall_known_extensions = false",
        "autoload_known_extensions = false",
        "allow_community_extensions = false",
        "lock_configuration = true",  # last: from here on no SET can undo the others
    ):
        connection.execute(f"SET {setting}")
    return connection
