import gc
import os

import pyarrow as pa
import pytest
from prefect import flow, task
from prefect.task_runners import ProcessPoolTaskRunner

from flows.stages import MAX_SHARDS_PER_BATCH, Census, Discovered, _run_shards, shard_batches
from flows.tasks import ShardFiles
from warehouse.census_plan import CensusPlan
from warehouse.runs import StageCounters


def test_stage_results_let_go_of_their_file_lists() -> None:
    pool = pa.default_memory_pool()
    before = pool.bytes_allocated()
    present = pa.array([f"site/{i:08d}.txt" for i in range(100_000)])
    pending = pa.table({"source_path": present, "bytes": pa.array(range(100_000), pa.int64())})
    found = Discovered("root", None, present, pending, StageCounters("discover", files_in=100_000))
    census = Census(CensusPlan([], pa.array([], pa.uint64()), []), pending, StageCounters("census"))
    del present, pending
    assert pool.bytes_allocated() - before > 1_000_000
    found, census = found.without_file_lists(), census.without_file_lists()
    gc.collect()
    assert pool.bytes_allocated() - before < 10_000
    assert found.files_seen == 100_000
    assert census.to_process.schema.names == ["source_path", "bytes"]


@task
def _pids_of(batch: list[ShardFiles]) -> list[tuple[int, list[str], int]]:
    return [(one.shard, one.paths, os.getpid()) for one in batch]


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def _shard_pids(count: int) -> list[tuple[int, list[str], int]]:
    shards = [pa.array([f"{n}.txt"]) for n in range(count)]
    return list(_run_shards(_pids_of, lambda batch: (batch,), shards, workers=2))


def test_a_lone_shard_runs_in_the_run_process_and_more_go_to_the_workers(prefect_api: str) -> None:
    here = os.getpid()
    assert _shard_pids(1) == [(0, ["0.txt"], here)]
    many = _shard_pids(11)
    assert sorted(number for number, _, _ in many) == list(range(11)), "each shard once"
    assert all(paths == [f"{number}.txt"] for number, paths, _ in many)
    assert here not in {pid for _, _, pid in many}


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("count", [0, 1, 2, 7, 51, 500])
def test_batches_cover_each_shard_once_in_order_and_shrink_to_single_shards(
    count: int, workers: int
) -> None:
    batches = shard_batches(count, workers)
    assert [n for batch in batches for n in batch] == list(range(count))
    sizes = [len(batch) for batch in batches]
    assert sizes == sorted(sizes, reverse=True), "largest first: the workers finish together"
    assert all(1 <= size <= MAX_SHARDS_PER_BATCH for size in sizes)
    if count >= workers:
        assert sizes[-workers:] == [1] * workers, "the last task of each worker is one shard"


def test_a_hundred_thousand_files_take_a_quarter_of_the_task_runs() -> None:
    # 101,100 files in shards of 2,000, two workers: 51 task runs were one a shard.
    assert len(shard_batches(51, 2)) == 13
    assert [len(batch) for batch in shard_batches(51, 2)][:3] == [8, 8, 8]


def test_on_a_cluster_each_shard_is_a_task_run() -> None:
    assert shard_batches(5, 2, on_cluster=True) == [range(n, n + 1) for n in range(5)]
