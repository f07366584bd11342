"""datatrove's MinHash deduplication on the same documents, for the side-by-side benchmark.

Runs in its own virtual environment (``.bench/datatrove-venv``, made by ``bench.run``): datatrove is
a peer to compare with, never a dependency of newsetl. Input: a JSONL file of ``{"id", "text"}``
(newsetl's cleaned bodies, so both systems deduplicate the same text). Output: a JSON file with the
wall seconds of datatrove's four MinHash stages and each document's cluster.

Usage: ``python bench/datatrove_peer.py INPUT.jsonl WORKDIR OUTPUT.json [--tasks N]``
"""

import argparse
import json
import time
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.hashing import HashConfig
from datatrove.utils.word_tokenizers import WordTokenizer


class WhitespaceTokenizer(WordTokenizer):
    """Plain white-space words: what newsetl shingles too, and no spaCy download."""

    def word_tokenize(self, text: str) -> list[str]:
        return text.split()

    def sent_tokenize(self, text: str) -> list[str]:
        return [line for line in text.split("\n") if line.strip()]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        spans, position = [], 0
        for word in text.split():
            start = text.index(word, position)
            spans.append((start, start + len(word)))
            position = start + len(word)
        return spans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--tasks", type=int, default=2)
    args = parser.parse_args()
    work = args.work
    # datatrove's defaults: 5-gram shingles, 14 bands x 8 rows, 64-bit hashes.
    config = MinhashConfig(
        hash_config=HashConfig(precision=64), num_buckets=14, hashes_per_bucket=8
    )
    tokenizer = WhitespaceTokenizer()

    def reader() -> JsonlReader:
        return JsonlReader(str(args.input.parent), glob_pattern=args.input.name, id_key="id")

    started = time.perf_counter()
    LocalPipelineExecutor(
        pipeline=[
            reader(),
            MinhashDedupSignature(str(work / "signatures"), config=config, language=tokenizer),
        ],
        tasks=args.tasks,
        workers=args.tasks,
        logging_dir=str(work / "logs/1"),
    ).run()
    LocalPipelineExecutor(
        pipeline=[
            MinhashDedupBuckets(str(work / "signatures"), str(work / "buckets"), config=config)
        ],
        tasks=config.num_buckets,
        workers=args.tasks,
        logging_dir=str(work / "logs/2"),
    ).run()
    LocalPipelineExecutor(
        pipeline=[
            MinhashDedupCluster(
                str(work / "buckets"), str(work / "remove_ids"), config=config, save_cluster_id=True
            )
        ],
        tasks=1,
        logging_dir=str(work / "logs/3"),
    ).run()
    LocalPipelineExecutor(
        pipeline=[
            reader(),
            MinhashDedupFilter(
                str(work / "remove_ids"),
                load_cluster_ids=True,
                exclusion_writer=JsonlWriter(str(work / "removed"), compression=None),
            ),
            JsonlWriter(str(work / "kept"), compression=None),
        ],
        tasks=args.tasks,
        workers=args.tasks,
        logging_dir=str(work / "logs/4"),
    ).run()
    seconds = time.perf_counter() - started

    clusters: dict[str, str] = {}
    for path in sorted((work / "kept").glob("*.jsonl")) + sorted(
        (work / "removed").glob("*.jsonl")
    ):
        for line in path.read_text().splitlines():
            doc = json.loads(line)
            cluster = doc.get("metadata", {}).get("minhash_cluster_id", -1)
            clusters[doc["id"]] = (
                f"c{cluster}" if cluster not in (-1, None) else f"solo-{doc['id']}"
            )
    args.output.write_text(json.dumps({"seconds": seconds, "clusters": clusters}))


if __name__ == "__main__":
    main()
