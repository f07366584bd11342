"""Report query latency at a million documents, on a real warehouse or on synthetic tables.

``python -m bench.report_scale --warehouse DIR [--add-report-tables] [--write]`` times every
report query over the current snapshot of a warehouse (``make bench-full`` leaves one of a
million articles), unfiltered, with every filter set (a 30-day range from the first day of the
biggest publisher, that publisher, entity Russia, as ``bench.run`` does) and with each filter
alone, and prints the median milliseconds of 7 runs after one warm-up. ``--add-report-tables``
first gives a snapshot published before the report tables a new snapshot with them (the
original files hard-linked), timing the build as publish runs it.

Without ``--warehouse`` it makes ``documents``, ``mentions`` and ``quarantine`` Parquet files
shaped like a real snapshot (24 publishers, three years, 40% of documents in clusters of copies,
six entity mentions a document drawn from skewed vocabularies of 200 countries, 500 cities,
50,000 people and 5,000 organisations, a third of the documents crediting one of four wires),
builds the report tables from them as publish does, and times the reports the same way. ``--write`` puts the table into BENCHMARKS.md under its own
heading (``make bench`` keeps that section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from bench.sections import REPORT_QUERIES, put_section
from warehouse import aggregates, catalog
from warehouse.schemas import REPORT_TABLES
from warehouse.storage import Storage
from warehouse.store import (
    COMPRESSION,
    CURRENT,
    MANIFEST_FILE,
    SNAPSHOTS,
    STAGING,
    Warehouse,
    new_snapshot_id,
)

REPO = Path(__file__).resolve().parents[1]
HEADING = REPORT_QUERIES
REPEATS = 7
BUILD_REPEATS = 3
FilterSets = dict[str, catalog.ReportFilters]


def make_tables(connection: duckdb.DuckDBPyConnection, folder: Path, documents: int) -> float:
    """Write the synthetic tables and their report tables under ``folder`` and view them.

    Returns:
        Seconds the report tables took to build.
    """
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
            CASE WHEN i % 3 = 0 THEN 'AFP' WHEN i % 3 = 1 THEN 'Reuters' END AS agency,
            published_date,
            CASE WHEN published_date IS NULL THEN 'none' ELSE 'day' END AS date_precision,
            -- A third of the documents credit one of four wires in their dateline.
            CASE WHEN random() < 0.33
                THEN (['AFP', 'Reuters', 'AP', 'TASS'])[1 + CAST(floor(random() * 4) AS INTEGER)]
            END AS dateline_agency,
            CAST(NULL AS VARCHAR) AS byline,
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
        _view(connection, table, [path])
    started = time.perf_counter()
    aggregates.write_report_tables(
        Storage(),
        folder / "report",
        "bench",
        [folder / "documents.parquet"],
        [folder / "mentions.parquet"],
        spill_dir=folder,
        compression=COMPRESSION,
    )
    seconds = time.perf_counter() - started
    for table in REPORT_TABLES:
        _view(connection, table, sorted((folder / "report" / table).rglob("*.parquet")))
    catalog.create_staging_views(connection)
    return seconds


def _view(connection: duckdb.DuckDBPyConnection, table: str, files: list[Path]) -> None:
    paths = ", ".join(f"'{path}'" for path in files)
    connection.execute(
        f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet([{paths}])"  # noqa: S608
    )


def add_report_tables(root: Path) -> tuple[str, float, float, float]:
    """Give a warehouse's current snapshot its report tables, as a new snapshot.

    The other tables' files are hard-linked from the current snapshot; the report tables are
    built as publish builds them (stamped with the run that published the snapshot), then the
    snapshot is renamed in and the pointer swapped. Hold no run meanwhile: this takes no lock.

    Returns:
        The new snapshot's id, the build's median wall and CPU seconds over ``BUILD_REPEATS``
        builds (CPU: both threads, which a busy neighbour on the machine does not inflate as it
        does the wall time) and the peak RSS (MB) of this process.
    """
    warehouse = Warehouse(root)
    current = warehouse.snapshot()
    missing = [t for t in REPORT_TABLES if t not in current.manifest["tables"]]
    if not missing:
        return current.snapshot_id, 0.0, 0.0, 0.0
    snapshot_id = new_snapshot_id(dt.datetime.now(dt.UTC))
    rows: dict[str, int] = {}
    staging = root / STAGING / f"report-tables-{snapshot_id}"
    build = staging / "snapshot"
    for table in current.manifest["tables"]:
        if table in REPORT_TABLES:
            # Built again below, into the same file names: a link would be written through, into
            # the current snapshot's file.
            continue
        for path in current.files(table):
            target = build / path.relative_to(current.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
    seconds, cpu_seconds = [], []
    for attempt in range(BUILD_REPEATS):
        # The first build is the one published; the others only time it again.
        folder = build if attempt == 0 else staging / f"again-{attempt}"
        started, cpu_started = time.perf_counter(), time.process_time()
        built = aggregates.write_report_tables(
            Storage(),
            folder,
            current.manifest["run_id"],
            current.files("documents"),
            current.files("mentions"),
            spill_dir=staging,
            compression=COMPRESSION,
            clusters=current.files("clusters"),
        )
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
        rows = rows or built
        if folder != build:
            shutil.rmtree(folder)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    manifest = current.manifest | {
        "snapshot_id": snapshot_id,
        "parent_snapshot_id": current.snapshot_id,
        "tables": current.manifest["tables"]
        | {
            table: {
                "files": sorted(
                    str(p.relative_to(build)) for p in (build / table).rglob("*.parquet")
                ),
                "rows": count,
            }
            for table, count in rows.items()
        },
    }
    (build / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.rename(build, root / SNAPSHOTS / snapshot_id)
    pointer = root / f".{CURRENT}.{snapshot_id}.tmp"
    os.symlink(Path(SNAPSHOTS) / snapshot_id, pointer)
    os.replace(pointer, root / CURRENT)
    shutil.rmtree(staging)
    catalog.write_catalog(warehouse, warehouse.snapshot(snapshot_id))
    return snapshot_id, statistics.median(seconds), statistics.median(cpu_seconds), peak_mb


def warehouse_filters(connection: duckdb.DuckDBPyConnection) -> FilterSets:
    """bench.run's filters on a real warehouse, all together and each alone."""
    row = connection.execute(
        "select publisher, min(published_date) from documents where published_date is not null "
        "group by 1 order by count(*) desc limit 1"
    ).fetchone()
    publisher, first_day = row if row else ("unknown", dt.date(2021, 1, 1))
    last_day = first_day + dt.timedelta(days=30)
    # The most named person: below the frequent-name share, so the slowest per-document case.
    person = connection.execute(
        "select e.entity from entity_documents join entities as e using (entity_number) "
        "where e.kind = 'person' group by e.entity order by count(*) desc, e.entity limit 1"
    ).fetchone()
    return {
        "all filters": catalog.ReportFilters(first_day, last_day, publisher, "Russia"),
        "30 days": catalog.ReportFilters(first_day, last_day),
        "publisher": catalog.ReportFilters(publisher=publisher),
        "entity": catalog.ReportFilters(entity="Russia"),
        "top person": catalog.ReportFilters(entity=person[0] if person else "unknown"),
    }


SYNTHETIC_FILTERS: FilterSets = {
    "all filters": catalog.ReportFilters(
        dt.date(2020, 1, 1), dt.date(2020, 12, 31), "Publisher 3", "Country 1"
    )
}


def measure(
    connection: duckdb.DuckDBPyConnection, filter_sets: FilterSets, repeats: int = REPEATS
) -> list[tuple[str, list[float | None]]]:
    """Median milliseconds of every report, unfiltered and with each set of filters."""
    rows = []
    for report in catalog.report_queries():
        timings: list[float | None] = []
        for chosen in [None, *filter_sets.values()]:
            if chosen and not report.parameter_names:
                timings.append(None)
                continue
            timings.append(_median_ms(lambda r=report, f=chosen: r.run(connection, f), repeats))
        rows.append((report.name, timings))
    return rows


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    run()  # warm the file cache and metadata
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000


def markdown(how: str, filter_sets: FilterSets, rows: list[tuple[str, list[float | None]]]) -> str:
    """The BENCHMARKS.md section: ``how`` says what was measured and how."""
    columns = ["ms", *(f"ms, {name}" for name in filter_sets)]
    lines = [
        HEADING,
        "",
        how,
        "",
        "| report | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, timings in rows:
        cells = ["" if ms is None else f"{ms:,.0f}" for ms in timings]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _machine() -> str:
    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}; load average {load:.1f} while measuring (the machine "
        "is shared), so these are upper bounds"
    )


def _measure_warehouse(
    root: Path, add_tables: bool, now: str
) -> tuple[str, FilterSets, list[tuple[str, list[float | None]]]]:
    build = ""
    if add_tables:
        snapshot_id, seconds, cpu_seconds, peak_mb = add_report_tables(root)
        if seconds:
            build = (
                f" The report tables were added first (`--add-report-tables`, snapshot "
                f"`{snapshot_id}`), built as publish builds them: {seconds:.1f} s wall and "
                f"{cpu_seconds:.1f} s of CPU on two threads (medians of {BUILD_REPEATS} builds), "
                f"peak RSS of the process {peak_mb:,.0f} MB (Python, pyarrow and DuckDB "
                "together, before the reports ran)."
            )
            print(build.strip(), flush=True)
    connection = catalog.connect(Warehouse(root))
    documents = connection.execute("select count(*) from documents").fetchone()
    filter_sets = warehouse_filters(connection)
    described = "; ".join(f"{name}: {f.describe()}" for name, f in filter_sets.items())
    how = (
        f"`python -m bench.report_scale --warehouse DIR --add-report-tables --write`, written "
        f"{now}, on a copy of the {documents[0] if documents else 0:,}-document warehouse of "
        f"`make bench-full` (`catalog.connect`: views over the snapshot's Parquet files). "
        f"Median of {REPEATS} runs after one warm-up. Filters: {described}.{build} "
        f"Machine: {_machine()}."
    )
    return how, filter_sets, measure(connection, filter_sets)


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into BENCHMARKS.md in place of an earlier one, or at the end."""
    put_section(path, HEADING, section)


def main() -> None:
    """Measure, print (and with --write, record)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="time a real warehouse's current snapshot")
    parser.add_argument(
        "--add-report-tables",
        action="store_true",
        help="first give a snapshot published without report tables a new snapshot with them",
    )
    parser.add_argument("--documents", type=int, default=1_000_000, help="synthetic documents")
    parser.add_argument("--write", action="store_true", help="record the table in BENCHMARKS.md")
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if args.warehouse:
        how, filter_sets, rows = _measure_warehouse(args.warehouse, args.add_report_tables, now)
    else:
        with tempfile.TemporaryDirectory(prefix="newsetl-report-scale-") as folder:
            connection = duckdb.connect(":memory:")
            started = time.perf_counter()
            seconds = make_tables(connection, Path(folder), args.documents)
            print(f"tables made in {time.perf_counter() - started:.1f} s")
            filter_sets = SYNTHETIC_FILTERS
            how = (
                f"`python -m bench.report_scale --documents {args.documents} --write`, written "
                f"{now}: synthetic tables of {args.documents:,} documents (see the module), "
                f"report tables built as publish does in {seconds:.1f} s, median of {REPEATS} "
                f"runs after one warm-up; filtered: 2020, one publisher, one country. "
                f"Machine: {_machine()}."
            )
            rows = measure(connection, filter_sets)
    section = markdown(how, filter_sets, rows)
    print(section)
    if args.write:
        write_section(REPO / "BENCHMARKS.md", section)


if __name__ == "__main__":
    main()
