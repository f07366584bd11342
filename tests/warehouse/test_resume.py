"""Finished shards of a crashed run, keyed by content, are taken over by the next run."""

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse import resume
from warehouse.storage import Storage
from warehouse.store import Warehouse, resumed_shard, write_staged_shard

PARAMETERS = (1 << 20, "signatures", "near-dup settings")


def stage(path: Path, shard: int, key: str, rows: int) -> None:
    documents = pa.table({"doc_id": [f"d{shard}-{i}" for i in range(rows)]})
    quarantine = pa.table({"source_path": ["bad.txt"]})
    keys = pa.array(range(rows), pa.uint64())
    bands = pa.table({"body_key": keys, "band": pa.array([0] * rows, pa.int16()), "band_key": keys})
    signatures = pa.table(
        {
            "body_key": keys,
            "shingles": pa.array([1] * rows, pa.int32()),
            "signature": pa.array([b"\0" * 4] * rows, pa.binary()),
        }
    )
    mentions = pa.table(
        {
            "doc_id": documents.column("doc_id"),
            "kind": ["country"] * rows,
            "entity": ["Russia"] * rows,
            "mentions": pa.array([1] * rows, pa.int32()),
        }
    )
    write_staged_shard(
        Storage(), path, shard, documents, quarantine, bands, signatures, mentions, key
    )


def test_the_key_follows_the_files_the_parameters_and_the_learned_chrome(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.txt").write_text("two")
    chrome = pa.array([1, 2], pa.uint64())
    key = resume.shard_key(tmp_path, ["a.txt", "b.txt"], PARAMETERS, chrome)
    assert resume.shard_key(tmp_path, ["a.txt", "b.txt"], PARAMETERS, chrome) == key
    assert resume.shard_key(tmp_path, ["a.txt"], PARAMETERS, chrome) != key
    assert resume.shard_key(tmp_path, ["a.txt", "b.txt"], (*PARAMETERS, 1), chrome) != key
    assert resume.shard_key(tmp_path, ["a.txt", "b.txt"], PARAMETERS, chrome[:1]) != key
    os.utime(tmp_path / "b.txt", ns=(1, 1))  # touched: same size, another mtime
    assert resume.shard_key(tmp_path, ["a.txt", "b.txt"], PARAMETERS, chrome) != key


def test_next_run_takes_complete_marked_shards_and_drops_the_rest(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "wh")
    crashed = warehouse.staging("crashed-run")
    stage(crashed.path, 0, "key-a", 3)
    stage(crashed.path, 1, "key-b", 4)
    stage(crashed.path, 2, "key-c", 5)
    # A shard cut short by the crash: its document file is not whole Parquet.
    documents_c = crashed.path / "documents" / "shard-000002.parquet"
    documents_c.write_bytes(documents_c.read_bytes()[:20])

    staging = warehouse.staging("next-run")
    assert [p.name for p in (tmp_path / "wh" / "staging").iterdir()] == ["next-run"]
    # Numbered by this run's shards, which need not be the crashed run's.
    taken = resumed_shard(Storage(), staging.path, 5, "key-b")
    assert taken is not None and taken.resumed
    assert (taken.document_rows, taken.quarantine_rows) == (4, 1)
    assert pq.read_table(taken.documents).column("doc_id").to_pylist()[0] == "d1-0"
    assert (staging.path / "bands" / "shard-000005.parquet").is_file()
    # Its mentions are this run's now: the crashed run never published.
    adopted = pq.read_table(staging.path / "mentions" / "shard-000005.parquet")
    assert set(adopted.column("run_id").to_pylist()) == {"next-run"}
    assert resumed_shard(Storage(), staging.path, 0, "key-c") is None  # incomplete: computed again
    assert (
        resumed_shard(Storage(), staging.path, 0, "key-z") is None
    )  # another content: computed again
    # A retry of a task in this run finds its own finished shard.
    assert resumed_shard(Storage(), staging.path, 5, "key-b") is not None


def test_a_failed_run_keeps_only_its_finished_shards(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "wh")
    try:
        with warehouse.staging("failing-run") as staging:
            stage(staging.path, 0, "key-a", 2)
            (staging.path / "snapshot").mkdir()
            raise OSError("disk on fire")
    except OSError:
        pass
    assert (staging.path / "done" / "key-a.json").is_file()
    assert not (staging.path / "snapshot").exists()
    with warehouse.staging("next-run") as next_staging:
        assert resumed_shard(Storage(), next_staging.path, 0, "key-a") is not None
    assert list((tmp_path / "wh" / "staging").iterdir()) == []
