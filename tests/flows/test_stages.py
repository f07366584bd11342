import gc

import pyarrow as pa

from flows.stages import Census, Discovered, _shards
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


def test_shards_are_shared_evenly_by_the_workers() -> None:
    for files, size, workers in [(10_000, 2_000, 2), (1_000, 2_000, 2), (7, 3, 4), (1, 5, 2)]:
        paths = pa.array([f"{n:07d}.txt" for n in range(files)])
        shards = _shards(paths, size, workers)
        sizes = [len(shard) for shard in shards]
        # Every path once, in order; no shard over the size; all of one size but the last.
        assert pa.concat_arrays(shards).equals(paths)
        assert max(sizes) <= size
        assert set(sizes[:-1]) <= {sizes[0]}
        assert sizes[-1] > sizes[0] - len(sizes)
    # An increment of 10,000 files on 2 workers: 6 shards of 1,667 or so, not 5 of 2,000.
    assert [len(s) for s in _shards(pa.array(["x"] * 10_000), 2_000, 2)] == [1667] * 5 + [1665]
    # A run of a million files keeps its shards of 2,000.
    assert {len(s) for s in _shards(pa.array(["x"] * 1_000_000), 2_000, 2)} == {2_000}
    assert _shards(pa.array([], pa.string()), 2_000, 2) == []
