"""Syndication against the generator's truth and on Reuters-21578, and what it costs at scale.

``python -m bench.syndication [--size 10000] [--write]`` generates (or reuses) a corpus, runs
``newsetl run`` on it and on Reuters-21578, and measures:

* **the wire of each story** (``stories.agency``) against the agency the generator's files credit
  (a ``/TASS/.`` or ``(Reuters) -`` dateline, a ``By AFP`` byline, a sign-off: a story whose files
  credit none has no knowable wire, and should get none);
* **the first-seen outlet** against the generator's dates: the outlet of the story's earliest
  copy, where one copy is the earliest (a tie of the same day has no truth to be right about;
  the share of ties is reported), with the publishers newsetl extracted and, to judge the
  first-seen rules alone, with the generator's publishers put in their place;
* **Reuters-21578**: the share of stories whose wire is Reuters.

With ``--corpus DIR --warehouse DIR`` it measures a run that exists (``make bench-full``'s).
``python -m bench.syndication --cost --warehouse DIR [--repeats 2] [--write]`` times, on a
published warehouse (``bench.scale`` leaves one of a million articles), what syndication adds to
a publish: the report tables ``story_outlets``, ``stories`` and ``outlet_pairs`` within all
report tables built as publish builds them, and what the passages of every near copy, computed
from scratch beside that build as a first run's publish computes them, add to it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from bench.run import REPO, SHARED_CORPORA, machine, query, run_newsetl, unpack
from bench.sections import SYNDICATION_COST, SYNDICATION_QUALITY, put_section

# The agency in a dateline the generator printed: `/TASS/.` or `(Reuters) -`.
PRINTED_AGENCY = re.compile(r"/(\w+)/\.$|\((\w+)\) -$")


def truth_stories(corpus: Path) -> dict[str, dict[str, Any]]:
    """Per story of the generator: its printed wire, first outlet (None for a tie), outlets."""
    truth = pq.read_table(
        corpus / "truth.parquet",
        columns=[
            "story_id",
            "publisher",
            "published_date",
            "date_precision",
            "expected",
            "dateline",
            "agency",
        ],
    ).to_pylist()
    stories: dict[str, dict[str, Any]] = {}
    for row in truth:
        if row["expected"] != "accepted":
            continue
        story = stories.setdefault(
            row["story_id"], {"agency": None, "in_dateline": False, "days": {}}
        )
        story["agency"] = story["agency"] or row["agency"]
        story["in_dateline"] |= bool(PRINTED_AGENCY.search(row["dateline"] or ""))
        day = row["published_date"]
        if day is not None and row["date_precision"] == "month":
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
        if day is not None:
            # An outlet's day is its earliest copy's.
            known = story["days"].get(row["publisher"])
            story["days"][row["publisher"]] = day if known is None else min(known, day)
        else:
            story["days"].setdefault(row["publisher"], None)
    for story in stories.values():
        dated = {outlet: day for outlet, day in story["days"].items() if day is not None}
        first_day = min(dated.values(), default=None)
        firsts = [outlet for outlet, day in dated.items() if day == first_day]
        story["outlets"] = len(story["days"])
        story["first"] = firsts[0] if len(firsts) == 1 else None
        story["tied"] = len(firsts) > 1
    return stories


def _story_rows(connection: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = connection.execute(
        "SELECT d.source_path, s.agency, s.first_seen_publisher, s.outlets "
        "FROM stories AS s JOIN documents AS d ON d.doc_id = s.canonical_doc_id"
    )
    names = [c[0] for c in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _story_of(corpus: Path) -> dict[str, str]:
    truth = pq.read_table(corpus / "truth.parquet", columns=["source_path", "story_id"])
    return dict(zip(*(truth.column(c).to_pylist() for c in truth.column_names), strict=True))


def agency_scores(corpus: Path, connection: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Each story's wire against the one its files print (the story of its canonical file)."""
    stories, story_of = truth_stories(corpus), _story_of(corpus)
    rows = [r for r in _story_rows(connection) if r["source_path"] in story_of]
    truth = [stories[story_of[r["source_path"]]] for r in rows]
    got = [r["agency"] for r in rows]
    printed = sum(1 for t in truth if t["agency"])
    in_dateline = [(t, g) for t, g in zip(truth, got, strict=True) if t["in_dateline"]]
    attributed = sum(1 for g in got if g)
    right = sum(1 for t, g in zip(truth, got, strict=True) if g and g == t["agency"])
    agree = sum(1 for t, g in zip(truth, got, strict=True) if g == t["agency"])
    return {
        "stories": len(rows),
        "printed": printed,
        "in_dateline": len(in_dateline),
        "attributed": attributed,
        "precision": right / max(attributed, 1),
        "recall": right / max(printed, 1),
        "dateline_recall": sum(1 for t, g in in_dateline if g == t["agency"])
        / max(len(in_dateline), 1),
        "accuracy": agree / max(len(rows), 1),
    }


def first_seen_scores(corpus: Path, connection: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The first-seen outlet against the generator's, over stories of 2+ outlets."""
    stories, story_of = truth_stories(corpus), _story_of(corpus)
    rows = [r for r in _story_rows(connection) if r["source_path"] in story_of]
    wide = [(r, stories[story_of[r["source_path"]]]) for r in rows]
    wide = [(r, s) for r, s in wide if s["outlets"] > 1]
    known = [(r, s) for r, s in wide if s["first"] is not None]
    right = sum(1 for r, s in known if r["first_seen_publisher"] == s["first"])
    return {
        "stories": len(wide),
        "tied": sum(1 for _, s in wide if s["tied"]),
        "known": len(known),
        "accuracy": right / max(len(known), 1),
    }


def with_truth_publishers(corpus: Path, warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse's documents with the generator's publishers, and report tables from them."""
    from warehouse import aggregates
    from warehouse.documents_view import documents_select
    from warehouse.schemas import MENTIONS
    from warehouse.store import Warehouse

    snapshot = Warehouse(warehouse).snapshot()
    documents = documents_select(snapshot.files("documents"), snapshot.files("clusters"))
    connection = duckdb.connect(":memory:")
    connection.execute(
        "CREATE TABLE documents AS SELECT d.* REPLACE (t.publisher AS publisher) "  # noqa: S608
        f"FROM ({documents}) AS d JOIN read_parquet($truth) AS t USING (source_path)",
        {"truth": str(corpus / "truth.parquet")},
    )
    connection.from_arrow(MENTIONS.empty_table()).create("mentions")
    aggregates.create_report_tables(connection)
    return connection


def reuters(work: Path, env: dict[str, str]) -> dict[str, Any] | str:
    """Run newsetl on Reuters-21578; the wires its stories get."""
    archive = SHARED_CORPORA / "reuters21578.tar.gz"
    if not archive.is_file():
        return f"{archive} absent: not measured"
    root = unpack(archive, work)
    warehouse = work / "warehouse-syndication-reuters"
    shutil.rmtree(warehouse, ignore_errors=True)
    run_newsetl(root, warehouse, env)
    [row] = query(
        warehouse,
        "SELECT count(*) AS stories, count(*) FILTER (WHERE agency = 'Reuters') AS reuters, "
        "count(*) FILTER (WHERE agency IS NULL) AS none, "
        "string_agg(DISTINCT agency, ', ') FILTER (WHERE agency <> 'Reuters') AS others, "
        "(SELECT count(*) FROM documents) AS documents, "
        "(SELECT count(*) FROM documents WHERE agency = 'Reuters') AS reuters_pages, "
        "(SELECT count(*) FROM documents WHERE dateline_agency IS NOT NULL) AS datelines "
        "FROM stories",
    )
    return row


def generate_and_run(size: int, seed: int, work: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """A generated corpus of ``size`` files (made once) and a new warehouse of it."""
    from bench.generator import generate

    corpus = work / f"corpus-syndication-{size}-{seed}"
    if not (corpus / "truth.parquet").is_file():
        generate(corpus, size, seed)
    warehouse = work / f"warehouse-syndication-{size}"
    shutil.rmtree(warehouse, ignore_errors=True)
    run_newsetl(corpus / "files", warehouse, env)
    return corpus, warehouse


def measure_quality(corpus: Path, warehouse: Path, work: Path, env: dict[str, str]) -> str:
    """The section's quality part: generator truth and Reuters-21578."""
    from warehouse import catalog
    from warehouse.store import Warehouse

    extracted = catalog.connect(Warehouse(warehouse))
    agency = agency_scores(corpus, extracted)
    first = first_seen_scores(corpus, extracted)
    first_truth = first_seen_scores(corpus, with_truth_publishers(corpus, warehouse))
    real = reuters(work, env)
    size = pq.ParquetFile(corpus / "truth.parquet").metadata.num_rows
    lines = [
        f"Generator corpus of {size:,} files (`{corpus.name}`; copies run the same day or 1-14 "
        "days after the story's first outlet, `bench.generator.copy_delay_days`):",
        "",
        "| measure | value |",
        "|---|---|",
        f"| stories | {agency['stories']:,} |",
        f"| stories whose files print their wire (dateline or byline) | {agency['printed']:,} |",
        f"| stories given a wire | {agency['attributed']:,} |",
        f"| wire precision (right / given) | {agency['precision']:.4f} |",
        f"| wire recall (right / printed) | {agency['recall']:.4f} |",
        f"| wire recall where a dateline prints it ({agency['in_dateline']:,} stories) | "
        f"{agency['dateline_recall']:.4f} |",
        f"| wire accuracy (right or rightly none / stories) | {agency['accuracy']:.4f} |",
        f"| stories of 2+ outlets | {first['stories']:,} |",
        f"| of those, first day shared by 2+ outlets (no truth) | {first['tied']:,} |",
        f"| first-seen outlet right, extracted publishers | {first['accuracy']:.4f} "
        f"({first['known']:,} stories) |",
        f"| first-seen outlet right, the generator's publishers | {first_truth['accuracy']:.4f} "
        f"({first_truth['known']:,} stories) |",
    ]
    if isinstance(real, str):
        lines += ["", f"Reuters-21578: {real}."]
    else:
        lines += [
            "",
            f"Reuters-21578: {real['documents']:,} documents in {real['stories']:,} stories; "
            f"**{real['reuters'] / max(real['stories'], 1):.4f}** of the stories have Reuters as "
            f"their wire ({real['reuters']:,}), {real['none']:,} none, other wires: "
            f"{real['others'] or 'none'}. {real['reuters_pages']:,} documents credit Reuters "
            f"(its `REUTER` sign-off, a dateline or a byline), {real['datelines']:,} have a "
            "dateline naming an agency.",
        ]
    return "\n".join(lines)


# The report tables issue 20 added, and the log line that times each report table's build.
STORY_TABLES = ("story_outlets", "stories", "outlet_pairs")
TABLE_SECONDS = re.compile(r"report table (\w+): \d+ rows, ([\d.]+) s")


def measure_cost(warehouse: Path, repeats: int) -> str:
    """The cost section: what the syndication tables and passages add to a publish.

    The report tables of the warehouse's snapshot are built as publish builds them (every month,
    into a scratch folder), alone and then with every near copy's passage computed beside them
    by two worker processes, as publish does, ``repeats`` times alternately. What syndication
    adds to publish is the story tables' build time (timed within the build alone) and what the
    passages beside add to the build; publish's own seconds are the last run's (``runs``).
    """
    from warehouse.store import Warehouse

    snapshot = Warehouse(warehouse).snapshot()
    alone: list[float] = []
    beside: list[float] = []
    passages: list[float] = []
    story: list[float] = []
    peaks: list[float] = []
    near = 0
    for _ in range(repeats):
        seconds, tables, _, _, peak = _report_tables(warehouse, with_passages=False)
        alone.append(seconds)
        story.append(sum(tables[name] for name in STORY_TABLES))
        seconds, _, passage_seconds, near, peak = _report_tables(warehouse, with_passages=True)
        beside.append(seconds)
        passages.append(passage_seconds)
        peaks.append(peak)
    story_s, alone_s, beside_s = (statistics.median(x) for x in (story, alone, beside))
    added = story_s + max(beside_s - alone_s, 0.0)
    publish_s = _publish_seconds(snapshot)
    growth = added / (publish_s - added)
    bound = added / (alone_s - story_s)
    return "\n".join(
        [
            f"On the {snapshot.rows('documents'):,}-document warehouse `{warehouse}` (snapshot "
            f"`{snapshot.snapshot_id}`, {near:,} near copies): the report tables built as "
            "publish builds them (every month, one DuckDB thread), alone and with the passages "
            "of every near copy computed beside them by two worker processes as publish "
            f"computes them, {repeats} times each, alternated; medians.",
            "",
            "| figure | seconds or share |",
            "|---|---:|",
            f"| report tables alone | {alone_s:.1f} |",
            f"| of which `story_outlets`, `stories`, `outlet_pairs` | {story_s:.1f} |",
            f"| report tables with the passages beside them | {beside_s:.1f} |",
            f"| the passages alone finished after | {statistics.median(passages):.1f} |",
            f"| syndication's cost: story tables + what the passages add | {added:.1f} |",
            f"| publish of the run that made the snapshot (`runs`) | {publish_s:.1f} |",
            f"| publish grows by (cost / that publish without it) | {growth:.1%} |",
            "| **at most** (cost / the report tables alone without the story tables, the "
            f"smaller part of publish, measured here) | **{bound:.1%}** |",
            "",
            f"Peak RSS of the process tree with the passages beside: {max(peaks):,.0f} MB. "
            "Runs: alone "
            + ", ".join(f"{x:.1f}" for x in alone)
            + " s; beside "
            + ", ".join(f"{x:.1f}" for x in beside)
            + " s.",
        ]
    )


def _publish_seconds(snapshot: Any) -> float:
    """Wall seconds of the publish stage of the run that processed the most files into ``snapshot``.

    That is the full run the report tables are built like (every month, every passage); an
    increment's publish builds less, a compaction's has none.
    """
    runs = pa.concat_tables(pq.read_table(path) for path in snapshot.files("runs")).to_pylist()
    for row in sorted(runs, key=lambda r: r["files_processed"], reverse=True):
        publish = [s["wall_seconds"] for s in row["stages"] or () if s["stage"] == "publish"]
        if publish:
            return float(publish[0])
    raise ValueError(f"snapshot {snapshot.snapshot_id} has no run that published documents")


def _report_tables(
    warehouse: Path, *, with_passages: bool
) -> tuple[float, dict[str, float], float, int, float]:
    """Build the report tables (and maybe the passages beside): wall, per table, passages, peak."""
    import threading

    import psutil

    from flows.local_workers import PASSAGE_NICENESS, lower_this_thread, passage_pool
    from warehouse import aggregates
    from warehouse.incremental import gather_keys
    from warehouse.match_passages import next_match_passages
    from warehouse.storage import COMPRESSION, Storage
    from warehouse.store import RunStaging, StagedShard, Warehouse

    wh = Warehouse(warehouse)
    snapshot = wh.snapshot()
    tables: dict[str, float] = {}

    class Timings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found = TABLE_SECONDS.search(record.getMessage())
            if found:
                tables[found.group(1)] = float(found.group(2))

    handler = Timings(logging.DEBUG)
    logger = logging.getLogger(aggregates.__name__)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    done: dict[str, Any] = {}
    me = psutil.Process()
    peak = [0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.1):
            total = 0
            for member in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += member.memory_info().rss
            peak[0] = max(peak[0], total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        with tempfile.TemporaryDirectory(prefix="syndication-cost-", dir=warehouse) as folder:
            staging = RunStaging(wh, "bench-passages", Path(folder))
            for number, path in enumerate(snapshot.files("documents")):
                rows = pq.ParquetFile(path).metadata.num_rows
                staging.add_shard(StagedShard(number, path, path, rows, 0))
            worker = None
            if with_passages:
                keys = gather_keys(None, staging, pa.array([], pa.string()))
                matches = pa.concat_tables(
                    pq.read_table(p) for p in snapshot.files("document_matches")
                )

                def compute() -> None:
                    lower_this_thread(PASSAGE_NICENESS)
                    begun = time.perf_counter()
                    plan = next_match_passages(
                        keys, matches, staging, None, workers=lambda: passage_pool(2), parallel=2
                    )
                    done["seconds"] = time.perf_counter() - begun
                    done["rows"] = plan.written.num_rows

                worker = threading.Thread(target=compute)
            started = time.perf_counter()
            if worker is not None:
                worker.start()
            build = Path(folder) / "build"
            aggregates.write_report_tables(
                Storage(),
                build,
                "bench",
                snapshot.files("documents"),
                snapshot.files("mentions"),
                spill_dir=Path(folder),
                compression=COMPRESSION,
                clusters=snapshot.files("clusters"),
            )
            if worker is not None:
                worker.join()
                if "rows" not in done:
                    raise RuntimeError("the passages failed: see the error above")
            seconds = time.perf_counter() - started
    finally:
        logger.removeHandler(handler)
        sampling.set()
        sampler.join()
    return seconds, tables, done.get("seconds", 0.0), done.get("rows", 0), peak[0] / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="generated files")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--work", type=Path, default=REPO / ".bench", help="corpora, warehouses")
    parser.add_argument("--cost", action="store_true", help="time the tables on --warehouse")
    parser.add_argument("--repeats", type=int, default=2, help="builds of each kind (--cost)")
    parser.add_argument("--warehouse", type=Path, help="a published warehouse to measure")
    parser.add_argument("--corpus", type=Path, help="the generated corpus of --warehouse")
    parser.add_argument("--write", action="store_true", help="record it in BENCHMARKS.md")
    args = parser.parse_args(argv)
    env = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", **os.environ}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if args.cost:
        if args.warehouse is None:
            parser.error("--cost needs --warehouse")
        heading, body = SYNDICATION_COST, measure_cost(args.warehouse, args.repeats)
        command = f"python -m bench.syndication --cost --warehouse DIR --repeats {args.repeats}"
    else:
        args.work.mkdir(parents=True, exist_ok=True)
        if args.corpus and args.warehouse:
            corpus, warehouse = args.corpus, args.warehouse
            command = "python -m bench.syndication --corpus DIR --warehouse DIR"
        else:
            corpus, warehouse = generate_and_run(args.size, args.seed, args.work, env)
            command = f"python -m bench.syndication --size {args.size}"
        heading, body = SYNDICATION_QUALITY, measure_quality(corpus, warehouse, args.work, env)
    text = f"{heading}\n\nCommand: `{command}`, written {now}, on {machine()}.\n\n{body}\n"
    print(text)
    if args.write:
        put_section(REPO / "BENCHMARKS.md", heading, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
