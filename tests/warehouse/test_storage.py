import errno
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.faulty_storage import FaultyStorage
from warehouse.storage import Storage

TABLE = pa.table({"n": pa.array(range(1000), pa.int64())})


def test_a_parquet_file_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    storage = Storage()
    target = tmp_path / "t" / "part-0.parquet"
    with pytest.raises(RuntimeError), storage.parquet_writer(target, TABLE.schema) as writer:
        writer.write_table(TABLE.slice(0, 10))
        assert not target.exists()  # nothing at the final path while it is being written
        raise RuntimeError("the writer's process fails mid-file")
    assert list(target.parent.iterdir()) == []  # no partial file, not even a temporary one
    storage.write_parquet(target, TABLE, row_group_size=100)
    assert pq.read_table(target).equals(TABLE)
    assert pq.ParquetFile(target).metadata.num_row_groups == 10
    assert [p.name for p in target.parent.iterdir()] == ["part-0.parquet"]


def test_text_links_moves_and_the_pointer(tmp_path: Path) -> None:
    storage = Storage()
    storage.write_text(tmp_path / "a" / "x.json", "one")
    storage.write_text(tmp_path / "a" / "x.json", "two")
    assert (tmp_path / "a" / "x.json").read_text() == "two"
    storage.link(tmp_path / "a" / "x.json", tmp_path / "b" / "x.json")
    assert (tmp_path / "b" / "x.json").stat().st_nlink == 2
    storage.move(tmp_path / "b", tmp_path / "c" / "b")
    assert (tmp_path / "c" / "b" / "x.json").read_text() == "two"
    for target in ("a", "c"):
        storage.point(tmp_path / "current", Path(target))
        assert os.readlink(tmp_path / "current") == target
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "c", "current"]
    storage.remove(tmp_path / "c")
    storage.remove(tmp_path / "c")  # nothing there: nothing to do
    assert not (tmp_path / "c").exists()


def test_the_faulty_double_fails_reads_and_writes_where_its_rules_say(tmp_path: Path) -> None:
    (tmp_path / "count").mkdir()
    (tmp_path / "in.txt").write_text("text")
    storage = FaultyStorage(
        "read:in.txt=EIO*1;write=ENOSPC;publish:documents=EACCES", count_dir=str(tmp_path / "count")
    )
    with pytest.raises(OSError, match="injected fault") as raised:
        storage.open_input(str(tmp_path / "in.txt"))
    assert raised.value.errno == errno.EIO
    with storage.open_input(str(tmp_path / "in.txt")) as handle:  # fired once, as counted
        assert handle.read() == b"text"
    with pytest.raises(OSError) as raised:
        storage.write_parquet(tmp_path / "staging" / "r" / "bands" / "shard-0.parquet", TABLE)
    assert raised.value.errno == errno.ENOSPC
    build = tmp_path / "staging" / "r" / "snapshot"
    with pytest.raises(OSError) as raised:
        storage.write_parquet(build / "documents" / "part-0.parquet", TABLE)
    assert raised.value.errno == errno.EACCES
    storage.write_parquet(build / "quarantine" / "part-0.parquet", TABLE)  # no rule for it
    with pytest.raises(ValueError, match="count_dir"):
        FaultyStorage("read=EIO*2")
