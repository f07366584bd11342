"""The report SQL: layered views, bound filters and the answers a reader checks."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.warehouse.report_corpus import report_connection, report_tables
from warehouse import catalog
from warehouse.catalog import ReportFilters
from warehouse.store import Snapshot

REPORT_KEYS = [
    "volume_by_publisher_month",
    "duplicates",
    "quarantine_by_reason",
    "syndication_reach",
    "widest_syndicated",
    "top_entities",
    "entities_by_month",
    "country_comentions",
    "agency_reach",
    "who_copies_whom",
    "spread_speed",
    "original_sources",
]


def answer(key: str, filters: ReportFilters | None = None) -> list[dict[str, Any]]:
    [report] = [r for r in catalog.report_queries() if r.key == key]
    columns, rows = report.run(report_connection(), filters)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_every_report_says_what_question_it_answers() -> None:
    reports = catalog.report_queries()
    assert [r.key for r in reports] == REPORT_KEYS
    for report in reports:
        assert report.name and len(report.question) > 30, report.key
        assert report.sql.startswith(f"-- {report.name}: ")
        assert set(report.parameter_names) <= {"from", "to", "publisher", "entity"}


def test_filters_are_bound_parameters_not_sql_text() -> None:
    for sql_file in sorted((catalog.SQL_DIR).rglob("*.sql")):
        text = sql_file.read_text()
        assert not re.search(r"\{\w*\}|%s|%\(", text), f"{sql_file} has a format placeholder"
    filtered = [r for r in catalog.report_queries() if r.key != "quarantine_by_reason"]
    for report in filtered:
        assert report.parameter_names == ["from", "to", "publisher", "entity"], report.key


def test_volume_by_publisher_and_month() -> None:
    rows = answer("volume_by_publisher_month")
    assert [(r["publisher"], r["month"], r["documents"], r["stories"]) for r in rows] == [
        ("BBC", "2021-02", 2, 0),
        ("BBC", "undated", 1, 1),
        ("Reuters", "2021-01", 1, 1),
        ("Reuters", "2021-02", 1, 1),
        ("TASS", "2021-01", 1, 0),
        ("TASS", "2021-03", 3, 2),
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ReportFilters(date_from=dt.date(2021, 2, 1)), {"BBC": 2, "Reuters": 1, "TASS": 3}),
        (ReportFilters(date_to=dt.date(2021, 1, 31)), {"Reuters": 1, "TASS": 1}),
        (
            ReportFilters(date_from=dt.date(2021, 2, 10), date_to=dt.date(2021, 2, 10)),
            {"BBC": 2, "Reuters": 1},
        ),
        (ReportFilters(publisher="tass"), {"TASS": 4}),
        (ReportFilters(entity="dmitry peskov"), {"Reuters": 1, "TASS": 1}),
        (ReportFilters(entity="Myanmar", publisher="BBC"), {"BBC": 1}),
        (ReportFilters(publisher="x' OR 1=1 --"), {}),
        (ReportFilters(entity="Atlantis"), {}),
    ],
)
def test_filters_narrow_the_documents(filters: ReportFilters, expected: dict[str, int]) -> None:
    documents: dict[str, int] = {}
    for row in answer("volume_by_publisher_month", filters):
        documents[row["publisher"]] = documents.get(row["publisher"], 0) + row["documents"]
    assert documents == expected


def test_duplicates_and_quarantine() -> None:
    assert answer("duplicates") == [
        {
            "documents": 9,
            "stories": 5,
            "duplicates": 4,
            "clusters_with_copies": 2,
            "largest_cluster": 4,
        }
    ]
    quarantine = answer("quarantine_by_reason")
    assert [(r["reason"], r["files"], r["bytes"]) for r in quarantine] == [
        ("empty", 2, 3),
        ("binary", 1, 1024),
    ]


def test_syndication_reach_counts_outlets_not_copies() -> None:
    rows = answer("syndication_reach")
    assert [(r["outlets"], r["stories"], r["documents"]) for r in rows] == [
        (1, 3, 3),
        (2, 1, 2),
        (3, 1, 4),
    ]
    # A publisher's stories keep the reach that all of their copies give them.
    bbc = answer("syndication_reach", ReportFilters(publisher="BBC"))
    assert [(r["outlets"], r["stories"]) for r in bbc] == [(1, 1), (3, 1)]


def test_widest_syndicated_stories_come_first_with_their_dates() -> None:
    rows = answer("widest_syndicated")
    assert [(r["title"], r["outlets"], r["copies"]) for r in rows[:2]] == [
        ("Talks In Geneva", 3, 4),
        ("Ceasefire Holds", 2, 2),
    ]
    assert (rows[0]["first_date"], rows[0]["last_date"]) == (
        dt.date(2021, 1, 10),
        dt.date(2021, 2, 10),
    )
    assert rows[0]["publishers"] == "BBC, Reuters, TASS"


def test_top_entities_rank_by_documents_with_trend() -> None:
    rows = answer("top_entities")
    by_entity = {(r["kind"], r["entity"]): r for r in rows}
    russia = by_entity["country", "Russia"]
    assert (russia["rank"], russia["documents"], russia["mentions"], russia["months"]) == (
        1,
        6,
        9,
        3,
    )
    # 1, 2 and 3 documents in January, February and March: one more each month.
    assert russia["trend"] == pytest.approx(1.0)
    # 1, 1 and 0: falling by half a document a month.
    assert by_entity["country", "Myanmar"]["trend"] == pytest.approx(-0.5)
    assert by_entity["person", "Dmitry Peskov"]["documents"] == 2
    assert all(kind != "city" for kind, _ in by_entity)
    assert [r["kind"] for r in rows] == sorted(
        (r["kind"] for r in rows), key=["country", "person", "organisation"].index
    )


def test_a_period_of_one_month_has_no_trend() -> None:
    """One point fits no line: the trend is NULL, not NaN (shown as a number by a renderer)."""
    rows = answer("top_entities", ReportFilters(dt.date(2021, 2, 1), dt.date(2021, 2, 28)))
    assert rows and all(r["trend"] is None for r in rows)


def test_entities_by_month_fills_months_without_mentions() -> None:
    rows = answer("entities_by_month")
    russia = [(r["month"], r["documents"]) for r in rows if r["entity"] == "Russia"]
    assert russia == [("2021-01", 1), ("2021-02", 2), ("2021-03", 3)]
    peskov = [(r["month"], r["documents"]) for r in rows if r["entity"] == "Dmitry Peskov"]
    assert peskov == [("2021-01", 1), ("2021-02", 0), ("2021-03", 1)]


def test_country_comentions_count_each_pair_once() -> None:
    rows = answer("country_comentions")
    assert [(r["country"], r["other_country"], r["documents"]) for r in rows] == [
        ("Myanmar", "Russia", 2),
        ("China", "Russia", 1),
    ]
    assert answer("country_comentions", ReportFilters(publisher="TASS")) == [
        {"country": "China", "other_country": "Russia", "documents": 1}
    ]


def test_run_reports_answers_every_report_in_order() -> None:
    results = catalog.run_reports(report_connection(), ReportFilters(entity="Russia"))
    assert [r.query.key for r in results] == REPORT_KEYS
    assert all(r.columns for r in results)
    chosen = catalog.run_reports(report_connection(), keys={"top_entities", "duplicates"})
    assert [r.query.key for r in chosen] == ["duplicates", "top_entities"]
    every = {r.query.key: r.rows for r in catalog.run_reports(report_connection())}
    assert all(r.rows == every[r.query.key] for r in chosen)


def test_snapshots_from_before_mentions_still_report(tmp_path: Path) -> None:
    """A snapshot published before the mentions table existed reads it as empty."""
    tables = report_tables()
    manifest: dict[str, Any] = {"tables": {}}
    for name in ("documents", "quarantine"):
        (tmp_path / name).mkdir()
        pq.write_table(tables[name], tmp_path / name / "part-0.parquet")
        manifest["tables"][name] = {"files": [f"{name}/part-0.parquet"], "rows": 1}
    connection = duckdb.connect(":memory:")
    catalog.create_views(connection, Snapshot("old", tmp_path, manifest))
    results = {r.query.key: r for r in catalog.run_reports(connection)}
    assert results["top_entities"].rows == [] and results["country_comentions"].rows == []
    assert results["duplicates"].rows[0][0] == 9
