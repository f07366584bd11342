"""Drawing clusters again after an increment: every component, or those that changed.

On a published warehouse, the newest ``--share`` of its documents (by date, then id) stand for
an increment's new documents: their clusters are unknown, the others' are carried from the
snapshot. ``cluster_documents`` over everything and ``recluster`` are timed alternately
(``--repeats`` each, CPU seconds of this process, medians; ``recluster`` with the comparison of
the pairs a run makes), and their tables must be equal.

    python -m bench.recluster --warehouse W [--share 0.01] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.body_keys import body_keys
from transforms.clustering import changed_pair_keys, cluster_documents, recluster
from warehouse.store import Warehouse

COLUMNS = ["doc_id", "content_hash", "published_date", "word_count"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    snapshot = Warehouse(args.warehouse).snapshot()
    documents = pa.concat_tables(
        pq.read_table(path, columns=COLUMNS) for path in snapshot.files("documents")
    )
    pairs = pa.concat_tables(
        pq.read_table(path, columns=["left_key", "right_key"])
        for path in snapshot.files("body_pairs")
    )
    left, right = pairs.column("left_key").to_numpy(), pairs.column("right_key").to_numpy()
    columns = [documents.column(name) for name in COLUMNS]
    everything = cluster_documents(*columns, left, right)
    # The newest documents are the increment's: unknown clusters, their bodies the seeds.
    order = pc.sort_indices(documents, [("published_date", "ascending"), ("doc_id", "ascending")])
    newest = order.to_numpy()[-max(1, round(documents.num_rows * args.share)) :]
    unknown = np.zeros(documents.num_rows, dtype=bool)
    unknown[newest] = True
    carried = pa.table(
        {
            name: pc.if_else(pa.array(unknown), pa.nulls(len(unknown), column.type), column)
            for name, column in zip(everything.column_names, everything.columns, strict=True)
        }
    )
    seeds = body_keys(documents.column("content_hash").take(pa.array(newest)))
    full, partial = [], []
    drawn = 0
    for _ in range(args.repeats):
        started = time.process_time()
        cluster_documents(*columns, left, right)
        full.append(time.process_time() - started)
        started = time.process_time()
        # A run also compares its pairs with the snapshot's (the same ones here).
        changed = changed_pair_keys(left, right, left, right)
        again, mask = recluster(*columns, left, right, carried, np.r_[seeds, changed])
        drawn = int(mask.sum())
        partial.append(time.process_time() - started)
    if not again.equals(everything):
        raise SystemExit("recluster differs from drawing everything")
    print(
        f"{documents.num_rows:,} documents, {len(left):,} pairs, newest {len(newest):,} new: "
        f"cluster_documents {statistics.median(full):.2f} s CPU, recluster "
        f"{statistics.median(partial):.2f} s ({drawn:,} documents drawn again); tables equal"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
