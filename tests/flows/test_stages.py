import gc

import pyarrow as pa

from flows.stages import Census, Discovered
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
