"""Per-field accuracy of newsetl against the generator's truth, at several corpus sizes.

``python -m bench.fields --sizes 10000,100000,1000000`` generates each corpus with
``bench.generator`` (one seed: the smaller corpora are prefixes of the larger ones), runs
``newsetl run`` on it as a user would (with the corpus's ``publishers.toml``), joins
``documents`` to ``truth.parquet`` on ``source_path`` and writes the section "Field accuracy" of
BENCHMARKS.md: for every field the share of accepted files whose value equals the truth (null
equals null), the body's word-token F1, and the dedup scores. The same section reports the
extraction benchmark's body-only F1 (181 hand-labelled pages) and the share of body words that
Reuters-21578 and BBC News keep. Documents are streamed from the warehouse and scored in one
pass, so that a million files' bodies are never all in memory.

``--in-process`` parses in this process instead (census, learning and parsing shard by shard,
as the flow does, without Prefect or a warehouse), for quick checks while developing: the
figures are the same but dedup is not measured (the section it writes says so).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.quality import pairwise_scores, token_scores
from bench.sections import FIELDS as HEADING
from bench.sections import put_section

REPO = Path(__file__).resolve().parents[1]
# Fields compared for equality, documents column -> truth column.
FIELDS = {
    "title": "title",
    "subtitle": "subtitle",
    "byline": "byline",
    "dateline": "dateline",
    "agency": "agency",
    "publisher": "publisher",
    "published_date": "published_date",
    "language": "language",
}
SHARD = 2000
# What a file's document must repeat, inside a small corpus and a large one.
COMPARED = [*FIELDS, "body"]


@dataclass
class FieldScores:
    """Accuracy of each field over the accepted files of one corpus."""

    documents: int
    exact: dict[str, float]
    body: dict[str, float]
    errors: dict[str, list[tuple[str, object, object]]]
    """A few (path, got, want) per field, to see what goes wrong."""


def score_fields(documents: Iterable[dict[str, Any]], truth: pa.Table) -> FieldScores:
    """Compare parsed documents to the generator's truth, field by field.

    One pass over ``documents``, which may be a stream: at a million files neither the bodies
    nor the clean bodies are held all at once.
    """
    accepted = truth.filter(pc.equal(truth["expected"], "accepted"))
    row_of = {path: i for i, path in enumerate(accepted["source_path"].to_pylist())}
    wanted = {field: accepted[column].to_pylist() for field, column in FIELDS.items()}
    clean_bodies = accepted["clean_body"].combine_chunks()
    right: Counter[str] = Counter()
    errors: dict[str, list[tuple[str, object, object]]] = {f: [] for f in FIELDS}
    seen = 0

    def pairs() -> Iterator[tuple[str, str]]:
        nonlocal seen
        for document in documents:
            row = row_of.get(document["source_path"])
            if row is None:
                continue
            seen += 1
            for field, want in wanted.items():
                if document[field] == want[row]:
                    right[field] += 1
                elif len(errors[field]) < 8:
                    errors[field].append((document["source_path"], document[field], want[row]))
            yield document["body"], clean_bodies[row].as_py()

    body = token_scores(pairs())
    # A file the truth accepts and newsetl quarantined counts as wrong in every field.
    total = len(row_of)
    exact = {field: right[field] / total for field in FIELDS}
    exact["accepted"] = seen / total
    return FieldScores(seen, exact, body, errors)


def parse_in_process(files_dir: Path, publishers_file: Path | None) -> Iterator[dict[str, Any]]:
    """Census, learning and parsing as the flow does them, shard by shard, in this process; the
    documents as each shard is parsed."""
    from transforms.articles import census_files, parse_articles
    from transforms.census import learn_chrome
    from transforms.publishers import PublisherRules, parse_rules
    from transforms.records import FILES_SCHEMA

    rules = parse_rules(publishers_file.read_text()) if publishers_file else PublisherRules()
    paths = sorted(str(p.relative_to(files_dir)) for p in files_dir.rglob("*.txt"))

    def shard(start: int) -> pa.Table:
        chunk = paths[start : start + SHARD]
        raw = [(files_dir / p).read_bytes() for p in chunk]
        return pa.table({"source_path": chunk, "raw": raw}, schema=FILES_SCHEMA)

    census = pa.concat_tables(census_files(shard(s), rules) for s in range(0, len(paths), SHARD))
    learned = learn_chrome(census)
    for start in range(0, len(paths), SHARD):
        yield from parse_articles(shard(start), rules=rules, learned=learned).documents.to_pylist()


class WarehouseDocuments:
    """The published ``documents`` of a warehouse, streamed in batches each time it is iterated."""

    def __init__(self, warehouse: Path, columns: list[str], batch: int = 20_000) -> None:
        self.warehouse, self.columns, self.batch = warehouse, columns, batch

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from warehouse import catalog
        from warehouse.store import Warehouse

        connection = catalog.connect(Warehouse(self.warehouse))
        try:
            cursor = connection.execute(f"select {', '.join(self.columns)} from documents")  # noqa: S608 (our names)
            while rows := cursor.fetchmany(self.batch):
                for row in rows:
                    yield dict(zip(self.columns, row, strict=True))
        finally:
            connection.close()


class SameAsSmallest:
    """Records the compared fields of the smallest corpus's documents, or counts how many of
    them a larger corpus gives the same, as the documents stream past."""

    def __init__(self, reference: dict[str, list[object]] | None) -> None:
        self.recording = reference is None
        self.reference: dict[str, list[object]] = {} if reference is None else reference
        self.same = 0

    def compared(self, documents: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for document in documents:
            path = document["source_path"]
            fields = [document[f] for f in COMPARED]
            if self.recording:
                self.reference[path] = fields
            elif path in self.reference:
                self.same += self.reference[path] == fields
            yield document


def run_newsetl(corpus: Path, warehouse: Path) -> tuple[WarehouseDocuments, dict[str, float]]:
    """Run ``newsetl run`` on the corpus into a new warehouse; its documents and dedup scores."""
    from bench.run import NEWSETL

    shutil.rmtree(warehouse, ignore_errors=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    command = [
        *NEWSETL,
        "run",
        "--input",
        str(corpus / "files"),
        "--warehouse",
        str(warehouse),
        "--publishers-file",
        str(corpus / "publishers.toml"),
    ]
    import subprocess

    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    print(f"newsetl run: {time.perf_counter() - started:.0f} s", flush=True)
    truth = pq.read_table(corpus / "truth.parquet", columns=["source_path", "story_id", "expected"])
    stories = {
        r["source_path"]: r["story_id"] for r in truth.to_pylist() if r["expected"] == "accepted"
    }
    clustered = [
        (d["cluster_id"], stories[d["source_path"]])
        for d in WarehouseDocuments(warehouse, ["source_path", "cluster_id"])
        if d["source_path"] in stories
    ]
    dedup = pairwise_scores([c for c, _ in clustered], [s for _, s in clustered])
    return WarehouseDocuments(warehouse, ["source_path", "body", *FIELDS]), dedup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes (comma-separated)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--work", type=Path, default=REPO / ".bench" / "fields")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--in-process", action="store_true", help="no flow, no dedup (quick)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora")
    parser.add_argument("--errors", action="store_true", help="print a few errors per field")
    args = parser.parse_args(argv)
    from bench.generator import generate

    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, Any]] = {}
    reference: dict[str, list[object]] | None = None
    for size in sizes:
        corpus = args.work / f"corpus-{size}-{args.seed}"
        if not (corpus / "truth.parquet").is_file():
            shutil.rmtree(corpus, ignore_errors=True)
            print(f"generating {size} articles into {corpus}", flush=True)
            generate(corpus, size, args.seed)
        truth = pq.read_table(corpus / "truth.parquet")
        dedup: dict[str, float] = {}
        documents: Iterable[dict[str, Any]]
        if args.in_process:
            documents = parse_in_process(corpus / "files", corpus / "publishers.toml")
        else:
            documents, dedup = run_newsetl(corpus, args.work / "warehouse")
        # One seed: the smallest corpus is the first files of every larger one, and each of its
        # files must come out the same inside the larger corpus (compared in the scoring pass).
        check = SameAsSmallest(reference)
        scores = score_fields(check.compared(documents), truth)
        del truth, documents
        results[size] = {"exact": scores.exact, "body": scores.body, "dedup": dedup}
        if reference is None:
            reference = check.reference
        else:
            results[size]["same_as_smallest"] = [check.same, len(reference)]
        shutil.rmtree(args.work / "warehouse", ignore_errors=True)
        print(json.dumps({size: results[size]}, indent=1), flush=True)
        if args.errors:
            for field, found in scores.errors.items():
                for path, got, want in found:
                    print(f"{field}: {path}: got {got!r}, want {want!r}")
        if not args.keep:
            shutil.rmtree(corpus, ignore_errors=True)
    from bench.run import extraction_quality, newswire_kept

    extraction = extraction_quality(args.work)
    newswire = newswire_kept(args.work)
    print(json.dumps({"extraction": extraction, "newswire": newswire}, indent=1))
    put_section(args.out, HEADING, report(args, sizes, results, extraction, newswire))
    print(f"wrote {HEADING!r} into {args.out}")
    return 0


def report(
    args: argparse.Namespace,
    sizes: list[int],
    results: dict[int, dict[str, Any]],
    extraction: dict[str, float] | str,
    newswire: dict[str, float] | str,
) -> str:
    """The BENCHMARKS.md section."""
    from bench.run import machine

    load = os.getloadavg()[0]
    lines = [
        HEADING,
        "",
        f"Command: `python -m bench.fields --sizes {args.sizes}"
        f"{' --in-process' if args.in_process else ''}`, written "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, on {machine()}; load average "
        f"{load:.1f} when it finished (the machine is shared). "
        + (
            "Census, learning and parsing shard by shard in one process (`transforms`, as the "
            "flow's tasks call them; the learning is the Arrow twin of the warehouse's SQL), "
            "without deduplication,"
            if args.in_process
            else "One `newsetl run` per size"
        )
        + f" on a new `bench.generator` corpus (seed {args.seed}), with the corpus's "
        "`publishers.toml` (the folders of the outlets whose pages never name them). Share of the "
        "files the "
        "generator accepts whose field equals its truth (null equals null; a file newsetl "
        "quarantined counts as wrong); body: word-token F1 against the clean body.",
        "",
        "| field | " + " | ".join(f"{s:,} files" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for field in [*FIELDS, "accepted"]:
        lines.append(
            f"| {field} | " + " | ".join(f"{results[s]['exact'][field]:.4f}" for s in sizes) + " |"
        )
    for key in ("f1", "mean_f1"):
        lines.append(
            f"| body token {key.replace('_', ' ')} | "
            + " | ".join(f"{results[s]['body'][key]:.4f}" for s in sizes)
            + " |"
        )
    for key in ("precision", "recall") if not args.in_process else ():
        lines.append(
            f"| dedup pairwise {key} | "
            + " | ".join(f"{results[s]['dedup'].get(key, float('nan')):.4f}" for s in sizes)
            + " |"
        )
    lines.append(
        f"| files of the {sizes[0]:,} corpus with every field and the body as there | "
        + " | ".join(
            "{:,} of {:,}".format(*results[s]["same_as_smallest"])
            if "same_as_smallest" in results[s]
            else "—"
            for s in sizes
        )
        + " |"
    )
    lines.append("")
    if isinstance(extraction, dict):
        lines.append(
            "Extraction benchmark (181 hand-labelled pages of 126 sites, each parsed alone), body "
            f"only against the labelled body, word tokens: F1 averaged per page "
            f"**{extraction['body_mean_f1']:.3f}**, pooled F1 {extraction['body_f1']:.3f} "
            f"(headline + body: {extraction['mean_f1']:.3f} per page, {extraction['f1']:.3f} "
            "pooled)."
        )
    else:
        lines.append(str(extraction))
    if isinstance(newswire, dict):
        lines += [
            "",
            "Texts without chrome keep their words (body words / words of the file after the "
            "headline): " + ", ".join(f"`{n}` {v:.4f}" for n, v in newswire.items()) + ".",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
