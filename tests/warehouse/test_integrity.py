"""Finding damage in a snapshot by what publish recorded, and repairing it into a new snapshot."""

import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from tests.warehouse.test_store import NOW, documents, run_record, snapshot_tables
from warehouse import catalog, integrity
from warehouse.store import Snapshot, Warehouse


def publish(
    warehouse: Warehouse, run_id: str, docs: pa.Table, carried: list[Path] | None = None
) -> Snapshot:
    with warehouse.writer_lock(run_id):
        staging = warehouse.staging(run_id)
        snapshot = staging.publish(
            documents=[docs],
            carried_documents=carried or [],
            tables=snapshot_tables(docs, carried or []),
            record=run_record(run_id),
            now=NOW,
        )
        staging.remove()
    return snapshot


def document_paths(warehouse: Warehouse) -> list[str]:
    connection = catalog.connect(warehouse)
    return [
        row[0]
        for row in connection.execute("select source_path from documents order by 1").fetchall()
    ]


def test_publish_records_every_file_and_a_fresh_snapshot_checks_intact(tmp_path: Path) -> None:
    snapshot = publish(Warehouse(tmp_path), "r1", documents(5))
    records = snapshot.file_records()
    listed = {f for entry in snapshot.manifest["tables"].values() for f in entry["files"]}
    assert set(records) == listed
    for relative, record in records.items():
        assert record["bytes"] == os.stat(snapshot.path / relative).st_size
        assert len(record["xxh3_128"]) == 32
    report = integrity.check_snapshot(snapshot)
    assert report.intact and report.recorded and report.files == len(listed)
    assert "all present with their recorded sizes, checksums, footers and row counts" in (
        report.describe()
    )


def test_truncation_deletion_and_changed_bytes_are_named(tmp_path: Path) -> None:
    snapshot = publish(Warehouse(tmp_path), "r1", documents(6))
    march, april = snapshot.files("documents")[:2]
    os.truncate(march, 100)
    april.unlink()
    runs = snapshot.files("runs")[0]
    data = bytearray(runs.read_bytes())
    data[10] ^= 0xFF  # same size, other bytes
    runs.write_bytes(bytes(data))

    sizes = integrity.check_snapshot(snapshot, "sizes")
    assert {(d.path, d.problem.split(":")[0]) for d in sizes.damage} == {
        (str(march.relative_to(snapshot.path)), "truncated"),
        (str(april.relative_to(snapshot.path)), "missing"),
    }
    full = integrity.check_snapshot(snapshot, "full")
    assert {d.table for d in full.damage} == {"documents", "runs"}
    assert any("checksum differs" in d.problem for d in full.damage if d.table == "runs")
    with pytest.raises(integrity.SnapshotDamaged, match=r"truncated.*missing|missing.*truncated"):
        integrity.require_intact(snapshot)


def test_a_deleted_file_is_relinked_from_its_twin_in_an_older_snapshot(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    first = publish(warehouse, "r1", documents(4))
    second = publish(warehouse, "r2", documents(1, "r2"), carried=first.files("documents")[1:])
    before = document_paths(warehouse)
    [deleted, *_] = [p for p in second.files("documents") if "part-r1-" in p.name]
    deleted.unlink()  # its hard link in the first snapshot is intact
    report = integrity.check_snapshot(second)
    assert [d.problem for d in report.damage] == ["missing"]
    with warehouse.writer_lock("repair"):
        repair = integrity.relink(warehouse, report)
    assert repair is not None and "linked 1 intact file" in repair.how
    assert warehouse.current_snapshot_id() == repair.snapshot.snapshot_id
    assert repair.snapshot.manifest["parent_snapshot_id"] == second.snapshot_id
    assert integrity.check_snapshot(repair.snapshot).intact
    assert document_paths(warehouse) == before
    last = repair.snapshot.last_run()
    assert last["status"] == "repaired" and last["total_documents"] == len(before)
    assert not list((tmp_path / "staging").iterdir())


def test_damage_without_a_twin_is_restored_from_an_older_snapshot(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    first = publish(warehouse, "r1", documents(2))
    second = publish(warehouse, "r2", documents(3, "r2"))
    os.truncate(second.files("documents")[0], 10)
    report = integrity.check_snapshot(second)
    with warehouse.writer_lock("repair"):
        assert integrity.relink(warehouse, report) is None
        assert integrity.check_snapshot(first).intact
        repair = integrity.restore(warehouse, first.snapshot_id)
    assert integrity.check_snapshot(repair.snapshot).intact
    assert document_paths(warehouse) == ["0.txt", "1.txt"]
    connection = catalog.connect(warehouse)
    statuses = connection.execute("select status from runs order by started_at, status").fetchall()
    assert statuses == [("published",), ("published",), ("repaired",)]
    with warehouse.writer_lock("repair"), pytest.raises(integrity.SnapshotDamaged):
        integrity.restore(warehouse, second.snapshot_id)


def test_snapshots_published_before_records_are_checked_by_footers(tmp_path: Path) -> None:
    snapshot = publish(Warehouse(tmp_path), "r1", documents(3))
    manifest_file = snapshot.path / "_snapshot.json"
    manifest = json.loads(manifest_file.read_text())
    del manifest["files"]
    manifest_file.write_text(json.dumps(manifest))
    legacy = Warehouse(tmp_path).snapshot()
    report = integrity.check_snapshot(legacy)
    assert (
        report.intact and not report.recorded and "no checksums were recorded" in report.describe()
    )
    os.truncate(legacy.files("documents")[0], 50)
    assert [d.problem.split(":")[0] for d in integrity.check_snapshot(legacy, "sizes").damage] == [
        "Parquet footer unreadable"
    ]
