"""Deduplication quality by kind of copy, against the generator's labels.

``python -m bench.dedup_quality --corpus DIR --warehouse WH [--warehouse WH2 ...]`` scores the
clusters of one or more warehouses built from the same generator corpus (say today's main and a
branch) and prints, per kind of document, the pairwise precision and recall of the pairs that
involve it (:func:`bench.quality.pairwise_scores_by_kind`), plus two summaries: the whole-story
kinds the generator always had (originals, syndicated copies, re-crawls, hard negatives, foreign
articles) and the partial-reprint groups (long stories, their copies and their negatives).
``bench.scale`` writes the same table into BENCHMARKS.md.

``python -m bench.dedup_quality --real --baseline DIR`` runs this checkout and a baseline
checkout (today's main, with its own ``.venv``) on Reuters-21578 and BBC News
(``../shared/corpora``) and writes the section ``REAL`` of BENCHMARKS.md: the pairs of documents
each puts in one cluster, and every pair this checkout links that the baseline does not (and
back), with their headlines, to be judged one by one.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.generator import REPRINT_KINDS, REPRINT_NEGATIVES
from bench.quality import pairwise_scores, pairwise_scores_by_kind
from bench.sections import REAL, put_section

REPRINT_GROUP_KINDS = ("long_story", *REPRINT_KINDS, *REPRINT_NEGATIVES)
REAL_CORPORA = ("reuters21578", "bbc")


def kind_scores(corpus_dir: Path, warehouse: Path) -> dict[str, Any]:
    """Per-kind pairwise scores, and the whole-story and reprint-group summaries."""
    from bench.run import query

    truth = pq.read_table(
        corpus_dir / "truth.parquet", columns=["source_path", "story_id", "kind", "expected"]
    ).to_pylist()
    labelled = {r["source_path"]: r for r in truth if r["expected"] == "accepted"}
    rows = query(warehouse, "select source_path, cluster_id from documents")
    predicted = {r["source_path"]: r["cluster_id"] for r in rows}
    paths = sorted(set(labelled) & set(predicted))
    kinds = [labelled[p]["kind"] for p in paths]
    clusters = [predicted[p] for p in paths]
    stories = [labelled[p]["story_id"] for p in paths]

    def subset(keep: set[str] | None, drop: set[str]) -> dict[str, float]:
        chosen = [i for i, k in enumerate(kinds) if k not in drop and (keep is None or k in keep)]
        return pairwise_scores([clusters[i] for i in chosen], [stories[i] for i in chosen])

    group = set(REPRINT_GROUP_KINDS)
    return {
        "whole_story": subset(None, group),
        "reprint_groups": subset(group, set()),
        "kinds": pairwise_scores_by_kind(clusters, stories, kinds),
    }


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown rows: one per kind of the reprint groups, then the two summaries; one column
    pair (precision, recall) per labelled result."""
    labels = list(results)
    lines = [
        "| kind | documents | "
        + " | ".join(f"{label} precision | {label} recall" for label in labels)
        + " |",
        "|---|---|" + "---|---|" * len(labels),
    ]
    first = results[labels[0]]
    for kind in REPRINT_GROUP_KINDS:
        if kind not in first["kinds"]:
            continue
        cells = []
        for label in labels:
            score = results[label]["kinds"][kind]
            false = int(score["false_pairs"])
            cells.append(f"{score['precision']:.4f} ({false} false)")
            cells.append(
                f"{score['recall']:.4f}" if kind not in REPRINT_NEGATIVES else "(own story)"
            )
        documents = int(first["kinds"][kind]["documents"])
        lines.append(f"| {kind} | {documents:,} | " + " | ".join(cells) + " |")
    for name, title in (
        ("reprint_groups", "all reprint groups"),
        ("whole_story", "whole-story kinds"),
    ):
        cells = []
        for label in labels:
            score = results[label][name]
            cells += [f"{score['precision']:.4f}", f"{score['recall']:.4f}"]
        lines.append(f"| **{title}** | | " + " | ".join(cells) + " |")
    return lines


def clustered_pairs(warehouse: Path) -> tuple[set[tuple[str, str]], dict[str, tuple[str, str]]]:
    """Pairs of documents (by path) in one cluster, and each document's headline and body."""
    from bench.run import query

    rows = query(warehouse, "select source_path, cluster_id, title, body from documents")
    clusters: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        clusters[row["cluster_id"]].append(row["source_path"])
    pairs = {
        pair for members in clusters.values() for pair in itertools.combinations(sorted(members), 2)
    }
    return pairs, {r["source_path"]: (r["title"] or "", r["body"] or "") for r in rows}


def described(pairs: list[tuple[str, str]], texts: dict[str, tuple[str, str]]) -> list[str]:
    """One markdown line per pair: Jaccard and containment of the bodies, headlines, files."""
    from transforms.shingles import shingle, similarity

    if not pairs:
        return []
    bodies = pa.array([texts[path][1] for pair in pairs for path in pair])
    jaccard, containment = similarity(
        shingle(bodies, 5), np.arange(0, len(bodies), 2), np.arange(1, len(bodies), 2)
    )
    return [
        f"  - Jaccard {j:.2f}, containment {c:.2f}: {texts[a][0]!r} ~ {texts[b][0]!r} "
        f"(`{a}`, `{b}`)"
        for (a, b), j, c in zip(pairs, jaccard.tolist(), containment.tolist(), strict=True)
    ]


def real_section(baseline: Path, label: str, work: Path) -> str:
    """Run both checkouts on the real corpora and compare the pairs they cluster."""
    from bench.run import REPO, SHARED_CORPORA, run_newsetl, unpack

    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    lines = [
        REAL,
        "",
        f"Command: `python -m bench.dedup_quality --real --baseline {baseline} "
        f"--baseline-label '{label}'`. Each checkout runs `newsetl run` on each corpus into a new "
        "warehouse; a pair is two documents in one cluster. Every pair this checkout adds is "
        "listed, to be judged by reading it.",
        "",
    ]
    for name in REAL_CORPORA:
        archive = SHARED_CORPORA / f"{name}.tar.gz"
        if not archive.is_file():
            lines.append(f"- `{name}`: {archive} absent, not measured")
            continue
        root = unpack(archive, work)
        found = {}
        for side, checkout in ((label, baseline.resolve()), ("this checkout", REPO)):
            warehouse = work / f"warehouse-{name}-{'baseline' if checkout != REPO else 'this'}"
            shutil.rmtree(warehouse, ignore_errors=True)
            run_newsetl(root, warehouse, env, checkout=checkout)
            found[side] = clustered_pairs(warehouse)
        (old, _), (new, texts) = found[label], found["this checkout"]
        gained, lost = sorted(new - old), sorted(old - new)
        lines.append(
            f"- `{name}`: {label} {len(old):,} pairs, this checkout {len(new):,}: "
            f"{len(gained)} gained, {len(lost)} lost."
        )
        if gained:
            lines.append("  Gained:")
            lines += described(gained, texts)
        if lost:
            lines.append("  Lost:")
            lines += described(lost, found[label][1])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a bench.generator corpus")
    parser.add_argument(
        "--warehouse", type=Path, action="append", default=[], help="LABEL=DIR or DIR"
    )
    parser.add_argument("--real", action="store_true", help="compare links on the real corpora")
    parser.add_argument("--baseline", type=Path, help="with --real: the checkout to compare with")
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--work", type=Path, default=Path(__file__).parents[1] / ".bench")
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.real:
        if args.baseline is None:
            parser.error("--real needs --baseline")
        text = real_section(args.baseline, args.baseline_label, args.work)
        put_section(args.out, REAL, text)
        print(text)
        return 0
    if args.corpus is None or not args.warehouse:
        parser.error("--corpus and --warehouse are needed (or --real)")
    results = {}
    for value in args.warehouse:
        label, _, folder = str(value).rpartition("=")
        results[label or Path(folder).name] = kind_scores(args.corpus, Path(folder))
    print("\n".join(table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
