"""The report tables: reports that read them answer exactly what the reference SQL answers.

The reference is the report SQL as it was before the report tables (``reference_sql/``), which
grouped the documents and mentions themselves. Both run over the same random warehouses with
random filters: day-level date ranges, publishers and entities in any case, undated documents;
and random thresholds for a frequent name (aggregates.FREQUENT_ENTITY_SHARE), so that an entity
filter is answered from the monthly counts of frequent names, from single documents, or both.
"""

import datetime as dt
import errno
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.faulty_storage import FaultyStorage
from tests.warehouse.report_corpus import document as corpus_document
from tests.warehouse.report_corpus import mention_rows, report_tables, write_published
from warehouse import aggregates, catalog, name_counts, spill
from warehouse.catalog import ReportFilters, ReportQuery
from warehouse.schemas import DOCUMENTS_VIEW, MENTIONS, QUARANTINE, REPORT_TABLES
from warehouse.storage import Storage
from warehouse.store import Snapshot

REFERENCE = Path(__file__).parent / "reference_sql"
PUBLISHERS = ["Reuters", "TASS", "BBC", "unknown", "Moscow Times"]
# Names that collide across kinds and case: an entity filter matches any kind, in any case.
ENTITIES = [
    ("country", "Russia"),
    ("country", "Myanmar"),
    ("country", "Georgia"),
    ("country", "China"),
    ("country", "Chad"),
    ("city", "Moscow"),
    ("city", "Georgia"),
    ("person", "Dmitry Peskov"),
    ("person", "Georgia"),
    ("person", "Maung Maung Aye"),
    ("organisation", "Kremlin"),
    ("organisation", "UN"),
]
FIRST_DAY = dt.date(2021, 1, 25)
DAYS = 70  # three months and a bit: month boundaries, and months with no documents


def table_files(build: Path, name: str) -> list[Path]:
    """The files of report table ``name`` in a build folder (one per month for some)."""
    return sorted((build / name).rglob("*.parquet"))


def built_table(build: Path, name: str) -> pa.Table:
    """Report table ``name`` as written into a build folder, its files in month order."""
    return pa.concat_tables(pq.read_table(path) for path in table_files(build, name))


def reference_queries() -> list[ReportQuery]:
    """The report queries of ``reference_sql/reports``, named as the real ones are."""
    real = {query.key: query for query in catalog.report_queries()}
    queries = []
    for sql_file in sorted((REFERENCE / "reports").glob("*.sql")):
        key = sql_file.stem.partition("_")[2]
        queries.append(ReportQuery(real[key].name, real[key].question, sql_file.read_text(), key))
    return queries


def reference_connection(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """The tables with the reference staging views: no report tables."""
    connection = duckdb.connect(":memory:")
    for name, table in tables.items():
        connection.from_arrow(table).create(name)
    # Which wire a document credits, and its day, are the contract both sides count from.
    connection.execute(aggregates.WIRE_DOCUMENTS.read_text())
    for sql_file in sorted((REFERENCE / "staging").glob("*.sql")):
        connection.execute(sql_file.read_text())
    return connection


def report_connection(
    tables: dict[str, pa.Table], frequent_share: float = aggregates.FREQUENT_ENTITY_SHARE
) -> duckdb.DuckDBPyConnection:
    """The tables with their report tables and the real staging views."""
    connection = duckdb.connect(":memory:")
    for name, table in tables.items():
        connection.from_arrow(table).create(name)
    aggregates.create_report_tables(connection, frequent_share=frequent_share)
    catalog.create_staging_views(connection)
    return connection


def answers(
    connection: duckdb.DuckDBPyConnection, queries: list[ReportQuery], filters: ReportFilters
) -> dict[str, list[Any]]:
    """Every report's rows, NaN as the text "nan" (NaN equals nothing, not even itself)."""
    return {
        query.key: [
            tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in query.run(connection, filters)[1]
        ]
        for query in queries
    }


@st.composite
def warehouses(draw: st.DrawFn) -> dict[str, pa.Table]:
    """Random documents in clusters of copies, with random mentions, and a fixed quarantine."""
    stories = draw(st.integers(0, 12))
    documents = []
    for story in range(stories):
        copies = draw(st.integers(1, 4))
        # Cluster ids in random order, unrelated to the order of the documents.
        cluster_id = f"c{draw(st.integers(0, 10**6)):07d}-{story}"
        for copy in range(copies):
            number = len(documents)
            undated = draw(st.integers(0, 6)) == 0
            documents.append(
                {field.name: None for field in DOCUMENTS_VIEW}
                | {
                    "doc_id": f"d{number:03d}",
                    "source_path": f"{number}.txt",
                    "raw_sha256": "0" * 64,
                    "bytes": 1,
                    "encoding": "utf-8",
                    "published_date": None
                    if undated
                    else FIRST_DAY + dt.timedelta(days=draw(st.integers(0, DAYS))),
                    "date_precision": "none" if undated else "day",
                    "date_source": "none" if undated else "header",
                    "title": draw(st.sampled_from([None, f"Story {story}", f"story {story}!"])),
                    "publisher": draw(st.sampled_from(PUBLISHERS)),
                    "language": "en",
                    "body": "-",
                    "word_count": 1,
                    "content_hash": f"h{story}",
                    "cluster_id": cluster_id,
                    "is_canonical": copy == 0,
                    "cluster_size": copies,
                    "run_id": "r",
                }
            )
    mentions = []
    for document in documents:
        named = draw(st.sets(st.sampled_from(ENTITIES), max_size=6))
        for kind, entity in sorted(named):
            mentions.append(
                {
                    "doc_id": document["doc_id"],
                    "kind": kind,
                    "entity": entity,
                    "mentions": draw(st.integers(1, 5)),
                    "run_id": "r",
                }
            )
    quarantine = [{"source_path": "bad.txt", "reason": "empty", "bytes": 0, "run_id": "r"}]
    return {
        "documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
        "quarantine": pa.Table.from_pylist(
            [{field.name: row.get(field.name) for field in QUARANTINE} for row in quarantine],
            schema=QUARANTINE,
        ),
    }


def _in_any_case(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.lower(), name.upper()])


days = st.one_of(
    st.none(), st.integers(-3, DAYS + 3).map(lambda day: FIRST_DAY + dt.timedelta(days=day))
)
report_filters = st.builds(
    ReportFilters,
    date_from=days,
    date_to=days,
    publisher=st.one_of(st.none(), st.sampled_from([*PUBLISHERS, "AFP"]).flatmap(_in_any_case)),
    entity=st.one_of(
        st.none(),
        st.sampled_from([entity for _, entity in ENTITIES] + ["Atlantis"]).flatmap(_in_any_case),
    ),
)


REPORT_EXAMPLES = given(
    tables=warehouses(),
    filters=st.lists(report_filters, min_size=1, max_size=4),
    # Every name frequent; those in over a quarter of documents (each entity is named in about
    # a quarter: some are, some not); none.
    frequent_share=st.sampled_from([0.0, 0.25, 1.0]),
    # Documents per block of the frequent names' counts (name_counts): a block boundary inside
    # a month and a publisher's day, or one block for all.
    block_documents=st.sampled_from([1, 2, 3, name_counts.BLOCK_DOCUMENTS]),
)


def _reports_equal_the_reference(
    tables: dict[str, pa.Table],
    filters: list[ReportFilters],
    frequent_share: float,
    block_documents: int,
) -> None:
    reference, reports = reference_queries(), catalog.report_queries()
    expected_connection = reference_connection(tables)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(name_counts, "BLOCK_DOCUMENTS", block_documents)
        connection = report_connection(tables, frequent_share)
    for chosen in [ReportFilters(), *filters]:
        got = answers(connection, reports, chosen)
        expected = answers(expected_connection, reference, chosen)
        for key in expected:
            assert got[key] == expected[key], (key, chosen)


@settings(max_examples=12, derandomize=True)
@REPORT_EXAMPLES
def test_reports_from_report_tables_equal_the_reference(
    tables: dict[str, pa.Table],
    filters: list[ReportFilters],
    frequent_share: float,
    block_documents: int,
) -> None:
    _reports_equal_the_reference(tables, filters, frequent_share, block_documents)


@pytest.mark.slow
@settings(max_examples=300, derandomize=True)
@REPORT_EXAMPLES
def test_reports_from_report_tables_equal_the_reference_over_many_warehouses(
    tables: dict[str, pa.Table],
    filters: list[ReportFilters],
    frequent_share: float,
    block_documents: int,
) -> None:
    _reports_equal_the_reference(tables, filters, frequent_share, block_documents)


def test_frequent_names_answer_as_the_reference() -> None:
    """A name's monthly counts, whole or cut by dates and publisher, answer exactly: a frequent
    name's (name_mentions) and another's (other_name_mentions)."""
    tables = report_tables()
    # Russia is in 6 of the 9 documents, Myanmar in 2: at a third, only Russia is frequent.
    connection = report_connection(tables, frequent_share=1 / 3)
    bit = (
        "SELECT any_value(f.name_bit) FROM frequent_names AS f JOIN entities AS e "
        "USING (entity_number) WHERE e.entity_key = lower($name)"
    )
    assert connection.execute(bit, {"name": "RUSSIA"}).fetchone() == (0,)
    assert connection.execute(bit, {"name": "Myanmar"}).fetchone() == (None,)
    for name in ("Russia", "myanmar"):  # both are read from their monthly counts
        number = connection.execute("SELECT report_filter_name($name)", {"name": name}).fetchone()
        assert number is not None and number[0] is not None
    for table, name in (("name_mentions", "Russia"), ("other_name_mentions", "Myanmar")):
        rows = connection.execute(
            f"SELECT count(*) FROM {table} WHERE filter_entity_number = report_filter_name($name)",  # noqa: S608
            {"name": name},
        ).fetchone()
        assert rows is not None and rows[0] > 0, table
    reference, reports = reference_queries(), catalog.report_queries()
    expected_connection = reference_connection(tables)
    for chosen in (
        ReportFilters(entity="russia"),
        ReportFilters(entity="Myanmar"),
        ReportFilters(dt.date(2021, 2, 9), dt.date(2021, 3, 31), "TASS", "Myanmar"),
        # Whole months, a month cut at both ends, one cut at its start only, a publisher.
        ReportFilters(dt.date(2021, 1, 1), dt.date(2021, 2, 28), entity="Russia"),
        ReportFilters(dt.date(2021, 2, 9), dt.date(2021, 2, 11), entity="Russia"),
        ReportFilters(dt.date(2021, 1, 11), None, "TASS", "Russia"),
        ReportFilters(None, dt.date(2021, 3, 9), "bbc", "Russia"),
    ):
        assert answers(connection, reports, chosen) == answers(
            expected_connection, reference, chosen
        ), chosen


def test_published_report_tables_answer_as_the_reference(tmp_path: Path) -> None:
    """The Parquet files publish writes give the same reports as the tables built in memory."""
    tables = report_tables()
    files = write_published(tmp_path, tables)
    build = tmp_path / "build"
    rows = aggregates.write_report_tables(
        Storage(),
        build,
        "r1",
        [files["documents"]],
        [files["mentions"]],
        tmp_path,
        "zstd",
        clusters=[files["clusters"]],
    )
    assert rows["document_facts"] == tables["documents"].num_rows
    assert rows["document_entities"] == tables["mentions"].num_rows
    connection = duckdb.connect(":memory:")
    for name, table in tables.items():
        connection.from_arrow(table).create(name)
    for name, schema in REPORT_TABLES.items():
        written = built_table(build, name)
        assert written.schema.equals(schema, check_metadata=False), name
        assert set(written.column("run_id").to_pylist()) <= {"r1"}, name
        connection.from_arrow(written).create(name)
    catalog.create_staging_views(connection)
    reports, reference = catalog.report_queries(), reference_queries()
    for chosen in (
        ReportFilters(),
        ReportFilters(dt.date(2021, 2, 1), dt.date(2021, 3, 10), "tass", "RUSSIA"),
    ):
        assert answers(connection, reports, chosen) == answers(
            reference_connection(tables), reference, chosen
        )


def test_snapshot_without_all_report_tables_builds_them_when_opened(tmp_path: Path) -> None:
    """A snapshot published before a report table existed still answers as the reference."""
    tables = report_tables()
    manifest: dict[str, Any] = {"tables": {}}
    for name in ("documents", "mentions", "quarantine"):
        (tmp_path / name).mkdir()
        pq.write_table(tables[name], tmp_path / name / "part-0.parquet")
        manifest["tables"][name] = {"files": [f"{name}/part-0.parquet"], "rows": 1}
    aggregates.write_report_tables(
        Storage(),
        tmp_path,
        "r",
        [tmp_path / "documents" / "part-0.parquet"],
        [tmp_path / "mentions" / "part-0.parquet"],
        tmp_path,
        "zstd",
    )
    # Only the first report table was published; the others came later.
    manifest["tables"]["document_facts"] = {
        "files": [
            str(path.relative_to(tmp_path)) for path in table_files(tmp_path, "document_facts")
        ],
        "rows": 1,
    }
    connection = duckdb.connect(":memory:")
    catalog.create_views(connection, Snapshot("old", tmp_path, manifest))
    chosen = ReportFilters(entity="russia")
    assert answers(connection, catalog.report_queries(), chosen) == answers(
        reference_connection(tables), reference_queries(), chosen
    )


def test_reports_ask_the_questions_they_asked_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """How a report is answered is said below its header: the header stays the question."""
    now = [(q.key, q.name, q.question) for q in catalog.report_queries()]
    monkeypatch.setattr(catalog, "REPORTS_DIR", REFERENCE / "reports")
    assert now == [(q.key, q.name, q.question) for q in catalog.report_queries()]


def test_report_tables_build_within_the_memory_limit_with_thousands_of_outlets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawl of many small sites: a few documents per outlet and month, each naming the same
    names. The build's memory follows the documents, not the (outlet, month) pairs."""
    monkeypatch.setattr(aggregates, "BUILD_MEMORY_LIMIT", "48MB")
    monkeypatch.setattr(aggregates, "RETRY_MEMORY_LIMIT", "48MB")  # no second chance here
    monkeypatch.setattr(spill, "RETRY_SHARE_OF_MEMORY", 0.0)  # nor a third within more
    rows = _build_many_outlets(tmp_path, outlets=3000)
    # A document names 6 of the 24 names, and the two documents of an outlet and month the
    # same 6: each name meets each of them once per (outlet, month).
    assert rows["name_mentions"] == 6 * 6 * 3000


def test_a_table_out_of_memory_is_built_again_within_the_retry_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _build_many_outlets(tmp_path / "plain", outlets=300)
    monkeypatch.setattr(aggregates, "BUILD_MEMORY_LIMIT", "1MB")
    rows = _build_many_outlets(tmp_path / "retried", outlets=300)
    assert rows == expected
    assert "building it again within 1GB" in caplog.text
    for name in expected:
        built = [
            built_table(tmp_path / kind / "build", name).drop(["run_id"])
            for kind in ("plain", "retried")
        ]
        assert built[0].equals(built[1]), name


def test_a_table_known_to_need_more_is_built_within_the_retry_limit_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    limits: dict[str, list[str]] = {}
    build_rows = aggregates._rows

    def rows(connection: Any, query: str, parameters: dict[str, object]) -> Any:
        name = next(n for n, q in aggregates.report_table_queries() if q == query)
        limit = connection.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        limits.setdefault(name, []).append(limit)
        return build_rows(connection, query, parameters)

    monkeypatch.setattr(aggregates, "_rows", rows)
    monkeypatch.setattr(aggregates, "BUILD_MEMORY_LIMIT", "1MB")
    monkeypatch.setattr(aggregates, "WITHIN_RETRY_LIMIT", frozenset({"stories"}))
    _build_many_outlets(tmp_path, outlets=300)
    assert len(limits["stories"]) == 1  # no first try within 1MB
    assert limits["stories"] != limits["story_outlets"][:1]
    assert len(limits["story_outlets"]) == 2  # tried within 1MB, then again
    assert "report table stories ran out" not in caplog.text


def _build_many_outlets(tmp_path: Path, outlets: int) -> dict[str, int]:
    """Report tables of a crawl of ``outlets`` small sites, two documents each a month."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    names = [f"Person {i}" for i in range(24)]
    documents, mentions = [], []
    for number in range(2 * outlets):
        day = dt.date(2021, 1 + number % 12, 1 + number % 28)
        doc_id = f"d{number}"
        documents.append(
            corpus_document(doc_id, f"Site {number % outlets}", day, doc_id, True, "Story")
        )
        mentions += [
            {"doc_id": doc_id, "kind": "person", "entity": name, "mentions": 1 + i % 3}
            for i, name in enumerate(names[number % 4 :: 4])
        ]
    files = {
        "documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(
            [row | {"run_id": "r"} for row in mentions], schema=MENTIONS
        ),
    }
    written = write_published(tmp_path, files)
    return aggregates.write_report_tables(
        Storage(),
        tmp_path / "build",
        "r1",
        [written["documents"]],
        [written["mentions"]],
        tmp_path,
        "zstd",
        clusters=[written["clusters"]],
    )


# What each report table's rows mean, in names rather than numbers: a build that carries months
# from the previous snapshot numbers stories, entities and frequent names in another order than
# a build from scratch, and must say the same.
DECODED = {
    "document_facts": """
        SELECT f.doc_id, f.published_date, f.month, f.publisher, p.published_date AS day,
            p.publisher AS day_publisher, s.cluster_id, s.cluster_size, f.is_canonical
        FROM document_facts AS f
        JOIN publisher_days AS p USING (day_number)
        JOIN story_stats AS s USING (cluster_number)""",
    "publisher_days": "SELECT * EXCLUDE (day_number, run_id) FROM publisher_days",
    "story_stats": "SELECT * EXCLUDE (cluster_number, run_id) FROM story_stats",
    "document_entities": """
        SELECT f.doc_id, e.kind, e.entity, de.mentions
        FROM document_entities AS de
        JOIN document_facts AS f USING (doc_number)
        JOIN entities AS e USING (entity_number)""",
    "entity_documents": """
        SELECT f.doc_id, e.kind, e.entity
        FROM entity_documents AS ed
        JOIN document_facts AS f USING (doc_number)
        JOIN entities AS e USING (entity_number)""",
    "daily_mentions": """
        SELECT p.published_date, p.publisher, e.kind, e.entity, m.documents, m.mentions
        FROM daily_mentions AS m
        JOIN publisher_days AS p USING (day_number)
        JOIN entities AS e USING (entity_number)""",
    "daily_comentions": """
        SELECT p.published_date, p.publisher, least(a.entity, b.entity) AS first,
            greatest(a.entity, b.entity) AS second, c.documents
        FROM daily_comentions AS c
        JOIN publisher_days AS p USING (day_number)
        JOIN entities AS a ON a.entity_number = c.country_number
        JOIN entities AS b ON b.entity_number = c.other_country_number""",
    "filter_names": """
        SELECT e.kind, e.entity, k.entity_key AS name, f.documents
        FROM filter_names AS f
        JOIN entities AS e USING (entity_number)
        JOIN entities AS k ON k.entity_number = f.filter_entity_number""",
    "frequent_names": """
        SELECT e.kind, e.entity, f.documents
        FROM frequent_names AS f
        JOIN entities AS e USING (entity_number)""",
    "name_months": """
        SELECT k.entity_key, n.publisher, n.month, n.documents, n.stories
        FROM name_months AS n
        JOIN entities AS k ON k.entity_number = n.filter_entity_number""",
    "story_outlets": "SELECT * EXCLUDE (cluster_number, run_id) FROM story_outlets",
    "stories": "SELECT * EXCLUDE (cluster_number, run_id) FROM stories",
    "outlet_pairs": "SELECT * EXCLUDE (run_id) FROM outlet_pairs",
    # Fingerprints do not depend on numbers: an increment's, made from the rows it adds and
    # drops, must be those a build from scratch hashes.
    "report_partitions": "SELECT * EXCLUDE (run_id) FROM report_partitions",
}


def _publish_reports(
    folder: Path,
    tables: dict[str, pa.Table],
    frequent_share: float,
    previous: dict[str, list[Path]] | None = None,
    parts: dict[str, Any] | None = None,
) -> dict[str, list[Path]]:
    """Build the report tables of ``tables`` into ``folder``; return their files by table.

    The inputs are laid out in the build folder as a snapshot holds them, a file per part
    (``_write_inputs``; ``parts``, default ``INPUT_PARTS``), so that a build after ``previous``
    sees the files an increment adds and drops and plans from them.
    """
    before = None if previous is None else previous["report_partitions"][0].parent.parent
    written = _write_inputs(folder / "build", tables, before, parts)
    with pytest.MonkeyPatch.context() as patch:
        # An increment of these few months touches most of them: planned from its files still.
        patch.setattr(aggregates, "INCREMENT_SHARE", 1.0)
        aggregates.write_report_tables(
            Storage(),
            folder / "build",
            folder.name,
            written["documents"],
            written["mentions"],
            folder,
            "zstd",
            frequent_share,
            previous,
            clusters=written["clusters"],
            previous_inputs=None
            if before is None
            else {
                name: table_files(before, name) for name in ("documents", "mentions", "clusters")
            },
        )
    return {name: table_files(folder / "build", name) for name in REPORT_TABLES}


def _published_connection(
    tables: dict[str, pa.Table], files: dict[str, list[Path]]
) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    for name, table in tables.items():
        connection.from_arrow(table).create(name)
    for name, paths in files.items():
        connection.from_arrow(pa.concat_tables(pq.read_table(p) for p in paths)).create(name)
    catalog.create_staging_views(connection)
    return connection


def _month_of(row: dict[str, Any]) -> str:
    date = row["published_date"]
    return "undated" if date is None else date.strftime("%Y-%m")


INPUT_PARTS: dict[str, Any] = {
    "documents": _month_of,
    # Mentions in files by document, not by month: a document that changes month keeps its
    # mentions in a file carried.
    "mentions": lambda row: f"shard-{int(row['doc_id'][1:]) % 3}",
    "clusters": lambda row: f"shard-{len(row['cluster_id']) % 2}",
}
DOCUMENT_PARTS: dict[str, Any] = INPUT_PARTS | {
    "documents": lambda row: f"{_month_of(row)}-{row['doc_id']}",
    "mentions": lambda row: f"document-{row['doc_id']}",
}
"""A file per document, as runs write new documents into new files: a document added is a
file added, and no other row of its month is dropped and added again."""


def _write_inputs(
    build: Path,
    tables: dict[str, pa.Table],
    before: Path | None,
    parts_of: dict[str, Any] | None = None,
) -> dict[str, list[Path]]:
    """Write ``documents``, ``mentions`` and ``clusters`` into ``build``, in parts
    (``parts_of``, e.g. ``INPUT_PARTS``): a part whose rows are those of ``before``'s same part
    is linked, as a run carries it; the others are written anew."""
    whole = write_published(build / "whole", tables)
    files: dict[str, list[Path]] = {}
    for name, part_of in (parts_of or INPUT_PARTS).items():
        rows = pq.read_table(whole[name])
        # A table without rows is one empty file.
        parts: dict[str, list[dict[str, Any]]] = {} if rows.num_rows else {"empty": []}
        for row in rows.to_pylist():
            parts.setdefault(part_of(row), []).append(row)
        files[name] = []
        for part, part_rows in sorted(parts.items()):
            relative = Path(name) / f"part={part}" / "part.parquet"
            target = build / relative
            target.parent.mkdir(parents=True)
            table = pa.Table.from_pylist(part_rows, schema=rows.schema)
            if before is not None and (before / relative).exists():
                if pq.read_table(before / relative).equals(table):
                    os.link(before / relative, target)
                    files[name].append(target)
                    continue
            pq.write_table(table, target)
            files[name].append(target)
    return files


def _kept(
    draw: st.DrawFn, documents: list[dict[str, Any]], touched: set[str], odds: int
) -> list[dict[str, Any]]:
    """The documents of the months not ``touched``, and of the others each but once in
    ``odds + 1`` (drawn)."""
    return [
        row for row in documents if _month_of(row) not in touched or draw(st.integers(0, odds)) > 0
    ]


def _earlier(draw: st.DrawFn, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """An earlier state of ``tables``: in some months (all, or a few: a run's increment),
    some documents not there yet, some with other stories or outlets, some mentions not found
    yet."""
    documents = tables["documents"].to_pylist()
    months = sorted({_month_of(row) for row in documents})
    touched = set(months)
    if months and draw(st.booleans()):
        touched = draw(st.sets(st.sampled_from(months), min_size=1, max_size=2))
    kept = _kept(draw, documents, touched, 3)
    stories: dict[str, list[dict[str, Any]]] = {}
    for row in kept:
        stories.setdefault(row["cluster_id"], []).append(row)
        if _month_of(row) not in touched:
            continue
        change = draw(st.integers(0, 7))
        if change == 0:
            row["publisher"] = "TASS"
        elif change == 1:
            row["published_date"] = FIRST_DAY
    whole = Counter(row["cluster_id"] for row in documents)
    for cluster_id, copies in stories.items():
        if len(copies) == whole[cluster_id] and all(
            _month_of(row) not in touched for row in copies
        ):
            continue  # a story of the months left alone: as it is now
        # Each story has one canonical copy; which one may change later.
        canonical = draw(st.integers(0, len(copies) - 1))
        for number, row in enumerate(copies):
            row["is_canonical"] = number == canonical
            row["cluster_size"] = len(copies)
    ids = {row["doc_id"] for row in kept}
    left_alone = {row["doc_id"] for row in kept if _month_of(row) not in touched}
    mentions = [
        row
        for row in tables["mentions"].to_pylist()
        if row["doc_id"] in ids and (row["doc_id"] in left_alone or draw(st.integers(0, 5)) > 0)
    ]
    return tables | {
        "documents": pa.Table.from_pylist(kept, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
    }


def _fewer(draw: st.DrawFn, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """An earlier state of ``tables`` that some documents of a month or two had not reached:
    the others as they are now, so that the next run only adds documents."""
    documents = tables["documents"].to_pylist()
    months = sorted({_month_of(row) for row in documents})
    if not months:
        return tables
    touched = draw(st.sets(st.sampled_from(months), min_size=1, max_size=2))
    kept = _kept(draw, documents, touched, 2)
    stories: dict[str, list[dict[str, Any]]] = {}
    for row in kept:
        stories.setdefault(row["cluster_id"], []).append(row)
    for copies in stories.values():
        # A story that lost its canonical copy had another one then: that copy's row changes.
        if not any(row["is_canonical"] for row in copies):
            copies[0]["is_canonical"] = True
        for row in copies:
            row["cluster_size"] = len(copies)
    ids = {row["doc_id"] for row in kept}
    mentions = [row for row in tables["mentions"].to_pylist() if row["doc_id"] in ids]
    return tables | {
        "documents": pa.Table.from_pylist(kept, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
    }


INCREMENT_EXAMPLES = given(
    tables=warehouses(),
    data=st.data(),
    filters=st.lists(report_filters, min_size=1, max_size=3),
    frequent_share=st.sampled_from([0.0, 0.25, 1.0]),
)
LAYOUTS = st.sampled_from([INPUT_PARTS, DOCUMENT_PARTS])


@settings(max_examples=4, derandomize=True, deadline=None)
@INCREMENT_EXAMPLES
def test_a_build_carrying_unchanged_months_equals_a_build_from_scratch(
    tables: dict[str, pa.Table],
    data: st.DataObject,
    filters: list[ReportFilters],
    frequent_share: float,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Runs over random earlier states of a warehouse, then over it: the months whose documents
    did not change are carried (hard links), and the tables say what one build says. An
    earlier state differs in every month or in one or two (an increment's), or lacks some
    documents of one or two months (an increment that only adds, laid out a file per document
    as runs write them: its months' counts of names are summed)."""
    _increments_equal_one_build(tables, data, filters, frequent_share, tmp_path_factory)


@pytest.mark.slow
@settings(max_examples=100, derandomize=True, deadline=None)
@INCREMENT_EXAMPLES
def test_a_build_carrying_unchanged_months_equals_a_build_from_scratch_many_times(
    tables: dict[str, pa.Table],
    data: st.DataObject,
    filters: list[ReportFilters],
    frequent_share: float,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    _increments_equal_one_build(tables, data, filters, frequent_share, tmp_path_factory)


def _increments_equal_one_build(
    tables: dict[str, pa.Table],
    data: st.DataObject,
    filters: list[ReportFilters],
    frequent_share: float,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("increments")
    earlier = data.draw(st.sampled_from([_earlier, _fewer]))
    states = [earlier(data.draw, tables) for _ in range(data.draw(st.integers(1, 2)))]
    parts = data.draw(LAYOUTS)
    previous = None
    for number, state in enumerate([*states, tables]):
        previous = _publish_reports(folder / f"run{number}", state, frequent_share, previous, parts)
    scratch = _publish_reports(folder / "scratch", tables, frequent_share)
    assert previous is not None
    incremental = _published_connection(tables, previous)
    whole = _published_connection(tables, scratch)
    for name, query in DECODED.items():
        got, expected = (
            sorted(connection.execute(query).fetchall(), key=repr)
            for connection in (incremental, whole)
        )
        assert got == expected, name
    reference, reports = reference_queries(), catalog.report_queries()
    expected_connection = reference_connection(tables)
    for chosen in [ReportFilters(), *filters]:
        assert answers(incremental, reports, chosen) == answers(
            expected_connection, reference, chosen
        ), chosen


def test_unchanged_months_are_linked_and_changed_ones_built(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A run that adds a document to one month builds that month and links the others, planned
    from the files it adds and drops, not from every row."""
    caplog.set_level("INFO", logger=aggregates.__name__)
    tables = report_tables()
    documents = tables["documents"].to_pylist()
    months = sorted(
        {row["published_date"].strftime("%Y-%m") for row in documents if row["published_date"]}
    )
    last = months[-1]
    earlier = [
        row
        for row in documents
        if row["published_date"] is None or row["published_date"].strftime("%Y-%m") != last
    ]
    ids = {row["doc_id"] for row in earlier}
    mentions = [row for row in tables["mentions"].to_pylist() if row["doc_id"] in ids]
    first_state = tables | {
        "documents": pa.Table.from_pylist(earlier, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
    }
    # No name is frequent in either run: the names' tables are carried too (other frequent
    # names than before would build every month of them again).
    first = _publish_reports(tmp_path / "run1", first_state, 1.0)
    second = _publish_reports(tmp_path / "run2", tables, 1.0, first)
    for name in aggregates.MONTHLY_TABLES:
        before = {p.parent.name: os.stat(p).st_ino for p in first[name]}
        # A table without rows is one empty file, written by each build.
        after = {
            p.parent.name: os.stat(p).st_ino
            for p in second[name]
            if p.parent.name.startswith("month=")
        }
        for month, inode in after.items():
            if month == f"month={last}":
                assert month not in before, name
            elif month in before:
                assert inode == before[month], (name, month)
    assert any(p.parent.name == f"month={last}" for p in second["document_facts"])
    assert "planned from the files added and dropped" in caplog.text


def test_a_month_given_new_documents_alone_sums_its_name_counts_and_renumbers_its_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two March documents arrive naming names named before, one dated before March's others
    and the canonical copy of an earlier March story now: March's counts of names are its
    previous rows summed with the new documents' counts, its rows per document the previous
    ones renumbered and the new documents', the same rows in the same order as a build from
    scratch writes; the other months are carried."""
    caplog.set_level("INFO", logger=aggregates.__name__)
    tables = report_tables()
    documents = [
        *tables["documents"].to_pylist(),
        corpus_document("n1", "TASS", dt.date(2021, 3, 1), "cs2", True, "Peskov On Myanmar"),
        corpus_document("n2", "Moscow Times", dt.date(2021, 3, 12), "cn2", True, "Russia"),
    ]
    sizes = Counter(row["cluster_id"] for row in documents)
    documents = [
        row
        | {"cluster_size": sizes[row["cluster_id"]]}
        | ({"is_canonical": False} if row["doc_id"] == "s2" else {})
        for row in documents
    ]
    new_mentions = [
        ("n1", "country", "Russia", 1),
        ("n1", "country", "Myanmar", 2),
        ("n1", "person", "Dmitry Peskov", 1),
        ("n2", "country", "Russia", 2),
        ("n2", "country", "China", 1),
    ]
    mentions = [*tables["mentions"].to_pylist(), *mention_rows(new_mentions)]
    later = tables | {
        "documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
    }
    # Russia is in more than half of the documents before and after: frequent; the others not.
    first = _publish_reports(tmp_path / "run1", tables, 0.5, parts=DOCUMENT_PARTS)
    second = _publish_reports(tmp_path / "run2", later, 0.5, first, DOCUMENT_PARTS)
    scratch = _publish_reports(tmp_path / "scratch", later, 0.5, parts=DOCUMENT_PARTS)
    assert "1 by sums of the documents added" in caplog.text
    for name in [*aggregates.SUMMED, *aggregates.RENUMBERED]:
        by_month = {path.parent.name: path for path in second[name]}
        expected = {path.parent.name: path for path in scratch[name]}
        assert by_month.keys() == expected.keys(), name
        for month, path in by_month.items():
            got, want = (pq.read_table(p).drop_columns(["run_id"]) for p in (path, expected[month]))
            assert got.num_rows, (name, month)
            assert got.equals(want), (name, month)
        inodes = {p.parent.name: os.stat(p).st_ino for p in first[name]}
        assert os.stat(by_month["month=2021-03"]).st_ino != inodes["month=2021-03"], name
        assert os.stat(by_month["month=2021-01"]).st_ino == inodes["month=2021-01"], name


def test_the_summed_tables_read_only_tables_cut_to_the_documents_added() -> None:
    """A table summed from the documents added reads no monthly table left whole: its counts
    would then be of every document of the month, counted twice."""
    needs = aggregates._dependencies(aggregates.report_table_queries())
    for name in [*aggregates.SUMMED, *aggregates.RENUMBERED]:
        monthly = needs[name] & aggregates.PARTITIONED.keys()
        assert monthly <= aggregates.ADDED_ROWS.keys(), (name, monthly)
    for name in aggregates.SUMMED:
        assert name in aggregates.BY_FREQUENT_NAMES, name


def test_a_new_copy_of_an_old_story_builds_only_the_story_tables(tmp_path: Path) -> None:
    """A copy of January's story arrives in February: January's tables are linked as they were
    (a story's size is story_stats'), its story tables are built again, with the new size."""
    tables = report_tables()
    documents = tables["documents"].to_pylist()
    earlier_rows = [row for row in documents if row["doc_id"] != "w4"]  # a copy in February
    for row in earlier_rows:
        if row["cluster_id"] == "cwide":
            row["cluster_size"] -= 1
    earlier = tables | {"documents": pa.Table.from_pylist(earlier_rows, schema=DOCUMENTS_VIEW)}
    first = _publish_reports(tmp_path / "run1", earlier, 1.0)
    second = _publish_reports(tmp_path / "run2", tables, 1.0, first)

    def inode(files: dict[str, list[Path]], name: str) -> int:
        return next(os.stat(p).st_ino for p in files[name] if p.parent.name == "month=2021-01")

    for name in ("document_facts", "publisher_days", "document_entities", "daily_mentions"):
        assert inode(first, name) == inode(second, name), name
    assert inode(first, "story_stats") != inode(second, "story_stats")
    connection = _published_connection(tables, second)
    assert connection.execute(
        "SELECT s.cluster_size FROM document_facts AS f JOIN story_stats AS s "
        "USING (cluster_number) WHERE f.doc_id = 'w1'"
    ).fetchone() == (4,)


def test_story_tables_are_written_in_their_declared_order(tmp_path: Path) -> None:
    """An increment puts the stories it made again among the others in ``STORY_ORDER``: the
    order the tables' queries write."""
    files = _publish_reports(tmp_path / "run", report_tables(), 1.0)
    connection = duckdb.connect(":memory:")
    for name, order in aggregates.STORY_ORDER.items():
        for path in files[name]:
            rows = connection.read_parquet(str(path))
            ordered = rows.order(order)
            assert rows.fetchall() == ordered.fetchall(), (name, path.parent.name)


@pytest.mark.parametrize("touched", [["cs1"], ["cs1", "cwide", "cpair", "cs3"]])
def test_an_increment_builds_the_rows_of_the_stories_it_touches_and_carries_the_others(
    tmp_path: Path, touched: list[str]
) -> None:
    """A BBC copy of March's "Kremlin Says" arrives (and of a story of every other month, so
    that every month's stories are built): the rows of the stories touched are made again,
    and the other March story's rows are taken from the previous files, not made again: a
    title written into the previous file is still there."""
    tables = report_tables()
    first = _publish_reports(tmp_path / "run1", tables, 1.0)
    march = next(p for p in first["story_stats"] if p.parent.name == "month=2021-03")
    rows = pq.read_table(march)
    titles = [
        "Carried" if cluster == "cs2" else title
        for cluster, title in zip(
            rows.column("cluster_id").to_pylist(), rows.column("title").to_pylist(), strict=True
        )
    ]
    march.unlink()  # a new file in its place: the build's links of it see the new rows
    pq.write_table(rows.set_column(rows.schema.get_field_index("title"), "title", [titles]), march)
    documents = tables["documents"].to_pylist()
    sizes = Counter(row["cluster_id"] for row in documents)
    for number, story in enumerate(touched):
        sizes[story] += 1
        day = dt.date(2021, 3, 11) if story == "cs1" else None
        documents.append(corpus_document(f"n{number}", "AFP", day, story, False, "A copy"))
    documents = [row | {"cluster_size": sizes[row["cluster_id"]]} for row in documents]
    later = tables | {"documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW)}
    second = _publish_reports(tmp_path / "run2", later, 1.0, first)
    built = pq.read_table(
        next(p for p in second["story_stats"] if p.parent.name == "month=2021-03")
    ).to_pylist()
    by_story = {row["cluster_id"]: row for row in built}
    assert by_story["cs2"]["title"] == "Carried"
    assert (by_story["cs1"]["copies"], by_story["cs1"]["outlets"]) == (2, 2)
    # In the order a build from scratch writes them, each story once: the widest first.
    assert [row["cluster_id"] for row in built] == ["cs1", "cs2"]
    assert {row["run_id"] for row in built} == {"run2"}
    every = [row for path in second["story_stats"] for row in pq.read_table(path).to_pylist()]
    assert sorted(row["cluster_id"] for row in every) == sorted(sizes)
    assert {row["cluster_id"]: row["copies"] for row in every} == dict(sizes)


def test_two_documents_of_a_month_given_another_outlet_build_the_month_again(
    tmp_path: Path,
) -> None:
    """February's two BBC pages become another outlet's (learned chrome named their site): the
    month is built again, though the same change in an even number of rows cancelled out of
    fingerprints made of DuckDB's plain hashes."""
    tables = report_tables()
    documents = tables["documents"].to_pylist()
    for row in documents:
        if row["publisher"] == "BBC" and row["published_date"] == dt.date(2021, 2, 10):
            row["publisher"] = "The Guardian"
    later = tables | {"documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW)}
    first = _publish_reports(tmp_path / "run1", tables, 1.0)
    second = _publish_reports(tmp_path / "run2", later, 1.0, first)
    scratch = _publish_reports(tmp_path / "scratch", later, 1.0)
    carried, whole = (_published_connection(later, files) for files in (second, scratch))
    for name, query in DECODED.items():
        got, expected = (
            sorted(connection.execute(query).fetchall(), key=repr)
            for connection in (carried, whole)
        )
        assert got == expected, name


def _report_bytes(build: Path) -> dict[str, bytes]:
    """Every report table file of a build folder, by path within it."""
    return {
        str(path.relative_to(build)): path.read_bytes()
        for name in REPORT_TABLES
        for path in table_files(build, name)
    }


def test_two_workers_write_the_files_one_worker_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build from scratch and an increment after it, by one worker and by two: byte for byte
    the same files (the same rows, order and row groups), whichever worker built a table."""
    tables = report_tables()
    documents = tables["documents"].to_pylist()
    last = max(row["published_date"] for row in documents if row["published_date"])
    earlier = [row for row in documents if row["published_date"] != last]
    ids = {row["doc_id"] for row in earlier}
    first_state = tables | {
        "documents": pa.Table.from_pylist(earlier, schema=DOCUMENTS_VIEW),
        "mentions": pa.Table.from_pylist(
            [row for row in tables["mentions"].to_pylist() if row["doc_id"] in ids],
            schema=MENTIONS,
        ),
    }
    built = {}
    for workers in (1, 2):
        monkeypatch.setattr(aggregates, "BUILD_WORKERS", workers)
        first = _publish_reports(tmp_path / f"{workers}" / "run1", first_state, 0.25)
        _publish_reports(tmp_path / f"{workers}" / "run2", tables, 0.25, first)
        built[workers] = [
            _report_bytes(tmp_path / f"{workers}" / run / "build") for run in ("run1", "run2")
        ]
    assert built[1][0].keys() == built[2][0].keys()
    assert built[1][0] == built[2][0]
    assert built[1][1] == built[2][1]
    assert any("month=" in path for path in built[2][1])


def test_a_table_that_fails_stops_the_build_and_raises_its_error(tmp_path: Path) -> None:
    """A write that fails in one worker is raised from the build, and no table waiting for the
    one that failed is started: nothing is built from a table that is not whole."""
    written = _write_inputs(tmp_path / "build", report_tables(), None)
    with pytest.raises(OSError, match="injected fault") as failure:
        aggregates.write_report_tables(
            FaultyStorage("write:document_entities=EIO"),
            tmp_path / "build",
            "r1",
            written["documents"],
            written["mentions"],
            tmp_path,
            "zstd",
            clusters=written["clusters"],
        )
    assert failure.value.errno == errno.EIO
    waiting = {"entity_documents", "daily_mentions", "daily_comentions", "filter_names"}
    assert not [name for name in waiting if (tmp_path / "build" / name).exists()]
