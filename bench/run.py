"""The benchmark: throughput, memory, scaling, re-runs, query latency and quality, in one run.

``make bench`` (or ``python -m bench.run``) generates corpora with ``bench.generator``, runs
``newsetl run`` on them as a user would (a separate process, Prefect's temporary server and all),
and writes BENCHMARKS.md with the command, the machine and every figure as the median of
``--repeats`` runs with min and max. Figures are measured, never asserted: these machines are
shared and noisy, so ratios within one run are what to compare.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq
import xxhash

from bench.sections import kept_sections

REPO = Path(__file__).resolve().parents[1]
# The sections of BENCHMARKS.md this module writes; it keeps the others as they are.
OWN_SECTIONS = (
    "## End to end",
    "## Scaling",
    "## Quality",
    "## Cleaning against hand-labelled pages",
    "## Duplicates in real corpora",
)
NEWSETL = [sys.executable, "-m", "flows.cli"]


@dataclass
class Figure:
    """Repeated measurements of one quantity."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    def __str__(self) -> str:
        if not self.values:
            return "n/a"
        median = statistics.median(self.values)
        if len(self.values) == 1:
            return _fmt(median)
        return f"{_fmt(median)} ({_fmt(min(self.values))}–{_fmt(max(self.values))})"


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def peak_rss_of(
    command: list[str], env: dict[str, str], timeline: Path | None = None, cwd: Path = REPO
) -> tuple[subprocess.CompletedProcess[str], float, float, float]:
    """Run ``command``; return its result, wall seconds and its process tree's peak memory (MB).

    Two peaks: the sum of the processes' RSS (a shared library's pages counted in every process
    that maps it) and the sum of their PSS (shared pages split between the processes that share
    them: the memory the tree really takes). Sampled every 0.1 s. With ``timeline``, every
    sample's PSS per process is written there as CSV (seconds, pid, command, MB), to see which
    process and which stage makes the peak (the run's log on stderr has the stage times).
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd
    )
    peak = peak_pss = 0.0
    stop = threading.Event()
    samples: list[str] = ["clock,pid,command,pss_mb"]

    def sample() -> None:
        nonlocal peak, peak_pss
        parent = psutil.Process(process.pid)
        while not stop.is_set():
            rss = pss = 0
            try:
                tree = [parent, *parent.children(recursive=True)]
            except psutil.Error:
                tree = []
            now = datetime.now().strftime("%H:%M:%S.%f")[:10]  # as in the run's log
            for member in tree:
                try:
                    info = member.memory_full_info()
                    name = " ".join(member.cmdline()[1:3]).replace(",", " ")[:60]
                except psutil.Error:
                    continue  # the process ended between the listing and the read
                rss += info.rss
                pss += info.pss
                if timeline is not None:
                    samples.append(f"{now},{member.pid},{name},{info.pss / 1e6:.0f}")
            peak, peak_pss = max(peak, rss / 1e6), max(peak_pss, pss / 1e6)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if timeline is not None:
        timeline.write_text("\n".join(samples) + "\n")
        timeline.with_suffix(".log").write_text(stderr)
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return result, seconds, peak, peak_pss


def read_and_hash(root: Path) -> tuple[int, int]:
    """The physical floor: read every file and hash it with xxh3, one core. Returns files, bytes."""
    files = 0
    size = 0
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                data = handle.read()
            xxhash.xxh3_64_intdigest(data)
            files += 1
            size += len(data)
    return files, size


def children_cpu() -> float:
    """CPU seconds of the processes this one started and waited for, and of theirs.

    Around a ``newsetl run`` it is the CPU of the run's whole process tree: driver, worker
    processes, Prefect's temporary server.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def run_newsetl(
    corpus: Path,
    warehouse: Path,
    env: dict[str, str],
    timeline: Path | None = None,
    checkout: Path = REPO,
) -> dict[str, Any]:
    """One ``newsetl run``; ``checkout`` runs another checkout's code (with its own ``.venv``)."""
    newsetl = NEWSETL if checkout == REPO else [str(checkout / ".venv/bin/python"), *NEWSETL[1:]]
    cpu_before = children_cpu()
    result, seconds, peak, peak_pss = peak_rss_of(
        [*newsetl, "run", "--input", str(corpus), "--warehouse", str(warehouse)],
        env,
        timeline,
        cwd=checkout,
    )
    cpu = children_cpu() - cpu_before
    if "up to date" in result.stdout:
        return {
            "wall": seconds,
            "cpu": cpu,
            "peak_mb": peak,
            "peak_pss_mb": peak_pss,
            "unchanged": True,
        }
    flow_seconds = float(result.stdout.split("(flow ")[1].split(" s)")[0])
    # Every column: a baseline checkout's runs table may predate some (``stages``).
    runs = query(warehouse, "select * from runs order by started_at desc limit 1")[0]
    stages = dict(runs["stage_seconds"])
    return {
        "wall": seconds,
        "cpu": cpu,
        "flow": flow_seconds,
        "peak_mb": peak,
        "peak_pss_mb": peak_pss,
        "stages": stages,
        "stage_cpu": {stage["stage"]: stage["cpu_seconds"] for stage in runs.get("stages") or []},
        "documents": runs["documents"],
        "duplicates": runs["duplicates"],
    }


def add_new_files(files_dir: Path, share: float) -> Path:
    """Copy ``share`` of the corpus as new files (each with a new last line) into ``_new/``."""
    target = files_dir / "_new"
    target.mkdir()
    sources = sorted(files_dir.rglob("*.txt"))
    for index, source in enumerate(sources[: max(1, int(len(sources) * share))]):
        (target / f"new-{index:06d}.txt").write_bytes(source.read_bytes() + b"\nUpdated later.\n")
    return target


def query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    from warehouse import catalog
    from warehouse.store import Warehouse

    connection = catalog.connect(Warehouse(warehouse))
    cursor = connection.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def report_latencies(warehouse: Path, repeats: int = 7) -> dict[str, Figure]:
    """Milliseconds per report query over the published warehouse (connection already open).

    Each query runs unfiltered, and once more with every filter set (a month, a publisher, an
    entity): the filters are bound parameters of the same SQL.
    """
    import datetime as dt

    from warehouse import catalog
    from warehouse.store import Warehouse

    connection = catalog.connect(Warehouse(warehouse))
    row = connection.execute(
        "select publisher, min(published_date) from documents where published_date is not null "
        "group by 1 order by count(*) desc limit 1"
    ).fetchone()
    publisher, first_day = row if row else ("unknown", dt.date(2021, 1, 1))
    filtered = catalog.ReportFilters(
        first_day, first_day + dt.timedelta(days=30), publisher, "Russia"
    )
    figures: dict[str, Figure] = {}
    for report in catalog.report_queries():
        for label, filters in (("", None), (" (filtered)", filtered)):
            if filters and not report.parameter_names:
                continue  # quarantine has no filters
            figure = figures.setdefault(report.name + label, Figure())
            report.run(connection, filters)  # warm the file cache and metadata
            for _ in range(repeats):
                _, seconds = timed(lambda r=report, f=filters: r.run(connection, f))
                figure.add(seconds * 1000)
    return figures


def warehouse_bytes(warehouse: Path) -> int:
    current = warehouse / "current"
    return sum(p.stat().st_size for p in current.resolve().rglob("*") if p.is_file())


def accepted_truth(corpus_dir: Path, column: str) -> dict[str, Any]:
    """One ground-truth column of the generator, by path, for the files it expects accepted."""
    truth = pq.read_table(corpus_dir / "truth.parquet", columns=["source_path", column, "expected"])
    return {r["source_path"]: r[column] for r in truth.to_pylist() if r["expected"] == "accepted"}


def dedup_quality(corpus_dir: Path, warehouse: Path) -> dict[str, float]:
    """Pairwise precision/recall/F1 and ARI of newsetl's clusters against the generator's stories."""
    from bench.quality import pairwise_scores

    accepted = accepted_truth(corpus_dir, "story_id")
    rows = query(warehouse, "select source_path, cluster_id from documents")
    predicted = {r["source_path"]: r["cluster_id"] for r in rows}
    paths = sorted(set(accepted) & set(predicted))
    return pairwise_scores([predicted[p] for p in paths], [accepted[p] for p in paths])


def cleaning_quality(corpus_dir: Path, warehouse: Path) -> dict[str, float]:
    """Token P/R/F1 of newsetl's bodies against the generator's clean bodies."""
    from bench.quality import token_scores

    expected = accepted_truth(corpus_dir, "clean_body")
    rows = query(warehouse, "select source_path, body from documents")
    return token_scores(
        (r["body"], expected[r["source_path"]]) for r in rows if r["source_path"] in expected
    )


SHARED_CORPORA = REPO.parent / "shared" / "corpora"


def unpack(archive: Path, work: Path) -> Path:
    """Unpack a tarball of ../shared/corpora once into ``work``."""
    import tarfile

    target = work / archive.name.removesuffix(".tar.gz")
    if not target.is_dir():
        target.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    return target


def extraction_quality(work: Path) -> dict[str, float] | str:
    """Token scores of title + body and of the body alone against the 181 hand-labelled bodies,
    and the raw baseline."""
    import pyarrow as pa

    from bench.quality import token_scores
    from transforms.articles import parse_articles
    from transforms.records import FILES_SCHEMA

    archive = SHARED_CORPORA / "extraction-benchmark.tar.gz"
    if not archive.is_file():
        return f"{archive} absent: not measured"
    root = unpack(archive, work)
    pages = sorted((root / "as_txt_raw_html_text").glob("*.txt"))
    files = pa.table(
        {"source_path": [p.name for p in pages], "raw": [p.read_bytes() for p in pages]},
        schema=FILES_SCHEMA,
    )
    documents = {d["source_path"]: d for d in parse_articles(files).documents.to_pylist()}
    expected = {p.name: (root / "as_txt_expected_body" / p.name).read_text() for p in pages}
    cleaned = token_scores(
        (
            "\n".join(
                x
                for x in (documents.get(n, {}).get("title"), documents.get(n, {}).get("body"))
                if x
            ),
            expected[n],
        )
        for n in expected
    )
    body = token_scores((documents.get(n, {}).get("body") or "", expected[n]) for n in expected)
    raw = token_scores((p.read_text(errors="replace"), expected[p.name]) for p in pages)
    return {
        **cleaned,
        "body_f1": body["f1"],
        "body_mean_f1": body["mean_f1"],
        "raw_f1": raw["f1"],
        "raw_mean_f1": raw["mean_f1"],
    }


def learned_chrome_quality(corpus_dir: Path) -> dict[str, float]:
    """Headlines and bodies of the generator's corpus parsed with the rules alone, then with the
    learned layer (census of edge lines over the corpus): what learning adds."""
    import pyarrow as pa

    from bench.quality import token_scores
    from transforms.articles import census_files, parse_articles
    from transforms.census import learn_chrome
    from transforms.publishers import parse_rules
    from transforms.records import FILES_SCHEMA

    truth = pq.read_table(corpus_dir / "truth.parquet").to_pylist()
    accepted = {r["source_path"]: r for r in truth if r["expected"] == "accepted"}
    paths = sorted(accepted)
    files = pa.table(
        {"source_path": paths, "raw": [(corpus_dir / "files" / p).read_bytes() for p in paths]},
        schema=FILES_SCHEMA,
    )
    rules = parse_rules((corpus_dir / "publishers.toml").read_text())
    learned = learn_chrome(census_files(files, rules))
    out: dict[str, float] = {"learned_keys": float(len(learned.keys))}
    for label, chrome in (("rules", None), ("learned", learned)):
        docs = parse_articles(files, rules=rules, learned=chrome).documents.to_pylist()
        out[f"{label}_titles_right"] = sum(
            d["title"] == accepted[d["source_path"]]["title"] for d in docs
        ) / len(docs)
        out[f"{label}_body_f1"] = token_scores(
            (d["body"], accepted[d["source_path"]]["clean_body"]) for d in docs
        )["f1"]
    return out


def newswire_kept(work: Path) -> dict[str, float] | str:
    """Share of the words of Reuters-21578 and BBC items (no chrome at all) that cleaning keeps."""
    import pyarrow as pa

    from transforms.articles import parse_articles
    from transforms.records import FILES_SCHEMA

    out: dict[str, float] = {}
    for name in ("reuters21578", "bbc"):
        archive = SHARED_CORPORA / f"{name}.tar.gz"
        if not archive.is_file():
            return f"{archive} absent: not measured"
        root = unpack(archive, work)
        pages = sorted(root.rglob("*.txt"))
        raw_words = kept = 0
        for start in range(0, len(pages), 4000):
            batch = pages[start : start + 4000]
            files = pa.table(
                {"source_path": [str(p) for p in batch], "raw": [p.read_bytes() for p in batch]},
                schema=FILES_SCHEMA,
            )
            for d in parse_articles(files).documents.to_pylist():
                text = Path(d["source_path"]).read_text(errors="replace")
                raw_words += (
                    len(text.split())
                    - len((d["title"] or "").split())
                    - (2 if text.startswith(" date") else 0)
                )
                kept += d["word_count"]
        out[name] = kept / raw_words
    return out


def real_duplicates(work: Path, env: dict[str, str]) -> dict[str, dict[str, Any]] | str:
    """Run newsetl on Reuters-21578 and BBC News: exact duplicate groups found, with a sample."""
    found: dict[str, dict[str, Any]] = {}
    for name in ("reuters21578", "bbc"):
        archive = SHARED_CORPORA / f"{name}.tar.gz"
        if not archive.is_file():
            return f"{archive} absent: not measured"
        root = unpack(archive, work)
        warehouse = work / f"warehouse-{name}"
        shutil.rmtree(warehouse, ignore_errors=True)
        run = run_newsetl(root, warehouse, env)
        groups = query(
            warehouse,
            "select count(*) as groups, sum(n) as documents_in_groups from (select cluster_id, count(*) n from documents group by 1 having n > 1)",
        )[0]
        sample = query(
            warehouse,
            "select max(title) filter (where is_canonical) as title, count(*) as copies, string_agg(source_path, ', ' order by source_path) as files from documents group by cluster_id having count(*) > 1 order by copies desc, title limit 5",
        )
        kinds = query(
            warehouse,
            "select count(*) filter (where kind = 'exact') as exact_copies, count(*) filter (where kind = 'near') as near_copies from document_matches",
        )[0]
        near_sample = query(
            warehouse,
            "select round(m.similarity, 3) as jaccard, round(m.containment, 3) as containment, c.title as copy_title, o.title as canonical_title, c.source_path as copy, o.source_path as canonical from document_matches m join documents c using (doc_id) join documents o on o.doc_id = m.matched_doc_id where m.kind = 'near' order by m.similarity, c.source_path limit 4",
        )
        found[name] = {
            "documents": run["documents"],
            "seconds": run["wall"],
            **groups,
            **kinds,
            "sample": sample,
            "near_sample": near_sample,
        }
    return found


DATATROVE_VENV = REPO / ".bench" / "datatrove-venv"


def datatrove_python() -> Path:
    """The peer's interpreter, installing its pinned environment on first use."""
    python = DATATROVE_VENV / "bin" / "python"
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(DATATROVE_VENV)], check=True)
        requirements = REPO / "bench" / "datatrove-requirements.txt"
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True
        )
    return python


def datatrove_side_by_side(corpus_dir: Path, warehouse: Path, work: Path) -> dict[str, float]:
    """datatrove's MinHash dedup over newsetl's cleaned bodies: seconds and pairwise scores."""
    from bench.quality import pairwise_scores

    work = work / "datatrove"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rows = query(warehouse, "select source_path, body from documents")
    with open(work / "input.jsonl", "w") as handle:
        for row in rows:
            handle.write(json.dumps({"id": row["source_path"], "text": row["body"]}) + "\n")
    output = work / "clusters.json"
    subprocess.run(
        [
            str(datatrove_python()),
            str(REPO / "bench" / "datatrove_peer.py"),
            str(work / "input.jsonl"),
            str(work / "run"),
            str(output),
            "--tasks",
            str(os.cpu_count() or 1),
        ],
        check=True,
        capture_output=True,
    )
    result = json.loads(output.read_text())
    stories = accepted_truth(corpus_dir, "story_id")
    paths = sorted(set(stories) & set(result["clusters"]))
    scores = pairwise_scores([result["clusters"][p] for p in paths], [stories[p] for p in paths])
    return {"seconds": result["seconds"], "docs_per_s": len(rows) / result["seconds"], **scores}


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    cpu = platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}, prefect {version('prefect')}, "
        f"pyarrow {version('pyarrow')}, duckdb {version('duckdb')}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes (comma-separated)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (median, min-max)")
    parser.add_argument("--work", type=Path, default=REPO / ".bench", help="corpora and warehouses")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    from bench.generator import generate

    sizes = [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    results: dict[int, dict[str, Any]] = {}
    extras: dict[str, Any] = {}
    for size in sizes:
        corpus_dir = args.work / f"corpus-{size}-{args.seed}"
        if not (corpus_dir / "truth.parquet").is_file():
            shutil.rmtree(corpus_dir, ignore_errors=True)
            print(f"generating {size} articles into {corpus_dir}", flush=True)
            generate(corpus_dir, size, args.seed)
        files_dir = corpus_dir / "files"
        figures: dict[str, Figure] = {}

        def add(name: str, value: float, figures: dict[str, Figure] = figures) -> None:
            figures.setdefault(name, Figure()).add(value)

        for attempt in range(args.repeats):
            (files, size_bytes), floor = timed(lambda files_dir=files_dir: read_and_hash(files_dir))
            add("floor_seconds", floor)
            add("floor_docs_per_s", files / floor)
            warehouse = args.work / f"warehouse-{size}"
            shutil.rmtree(warehouse, ignore_errors=True)
            print(f"size {size}: run {attempt + 1}/{args.repeats}", flush=True)
            full = run_newsetl(files_dir, warehouse, env)
            add("wall_seconds", full["wall"])
            add("flow_seconds", full["flow"])
            add("docs_per_s", files / full["wall"])
            add("flow_docs_per_s", files / full["flow"])
            add("mb_per_s", size_bytes / 1e6 / full["wall"])
            add("peak_rss_mb", full["peak_mb"])
            add("peak_pss_mb", full["peak_pss_mb"])
            add("x_floor", full["wall"] / floor)
            # minhash_cpu is CPU time inside the process stage (both workers), not a wall stage.
            stage_total = sum(v for k, v in full["stages"].items() if k != "minhash_cpu")
            add("prefect_and_startup_seconds", full["wall"] - stage_total)
            add("prefect_share", (full["wall"] - stage_total) / full["wall"])
            for stage, seconds in full["stages"].items():
                add(f"stage_{stage}_seconds", seconds)
            rerun = run_newsetl(files_dir, warehouse, env)
            assert rerun.get("unchanged"), "a re-run on unchanged input must publish nothing"
            add("rerun_unchanged_seconds", rerun["wall"])
            add("rerun_unchanged_fraction", rerun["wall"] / full["wall"])
            added = add_new_files(files_dir, share=0.01)
            try:
                grown = run_newsetl(files_dir, warehouse, env)
            finally:
                shutil.rmtree(added)
            add("rerun_1pct_new_seconds", grown["wall"])
            add("rerun_1pct_new_fraction", grown["wall"] / full["wall"])
        for name, figure in report_latencies(warehouse).items():
            figures[f"query_ms: {name}"] = figure
        add("output_mb", warehouse_bytes(warehouse) / 1e6)
        add("input_mb", size_bytes / 1e6)
        quality = {
            "dedup": dedup_quality(corpus_dir, warehouse),
            "cleaning": cleaning_quality(corpus_dir, warehouse),
        }
        peer = datatrove_side_by_side(corpus_dir, warehouse, args.work)
        if size == sizes[0]:
            extras["extraction"] = extraction_quality(args.work)
            extras["learned"] = learned_chrome_quality(corpus_dir)
            extras["newswire"] = newswire_kept(args.work)
            extras["real"] = real_duplicates(args.work, env)
        # Deduplication's wall cost: the dedup stage, plus the signatures computed in the shard
        # tasks (CPU seconds shared by the two worker processes).
        dedup_seconds = statistics.median(
            d + m / WORKERS
            for d, m in zip(
                figures["stage_deduplicate_seconds"].values,
                figures["stage_minhash_cpu_seconds"].values,
                strict=True,
            )
        )
        quality["datatrove"] = {
            **peer,
            "newsetl_dedup_seconds": dedup_seconds,
            "speedup_newsetl_vs_datatrove": peer["seconds"] / dedup_seconds,
        }
        results[size] = {"files": files, "figures": figures, "quality": quality}
    write_report(args, sizes, results, extras)
    return 0


WORKERS = os.cpu_count() or 1
NOTE_ON_DEDUP = "newsetl clusters exact copies and verified near copies (MinHash LSH, issue 5). `newsetl_dedup_seconds` is the deduplicate stage plus the signature work done in the shard tasks (their CPU seconds over the worker count); datatrove runs its four MinHash steps on the same cleaned bodies with as many tasks as cores. Pairwise scores count pairs of documents in one cluster against the generator's story labels."


def write_report(
    args: argparse.Namespace,
    sizes: list[int],
    results: dict[int, dict[str, Any]],
    extras: dict[str, Any],
) -> None:
    lines = [
        "# newsetl benchmarks",
        "",
        f"Command: `make bench` (`python -m bench.run --sizes {args.sizes} "
        f"--repeats {args.repeats}`), "
        f"written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        f"Machine: {machine()}.",
        "",
        "Every figure is the median of the repeats, with min–max in brackets. Corpora come from "
        "`bench.generator` (seed "
        f"{args.seed}): ~3 KB articles from 20+ publishers with syndicated copies, re-crawls, "
        "hard negatives, month-only and missing dates, non-English and bad files. `newsetl run` "
        "runs as a user runs it: a new process, Prefect's temporary local server included.",
        "",
        "## End to end",
        "",
        "| figure | " + " | ".join(f"{s:,} files" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    names = sorted({n for r in results.values() for n in r["figures"]}, key=_order)
    for name in names:
        lines.append(
            f"| {name} | "
            + " | ".join(str(results[s]["figures"].get(name, Figure())) for s in sizes)
            + " |"
        )
    if len(sizes) >= 2:
        lines += ["", "## Scaling", ""]
        for small, large in itertools.pairwise(sizes):
            ratio = statistics.median(
                results[large]["figures"]["wall_seconds"].values
            ) / statistics.median(results[small]["figures"]["wall_seconds"].values)
            lines.append(
                f"- time({large:,}) / time({small:,}) = {ratio:.2f} (size ratio {large / small:.0f})"
            )
    lines += [
        "",
        "## Quality",
        "",
        NOTE_ON_DEDUP,
        "",
        "| measure | " + " | ".join(f"{s:,} files" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for group in ("dedup", "cleaning", "datatrove"):
        keys = list(results[sizes[0]]["quality"][group])
        for key in keys:
            lines.append(
                f"| {group} {key} | "
                + " | ".join(f"{results[s]['quality'][group][key]:.4f}" for s in sizes)
                + " |"
            )
    lines += ["", "## Cleaning against hand-labelled pages", ""]
    extraction = extras.get("extraction")
    if isinstance(extraction, dict):
        lines.append(
            f"181 pages of `extraction-benchmark.tar.gz`, against the labelled body, white-space "
            f"tokens: the body alone F1 {extraction['body_f1']:.3f} (mean per page "
            f"{extraction['body_mean_f1']:.3f}); headline + body micro P "
            f"{extraction['precision']:.3f}, R {extraction['recall']:.3f}, "
            f"F1 {extraction['f1']:.3f} (mean per page {extraction['mean_f1']:.3f}); the raw page text "
            f"scores F1 {extraction['raw_f1']:.3f} (mean {extraction['raw_mean_f1']:.3f})."
        )
    else:
        lines.append(str(extraction))
    learned = extras.get("learned")
    if isinstance(learned, dict):
        lines += [
            "",
            f"Learned chrome, on the {sizes[0]:,}-file generator corpus: the census of edge lines "
            f"finds {learned['learned_keys']:.0f} (site, line) pairs on 10+ stories and 30%+ of a "
            f"site's stories (site names, menus and sentences no rule knows). Headlines right: {learned['rules_titles_right']:.3f} with the rules alone, "
            f"{learned['learned_titles_right']:.3f} with the learned layer (a site's name on the "
            f"first line passed for the headline); body token F1 {learned['rules_body_f1']:.4f} "
            f"and {learned['learned_body_f1']:.4f}.",
        ]
    newswire = extras.get("newswire")
    if isinstance(newswire, dict):
        lines += [
            "",
            "Texts without chrome keep their words (body words / words of the file after the "
            "headline): "
            + ", ".join(f"`{name}` {share:.3f}" for name, share in newswire.items())
            + ".",
        ]
    elif newswire is not None:
        lines += ["", str(newswire)]
    lines += ["", "## Duplicates in real corpora", ""]
    real = extras.get("real")
    if isinstance(real, dict):
        for name, figures in real.items():
            lines.append(
                f"- `{name}`: {figures['documents']:,} documents, {figures['groups'] or 0} "
                f"clusters of copies holding {figures['documents_in_groups'] or 0} documents: "
                f"{figures['exact_copies']} exact copies and {figures['near_copies']} near copies "
                f"(run {figures['seconds']:.1f} s). Largest clusters:"
            )
            for row in figures["sample"]:
                lines.append(f"  - {row['copies']} copies: {row['title']!r} ({row['files'][:120]})")
            if figures["near_sample"]:
                lines.append("  Least similar near copies linked (a sample to judge precision by):")
            for row in figures["near_sample"]:
                lines.append(
                    f"  - Jaccard {row['jaccard']}, containment {row['containment']}: "
                    f"{row['copy_title']!r} ~ {row['canonical_title']!r} ({row['copy']}, {row['canonical']})"
                )
    else:
        lines.append(str(real))
    args.out.write_text("\n".join(lines) + "\n" + kept_sections(args.out, OWN_SECTIONS))
    (args.work / "results.json").write_text(
        json.dumps(
            {
                str(s): {
                    "figures": {k: v.values for k, v in r["figures"].items()},
                    "quality": r["quality"],
                }
                for s, r in results.items()
            },
            indent=1,
        )
    )
    print(f"wrote {args.out}")


def _order(name: str) -> tuple[int, str]:
    prefixes = [
        "docs_per_s",
        "flow_docs_per_s",
        "mb_per_s",
        "wall",
        "flow_seconds",
        "floor",
        "x_floor",
        "prefect",
        "stage_",
        "peak",
        "rerun",
        "input",
        "output",
        "query",
    ]
    for index, prefix in enumerate(prefixes):
        if name.startswith(prefix):
            return index, name
    return len(prefixes), name


if __name__ == "__main__":
    sys.exit(main())
