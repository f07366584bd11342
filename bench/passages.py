"""The shared passages of every near copy of a published warehouse, computed alone and timed.

``python -m bench.passages --warehouse DIR --work DIR [--workers 2] [--out FILE]`` builds
``match_passages`` from scratch over the current snapshot, as a first publish does
(``warehouse.match_passages.next_match_passages`` with no previous snapshot), and prints the
rows, the wall time, the CPU seconds of the process and its workers, and the peak resident
memory of the process tree (sampled every 50 ms). The warehouse is only read: the staging and
the bodies' temporary files go to ``--work``. ``--out`` keeps the rows as Parquet, to compare
two trees' output. The file imports only ``warehouse`` (and ``flows.local_workers`` with
``--workers``), so it runs against another tree's code too: ``PYTHONPATH=TREE python
bench/passages.py ...``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse import match_passages
from warehouse.incremental import gather_keys
from warehouse.store import RunStaging, StagedShard, Warehouse

SAMPLE_SECONDS = 0.05


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    snapshot = Warehouse(args.warehouse).snapshot()
    args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        staging = RunStaging(Warehouse(args.warehouse), "bench-passages", Path(folder))
        for number, path in enumerate(snapshot.files("documents")):
            rows = pq.ParquetFile(path).metadata.num_rows
            staging.add_shard(StagedShard(number, path, path, rows, 0))
        keys = gather_keys(None, staging, pa.array([], pa.string()))
        matches = pa.concat_tables(pq.read_table(p) for p in snapshot.files("document_matches"))
        kwargs = {}
        if args.workers > 1:
            from flows.local_workers import passage_pool

            kwargs = {"workers": lambda: passage_pool(args.workers), "parallel": args.workers}
        me = psutil.Process()
        before = tree_rss(me)
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], tree_rss(me))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, cpu = time.perf_counter(), time.process_time()
        plan = match_passages.next_match_passages(keys, matches, staging, None, **kwargs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        done.set()
        sampler.join()
        workers_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        near = pc.sum(pc.equal(matches.column("kind"), "near")).as_py()
        print(
            f"snapshot {snapshot.snapshot_id}: {near:,} near copies, {plan.written.num_rows:,} "
            f"rows; wall {wall:.1f} s; CPU {cpu + workers_cpu:.1f} s ({cpu:.1f} s this process, "
            f"{workers_cpu:.1f} s workers); peak RSS of the tree {peak[0] / 2**20:,.0f} MB "
            f"({before / 2**20:,.0f} MB before)"
        )
        if args.out:
            pq.write_table(plan.written, args.out)


if __name__ == "__main__":
    main()
