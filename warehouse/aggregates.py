"""The report tables: pre-aggregated at publish by DuckDB, so a report reads thousands of rows.

Each table is one query under ``warehouse/sql/aggregates``; a query reads the snapshot's
``documents`` and ``mentions`` and report tables before it in file order, and the ``run_id``
column is added to its rows here. At publish two workers build them (``BUILD_WORKERS``), a table
once those it reads are built (:func:`_build_all`). They are
written into the snapshot being built (so they are swapped in with it, atomically); for a snapshot
published before they existed, :func:`create_report_tables` builds them in memory.

The tables of documents, days and names (``MONTHLY_TABLES``) are kept in one file per month of
publication. A run builds again only the months whose documents or mentions changed
(``report_partitions`` holds each month's fingerprint, which an increment makes from the
files it adds and drops: ``_plan_increment``) and links the other months' files from
the previous snapshot, as they are: their numbers stay valid because documents and days are
numbered within their month, and stories and entities keep the numbers the previous snapshot
gave them (new ones come after). The other tables are small or are about whole stories: they are
built whole every run. docs/design.md, "Report tables", says when everything is built again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse import spill
from warehouse.documents_view import carries_sizes, documents_select, parquet_source
from warehouse.name_counts import COUNTED, register_counts, release_counts
from warehouse.name_counts import QUERIES as COUNT_QUERIES
from warehouse.schemas import ENTITIES, FREQUENT_NAMES, REPORT_TABLES, conform
from warehouse.spill import parameter_names, spilling_connection
from warehouse.storage import Storage

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
AGGREGATES_DIR = Path(__file__).parent / "sql" / "aggregates"
# The documents as syndication counts them (their day and wire agency): a staging view the
# report tables of stories read, defined once for the catalog and the build alike.
WIRE_DOCUMENTS = Path(__file__).parent / "sql" / "staging" / "05_stg_wire_documents.sql"
INCREMENT_PARTITIONS = AGGREGATES_DIR / "increment" / "05_report_partitions.sql"
"""``report_partitions`` from the previous snapshot's and the rows an increment adds and drops."""
# Rows per Parquet row group, and per batch fetched from DuckDB. Small enough that a month of
# document_entities (~370k rows at a million documents) spans a handful of row groups, so a
# date-filtered report skips the rest by their doc_number statistics.
REPORT_GROUP_ROWS = 65_536
# One thread: with many outlets the per-outlet-and-month tables are large sorts, and two threads
# each pinning their sort blocks ran out of the limit where one spills and passes. The memory
# limit bounds the build within the run's budget; DuckDB spills what does not fit.
BUILD_THREADS = 1
BUILD_MEMORY_LIMIT = "256MB"
INCREMENT_PLAN_THREADS = 2
"""Threads of the plan of an increment made from its files: its relations are the size of the
increment, and nothing else runs while it is made. A plan from every row keeps
``BUILD_THREADS``, whose sorts of every story spill where two threads' ran out."""
BUILD_WORKERS = 2
"""Report tables built at once, each by a worker of its own DuckDB (``BUILD_THREADS`` threads,
``BUILD_MEMORY_LIMIT``): one DuckDB of two threads runs out of memory where two of one spill and
pass (above), and a table's writing in Python leaves a worker's core idle that the other uses.
The build's memory is at most this many limits, and their batches."""
STARTED_FIRST = ("other_name_mentions", "name_comentions", "name_mentions", "daily_comentions")
"""The long tables, longest first: of the tables ready, a worker takes those that others wait
for, then these, so that none of them is started last and keeps one worker busy alone."""
RETRY_MEMORY_LIMIT = spill.RETRY_MEMORY_LIMIT
"""A table whose build runs out of ``BUILD_MEMORY_LIMIT`` is built again within this, and then
within twice as much as often as it needs, up to a share of the machine (``spill.retry_limits``).

DuckDB spills sorts and groupings, but not everything it pins: at a million documents a build
that passed on its own failed within a run now and then ("failed to pin block"). A run then
costs more memory for that table rather than failing after all its work. The story columns
(``story_months``, ``story_numbers``) are made within this limit, and more likewise."""
WITHIN_RETRY_LIMIT = frozenset({"story_outlets"})
"""Tables built within ``RETRY_MEMORY_LIMIT`` from the start: their windows over every story
ran out of ``BUILD_MEMORY_LIMIT`` at a million documents, so a first try there is wasted work."""
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
MONTHLY_TABLES: dict[str, str] = {
    "document_facts": "doc_number",
    "publisher_days": "day_number",
    "document_entities": "doc_number",
    "entity_documents": "doc_number",
    "daily_mentions": "day_number",
    "daily_comentions": "day_number",
    "name_months": "month",
    "name_mentions": "month",
    "infrequent_document_entities": "doc_number",
    "name_comentions": "month",
    "other_name_mentions": "month",
}
"""Report tables kept in one file per month, and the column that says a row's month: ``month``,
or a number whose bits above the 32nd are the month's key (``10_document_facts.sql``). Each
query returns its rows month by month."""
STORY_TABLES: dict[str, str] = {
    "story_stats": "first_date",
    "story_outlets": "month",
    "stories": "month",
}
"""Report tables of stories kept in one file per month a story was first seen in (its earliest
copy's), and the column that says it. A story's rows are built again when any of its copies
changes (``report_partitions.story_fingerprint``)."""
STORY_ORDER: dict[str, str] = {
    "story_stats": "coalesce(strftime(first_date, '%Y-%m'), 'undated'), outlets DESC, "
    "copies DESC, cluster_id",
    "story_outlets": "month, cluster_number, outlet_rank",
    "stories": "month, cluster_number",
}
"""The order of each story table's rows, month by month, as its query writes them: an
increment's rows of the stories it touches are put among the others' in it."""
PARTITIONED = MONTHLY_TABLES | STORY_TABLES
BY_STORIES = frozenset({"document_facts", "publisher_days", "name_months"})
"""Monthly tables that read the documents' stories (cluster, canonical); the others are built
again only when a month's documents or mentions change otherwise
(``report_partitions.content_fingerprint``). A story's size is in ``story_stats`` only: a new
copy of an old story changes no month's tables but its own and the story tables'."""
BY_FREQUENT_NAMES = frozenset(
    {"name_mentions", "infrequent_document_entities", "name_comentions", "other_name_mentions"}
)
"""Monthly tables built for every month when the frequent names are not the previous ones."""
SUMMED: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "name_mentions": (
        ("filter_entity_number", "publisher", "month", "entity_number"),
        ("documents", "mentions"),
        "month, filter_entity_number, publisher NULLS LAST, entity_number",
    ),
    "name_comentions": (
        ("filter_entity_number", "month", "country_number", "other_country_number"),
        ("documents",),
        "month, filter_entity_number, country_number, other_country_number",
    ),
    "other_name_mentions": (
        ("filter_entity_number", "publisher", "month", "entity_number"),
        ("documents", "mentions"),
        "month, filter_entity_number, publisher NULLS LAST, entity_number",
    ),
}
"""Monthly tables of counts that a month only given new documents takes as sums: its previous
rows and the counts of the documents added, summed by key (columns, summed columns, and the
order the table's query writes a month's rows in). The counts over the new documents read the
monthly tables of ``ADDED_ROWS`` and whole tables alone; the frequent names must be the
previous ones (``_Build.added_only``)."""
RENUMBERED: dict[str, str] = {"document_entities": "doc_number, entity_number"}
"""Monthly tables of a row per document that a month only given new documents takes as its
previous rows, their documents numbered as now (``document_facts`` before and now, by
``doc_id``), and the new documents' rows (the order its query writes). Their query reads the
monthly tables of ``ADDED_ROWS`` and the mentions added alone."""
ADDED_ROWS: dict[str, str] = {
    "document_facts": "SEMI JOIN added_documents_of_months USING (doc_id)",
    "publisher_days": "SEMI JOIN (SELECT day_number FROM document_facts) USING (day_number)",
    "document_entities": "SEMI JOIN (SELECT doc_number FROM document_facts) USING (doc_number)",
    "entity_documents": "SEMI JOIN (SELECT doc_number FROM document_facts) USING (doc_number)",
}
"""The monthly tables a table of ``SUMMED`` or ``RENUMBERED`` reads, cut to the rows of the
documents added (``added_documents_of_months``), in the order a view reads the one before it."""
FROM_CHANGED_MONTHS = frozenset({"entities"})
"""Whole tables whose query needs only the changed months' documents (and the previous table)."""
UNDATED_KEY = 120_000
"""The month key of undated documents in doc_number and day_number: after year 9999's months."""
PARTITIONS = "report_partitions"
INCREMENT_SHARE = 0.5
"""An increment is planned from the files it adds and drops while the months it may change are
at most this share of the snapshot's; past it, every month's fingerprint is computed whole."""
DOCUMENT_COLUMNS = (
    "doc_id",
    "published_date",
    "publisher",
    "cluster_id",
    "is_canonical",
    "title",
    "date_precision",
    "agency",
    "cluster_size",
)
"""The columns of ``documents`` the report tables read: what an increment's scope keeps."""
MONTH = "coalesce(strftime(published_date, '%Y-%m'), 'undated')"
BUILD_VERSION = "2"
"""Part of every build's digest (``report_partitions.build``): raise it when the numbering or
the layout of the report tables changes, so that the next run builds every month again."""


def month_label(key: int) -> str:
    """The month (``YYYY-MM`` or ``undated``) of a month key (``doc_number >> 32``)."""
    if key == UNDATED_KEY:
        return "undated"
    return f"{key // 12:04d}-{key % 12 + 1:02d}"


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


def query_parameters(query: str, frequent_share: float, build: str = "") -> dict[str, object]:
    """The bound values a report table's query uses, by name (DuckDB refuses unused ones)."""
    values: dict[str, object] = {"frequent_share": frequent_share, "build": build}
    return {name: values[name] for name in parameter_names(query)}


def build_digest(frequent_share: float) -> str:
    """What the monthly rows of a build depend on besides the data: the queries and settings."""
    digest = hashlib.sha256(f"{BUILD_VERSION}\n{frequent_share!r}\n".encode())
    for sql_file in sorted(AGGREGATES_DIR.glob("*.sql")):
        digest.update(sql_file.name.encode() + b"\n" + sql_file.read_bytes())
    digest.update(WIRE_DOCUMENTS.read_bytes())
    return digest.hexdigest()[:16]


_PREVIOUS = {
    "previous_entities": ("entities", ["entity_number", "kind", "entity"]),
    "previous_frequent_names": (
        "frequent_names",
        ["entity_number", "filter_entity_number", "name_bit"],
    ),
}
"""Relations the queries read from the previous snapshot's report tables: numbers to keep.

With ``previous_story_numbers`` (``story_stats``), and ``previous_stories``: each previous
story's number and month, the folder of its ``story_stats`` file."""


def _previous_relations(files: Mapping[str, Sequence[Path]]) -> dict[str, pa.Table]:
    """The previous snapshot's numbers (empty relations for a full build), read once."""
    empty = {"entities": ENTITIES, "frequent_names": FREQUENT_NAMES}
    relations = {}
    for relation, (table, columns) in _PREVIOUS.items():
        paths = files.get(table, ())
        relations[relation] = (
            pa.concat_tables(pq.read_table(path, columns=columns) for path in paths)
            if paths
            else empty[table].empty_table().select(columns)
        )
    columns = ["cluster_id", "cluster_number"]
    schema = REPORT_TABLES["story_stats"].empty_table().select(columns).schema
    schema = schema.append(pa.field("month", pa.string()))
    stories = [schema.empty_table()]
    for month, path in _previous_months(files.get("story_stats", ())).items():
        rows = pq.read_table(path, columns=columns)
        month_column = pa.array([month] * rows.num_rows, pa.string())
        stories.append(rows.append_column("month", month_column).cast(schema))
    relations["previous_stories"] = pa.concat_tables(stories)
    return relations


def _register_previous(
    connection: duckdb.DuckDBPyConnection, relations: Mapping[str, pa.Table]
) -> None:
    """Register ``relations`` (:func:`_previous_relations`, and more) and the stories' numbers."""
    for name, rows in relations.items():
        connection.register(name, rows)
    connection.execute(
        "CREATE OR REPLACE VIEW previous_story_numbers AS "
        "SELECT cluster_id, cluster_number FROM previous_stories"
    )


def _keep(
    connection: duckdb.DuckDBPyConnection, name: str, query: str, folder: Path | None
) -> None:
    """Make relation ``name`` of ``query``: a table in memory, or a Parquet file in ``folder``.

    Read back as a view, the file takes none of the build's memory limit, which its sorts need.
    Names and queries are ours; the path is the run's staging folder, quoted.
    """
    if folder is None:
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")
        return
    path = str(folder / f"{name}.parquet").replace("'", "''")
    connection.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
    connection.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")  # noqa: S608


def _story_numbers(
    connection: duckdb.DuckDBPyConnection, documents: str, folder: Path | None = None
) -> None:
    """``story_numbers``: every story's number, the previous snapshot's, new ones after them."""
    # The source is one of our relation names, never input.
    _keep(
        connection,
        "story_numbers",
        f"""
        WITH added AS (
            SELECT DISTINCT cluster_id FROM {documents}
            EXCEPT
            SELECT cluster_id FROM previous_story_numbers
        )
        SELECT cluster_id, cluster_number FROM previous_story_numbers
        UNION ALL
        SELECT
            cluster_id,
            CAST(
                (SELECT coalesce(max(cluster_number), 0) FROM previous_story_numbers)
                + row_number() OVER (ORDER BY cluster_id) AS INTEGER
            )
        FROM added
        """,  # noqa: S608
        folder,
    )


def _story_columns(
    connection: duckdb.DuckDBPyConnection,
    make: Callable[[duckdb.DuckDBPyConnection, str, Path | None], None],
    folder: Path | None,
    documents: str = "all_documents",
) -> None:
    """``make`` the story relation over ``documents`` within ``RETRY_MEMORY_LIMIT``, or more."""

    def attempt(limit: str) -> None:
        connection.execute(f"SET memory_limit = '{limit}'")
        make(connection, documents, folder)

    spill.with_more_memory(
        attempt,
        spill.retry_limits(RETRY_MEMORY_LIMIT),
        f"{make.__name__.strip('_')} ran out of {{limit}}; made again within {{next}}",
    )


def _story_months(
    connection: duckdb.DuckDBPyConnection, documents: str, folder: Path | None = None
) -> None:
    """``story_months``: each story's month (its earliest copy's) and a fingerprint of its copies.

    The columns hashed are those the story tables read; each row's hash is hashed again, as in
    ``05_report_partitions.sql`` (an exclusive or of DuckDB's plain hashes of several values
    lets a value changed the same way in an even number of rows cancel out).
    """
    # The source is one of our relation names, never input.
    _keep(
        connection,
        "story_months",
        f"""
        SELECT
            cluster_id,
            coalesce(strftime(min(published_date), '%Y-%m'), 'undated') AS month,
            bit_xor(hash(hash(
                doc_id, publisher, is_canonical, title, published_date, date_precision, agency,
                cluster_size
            ))) AS fingerprint
        FROM {documents}
        GROUP BY cluster_id
        """,  # noqa: S608
        folder,
    )


@dataclass(frozen=True)
class _Inputs:
    """A snapshot's files of the tables the report tables are built from."""

    documents: Sequence[Path]
    mentions: Sequence[Path]
    clusters: Sequence[Path]

    @classmethod
    def of_snapshot(cls, files: Mapping[str, Sequence[Path]]) -> _Inputs | None:
        """A snapshot's, from its files by table; None if it lacks some."""
        found = cls(
            *(sorted(files.get(name, ())) for name in ("documents", "mentions", "clusters"))
        )
        return found if found.complete() else None

    def complete(self) -> bool:
        """Whether there are files of each, and the stories' sizes are in ``clusters``."""
        return bool(self.documents and self.mentions and self.clusters) and not carries_sizes(
            self.documents
        )


def _changed(current: Sequence[Path], previous: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The files of ``current`` that ``previous`` has not, and those it has no more.

    A carried file is the previous snapshot's own (a hard link); published files never change.
    """

    def by_identity(paths: Sequence[Path]) -> dict[tuple[int, int], Path]:
        return {(stat.st_dev, stat.st_ino): path for path in paths for stat in [path.stat()]}

    now, before = by_identity(current), by_identity(previous)
    return (
        [path for key, path in now.items() if key not in before],
        [path for key, path in before.items() if key not in now],
    )


def _months_in(files: Sequence[Path], months: Sequence[str]) -> list[Path]:
    """The document files that may hold documents of ``months``, by their date statistics."""
    dated = [month for month in months if month != "undated"]

    def may_hold(group: pq.RowGroupMetaData, column: int) -> bool:
        stats = group.column(column).statistics
        if stats is None or not stats.has_null_count:
            return True
        if stats.null_count and "undated" in months:
            return True
        if not stats.has_min_max:
            return stats.null_count < group.num_rows
        low, high = f"{stats.min:%Y-%m}", f"{stats.max:%Y-%m}"
        return any(low <= month <= high for month in dated)

    chosen = []
    for path in files:
        metadata = pq.ParquetFile(path).metadata
        column = metadata.schema.names.index("published_date")
        if any(may_hold(metadata.row_group(g), column) for g in range(metadata.num_row_groups)):
            chosen.append(path)
    return chosen


def _increment(state: _Build, current: _Inputs) -> list[str] | None:
    """Plan the build from the files an increment adds and drops, when it can be."""
    previous = _Inputs.of_snapshot(state.previous_inputs) if state.previous else None
    if previous is None or not current.complete():
        LOGGER.debug("report tables planned from every row: no previous inputs to compare")
        return None
    connection = state.connection
    connection.register(
        "previous_partitions",
        pa.concat_tables(pq.read_table(path) for path in state.previous[PARTITIONS]),
    )
    connection.execute(f"SET threads = {INCREMENT_PLAN_THREADS}")
    planned = _plan_increment(state, current, previous)
    if planned is None:
        connection.execute(f"SET threads = {BUILD_THREADS}")
    return planned


def _plan_increment(state: _Build, current: _Inputs, previous: _Inputs) -> list[str] | None:
    """Relations of the rows an increment adds and drops; return the story months it touches.

    ``changed_documents`` and ``changed_mentions``: the rows of the files added (``added``) and
    dropped, with each document's month (``mentioned_months`` for the documents of mentions
    that are carried); ``added_documents``; the stories whose copies or size changed, their
    months in either snapshot (``story_increment``), and all the stories of those months:
    ``story_months`` and their copies, ``story_documents``. None: a mention carried belongs to
    a document that came, went or changed month, which the partitions' exclusive or would
    miss; or the stories' months are more than ``INCREMENT_SHARE`` of the snapshot's.
    """
    connection = state.connection
    columns = ", ".join(DOCUMENT_COLUMNS[:-1])
    added, dropped = _changed(current.documents, previous.documents)
    # Table names are ours; sources our own quoted paths.
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE changed_documents AS "  # noqa: S608
        f"SELECT {columns}, {MONTH} AS month, true AS added "
        f"FROM {parquet_source(current.documents[:1])} LIMIT 0"
    )
    for files, side in ((added, "true"), (dropped, "false")):
        if files:
            connection.execute(
                f"INSERT INTO changed_documents SELECT {columns}, {MONTH}, {side} "  # noqa: S608
                f"FROM {parquet_source(files)}"
            )
    connection.execute(
        "CREATE OR REPLACE VIEW added_documents AS "
        "SELECT doc_id, cluster_id FROM changed_documents WHERE added"
    )
    added_mentions, dropped_mentions = _changed(current.mentions, previous.mentions)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE changed_mentions AS "  # noqa: S608
        "SELECT doc_id, kind, entity, mentions, true AS added "
        f"FROM {parquet_source(current.mentions[:1])} LIMIT 0"
    )
    for files, side in ((added_mentions, "true"), (dropped_mentions, "false")):
        if files:
            connection.execute(
                "INSERT INTO changed_mentions "  # noqa: S608
                f"SELECT doc_id, kind, entity, mentions, {side} FROM {parquet_source(files)}"
            )
    # Over the files added, as their rows in changed_mentions are: a view over files alone is
    # made again in each worker (_planned_relations), where those rows may be every mention.
    source = parquet_source(added_mentions) if added_mentions else "changed_mentions"
    connection.execute(
        f"CREATE OR REPLACE VIEW added_mentions AS SELECT doc_id, kind, entity, mentions "  # noqa: S608
        f"FROM {source}" + ("" if added_mentions else " WHERE added")
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE moved AS SELECT doc_id FROM changed_documents "
        "GROUP BY doc_id HAVING max(month) FILTER (WHERE added) "
        "IS DISTINCT FROM max(month) FILTER (WHERE NOT added)"
    )
    carried = [path for path in current.mentions if path not in set(added_mentions)]
    if carried and _count(connection, "moved"):
        [(stray,)] = connection.execute(
            f"SELECT count(*) FROM {parquet_source(carried)} SEMI JOIN moved USING (doc_id)"  # noqa: S608
        ).fetchall()
        if stray:
            LOGGER.debug(
                "report tables planned from every row: %d carried mentions of documents "
                "that came, went or changed month",
                stray,
            )
            return None
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE mentioned_months (doc_id VARCHAR, month VARCHAR)"
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE mentioned AS SELECT DISTINCT doc_id FROM changed_mentions "
        "EXCEPT SELECT doc_id FROM changed_documents"
    )
    if _count(connection, "mentioned"):
        connection.execute(
            f"INSERT INTO mentioned_months SELECT doc_id, {MONTH} "  # noqa: S608
            f"FROM {parquet_source(current.documents)} SEMI JOIN mentioned USING (doc_id)"
        )
    _added_documents_of_months(connection)
    return _plan_stories(state, current, previous)


def _added_documents_of_months(connection: duckdb.DuckDBPyConnection) -> None:
    """``added_documents_of_months``: the new documents of the months that only gained some.

    A month only gains documents when every earlier document of it is still there with the
    same date, outlet and mentions: rows dropped and added again as they were (a file written
    again because a story's canonical copy or size changed) are no change to it. A document
    is new when no row of it was dropped.
    """
    content = "doc_id, published_date, publisher, month"
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE new_documents AS SELECT doc_id FROM changed_documents "
        "WHERE added EXCEPT SELECT doc_id FROM changed_documents WHERE NOT added"
    )
    # The changes of content of earlier documents, each side less the other.
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE changed_months AS "  # noqa: S608
        f"SELECT month FROM (SELECT {content} FROM changed_documents WHERE NOT added "
        f"EXCEPT ALL SELECT {content} FROM changed_documents WHERE added) "
        f"UNION SELECT month FROM (SELECT {content} FROM changed_documents WHERE added "
        f"EXCEPT ALL SELECT {content} FROM changed_documents WHERE NOT added) "
        "ANTI JOIN new_documents USING (doc_id)"
    )
    mention = "doc_id, kind, entity, mentions"
    connection.execute(
        "INSERT INTO changed_months SELECT month FROM ("  # noqa: S608
        f"(SELECT {mention} FROM changed_mentions WHERE NOT added "
        f"EXCEPT ALL SELECT {mention} FROM changed_mentions WHERE added) "
        f"UNION ALL (SELECT {mention} FROM changed_mentions WHERE added "
        f"EXCEPT ALL SELECT {mention} FROM changed_mentions WHERE NOT added)) AS m "
        "ANTI JOIN new_documents USING (doc_id) "
        "JOIN (SELECT doc_id, month FROM changed_documents "
        "UNION SELECT doc_id, month FROM mentioned_months) USING (doc_id)"
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE added_documents_of_months AS "
        "SELECT doc_id, month FROM changed_documents SEMI JOIN new_documents USING (doc_id) "
        "WHERE added AND month NOT IN (SELECT month FROM changed_months)"
    )


def _month_documents(
    state: _Build, documents: Sequence[Path], clusters: Sequence[Path], folder: Path
) -> None:
    """``month_documents``: the documents of the months an increment builds, from their files."""
    files = _months_in(documents, state.increment or [])
    source = documents_select(files, clusters) if files else "SELECT * FROM all_documents LIMIT 0"
    state.connection.execute("CREATE OR REPLACE TEMP TABLE increment_months (month VARCHAR)")
    if state.increment:
        state.connection.executemany(
            "INSERT INTO increment_months VALUES (?)", [[m] for m in state.increment]
        )
    _keep(
        state.connection,
        "month_documents",
        f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM ({source}) "  # noqa: S608
        f"WHERE {MONTH} IN (SELECT month FROM increment_months)",
        folder,
    )


def _count(connection: duckdb.DuckDBPyConnection, relation: str) -> int:
    [(rows,)] = connection.execute(f"SELECT count(*) FROM {relation}").fetchall()  # noqa: S608
    return int(rows)


def _too_many_months(connection: duckdb.DuckDBPyConnection, most: float) -> bool:
    """Whether the story months an increment touches are more than ``most``."""
    touched = _count(connection, "story_increment")
    if touched > most:
        LOGGER.debug("report tables planned from every row: %d story months touched", touched)
    return touched > most


def _plan_stories(state: _Build, current: _Inputs, previous: _Inputs) -> list[str] | None:
    """The stories an increment touches, their months, and those months' stories and copies."""
    connection = state.connection
    story_columns = ", ".join(DOCUMENT_COLUMNS[:-1])
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE touched_stories AS "  # noqa: S608
        f"SELECT cluster_id FROM ((SELECT {story_columns} FROM changed_documents WHERE added "
        f"EXCEPT ALL SELECT {story_columns} FROM changed_documents WHERE NOT added) "
        f"UNION ALL (SELECT {story_columns} FROM changed_documents WHERE NOT added "
        f"EXCEPT ALL SELECT {story_columns} FROM changed_documents WHERE added))"
    )
    added, dropped = _changed(current.clusters, previous.clusters)
    sizes = [
        f"SELECT cluster_id, size FROM {parquet_source(files or current.clusters[:1])}"  # noqa: S608
        + ("" if files else " LIMIT 0")
        for files in (added, dropped)
    ]
    connection.execute(
        "INSERT INTO touched_stories "  # noqa: S608
        f"SELECT cluster_id FROM (({sizes[0]}) EXCEPT ({sizes[1]})) "
        f"UNION ALL SELECT cluster_id FROM (({sizes[1]}) EXCEPT ({sizes[0]}))"
    )
    connection.execute("CREATE OR REPLACE TEMP TABLE story_increment (month VARCHAR)")
    # Where the stories were first seen, and where the rows added say they are now (all there is
    # for a new story's copies); and the new months, which have no other stories.
    connection.execute(
        "INSERT INTO story_increment SELECT month FROM previous_stories "  # noqa: S608
        "SEMI JOIN touched_stories USING (cluster_id) UNION SELECT month FROM ("
        f"SELECT {MONTH.replace('published_date', 'min(published_date)')} AS month "
        "FROM changed_documents SEMI JOIN touched_stories USING (cluster_id) "
        "WHERE added GROUP BY cluster_id) "
        "UNION SELECT month FROM changed_documents WHERE added "
        "AND month NOT IN (SELECT month FROM previous_partitions)"
    )
    most = INCREMENT_SHARE * max(_count(connection, "previous_partitions"), 1)
    if _too_many_months(connection, most):
        return None
    columns = ", ".join(DOCUMENT_COLUMNS)
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE story_documents AS SELECT {columns} "  # noqa: S608
        "FROM all_documents LIMIT 0"
    )
    wanted = "SELECT cluster_id FROM touched_stories UNION "
    while True:
        # The copies of the stories touched and of all the stories of their months; again for
        # the stories of a month a touched story moved to.
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE wanted_stories AS {wanted}"  # noqa: S608
            "SELECT cluster_id FROM previous_stories WHERE month IN "
            "(SELECT month FROM story_increment) "
            "EXCEPT SELECT DISTINCT cluster_id FROM story_documents"
        )
        if _count(connection, "wanted_stories"):
            connection.execute(
                f"INSERT INTO story_documents SELECT {columns} FROM all_documents "  # noqa: S608
                "SEMI JOIN wanted_stories USING (cluster_id)"
            )
        wanted = ""
        first_seen = MONTH.replace("published_date", "min(published_date)")
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE moved_months AS "  # noqa: S608
            f"SELECT DISTINCT {first_seen} AS month FROM story_documents "
            "SEMI JOIN touched_stories USING (cluster_id) GROUP BY cluster_id "
            "EXCEPT SELECT month FROM story_increment"
        )
        if not _count(connection, "moved_months"):
            break
        connection.execute("INSERT INTO story_increment SELECT month FROM moved_months")
        if _too_many_months(connection, most):
            return None
    months = [row[0] for row in connection.execute("SELECT month FROM story_increment").fetchall()]
    _story_months(connection, "story_documents")
    return months


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
    _register_previous(connection, _previous_relations({}))
    _story_numbers(connection, "documents")
    _story_months(connection, "documents")
    build = build_digest(frequent_share)
    for name, query in report_table_queries():
        counts = register_counts(connection, name)
        # Table names come from our own files (checked against REPORT_TABLES), never from input.
        connection.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT *, $run_id AS run_id FROM ({query})",  # noqa: S608
            {"run_id": run_id} | query_parameters(query, frequent_share, build),
        )
        release_counts(connection, counts)
    connection.execute("DROP VIEW previous_story_numbers")
    for relation in [*_PREVIOUS, "previous_stories"]:
        connection.unregister(relation)


@dataclass
class _Build:
    """The state of one publish's build: which months are built, which files each table has.

    Its tables are built by workers at once, each in a connection of its own: a worker's
    ``_Build`` is :meth:`on` that connection, and shares with the others the files written
    (``files``, ``tables``), which it reads and writes holding ``lock``.
    """

    connection: duckdb.DuckDBPyConnection
    storage: Storage
    build: Path
    run_id: str
    compression: str
    previous: Mapping[str, Sequence[Path]]
    previous_inputs: Mapping[str, Sequence[Path]] = field(default_factory=dict)
    """The previous snapshot's files of ``documents``, ``mentions`` and ``clusters``."""
    months: list[str] = field(default_factory=list)
    """Every month of the snapshot."""
    changed: list[str] = field(default_factory=list)
    """The months built again (all of them in a full build)."""
    content_changed: list[str] = field(default_factory=list)
    """The months whose documents or mentions changed but for their stories."""
    stories_changed: list[str] = field(default_factory=list)
    """The months whose stories are built again."""
    frequent_changed: bool = True
    files: dict[str, dict[str, Path]] = field(default_factory=dict)
    """Per monthly table built so far: each month's file (new or carried)."""
    tables: dict[str, Path] = field(default_factory=dict)
    """Per whole table built so far: its file."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    larger: threading.Lock = field(default_factory=threading.Lock)
    """Held by the worker building a table within more than ``BUILD_MEMORY_LIMIT``: two such
    builds at once would hold two of the larger limits."""
    stories_increment: list[str] | None = None
    """The story months an increment touches (``_plan_increment``), whose stories and copies
    are at hand (``story_months``, ``story_documents``). None: the build is not an increment's,
    and every story is."""
    increment: list[str] | None = None
    """The months of ``month_documents``, built once the months to build are known."""
    added_only: list[str] = field(default_factory=list)
    """Months an increment only added documents to, planned from its files: none dropped, none
    given another date or outlet, no mention of an earlier document added or dropped (their
    stories may change). ``added_documents_of_months`` has the new ones. Their tables of
    ``SUMMED`` and ``RENUMBERED`` are made from their previous rows and the new documents'."""
    summed: set[str] = field(default_factory=set)
    """Months of ``added_only`` some table of ``SUMMED`` or ``RENUMBERED`` was made in from its
    previous rows (the log's count)."""

    def on(self, connection: duckdb.DuckDBPyConnection) -> _Build:
        """This build as a worker sees it: its queries run in ``connection``.

        The plan is copied as it stands; the files written are shared.
        """
        return dataclasses.replace(self, connection=connection)

    def built(self, name: str, files: Mapping[str, Path] | Path) -> None:
        """Record table ``name``'s files: by month (a monthly table), or its one file."""
        with self.lock:
            if isinstance(files, Path):
                self.tables[name] = files
            else:
                self.files[name] = dict(files)

    def scope(
        self,
        months: Sequence[str] | None,
        *,
        by_story: bool = False,
        mentions: str = "all_mentions",
        stories: str | None = None,
        added: bool = False,
    ) -> None:
        """Point ``documents``, ``mentions`` and the monthly tables at ``months`` (None: all).

        ``by_story``: the documents of the stories first seen in ``months`` (story_months).
        ``mentions``: where the mentions of those documents are (the added ones, for entities).
        ``stories``: a relation of ``cluster_id``: the documents and the story tables' rows of
        those stories only (with ``by_story``).
        ``added``: the tables of ``ADDED_ROWS`` cut to the documents the increment added.
        """
        connection = self.connection
        if months is not None and list(months) == self.months:
            months = None  # every month: no filter to apply
        within = f" SEMI JOIN {stories} AS t ON t.cluster_id = d.cluster_id" if stories else ""
        if months is None:
            connection.execute(
                f"CREATE OR REPLACE VIEW documents AS SELECT d.* FROM all_documents AS d{within}"  # noqa: S608
            )
            connection.execute("CREATE OR REPLACE VIEW mentions AS SELECT * FROM all_mentions")
        else:
            documents = "all_documents"
            at_hand = self.stories_increment if by_story else self.increment
            if self.stories_increment is not None:
                if at_hand is None or not set(months) <= set(at_hand):
                    raise ValueError(f"months {months} outside the increment's {at_hand}")
                documents = "story_documents" if by_story else "month_documents"
            connection.execute("CREATE OR REPLACE TEMP TABLE scope_months (month VARCHAR)")
            if months:
                connection.executemany("INSERT INTO scope_months VALUES (?)", [[m] for m in months])
            # Relation names are ours.
            connection.execute(
                f"CREATE OR REPLACE VIEW documents AS SELECT d.* FROM {documents} AS d "  # noqa: S608
                "SEMI JOIN story_months AS s ON s.cluster_id = d.cluster_id "
                f"AND s.month IN (SELECT month FROM scope_months){within}"
                if by_story
                else f"CREATE OR REPLACE VIEW documents AS SELECT * FROM {documents} "  # noqa: S608
                f"WHERE {MONTH} IN (SELECT month FROM scope_months)"
            )
            connection.execute(
                f"CREATE OR REPLACE VIEW mentions AS SELECT m.* FROM {mentions} AS m "  # noqa: S608
                "SEMI JOIN documents AS d USING (doc_id)"
            )
        with self.lock:
            tables = dict(self.tables)
            monthly = {name: dict(by_month) for name, by_month in self.files.items()}
        for name, path in tables.items():
            _view(connection, name, [path])
        # A cut view reads the one before it in ADDED_ROWS: made after it.
        cuts = list(ADDED_ROWS)
        for name, by_month in sorted(
            monthly.items(), key=lambda item: cuts.index(item[0]) if item[0] in cuts else len(cuts)
        ):
            chosen = [path for month, path in by_month.items() if months is None or month in months]
            _view(
                connection,
                name,
                chosen,
                REPORT_TABLES[name],
                within=stories if by_story and name in STORY_TABLES else None,
                where=ADDED_ROWS.get(name) if added else None,
            )

    def summable(self, name: str, months: Sequence[str]) -> list[str]:
        """The months of ``months`` whose rows of table ``name`` are summed, not built again.

        Those of ``added_only`` for a table of ``RENUMBERED``, or of ``SUMMED`` while the
        frequent names (whose bits and set the counts are made with) are the previous
        snapshot's.
        """
        if name not in RENUMBERED and (name not in SUMMED or self.frequent_changed):
            return []
        return [month for month in months if month in self.added_only]

    def touched_stories_only(self, name: str) -> bool:
        """Whether story table ``name`` is built for the stories an increment touched alone.

        So it is when the increment was planned from its files (``touched_stories``) and the
        previous snapshot has the table: the other stories' rows of the months built are
        carried from its files (:func:`_with_touched_stories`).
        """
        return self.stories_increment is not None and bool(
            _previous_months(self.previous.get(name, ()))
        )


def write_report_tables(
    storage: Storage,
    build: Path,
    run_id: str,
    documents: Sequence[Path],
    mentions: Sequence[Path],
    spill_dir: Path,
    compression: str,
    frequent_share: float = FREQUENT_ENTITY_SHARE,
    previous: Mapping[str, Sequence[Path]] | None = None,
    clusters: Sequence[Path] = (),
    previous_inputs: Mapping[str, Sequence[Path]] | None = None,
) -> dict[str, int]:
    """Write the report tables of a snapshot being built; return their row counts.

    Args:
        storage: Through which the files are written.
        build: The snapshot's build folder; a whole table goes to
            ``<table>/part-<run_id>.parquet``, a monthly one to
            ``<table>/month=<month>/part-<run_id>.parquet`` for each month it builds.
        run_id: The publishing run, stamped on every row it writes.
        documents: The snapshot's document files.
        mentions: The snapshot's mention files.
        spill_dir: Where DuckDB spills past its memory limit (the run's staging folder).
        compression: Parquet compression, the store's.
        frequent_share: See FREQUENT_ENTITY_SHARE.
        previous: The previous snapshot's report table files, by table: the months whose
            inputs did not change are linked from them. None (or files of another build, or of
            a layout before months): every month is built.
        clusters: The snapshot's cluster files, whose sizes the documents are read with
            (``documents_view``); not needed for document files that carry them.
        previous_inputs: The previous snapshot's files of ``documents``, ``mentions`` and
            ``clusters``: an increment's months are planned from the files added and dropped
            since. None: from every row.
    """
    digest = build_digest(frequent_share)
    inputs = _Inputs(documents, mentions, clusters)
    connection = _connection(storage, inputs, spill_dir / "report-planning")
    state = _Build(connection, storage, build, run_id, compression, {}, previous_inputs or {})
    queries = report_table_queries()
    try:
        state.previous = _usable(previous or {}, digest)
        relations = _previous_relations(state.previous)
        _register_previous(connection, relations)
        state.scope(None)
        rows = {PARTITIONS: _plan(state, inputs, dict(queries)[PARTITIONS], digest, spill_dir)}
        planned, statements = _planned_relations(
            connection,
            _PLANNED if state.stories_increment is None else _PLANNED + _PLANNED_INCREMENT,
        )
        relations |= planned
    finally:
        connection.close()
    workers = []
    try:
        for number in range(BUILD_WORKERS):
            workers.append(_connection(storage, inputs, spill_dir / f"report-worker-{number}"))
            _register_previous(workers[-1], relations)
            for statement in statements:
                workers[-1].execute(statement)
        rows |= _build_all(
            state, [(n, q) for n, q in queries if n != PARTITIONS], frequent_share, digest, workers
        )
    finally:
        for worker in workers:
            worker.close()
    LOGGER.info(
        "report tables: %d of %d months built (%d of them for more than their stories, "
        "%d by sums of the documents added; stories: %d), the others carried%s%s",
        len(state.changed),
        len(state.months),
        len(state.content_changed),
        len(state.summed),
        len(state.stories_changed),
        "; the frequent names changed" if state.frequent_changed and state.previous else "",
        "; planned from the files added and dropped" if state.stories_increment is not None else "",
    )
    return rows


_PLANNED = ("story_numbers", "story_months")
"""Relations the plan makes that the tables' builds read (``_plan``)."""
_PLANNED_INCREMENT = (
    "month_documents",
    "story_documents",
    "touched_stories",
    "added_mentions",
    "added_documents_of_months",
)
"""And those they read when the plan is an increment's, made from its files alone.

An increment planned from every row made some of them too (``added_mentions`` may be every
mention then): not handed over, as nothing reads them."""
_READS = re.compile(r"\b(?:FROM|JOIN)\s+([a-z_]+)", re.IGNORECASE)


def _connection(storage: Storage, inputs: _Inputs, spill_dir: Path) -> duckdb.DuckDBPyConnection:
    """A connection of the build, spilling into ``spill_dir``, with the snapshot's inputs."""
    storage.make_dir(spill_dir)
    connection = spilling_connection(spill_dir, BUILD_MEMORY_LIMIT)
    connection.execute(f"SET threads = {BUILD_THREADS}")
    connection.execute(
        "CREATE OR REPLACE VIEW all_documents AS "
        + documents_select(inputs.documents, inputs.clusters)
    )
    _view(connection, "all_mentions", inputs.mentions)
    connection.execute("CREATE OR REPLACE VIEW documents AS SELECT * FROM all_documents")
    connection.execute(WIRE_DOCUMENTS.read_text())
    return connection


def _planned_relations(
    connection: duckdb.DuckDBPyConnection, names: Sequence[str]
) -> tuple[dict[str, pa.Table], list[str]]:
    """The relations of ``names`` the plan made, for every worker to make again.

    A view over files only (``_keep``'s) as the statement that makes it, which reads them
    again; a table (and a view over one) as its rows in Arrow, registered in each worker.
    """
    views = dict(
        connection.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    )
    tables = {
        name for (name,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }
    statements = []
    rows = {}
    for name in names:
        if name in views and _over_files(views[name]):
            statements.append(views[name])
        elif name in views or name in tables:
            # The names are ours.
            rows[name] = connection.sql(f"SELECT * FROM {name}").to_arrow_table()  # noqa: S608
    return rows, statements


def _over_files(view: str) -> bool:
    """Whether a view's statement reads Parquet files and no relation."""
    reads = {name.lower() for name in _READS.findall(view)}
    return "read_parquet" in view and reads <= {"read_parquet"}


def _dependencies(queries: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
    """The report tables each table's query reads (its counts' queries too): built before it.

    Tables of ``BY_FREQUENT_NAMES`` wait for ``frequent_names`` besides: which of their months
    are built depends on it.

    Raises:
        ValueError: A query reads a table built after it in file order.
    """
    order = [name for name, _ in queries]
    needs = {}
    for place, (name, query) in enumerate(queries):
        texts = [query]
        if name in COUNTED:
            texts += [path.read_text() for path in sorted(COUNT_QUERIES.glob("*.sql"))]
        code = "\n".join(
            line
            for text in texts
            for line in text.splitlines()
            if not line.lstrip().startswith("--")
        )
        read = {table for table in _READS.findall(code) if table in REPORT_TABLES} - {PARTITIONS}
        if name in BY_FREQUENT_NAMES:
            read.add("frequent_names")
        later = read - set(order[:place])
        if later:
            raise ValueError(f"report table {name} reads {sorted(later)}, built after it")
        needs[name] = read
    return needs


def _build_all(
    state: _Build,
    queries: Sequence[tuple[str, str]],
    frequent_share: float,
    digest: str,
    connections: Sequence[duckdb.DuckDBPyConnection],
) -> dict[str, int]:
    """Build the tables of ``queries``, each once those it reads are, by a worker per connection.

    A worker takes the next table ready as soon as it is done with one: of those ready, the one
    with the longest chain of tables waiting for it, then ``STARTED_FIRST``, then in file
    order. A table that fails stops the build: no table is started after it, the
    others running are finished, and its error is raised.
    """
    needs = _dependencies(queries)
    waiting = dict(queries)
    chain: dict[str, int] = {}
    for name, _ in reversed(queries):
        chain[name] = max((1 + chain[n] for n in needs if name in needs[n]), default=0)
    first = {name: place for place, name in enumerate(STARTED_FIRST)}
    order = {
        name: (-chain[name], first.get(name, len(first)), place)
        for place, (name, _) in enumerate(queries)
    }
    idle: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
    for connection in connections:
        idle.put(connection)

    def build(name: str, query: str) -> int:
        connection = idle.get()
        try:
            parameters = query_parameters(query, frequent_share, digest)
            return _build_report_table(state.on(connection), name, query, parameters)
        finally:
            idle.put(connection)

    rows: dict[str, int] = {}
    running: dict[Future[int], str] = {}
    with ThreadPoolExecutor(len(connections), thread_name_prefix="report-table") as pool:
        while waiting or running:
            ready = sorted((n for n in waiting if needs[n] <= rows.keys()), key=order.__getitem__)
            for name in ready[: len(connections) - len(running)]:
                running[pool.submit(build, name, waiting.pop(name))] = name
            if not running:
                raise ValueError(f"report tables {sorted(waiting)} wait for each other")
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                rows[name] = future.result()
                if name == "frequent_names":
                    state.frequent_changed = _frequent_changed(state)
    return {name: rows[name] for name, _ in queries}


def _build_report_table(state: _Build, name: str, query: str, parameters: dict[str, object]) -> int:
    """Build report table ``name`` in ``state``'s connection, its months chosen; return its rows."""
    started = time.perf_counter()
    if name in STORY_TABLES:
        touched = state.touched_stories_only(name)
        state.scope(
            state.stories_changed,
            by_story=True,
            stories="touched_stories" if touched else None,
        )
        built = _with_touched_stories(state, name, query) if touched else query
        rows = _build_monthly(state, name, built, parameters, state.stories_changed)
    elif name in MONTHLY_TABLES:
        months = state.changed if name in BY_STORIES else state.content_changed
        if name in BY_FREQUENT_NAMES and state.frequent_changed:
            months = state.months
        summed = state.summable(name, months)
        state.scope([month for month in months if month not in summed])
        rows = _build_monthly(state, name, query, parameters, months, summed)
    elif name in FROM_CHANGED_MONTHS:
        # Entities the previous snapshot numbered are in its table: only the mentions
        # added can name others.
        added = state.stories_increment is not None
        state.scope(state.changed, mentions="added_mentions" if added else "all_mentions")
        rows = _build_table(state, name, query, parameters)
    else:
        state.scope(None)
        rows = _build_table(state, name, query, parameters)
    LOGGER.debug("report table %s: %d rows, %.1f s", name, rows, time.perf_counter() - started)
    return rows


def _plan(state: _Build, current: _Inputs, partitions_query: str, digest: str, folder: Path) -> int:
    """Write ``report_partitions``, choose the months to build and number the stories.

    From the rows an increment adds and drops when it can be (``_increment``), else from every
    document and mention. Return the partitions' rows.
    """
    connection = state.connection
    state.stories_increment = _increment(state, current)
    if state.stories_increment is None:
        # Per story, once: within the retry's limit rather than built twice.
        _story_columns(connection, _story_months, folder)
    else:
        partitions_query = INCREMENT_PARTITIONS.read_text()
    rows = _build_table(
        state, PARTITIONS, partitions_query, query_parameters(partitions_query, 0.0, digest)
    )
    _plan_months(state)
    if state.stories_increment is not None:
        state.increment = sorted({*state.changed, *state.content_changed})
        added = connection.execute("SELECT DISTINCT month FROM added_documents_of_months")
        months_added = {month for (month,) in added.fetchall()}
        state.added_only = [month for month in state.content_changed if month in months_added]
        _month_documents(state, current.documents, current.clusters, folder)
    _story_columns(
        connection,
        _story_numbers,
        folder,
        "all_documents" if state.stories_increment is None else "added_documents",
    )
    return rows


def _usable(previous: Mapping[str, Sequence[Path]], digest: str) -> Mapping[str, Sequence[Path]]:
    """``previous`` if its monthly files were built as this build builds them; else nothing."""
    if not previous.get(PARTITIONS) or not all(previous.get(name) for name in PARTITIONED):
        return {}
    builds = pa.concat_tables(
        pq.read_table(path, columns=["build"]) for path in previous[PARTITIONS]
    )
    if set(builds.column("build").to_pylist()) != {digest}:
        return {}
    return previous


def _plan_months(state: _Build) -> None:
    """The snapshot's months, and those to build: whose documents, mentions or stories changed."""
    documents = ["month", "documents", "fingerprint"]
    contents = ["month", "documents", "content_fingerprint"]
    stories = ["month", "stories", "story_fingerprint"]
    current = pq.read_table(state.build / PARTITIONS / f"part-{state.run_id}.parquet")
    before = (
        pa.concat_tables(pq.read_table(path) for path in state.previous[PARTITIONS])
        if state.previous
        else current.schema.empty_table()
    )

    def differing(columns: list[str]) -> list[str]:
        known = set(zip(*(before.column(c).to_pylist() for c in columns), strict=True))
        rows = zip(*(current.column(c).to_pylist() for c in columns), strict=True)
        return sorted(row[0] for row in rows if row not in known)

    state.months = sorted(current.column("month").to_pylist())
    state.changed = differing(documents)
    state.content_changed = differing(contents)
    state.stories_changed = differing(stories)


def _frequent_changed(state: _Build) -> bool:
    """Whether the frequent names (and their bits) are not those the carried months used.

    Read from the files: the tables that need it are built in other connections.
    """
    if not state.previous:
        return True
    with state.lock:
        built = [state.tables["frequent_names"]]

    def bits(paths: Sequence[Path]) -> set[tuple[int, int]]:
        columns = ["filter_entity_number", "name_bit"]
        tables = [pq.read_table(path, columns=columns) for path in paths]
        return {(row[columns[0]], row[columns[1]]) for t in tables for row in t.to_pylist()}

    return bits(built) != bits(state.previous.get("frequent_names", ()))


def _build_table(state: _Build, name: str, query: str, parameters: dict[str, object]) -> int:
    """Write whole table ``name`` into the build and view it; return its rows."""
    target = state.build / name / f"part-{state.run_id}.parquet"
    rows = _with_retry(
        state, name, query, parameters, lambda reader: _write(state, reader, name, target)
    )
    _view(state.connection, name, [target])
    state.built(name, target)
    return rows


def _build_monthly(
    state: _Build,
    name: str,
    query: str,
    parameters: dict[str, object],
    months: Sequence[str],
    summed: Sequence[str] = (),
) -> int:
    """Write the months ``months`` of table ``name``, link the others; return all its rows.

    The months of ``months`` not in ``summed`` are built by ``query`` in the scope the caller
    set; those of ``summed`` are made from their previous rows and ``query``'s over the
    documents added (:func:`_summed_query`, :func:`_renumbered_query`).
    """
    folder = state.build / name

    def write(reader: pa.RecordBatchReader) -> dict[str, Path]:
        return _write_months(state, reader, name, folder)

    def written_in(chosen: Sequence[str], built: str) -> dict[str, Path]:
        if not chosen:
            return {}
        files = _with_retry(state, name, built, parameters, write, chosen)
        unexpected = set(files) - set(chosen)
        if unexpected:
            raise ValueError(
                f"report table {name} has rows of months it was not built for: {unexpected}"
            )
        return files

    files = written_in([month for month in months if month not in summed], query)
    if summed:
        state.scope(summed, mentions="added_mentions", added=True)
        made = _renumbered_query if name in RENUMBERED else _summed_query
        files |= written_in(summed, made(state, name, query, summed))
        with state.lock:
            state.summed.update(summed)
    written = dict(files)
    rows = sum(pq.ParquetFile(path).metadata.num_rows for path in written.values())
    carried = _previous_months(state.previous.get(name, ()))
    for month in state.months:
        if month in months or month not in carried:
            continue
        source = carried[month]
        target = folder / f"month={month}" / source.name
        state.storage.make_dir(target.parent)
        state.storage.link(source, target)
        files[month] = target
        rows += pq.ParquetFile(target).metadata.num_rows
    state.built(name, files)
    if not files:
        # An empty table is still a table: one file with the schema, so readers see columns.
        schema = REPORT_TABLES[name]
        target = folder / f"part-{state.run_id}.parquet"
        with state.storage.parquet_writer(target, schema, compression=state.compression) as writer:
            writer.write_table(schema.empty_table())
    return rows


def _summed_query(state: _Build, name: str, query: str, months: Sequence[str]) -> str:
    """Table ``name``'s rows of ``months``: the previous rows summed with ``query``'s.

    ``query`` counts the documents added alone (``_Build.scope`` with ``added``); a count
    is a sum over documents, so the previous count of a key plus the added documents' is the
    count a build over all of the month's documents makes, and a key of theirs alone is new.
    """
    keys, sums, order = SUMMED[name]
    carried = _previous_of(state, name, months)
    columns = ", ".join([*keys, *sums])
    added = f"SELECT {columns} FROM ({query})"  # noqa: S608
    if carried:
        # Sources are our own quoted paths; the query is one of ours.
        added += f" UNION ALL SELECT {columns} FROM {parquet_source(carried)}"  # noqa: S608
    totals = ", ".join(f"CAST(sum({column}) AS BIGINT) AS {column}" for column in sums)
    return (
        f"SELECT {', '.join(keys)}, {totals} FROM ({added}) "  # noqa: S608
        f"GROUP BY {', '.join(keys)} ORDER BY {order}"
    )


def _renumbered_query(state: _Build, name: str, query: str, months: Sequence[str]) -> str:
    """Table ``name``'s rows of ``months``: the previous ones renumbered, and ``query``'s.

    ``query`` makes the rows of the documents added alone (``_Build.scope`` with ``added``);
    the previous rows are those of the other documents, which the increment did not change,
    and only their numbers move (documents are numbered in date order within their month).
    """
    carried = _previous_of(state, name, months)
    if not carried:
        return query
    before = _previous_of(state, "document_facts", months)
    with state.lock:
        now = [path for month, path in state.files["document_facts"].items() if month in months]
    # Sources are our own quoted paths; the query is one of ours.
    numbers = (
        "SELECT b.doc_number AS before, n.doc_number "  # noqa: S608
        f"FROM {parquet_source(before)} AS b JOIN {parquet_source(now)} AS n USING (doc_id)"
    )
    return (
        "SELECT * FROM ("  # noqa: S608
        "SELECT n.doc_number, p.* EXCLUDE (doc_number, run_id) "
        f"FROM {parquet_source(carried)} AS p JOIN ({numbers}) AS n ON n.before = p.doc_number "
        f"UNION ALL BY NAME SELECT * FROM ({query})"
        f") ORDER BY {RENUMBERED[name]}"
    )


def _with_touched_stories(state: _Build, name: str, query: str) -> str:
    """Story table ``name``'s rows of the months built, touched stories' made again.

    ``query``'s rows of the stories touched (``scope`` points it at them), and the previous
    snapshot's rows of the others in those months. A story's rows are made from its own copies,
    size and number only, so an untouched story's rows are those a build from scratch makes.
    They get this run's id, as a month built whole does.
    """
    carried = _previous_of(state, name, state.stories_changed)
    if not carried:
        return query
    # Sources are our own quoted paths and relation names; the query is one of ours.
    return (
        "SELECT * FROM ("  # noqa: S608
        f"SELECT p.* EXCLUDE (run_id) FROM {parquet_source(carried)} AS p "
        "ANTI JOIN touched_stories AS t ON p.cluster_id = t.cluster_id "
        f"UNION ALL BY NAME SELECT * FROM ({query})"
        f") ORDER BY {STORY_ORDER[name]}"
    )


def _previous_of(state: _Build, name: str, months: Sequence[str]) -> list[Path]:
    """The previous snapshot's files of monthly table ``name`` for ``months``."""
    return [
        path for month, path in _previous_months(state.previous[name]).items() if month in months
    ]


def _previous_months(paths: Sequence[Path]) -> dict[str, Path]:
    """A monthly table's files by month (their folder, ``month=<month>``)."""
    return {
        path.parent.name.removeprefix("month="): path
        for path in paths
        if path.parent.name.startswith("month=")
    }


def _with_retry(
    state: _Build,
    name: str,
    query: str,
    parameters: dict[str, object],
    write: Callable[[pa.RecordBatchReader], T],
    months: Sequence[str] | None = None,
) -> T:
    """Run ``write`` over ``query``'s rows; when out of memory, again within more.

    Again within RETRY_MEMORY_LIMIT, then twice that as often as needed (``spill.retry_limits``).
    Tables of ``WITHIN_RETRY_LIMIT`` are built within RETRY_MEMORY_LIMIT at once. A try within
    more than ``BUILD_MEMORY_LIMIT`` waits for any other worker's to end (``_Build.larger``).
    Before a retry the failed try's files are removed: the table's (None), or those of
    ``months``, which a table built in more than one query writes at a time.
    """
    connection = state.connection

    def clear() -> None:
        if months is None:
            state.storage.remove(state.build / name)
        for month in months or ():
            folder = state.build / name / f"month={month}"
            state.storage.remove(folder / f"part-{state.run_id}.parquet")

    def attempt(limit: str) -> T:
        with contextlib.ExitStack() as turn:
            if limit != BUILD_MEMORY_LIMIT:
                turn.enter_context(state.larger)
            connection.execute(f"SET memory_limit = '{limit}'")
            counts = register_counts(connection, name)
            try:
                return write(_rows(connection, query, parameters))
            finally:
                release_counts(connection, counts)

    retries = spill.retry_limits(RETRY_MEMORY_LIMIT)
    return spill.with_more_memory(
        attempt,
        retries if name in WITHIN_RETRY_LIMIT else [BUILD_MEMORY_LIMIT, *retries],
        f"report table {name} ran out of {{limit}}; building it again within {{next}}",
        before_retry=clear,
    )


def _rows(
    connection: duckdb.DuckDBPyConnection, query: str, parameters: dict[str, object]
) -> pa.RecordBatchReader:
    return connection.sql(query, params=parameters or None).to_arrow_reader(REPORT_GROUP_ROWS)


def _view(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    files: Sequence[Path],
    schema: pa.Schema | None = None,
    within: str | None = None,
    where: str | None = None,
) -> None:
    """View ``files`` as table ``name`` (for the queries that come next); no files: empty.

    ``within``: a relation of ``cluster_id``: the rows of those stories only. ``where``: a join
    that keeps some rows (``ADDED_ROWS``).
    """
    if not files:
        if schema is None:
            raise ValueError(f"no files for {name}")
        connection.register(f"{name}_empty", schema.empty_table())
        connection.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {name}_empty")  # noqa: S608
        return
    # Views take no parameters; names are ours and paths our own build files, quoted.
    source = parquet_source(files)
    if within:
        source += f" SEMI JOIN {within} USING (cluster_id)"
    if where:
        source += f" {where}"
    connection.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {source}")  # noqa: S608


def _batches(state: _Build, reader: pa.RecordBatchReader, name: str) -> Iterator[pa.Table]:
    """``reader``'s batches in the table's schema, each with the run id added."""
    schema = REPORT_TABLES[name]
    # The run id is added here, as slices of one array: DuckDB would copy the string into every
    # row it hands over (a second more for 13.5M rows).
    run_ids = pa.array([state.run_id] * REPORT_GROUP_ROWS, pa.string())
    for batch in reader:
        if batch.num_rows > len(run_ids):
            run_ids = pa.array([state.run_id] * batch.num_rows, pa.string())
        table = pa.Table.from_batches([batch]).append_column(
            "run_id", run_ids.slice(0, batch.num_rows)
        )
        yield conform(table, schema, name=name)


def _write(state: _Build, reader: pa.RecordBatchReader, name: str, target: Path) -> int:
    """Stream ``reader``'s rows into ``target``, batch by batch; return the count."""
    rows = 0
    # Straight to the build folder: the snapshot is published whole by one rename, or not at all.
    with state.storage.parquet_writer(
        target, REPORT_TABLES[name], compression=state.compression
    ) as writer:
        for table in _batches(state, reader, name):
            writer.write_table(table, row_group_size=REPORT_GROUP_ROWS)
            rows += table.num_rows
    return rows


def _months_of(table: pa.Table, column: str) -> np.ndarray:
    """The month of each row, as text, from ``column`` (see MONTHLY_TABLES)."""
    values = table.column(column)
    if pa.types.is_date(values.type):
        values = pc.fill_null(pc.strftime(values, "%Y-%m"), "undated")
    if pa.types.is_string(values.type):
        return np.asarray(values.to_pylist(), dtype=object)
    # Each distinct month's label made once and placed by numpy: a Python lookup per row, over
    # every row of the large tables, cost more than the sort (BENCHMARKS.md, "Increments").
    known, place = np.unique(np.right_shift(values.to_numpy(), 32), return_inverse=True)
    labels = np.asarray([month_label(int(key)) for key in known.tolist()], dtype=object)
    return labels[place]


def _write_months(
    state: _Build, reader: pa.RecordBatchReader, name: str, folder: Path
) -> dict[str, Path]:
    """Stream rows that come month by month into one file per month; return the files."""
    column = PARTITIONED[name]
    files: dict[str, Path] = {}
    with contextlib.ExitStack() as open_file:
        writer: pq.ParquetWriter | None = None
        for table in _batches(state, reader, name):
            months = _months_of(table, column)
            if not len(months):
                continue
            starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]]).tolist()
            for begin, end in zip(starts, [*starts[1:], len(months)], strict=True):
                month = months[begin]
                if writer is None or month not in files:
                    if month in files:
                        raise ValueError(
                            f"report table {name}: the rows of {month} are not together"
                        )
                    open_file.close()  # the previous month's file is whole
                    files[month] = folder / f"month={month}" / f"part-{state.run_id}.parquet"
                    writer = open_file.enter_context(
                        state.storage.parquet_writer(
                            files[month], REPORT_TABLES[name], compression=state.compression
                        )
                    )
                writer.write_table(
                    table.slice(begin, end - begin), row_group_size=REPORT_GROUP_ROWS
                )
    return files
