import gc
import os

import pyarrow as pa
from prefect import flow, task
from prefect.task_runners import ProcessPoolTaskRunner

from flows.stages import Census, Discovered, _run_shards
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
def _pid_of(number: int, shard: list[str]) -> tuple[int, int]:
    return number, os.getpid()


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
def _shard_pids(count: int) -> list[tuple[int, int]]:
    shards = [pa.array([f"{n}.txt"]) for n in range(count)]
    return sorted(_run_shards(_pid_of, lambda n, shard: (n, shard), shards, workers=2))


def test_a_lone_shard_runs_in_the_run_process_and_more_go_to_the_workers(prefect_api: str) -> None:
    here = os.getpid()
    assert _shard_pids(1) == [(0, here)]
    many = _shard_pids(3)
    assert [number for number, _ in many] == [0, 1, 2]
    assert here not in {pid for _, pid in many}
