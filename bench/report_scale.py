"""Report query latency at a million documents, on synthetic tables (no ingest needed).

``python -m bench.report_scale [--documents 1000000] [--write]`` makes ``documents``,
``mentions`` and ``quarantine`` Parquet files shaped like a real snapshot (24 publishers, three
years, 40% of documents in clusters of copies, six entity mentions a document drawn from
skewed vocabularies of 200 countries, 500 cities, 50,000 people and 5,000 organisations), runs
every report query over them through the real staging views, unfiltered and with every filter
set, and prints the median milliseconds of 5 runs. ``--write`` puts the table into BENCHMARKS.md
under its own heading (``make bench`` keeps that section).

Generating the tables takes DuckDB well under a minute on 2 cores; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from bench.sections import REPORT_QUERIES, put_section
from warehouse import catalog

REPO = Path(__file__).resolve().parents[1]
HEADING = REPORT_QUERIES
REPEATS = 5


def make_tables(connection: duckdb.DuckDBPyConnection, folder: Path, documents: int) -> None:
    """Write the synthetic tables as Parquet files under ``folder`` and view them."""
    connection.execute("SELECT setseed(0.42)")
    connection.execute(
        """
        CREATE TEMP TABLE docs AS
        WITH base AS (
            SELECT
                i,
                -- 60% single stories; the rest in runs of up to 5 neighbours (a story's copies).
                CASE WHEN random() < 0.6 THEN i ELSE i // 5 * 5 END AS story,
                CASE WHEN random() < 0.02 THEN NULL
                     ELSE DATE '2019-01-01' + CAST(floor(random() * 1095) AS INTEGER) END
                    AS published_date,
                'Publisher ' || CAST(floor(pow(random(), 2) * 24) AS INTEGER) AS publisher
            FROM range($documents) AS t(i)
        )
        SELECT
            'd' || i AS doc_id,
            'path/' || i || '.txt' AS source_path,
            publisher,
            published_date,
            'Story number ' || story AS title,
            300 AS word_count,
            'c' || story AS cluster_id,
            CAST(count(*) OVER (PARTITION BY story) AS INTEGER) AS cluster_size,
            i = min(i) OVER (PARTITION BY story) AS is_canonical
        FROM base
        """,
        {"documents": documents},
    )
    connection.execute(
        """
        CREATE TEMP TABLE named AS
        WITH slots AS (
            SELECT doc_id, slot, pow(random(), 3) AS draw
            FROM docs CROSS JOIN range(6) AS s(slot)
        )
        SELECT
            doc_id,
            CASE WHEN slot < 3 THEN 'country' WHEN slot = 3 THEN 'city'
                 WHEN slot = 4 THEN 'person' ELSE 'organisation' END AS kind,
            CASE WHEN slot < 3 THEN 'Country ' || CAST(floor(draw * 200) AS INTEGER)
                 WHEN slot = 3 THEN 'City ' || CAST(floor(draw * 500) AS INTEGER)
                 WHEN slot = 4 THEN 'Person ' || CAST(floor(draw * 50000) AS INTEGER)
                 ELSE 'Organisation ' || CAST(floor(draw * 5000) AS INTEGER) END AS entity,
            CAST(count(*) AS INTEGER) AS mentions
        FROM slots
        GROUP BY ALL
        """
    )
    for table, query in {
        "documents": "SELECT * FROM docs",
        "mentions": "SELECT *, 'bench' AS run_id FROM named",
        "quarantine": "SELECT 'bad/' || i || '.txt' AS source_path, "
        "CASE WHEN i % 3 = 0 THEN 'empty' ELSE 'binary' END AS reason, "
        "CAST(i AS BIGINT) AS bytes FROM range(1000) t(i)",
    }.items():
        path = folder / f"{table}.parquet"
        connection.execute(
            f"COPY ({query}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)"
        )
        connection.execute(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet('{path}')"  # noqa: S608
        )
    catalog.create_staging_views(connection)


def measure(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, float, float | None]]:
    """Median milliseconds of every report, unfiltered and with every filter set."""
    filters = catalog.ReportFilters(
        dt.date(2020, 1, 1), dt.date(2020, 12, 31), "Publisher 3", "Country 1"
    )
    rows = []
    for report in catalog.report_queries():
        timings: list[float | None] = []
        for chosen in (None, filters):
            if chosen and not report.parameter_names:
                timings.append(None)
                continue
            report.run(connection, chosen)  # warm the file cache and metadata
            seconds = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                report.run(connection, chosen)
                seconds.append(time.perf_counter() - started)
            timings.append(statistics.median(seconds) * 1000)
        rows.append((report.name, timings[0] or 0.0, timings[1]))
    return rows


def markdown(documents: int, mentions: int, rows: list[tuple[str, float, float | None]]) -> str:
    """The BENCHMARKS.md section."""
    lines = [
        HEADING,
        "",
        f"`python -m bench.report_scale --documents {documents} --write`, written "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}: synthetic tables of "
        f"{documents:,} documents and {mentions:,} mention rows (see the module), every report "
        "through the real staging views, median of 5 runs after one warm-up. Filtered: 2020, "
        f"one publisher, one country. Load average {os.getloadavg()[0]:.1f} on 2 cores while "
        "measuring (the machine is shared), so these are upper bounds.",
        "",
        "| report | ms | ms filtered |",
        "|---|---|---|",
    ]
    for name, plain, filtered in rows:
        lines.append(
            f"| {name} | {plain:,.0f} | {'' if filtered is None else f'{filtered:,.0f}'} |"
        )
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into BENCHMARKS.md in place of an earlier one, or at the end."""
    put_section(path, HEADING, section)


def main() -> None:
    """Generate, measure, print (and with --write, record)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--write", action="store_true", help="record the table in BENCHMARKS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsetl-report-scale-") as folder:
        connection = duckdb.connect(":memory:")
        started = time.perf_counter()
        make_tables(connection, Path(folder), args.documents)
        row = connection.execute("SELECT count(*) FROM mentions").fetchone()
        mentions = int(row[0]) if row else 0
        print(f"tables made in {time.perf_counter() - started:.1f} s")
        section = markdown(args.documents, mentions, measure(connection))
    print(section)
    if args.write:
        write_section(REPO / "BENCHMARKS.md", section)


if __name__ == "__main__":
    main()
