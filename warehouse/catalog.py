"""The DuckDB side: views over one snapshot, in memory for commands and in a catalog file for users.

Views name the snapshot's files by absolute path, resolved once from the ``current`` pointer, so a
query never mixes two snapshots however many runs publish while it reads (promise 1 of
RELIABILITY.md), and the catalog file works from any working directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.aggregates import create_report_tables
from warehouse.documents_view import documents_select, parquet_source
from warehouse.schemas import REPORT_TABLES, TABLES
from warehouse.spill import parameter_names
from warehouse.store import Snapshot, Warehouse, WarehouseLocked

SQL_DIR = Path(__file__).parent / "sql"
STAGING_DIR = SQL_DIR / "staging"
VIEWS_DIR = SQL_DIR / "views"
REPORTS_DIR = SQL_DIR / "reports"
# The storage format of the catalog file: DuckDB 1.1 and every later version read it.
CATALOG_STORAGE_VERSION = "v1.1.0"
# A named parameter in report SQL: $from, $to, $publisher, $entity.


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_views(connection: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> None:
    """Create the table views of ``snapshot`` and the SQL views layered on them."""
    # Published before (some of) the report tables existed: they are all built here, in memory,
    # by the queries that publish runs now (slower to open, same answers).
    build_reports = not REPORT_TABLES.keys() <= snapshot.manifest["tables"].keys()
    for table in snapshot.manifest["tables"]:
        if build_reports and table in REPORT_TABLES:
            continue
        paths = snapshot.files(table)
        later = _later_columns(table, paths)
        # Views cannot take parameters; table names come from our manifest, paths are quoted.
        select = (
            documents_select(paths, _files(snapshot, "clusters"), later)
            if table == "documents" and paths
            else f"SELECT {', '.join(['*', *later])} FROM {parquet_source(paths)}"  # noqa: S608
        )
        connection.execute(f"CREATE OR REPLACE VIEW {table} AS {select}")
    for table, schema in TABLES.items():
        if table not in snapshot.manifest["tables"] and table not in REPORT_TABLES:
            # Published before the table existed: an empty table, so the SQL over it still runs.
            connection.from_arrow(schema.empty_table()).create(table)
    if build_reports:
        create_report_tables(connection)
    create_staging_views(connection)
    for sql_file in sorted(VIEWS_DIR.glob("*.sql")):
        connection.execute(sql_file.read_text())


def _files(snapshot: Snapshot, table: str) -> list[Path]:
    """The files of ``table`` in ``snapshot``; none when it was published before the table."""
    return snapshot.files(table) if table in snapshot.manifest["tables"] else []


# DuckDB's names of the Arrow types of columns added to a table after its first release.
_DUCKDB_TYPES = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER"}


def _later_columns(table: str, paths: list[Path]) -> list[str]:
    """A null for each column of a table's files added since these were written.

    A snapshot published before a nullable column existed (``documents.agency``) lacks it; the
    null stands in, so that the SQL over the table runs on older snapshots too.
    """
    schema = TABLES.get(table)
    if schema is None or not paths:
        return []
    present = set(pq.read_schema(paths[0]).names)
    return [
        f"CAST(NULL AS {_DUCKDB_TYPES[field.type]}) AS {field.name}"
        for field in schema
        if field.name not in present and field.nullable and field.type in _DUCKDB_TYPES
    ]


def create_staging_views(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the staging views and macros the reports read, over tables already defined."""
    for sql_file in sorted(STAGING_DIR.glob("*.sql")):
        connection.execute(sql_file.read_text())


def connect(warehouse: Warehouse, snapshot_id: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the views of one snapshot (default: the current one).

    Raises:
        SnapshotNotFound: Nothing published yet, or no such snapshot.
    """
    snapshot = warehouse.snapshot(snapshot_id)
    connection = duckdb.connect(":memory:")
    create_views(connection, snapshot)
    return connection


def write_catalog(warehouse: Warehouse, snapshot: Snapshot) -> Path:
    """Write the catalog file for ``snapshot``: built aside, then swapped in with one rename.

    A DuckDB client that has the old catalog open keeps reading the old snapshot, which stays on
    disk; the next one to open it sees the new snapshot.
    """
    warehouse.storage.step("write_catalog")
    target = warehouse.catalog_path
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    connection = duckdb.connect(":memory:")
    try:
        # The file is written in an older storage format, so that the DuckDB users have (the CLI
        # of the package registries lags the Python package) opens it too.
        connection.execute(
            f"ATTACH {_quote(str(temporary))} AS catalog "
            f"(STORAGE_VERSION {_quote(CATALOG_STORAGE_VERSION)})"
        )
        connection.execute("USE catalog")
        create_views(connection, snapshot)
        # Views take no parameters; the id is quoted, and it is ours (see new_snapshot_id).
        connection.execute(
            f"CREATE OR REPLACE VIEW newsetl_snapshot AS SELECT {_quote(snapshot.snapshot_id)}"
            " AS snapshot_id"
        )
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    warehouse.storage.replace(temporary, target)
    return target


def catalog_snapshot_id(warehouse: Warehouse) -> str | None:
    """The snapshot the catalog file points at, or None if there is no usable catalog."""
    try:
        connection = duckdb.connect(str(warehouse.catalog_path), read_only=True)
    except (duckdb.Error, OSError):
        return None
    try:
        row = connection.execute("SELECT snapshot_id FROM newsetl_snapshot").fetchone()
    except duckdb.Error:
        return None
    finally:
        connection.close()
    return None if row is None else str(row[0])


def repair(warehouse: Warehouse) -> bool:
    """Finish what a run killed after its pointer swap left undone; True if anything was done.

    The pointer is the commit point, so the current snapshot is complete; only derived state can
    lag: the catalog file, and staging leftovers. Needs no lock for the catalog (it is swapped in
    atomically) and skips the leftovers if another run holds the lock.
    """
    current = warehouse.current_snapshot_id()
    repaired = False
    if current is not None and catalog_snapshot_id(warehouse) != current:
        write_catalog(warehouse, warehouse.snapshot(current))
        repaired = True
    if warehouse.has_leftovers():
        try:
            with warehouse.writer_lock("repair"):
                warehouse.remove_leftovers()
                repaired = True
        except WarehouseLocked:
            pass
    return repaired


@dataclass(frozen=True)
class ReportFilters:
    """The filters of a report; None is no filter. Bound as parameters, never put in SQL text."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    publisher: str | None = None
    entity: str | None = None

    def parameters(self) -> dict[str, Any]:
        """The values of the report parameters, by name."""
        return {
            "from": self.date_from,
            "to": self.date_to,
            "publisher": self.publisher,
            "entity": self.entity,
        }

    def describe(self) -> str:
        """The filters in words, for report headings."""
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"published {self.date_from or '…'} to {self.date_to or '…'}")
        if self.publisher:
            parts.append(f"publisher {self.publisher}")
        if self.entity:
            parts.append(f"naming {self.entity}")
        return ", ".join(parts) or "all documents"


@dataclass(frozen=True)
class ReportQuery:
    """One report query: its name, the question it answers and its SQL."""

    name: str
    question: str
    sql: str
    key: str = ""
    """The file's name without its number: ``volume_by_publisher_month``."""

    @property
    def parameter_names(self) -> list[str]:
        """The named parameters the SQL uses, in order of first use."""
        return parameter_names(self.sql)

    def run(
        self, connection: duckdb.DuckDBPyConnection, filters: ReportFilters | None = None
    ) -> tuple[list[str], list[Any]]:
        """Run the report with ``filters`` bound; return column names and rows."""
        values = (filters or ReportFilters()).parameters()
        cursor = connection.execute(self.sql, {name: values[name] for name in self.parameter_names})
        return [d[0] for d in cursor.description or []], cursor.fetchall()


def report_queries() -> list[ReportQuery]:
    """The report queries under ``warehouse/sql/reports``, in file order."""
    queries = []
    for sql_file in sorted(REPORTS_DIR.glob("*.sql")):
        text = sql_file.read_text()
        header = []
        for line in text.splitlines():
            if not line.startswith("--"):
                break  # the header is the comment block at the top; later comments explain SQL
            header.append(line[2:].strip())
        title, _, question = " ".join(header).partition(":")
        question = question.strip()
        question = question[:1].upper() + question[1:]
        key = sql_file.stem.partition("_")[2] or sql_file.stem
        queries.append(ReportQuery(title.strip() or sql_file.stem, question, text, key))
    return queries


@dataclass(frozen=True)
class ReportResult:
    """A report query's answer for one set of filters."""

    query: ReportQuery
    columns: list[str]
    rows: list[Any]


def run_reports(
    connection: duckdb.DuckDBPyConnection,
    filters: ReportFilters | None = None,
    keys: Collection[str] | None = None,
) -> list[ReportResult]:
    """Run every report query, or those whose key is in ``keys``, with ``filters`` bound."""
    results = []
    for report in report_queries():
        if keys is not None and report.key not in keys:
            continue
        columns, rows = report.run(connection, filters)
        results.append(ReportResult(report, columns, rows))
    return results
