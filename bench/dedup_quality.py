"""Deduplication quality by kind of copy, against the generator's labels.

``python -m bench.dedup_quality --corpus DIR --warehouse WH [--warehouse WH2 ...]`` scores the
clusters of one or more warehouses built from the same generator corpus (say today's main and a
branch) and prints, per kind of document, the pairwise precision and recall of the pairs that
involve it (:func:`bench.quality.pairwise_scores_by_kind`), plus two summaries: the whole-story
kinds the generator always had (originals, syndicated copies, re-crawls, hard negatives, foreign
articles) and the partial-reprint groups (long stories, their copies and their negatives).
``bench.scale`` writes the same table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench.generator import REPRINT_KINDS, REPRINT_NEGATIVES
from bench.quality import pairwise_scores, pairwise_scores_by_kind

REPRINT_GROUP_KINDS = ("long_story", *REPRINT_KINDS, *REPRINT_NEGATIVES)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a bench.generator corpus")
    parser.add_argument(
        "--warehouse", type=Path, action="append", required=True, help="LABEL=DIR or DIR"
    )
    args = parser.parse_args(argv)
    results = {}
    for value in args.warehouse:
        label, _, folder = str(value).rpartition("=")
        results[label or Path(folder).name] = kind_scores(args.corpus, Path(folder))
    print("\n".join(table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
