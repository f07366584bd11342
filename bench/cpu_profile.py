"""CPU per article of the shard work, this tree against a baseline commit, side by side.

``python -m bench.cpu_profile [--files 4000] [--baseline 1848e5e] [--repeats 5]`` generates the
generator's corpus, then runs, alternately, a worker process on this tree and one on the
baseline's ``flows``, ``transforms`` and ``warehouse`` (from ``git archive``). Each worker reads
the corpus in shards of the pipeline's size, learns the chrome census over it, and times with
``time.process_time`` (one core) every step of a shard task: read, ``parse_articles`` (and each
transform it calls), ``extract_mentions``, the MinHash sketches, and the whole ``process_shard``
task body (staging write included). Figures are milliseconds of CPU per article: the median
over the repeats (and the minimum, the least disturbed by other processes on the machine).

The section also gives entity quality (``bench.entities_quality``) of both trees, whether the
two mentions tables of the corpus are identical, and, with ``--matchers``, the multi-pattern
matchers that can stand behind the gazetteer, timed on the same text (those not installed are
listed as such). It is written into BENCHMARKS.md (``bench.sections.CPU``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.sections import CPU, put_section

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "transforms", "warehouse")
MAX_FILE_BYTES = 10_000_000


class StepClock:
    """CPU seconds of named steps, each exclusive of the named steps it calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.inner: list[float] = []

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.inner.append(0.0)
            mark = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.process_time() - mark
                own = spent - self.inner.pop()
                if self.inner:
                    self.inner[-1] += spent
                self.seconds[name] = self.seconds.get(name, 0.0) + own

        return timed


def profile(corpus: Path, out: Path) -> None:
    """One worker: time every step of the shard work over the corpus (run in a subprocess)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    import transforms

    tree = Path(transforms.__file__).resolve().parents[1]

    def present(module: str) -> bool:
        # The editable install's finder would load a module the tree lacks from this checkout.
        return (tree / (module.replace(".", "/") + ".py")).is_file()

    if present("flows.tasks"):  # the shard task moved from flows.pipeline to flows.tasks
        from flows.tasks import NEAR_DUPLICATES, process_shard
    else:
        from flows.pipeline import NEAR_DUPLICATES, process_shard  # type: ignore[attr-defined]
    from transforms import articles
    from transforms.entities import extract_mentions
    from transforms.publishers import DEFAULT_SIGNATURES

    if present("transforms.sketches"):
        from transforms.sketches import sketch_bodies
    else:
        from transforms.neardup import sketch_bodies  # type: ignore[attr-defined,no-redef]
    from warehouse import sources

    shard_size = 2000
    if present("flows.settings"):
        from flows.settings import DEFAULT_SHARD_SIZE as shard_size
    root = corpus / "files"
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    shards = [paths[i : i + shard_size] for i in range(0, len(paths), shard_size)]
    census = [
        articles.census_files(sources.read_files(root, s, MAX_FILE_BYTES).files) for s in shards
    ]
    learned: Any
    if present("transforms.census"):  # each site's chrome and name, since one read per file
        from transforms.census import learn_chrome

        learned = learn_chrome(pa.concat_tables(census))
        learned_keyword = "learned"
    else:
        from transforms.boilerplate import (  # type: ignore[attr-defined]
            count_line_keys,
            frequent_line_keys,
        )

        keys = pa.concat_arrays([c.column("line_key").combine_chunks() for c in census])
        lists = pa.ListArray.from_arrays(pa.array([0, len(keys)], pa.int32()), keys)
        learned = frequent_line_keys(count_line_keys(lists))
        learned_keyword = "learned_chrome"
    # Caches built once per worker process (gazetteer, matcher) are not counted.
    extract_mentions(pa.array(["warm"]), pa.array(["Mr John Smith said in Moscow, Russia."]))

    clock = StepClock()
    # The functions articles defines that call the others are not steps of their own.
    callers = ("parse_articles", "parse_texts", "normalise_files", "census_files", "census_texts")
    for name, value in list(vars(articles).items()):
        if callable(value) and getattr(value, "__module__", "").startswith("transforms."):
            if name not in callers and not isinstance(value, type):
                setattr(articles, name, clock.wrap(name, value))
    steps: dict[str, float] = {}
    articles_count = 0
    mentions: list[pa.Table] = []
    documents_seen: list[pa.Table] = []

    def add(step: str, seconds: float) -> None:
        steps[step] = steps.get(step, 0.0) + seconds

    for shard in shards:
        mark = time.process_time()
        read = sources.read_files(root, shard, MAX_FILE_BYTES)
        add("read", time.process_time() - mark)
        mark = time.process_time()
        parsed = articles.parse_articles(read.files, **{learned_keyword: learned})
        add("parse_articles", time.process_time() - mark)
        documents = parsed.documents
        documents_seen.append(documents)
        articles_count += documents.num_rows
        mark = time.process_time()
        text = pc.binary_join_element_wise(
            pc.fill_null(documents.column("title"), ""), documents.column("body"), "\n"
        )
        found = extract_mentions(documents.column("doc_id"), text)
        add("extract_mentions", time.process_time() - mark)
        mentions.append(found)
        mark = time.process_time()
        sketch_bodies(documents.column("content_hash"), documents.column("body"), NEAR_DUPLICATES)
        add("minhash", time.process_time() - mark)
    for name, seconds in clock.seconds.items():
        steps[f"parse_articles: {name}"] = seconds
    task = getattr(process_shard, "fn", process_shard)  # a task before batches, then a function
    given = inspect.signature(task).parameters
    with tempfile.TemporaryDirectory() as staging:
        mark = time.process_time()
        for number, shard in enumerate(shards):
            arguments: dict[str, Any] = {
                "root": root,
                "paths": shard,
                "shard": number,
                "staging_path": Path(staging),
                "max_file_bytes": MAX_FILE_BYTES,
                "signatures": articles.PublisherRules()
                if "storage" in given
                else DEFAULT_SIGNATURES,
                "learned_chrome": learned,
            }
            if "storage" in given:
                from warehouse.storage import Storage

                arguments["storage"] = Storage()
            if "plausible_dates" in given:
                arguments["plausible_dates"] = articles.PlausibleDates()
            task(**arguments)
        steps["process_shard (whole task)"] = time.process_time() - mark
    pq.write_table(pa.concat_tables(mentions), out.with_suffix(".mentions.parquet"))
    pq.write_table(pa.concat_tables(documents_seen), out.with_suffix(".documents.parquet"))
    from bench.entities_quality import score

    quality = {
        kind: {k: r[k] for k in ("precision", "recall", "f1", "correct", "found", "true")}
        for kind, r in score(verbose=False).items()
    }
    out.write_text(
        json.dumps(
            {
                "articles": articles_count,
                "ms_per_article": {k: 1000 * v / articles_count for k, v in steps.items()},
                "quality": quality,
                "transforms": str(Path(transforms.__file__).parent),
            }
        )
    )


def matchers(corpus: Path) -> dict[str, str]:
    """Microseconds per article to find every gazetteer form and head word (all overlapping
    matches, as numpy arrays) in the corpus's text, with each matcher that is installed."""
    import numpy as np
    import pyarrow.compute as pc

    from transforms import entities
    from transforms.articles import parse_articles
    from warehouse import sources

    root = corpus / "files"
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    documents = parse_articles(sources.read_files(root, paths, MAX_FILE_BYTES).files).documents
    text = pc.binary_join_element_wise(
        pc.fill_null(documents.column("title"), ""), documents.column("body"), "\n"
    )
    joined = "\n".join(text.to_pylist())
    data = joined.encode()
    surfaces = list(dict.fromkeys([*entities._gazetteer(), *entities.ORG_HEADS]))
    n = len(text)
    results: dict[str, str] = {}

    def best(run: Callable[[], Any]) -> float:
        times = []
        for _ in range(5):
            mark = time.process_time()
            run()
            times.append(time.process_time() - mark)
        return 1e6 * min(times) / n

    def build(make: Callable[[], Any]) -> tuple[Any, float]:
        mark = time.process_time()
        made = make()
        return made, 1000 * (time.process_time() - mark)

    try:
        import ahocorasick_rs

        automaton, ms = build(
            lambda: ahocorasick_rs.BytesAhoCorasick(
                [s.encode() for s in surfaces], implementation=ahocorasick_rs.Implementation.DFA
            )
        )
        us = best(lambda: np.array(automaton.find_matches_as_indexes(data, overlapping=True)))
        results["ahocorasick-rs (bytes, DFA)"] = f"{us:.1f} | {ms:.0f}"
    except ImportError:
        results["ahocorasick-rs"] = "not installed"
    try:
        import ahocorasick

        def make_py() -> Any:
            automaton = ahocorasick.Automaton()
            for number, surface in enumerate(surfaces):
                automaton.add_word(surface, (number, len(surface)))
            automaton.make_automaton()
            return automaton

        automaton, ms = build(make_py)
        us = best(
            lambda: np.array([(v[0], e + 1 - v[1], e + 1) for e, v in automaton.iter(joined)])
        )
        results["pyahocorasick (str)"] = f"{us:.1f} | {ms:.0f}"
    except ImportError:
        results["pyahocorasick"] = "not installed"
    try:
        import hyperscan

        def make_hs() -> Any:
            database = hyperscan.Database()
            database.compile(
                expressions=[s.encode() for s in surfaces],
                ids=list(range(len(surfaces))),
                flags=hyperscan.HS_FLAG_SOM_LEFTMOST,
                literal=True,
            )
            return database

        database, ms = build(make_hs)

        def scan() -> Any:
            found: list[tuple[int, int, int]] = []
            database.scan(data, match_event_handler=lambda i, b, e, f, c: found.append((i, b, e)))
            return np.array(found)

        results["hyperscan (bytes, callback)"] = f"{best(scan):.1f} | {ms:.0f}"
    except ImportError:
        results["hyperscan"] = "not installed"
    regex = entities._regexes()
    pattern = __import__("re").compile("(?:" + entities._trie_regex(surfaces) + r")(?![\w&])")
    del regex
    results["re, one trie-factored regex (non-overlapping)"] = (
        f"{best(lambda: np.array([m.span() for m in pattern.finditer(joined)])):.1f} | -"
    )
    return results


def baseline_tree(commit: str, into: Path) -> Path:
    """The baseline's packages, unpacked from ``git archive``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, *PACKAGES],
        check=True,
        capture_output=True,
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    tar_path = into / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into


def run_worker(root: Path, corpus: Path, out: Path) -> dict[str, Any]:
    """Profile in a new process whose ``flows``, ``transforms`` and ``warehouse`` come from ``root``."""
    code = (
        "import sys; "
        f"sys.path[:0] = [{str(root)!r}]; sys.path.append({str(REPO)!r}); "
        "from pathlib import Path; from bench.cpu_profile import profile; "
        f"profile(Path({str(corpus)!r}), Path({str(out)!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(root), "PREFECT_LOGGING_LEVEL": "ERROR"}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
    result = json.loads(out.read_text())
    if Path(result["transforms"]).resolve() != (root / "transforms").resolve():
        raise RuntimeError(f"worker imported {result['transforms']}, not {root}")
    return result


def compare(old: Any, new: Any) -> str:
    """Whether two tables are identical, or how many rows each has that the other lacks."""
    if old.equals(new):
        return f"identical ({new.num_rows:,} rows)"
    a = {tuple(r.values()) for r in old.to_pylist()}
    b = {tuple(r.values()) for r in new.to_pylist()}
    return f"DIFFERENT: {len(a - b)} rows only in the baseline, {len(b - a)} only in this tree"


def section(
    args: argparse.Namespace,
    runs: dict[str, list[dict]],
    identical: dict[str, str],
    matched: dict[str, str],
) -> str:
    from bench.run import machine

    labels = list(runs)
    steps = list(runs[labels[-1]][0]["ms_per_article"])
    for step in runs[labels[0]][0]["ms_per_article"]:
        if step not in steps:
            steps.append(step)

    def figure(label: str, step: str) -> tuple[float, float] | None:
        values = [r["ms_per_article"].get(step) for r in runs[label]]
        values = [v for v in values if v is not None]
        return (statistics.median(values), min(values)) if values else None

    load = os.getloadavg()[0]
    lines = [
        CPU,
        "",
        f"Command: `python -m bench.cpu_profile --files {args.files} --baseline {args.baseline} "
        f"--repeats {args.repeats}{' --matchers' if args.matchers else ''}`, written "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on {machine()}. Load average at the end: "
        f"{load:.1f}{' (the machine was shared while measuring)' if load > 1.5 else ''}.",
        "",
        f"CPU milliseconds per article, one core (`time.process_time`), over the "
        f"{runs[labels[-1]][0]['articles']:,} articles of the generator's {args.files:,} files "
        f"(seed {args.seed}), in shards of the pipeline's size, the baseline ({args.baseline}) and "
        f"this tree measured alternately, {args.repeats} times each: median (min). Steps of "
        "`parse_articles` are the transforms it calls, each without the time of the steps it calls.",
        "",
        f"| step | baseline {args.baseline} | this tree | this / baseline (medians) |",
        "|---|---|---|---|",
    ]
    for step in steps:
        old, new = figure(labels[0], step), figure(labels[-1], step)
        cells = [f"{f[0]:.3f} ({f[1]:.3f})" if f else "-" for f in (old, new)]
        ratio = f"{new[0] / old[0]:.2f}" if old and new and old[0] else "-"
        lines.append(f"| {step} | {cells[0]} | {cells[1]} | {ratio} |")
    lines += [
        "",
        f"Tables of the corpus, baseline against this tree: `documents` {identical['documents']}; "
        f"`mentions` {identical['mentions']}.",
        "",
    ]
    lines += [
        "| entity quality (`bench.entities_quality`) | baseline | this tree |",
        "|---|---|---|",
    ]
    for kind in runs[labels[-1]][0]["quality"]:
        cells = []
        for label in labels:
            q = runs[label][0]["quality"][kind]
            cells.append(
                f"P {q['precision']:.3f} R {q['recall']:.3f} F1 {q['f1']:.3f} "
                f"({q['correct']}/{q['found']} found, {q['true']} labelled)"
            )
        lines.append(f"| {kind} | {cells[0]} | {cells[-1]} |")
    if matched:
        lines += [
            "",
            "Multi-pattern matchers over the same text (title and body, documents joined), every "
            "gazetteer form and head word, all overlapping matches into numpy (µs per article, "
            "best of 5 | ms to build):",
            "",
            "| matcher | µs per article \\| build ms |",
            "|---|---|",
        ]
        lines += [f"| {name} | {value} |" for name, value in matched.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--baseline", default="1848e5e", help="commit to compare with")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--matchers", action="store_true", help="also time the matchers")
    parser.add_argument("--work", type=Path, default=REPO / ".bench")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)

    from bench.generator import generate

    corpus = args.work / f"corpus-{args.files}-{args.seed}"
    if not (corpus / "truth.parquet").is_file():
        generate(corpus, args.files, args.seed)
    with tempfile.TemporaryDirectory(dir=args.work) as scratch:
        trees = {"baseline": baseline_tree(args.baseline, Path(scratch) / "baseline"), "this": REPO}
        runs: dict[str, list[dict]] = {label: [] for label in trees}
        for repeat in range(args.repeats):
            for label, root in trees.items():
                out = Path(scratch) / f"{label}-{repeat}.json"
                runs[label].append(run_worker(root, corpus, out))
                print(f"{label} {repeat}: {runs[label][-1]['ms_per_article']}", flush=True)
        import pyarrow.parquet as pq

        identical = {
            table: compare(
                pq.read_table(Path(scratch) / f"baseline-0.{table}.parquet"),
                pq.read_table(Path(scratch) / f"this-0.{table}.parquet"),
            )
            for table in ("documents", "mentions")
        }
    matched = matchers(corpus) if args.matchers else {}
    text = section(args, runs, identical, matched)
    print(text)
    put_section(args.out, CPU, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
