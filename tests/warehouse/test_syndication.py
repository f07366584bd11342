"""Syndication: each story's wire, first-seen outlet and spread; who copies whom; the reports.

A hand-made corpus with the answers a reader would check, then random warehouses whose reports
must equal the reference SQL (``reference_sql/``), which counts from the documents directly.
"""

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.warehouse.report_corpus import document
from tests.warehouse.test_report_tables import (
    answers,
    reference_connection,
    reference_queries,
    report_connection,
    report_filters,
    warehouses,
)
from warehouse import catalog
from warehouse.catalog import ReportFilters
from warehouse.schemas import DOCUMENTS_VIEW, MENTIONS, QUARANTINE

SYNDICATION_REPORTS = ("agency_reach", "who_copies_whom", "spread_speed", "original_sources")
DC, MH, VT = "Daily Courier", "Metro Herald", "Valley Tribune"


def _document(
    doc_id: str,
    cluster: str,
    publisher: str,
    day: dt.date | None,
    *,
    canonical: bool = False,
    precision: str = "day",
    agency: str | None = None,
) -> dict[str, Any]:
    return document(doc_id, publisher, day, cluster, canonical, f"Story {cluster}") | {
        "date_precision": precision if day else "none",
        "agency": agency,
    }


def corpus() -> dict[str, pa.Table]:
    jan, feb = dt.date(2021, 1, 9), dt.date(2021, 2, 1)
    documents = [
        # An AFP story: on AFP's own page first, then the same day in two papers, then a third.
        _document("w1", "cwire", DC, jan + dt.timedelta(1), canonical=True, agency="AFP"),
        _document("w2", "cwire", MH, jan + dt.timedelta(1), agency="AFP"),
        _document("w3", "cwire", VT, jan + dt.timedelta(3)),
        _document("w4", "cwire", "AFP", jan, agency="AFP"),
        _document("w5", "cwire", MH, jan + dt.timedelta(6)),
        # The Courier's own story, copied two days later, and by a paper dated to the month only.
        _document("o1", "cown", DC, feb, canonical=True),
        _document("o2", "cown", MH, feb + dt.timedelta(2)),
        _document("o3", "cown", VT, feb, precision="month"),
        _document("o4", "cown", "unknown", None),
        # Two papers the same day: a tie, the one with the canonical document named first.
        _document("t1", "ctie", MH, dt.date(2021, 3, 5)),
        _document("t2", "ctie", VT, dt.date(2021, 3, 5), canonical=True),
        # One undated document.
        _document("s1", "csingle", "unknown", None, canonical=True),
        # A month-only date is never first over a copy dated within that month.
        _document("m1", "cmonth", DC, dt.date(2021, 4, 1), canonical=True, precision="month"),
        _document("m2", "cmonth", MH, dt.date(2021, 4, 20)),
    ]
    sizes: dict[str, int] = {}
    for row in documents:
        sizes[row["cluster_id"]] = sizes.get(row["cluster_id"], 0) + 1
    for row in documents:
        row["cluster_size"] = sizes[row["cluster_id"]]
    return {
        "documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW),
        "mentions": MENTIONS.empty_table(),
        "quarantine": QUARANTINE.empty_table(),
    }


@pytest.fixture(scope="module")
def connection() -> duckdb.DuckDBPyConnection:
    return report_connection(corpus())


def rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def report(
    connection: duckdb.DuckDBPyConnection, key: str, filters: ReportFilters | None = None
) -> list[tuple]:
    [query] = [q for q in catalog.report_queries() if q.key == key]
    return [tuple(row) for row in query.run(connection, filters)[1]]


def test_each_story_has_its_wire_first_seen_and_spread(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    stories = {
        s["cluster_id"]: s
        for s in rows(connection, "select * exclude (run_id, cluster_number) from stories")
    }
    wire = stories["cwire"]
    assert (wire["agency"], wire["agency_documents"]) == ("AFP", 3)
    assert (wire["first_seen_date"], wire["first_seen_publisher"]) == (dt.date(2021, 1, 9), "AFP")
    assert (wire["outlets"], wire["copies"], wire["first_day_outlets"]) == (4, 5, 1)
    assert (wire["spread_days"], wire["days_to_2_outlets"], wire["days_to_5_outlets"]) == (
        6,
        1,
        None,
    )
    assert (wire["month"], wire["canonical_doc_id"], wire["title"]) == (
        "2021-01",
        "w1",
        "Story cwire",
    )
    own = stories["cown"]
    assert own["agency"] is None and own["agency_documents"] == 0
    assert (own["first_seen_publisher"], own["outlets"], own["copies"]) == (DC, 4, 4)
    # The paper dated "February" counts on the 28th: 27 days after the Courier.
    assert (own["days_to_2_outlets"], own["spread_days"]) == (2, 27)
    tie = stories["ctie"]
    assert (tie["first_seen_publisher"], tie["first_day_outlets"], tie["days_to_2_outlets"]) == (
        VT,
        2,
        0,
    )
    single = stories["csingle"]
    assert single["first_seen_date"] is None and single["month"] == "undated"
    assert (single["first_seen_publisher"], single["outlets"], single["spread_days"]) == (
        "unknown",
        1,
        None,
    )
    month = stories["cmonth"]
    assert (month["first_seen_publisher"], month["first_seen_date"]) == (MH, dt.date(2021, 4, 20))
    assert (month["agency"], month["days_to_2_outlets"]) == (None, 10)


def test_each_outlet_of_a_story_has_its_part(connection: duckdb.DuckDBPyConnection) -> None:
    parts = {
        (o["cluster_id"], o["publisher"]): (o["outlet_rank"], o["role"], o["lag_days"], o["copies"])
        for o in rows(connection, "select * from story_outlets")
    }
    assert parts == {
        ("cwire", "AFP"): (1, "own", 0, 1),  # the wire itself
        ("cwire", DC): (2, "wire", 1, 1),  # holds the canonical document: before MH that day
        ("cwire", MH): (3, "wire", 1, 2),
        ("cwire", VT): (4, "wire", 3, 1),
        ("cown", DC): (1, "own", 0, 1),
        ("cown", MH): (2, "copied", 2, 1),
        ("cown", VT): (3, "copied", 27, 1),
        ("cown", "unknown"): (4, "unclear", None, 1),
        ("ctie", VT): (1, "unclear", 0, 1),
        ("ctie", MH): (2, "unclear", 0, 1),
        ("csingle", "unknown"): (1, "own", None, 1),
        ("cmonth", MH): (1, "own", 0, 1),
        ("cmonth", DC): (2, "copied", 10, 1),
    }


def test_who_copies_whom(connection: duckdb.DuckDBPyConnection) -> None:
    assert report(connection, "who_copies_whom") == [
        (DC, VT, 2, 14.5),  # 2 and 27 days later
        (MH, VT, 2, 13.5),  # 2 and 25
        ("AFP", DC, 1, 1.0),
        ("AFP", MH, 1, 1.0),
        ("AFP", VT, 1, 3.0),
        (DC, MH, 1, 2.0),
        (MH, DC, 1, 10.0),
    ]
    # Filtered: the stories the Tribune carried (a story is in when one of its copies is).
    assert report(connection, "who_copies_whom", ReportFilters(publisher="valley tribune")) == [
        (DC, VT, 2, 14.5),
        (MH, VT, 2, 13.5),
        ("AFP", DC, 1, 1.0),
        ("AFP", MH, 1, 1.0),
        ("AFP", VT, 1, 3.0),
        (DC, MH, 1, 2.0),
    ]


def test_original_sources_and_shares_of_output(connection: duckdb.DuckDBPyConnection) -> None:
    got = {row[0]: row[1:] for row in report(connection, "original_sources")}
    # documents, first seen, picked up, mean outlets reached, wire, copied, own, unclear shares
    assert got[DC] == (3, 1, 1, 4.0, 0.333, 0.333, 0.333, 0.0)
    assert got[MH] == (5, 1, 1, 2.0, 0.4, 0.2, 0.2, 0.2)
    assert got["AFP"] == (1, 1, 1, 4.0, 0.0, 0.0, 1.0, 0.0)
    assert got["unknown"] == (2, 1, 0, 1.0, 0.0, 0.0, 0.5, 0.5)
    assert list(got) == [MH, DC, VT, "AFP", "unknown"]  # ties on stories: most documents


def test_spread_speed_and_agency_reach(connection: duckdb.DuckDBPyConnection) -> None:
    spread = report(connection, "spread_speed")
    assert spread[0] == ("all stories", 5, 4, 1.5, 0, None, 0, None, 8.0)
    assert spread[1:] == [
        ("(no wire)", 4, 3, 2.0, 0, None, 0, None, 10.0),
        ("AFP", 1, 1, 1.0, 0, None, 0, None, 6.0),
    ]
    assert report(connection, "agency_reach") == [("AFP", "2021-01", 1, 5, 4, 4.0)]
    assert report(connection, "agency_reach", ReportFilters(date_from=dt.date(2021, 2, 1))) == []


def test_reports_equal_the_reference_on_the_corpus() -> None:
    tables = corpus()
    got = report_connection(tables)
    expected = reference_connection(tables)
    reference = [q for q in reference_queries() if q.key in SYNDICATION_REPORTS]
    real = [q for q in catalog.report_queries() if q.key in SYNDICATION_REPORTS]
    for chosen in (
        ReportFilters(),
        ReportFilters(publisher="Metro Herald"),
        ReportFilters(dt.date(2021, 1, 10), dt.date(2021, 2, 3)),
    ):
        assert answers(got, real, chosen) == answers(expected, reference, chosen), chosen


AGENCY_CREDITS = [None, None, "AFP", "Reuters", "TASS"]


@st.composite
def wire_warehouses(draw: st.DrawFn) -> dict[str, pa.Table]:
    """The random warehouses of test_report_tables, with credited wires and month-only dates."""
    tables = draw(warehouses())
    documents = tables["documents"].to_pylist()
    for row in documents:
        row["agency"] = draw(st.sampled_from(AGENCY_CREDITS))
        if row["published_date"] is not None and draw(st.integers(0, 4)) == 0:
            row["published_date"] = row["published_date"].replace(day=1)
            row["date_precision"] = "month"
    return tables | {"documents": pa.Table.from_pylist(documents, schema=DOCUMENTS_VIEW)}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(tables=wire_warehouses(), filters=st.lists(report_filters, min_size=1, max_size=3))
def test_syndication_reports_equal_the_reference(
    tables: dict[str, pa.Table], filters: list[ReportFilters]
) -> None:
    reference = [q for q in reference_queries() if q.key in SYNDICATION_REPORTS]
    real = [q for q in catalog.report_queries() if q.key in SYNDICATION_REPORTS]
    expected_connection = reference_connection(tables)
    connection = report_connection(tables)
    for chosen in [ReportFilters(), *filters]:
        assert answers(connection, real, chosen) == answers(expected_connection, reference, chosen)
    # And the story table itself: every column the reference derives.
    columns = (
        "cluster_id, agency, first_seen_date, first_seen_publisher, outlets, copies, "
        "spread_days, days_to_2_outlets, days_to_5_outlets, days_to_10_outlets, month"
    )
    ordered = f"select {columns} from {{}} order by cluster_id"  # noqa: S608
    assert connection.execute(ordered.format("stories")).fetchall() == (
        expected_connection.execute(ordered.format("ref_stories")).fetchall()
    )
