import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.warehouse.report_corpus import clusters_of
from warehouse import catalog, store
from warehouse import storage as storage_module
from warehouse.runs import RunRecord, StageCounters, upgrade_runs
from warehouse.schemas import (
    DOCUMENTS,
    MANIFEST,
    MATCH_PASSAGES,
    QUARANTINE,
    RUNS,
    SchemaContractError,
    conform,
    schemas_digest,
)
from warehouse.storage import Storage
from warehouse.store import SnapshotNotFound, SnapshotTables, Warehouse, WarehouseLocked

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def documents(n: int, run_id: str = "r1") -> pa.Table:
    rows = [
        {
            "doc_id": f"d{i}",
            "source_path": f"{i}.txt",
            "raw_sha256": "0" * 64,
            "bytes": 10,
            "encoding": "utf-8",
            "published_date": dt.date(2021, 3 + i % 2, 1) if i % 3 else None,
            "date_precision": "day" if i % 3 else "none",
            "date_source": "header" if i % 3 else "none",
            "title": None,
            "subtitle": None,
            "byline": None,
            "dateline": None,
            "dateline_place": None,
            "dateline_agency": None,
            "publisher": "TASS",
            "language": "en",
            "body": f"body {i}",
            "word_count": 2,
            "content_hash": f"h{i}",
            "cluster_id": f"c{i}",
            "is_canonical": True,
            "run_id": run_id,
        }
        for i in range(n)
    ]
    return pa.Table.from_pylist(rows, schema=DOCUMENTS)


def run_record(run_id: str) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        started_at=NOW,
        finished_at=NOW,
        input="in",
        files_seen=0,
        files_processed=0,
        documents=0,
        quarantined_by_reason={},
        total_documents=0,
        duplicates=0,
        clusters=0,
        stages=(StageCounters("discover", files_in=3, wall_seconds=0.5, cpu_seconds=0.25),),
        parameters="{}",
        newsetl_version="test",
    )


def snapshot_tables(docs: pa.Table, carried: Sequence[Path] = ()) -> SnapshotTables:
    """Empty quarantine and manifest, and the clusters of ``docs`` and the ``carried`` files'."""
    every = pa.concat_tables([docs, *(pq.ParquetFile(path).read() for path in carried)])
    return SnapshotTables(
        QUARANTINE.empty_table(), MANIFEST.empty_table(), written={"clusters": clusters_of(every)}
    )


def publish(warehouse: Warehouse, run_id: str, docs: pa.Table) -> str:
    with warehouse.writer_lock(run_id):
        staging = warehouse.staging(run_id)
        snapshot = staging.publish(
            documents=[docs],
            tables=snapshot_tables(docs),
            record=run_record(run_id),
            now=NOW,
        )
        staging.remove()
    return snapshot.snapshot_id


def publish_carrying_documents(
    warehouse: Warehouse, run_id: str, first: store.Snapshot
) -> store.Snapshot:
    """Publish again with no new document: ``first``'s document files are linked in."""
    with warehouse.writer_lock(run_id):
        staging = warehouse.staging(run_id)
        snapshot = staging.publish(
            documents=[],
            carried_documents=first.files("documents"),
            tables=snapshot_tables(DOCUMENTS.empty_table(), first.files("documents")),
            record=run_record(run_id),
            now=NOW,
        )
        staging.remove()
    return snapshot


def test_publish_writes_a_snapshot_and_swaps_the_pointer(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    with pytest.raises(SnapshotNotFound, match="no snapshot published"):
        warehouse.snapshot()
    first = publish(warehouse, "r1", documents(5))
    second = publish(warehouse, "r2", documents(7, "r2"))
    assert warehouse.current_snapshot_id() == second
    assert warehouse.snapshot_ids() == sorted([first, second])
    old, new = warehouse.snapshot(first), warehouse.snapshot(second)
    assert old.rows("documents") == 5 and new.rows("documents") == 7
    assert pq.read_table(new.files("runs")[0]).column("run_id").to_pylist() == ["r1", "r2"]
    assert json.loads((new.path / "_snapshot.json").read_text())["parent_snapshot_id"] == first
    # Partitioned by month, undated documents under the hive null partition.
    months = sorted({Path(f).parent.name for f in new.manifest["tables"]["documents"]["files"]})
    assert months == [
        "published_month=2021-03",
        "published_month=2021-04",
        "published_month=__HIVE_DEFAULT_PARTITION__",
    ]
    assert not any((tmp_path / "staging").iterdir())


def test_documents_stream_out_by_month_within_the_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A budget smaller than one month's rows: rows go out in many row groups, none lost."""
    monkeypatch.setattr(store, "DOCUMENT_WAIT_BYTES", 2_000)
    monkeypatch.setattr(store, "DOCUMENT_GROUP_MIN_ROWS", 10**9)  # only the budget flushes
    docs = documents(300)
    batches = [docs.slice(start, 7) for start in range(0, 300, 7)]
    written = store._write_documents(Storage(), tmp_path / "documents", batches, "r1")
    assert written == 300
    files = sorted((tmp_path / "documents").rglob("*.parquet"))
    by_month = {f.parent.name: pq.read_table(f) for f in files}
    assert sorted(by_month) == [
        "published_month=2021-03",
        "published_month=2021-04",
        "published_month=__HIVE_DEFAULT_PARTITION__",
    ]
    months = {
        "published_month=2021-03": lambda d: d == dt.date(2021, 3, 1),
        "published_month=2021-04": lambda d: d == dt.date(2021, 4, 1),
        "published_month=__HIVE_DEFAULT_PARTITION__": lambda d: d is None,
    }
    for month, belongs in months.items():
        expected = [r["doc_id"] for r in docs.to_pylist() if belongs(r["published_date"])]
        assert by_month[month].column("doc_id").to_pylist() == expected  # input order kept
    groups = [pq.ParquetFile(f).metadata.num_row_groups for f in files]
    assert min(groups) > 1  # the budget, not the end of input, wrote them out


@pytest.mark.parametrize("fail_at", [None, 30])
def test_documents_encoded_side_by_side_are_the_files_one_thread_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int | None
) -> None:
    """Months encoded by two threads give the bytes one thread gives; a failure leaves no file."""
    monkeypatch.setattr(store, "DOCUMENT_GROUP_MIN_ROWS", 20)
    docs = documents(300)

    def batches() -> Iterator[pa.Table]:
        for number, start in enumerate(range(0, 300, 7)):
            if number == fail_at:
                raise OSError("input gone")
            yield docs.slice(start, 7)

    written: dict[int, dict[Path, bytes]] = {}
    for threads in (1, 2):
        monkeypatch.setattr(store, "DOCUMENT_WRITE_THREADS", threads)
        folder = tmp_path / str(threads)
        if fail_at is not None:
            with pytest.raises(OSError, match="input gone"):
                store._write_documents(Storage(), folder, batches(), "r1")
            assert not [p for p in folder.rglob("*") if p.is_file()]
            continue
        assert store._write_documents(Storage(), folder, batches(), "r1") == 300
        written[threads] = {
            p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.parquet")
        }
    if fail_at is None:
        assert len(written[1]) == 3 and written[1] == written[2]


def test_files_carry_the_declared_schema_with_required_columns(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    snapshot = warehouse.snapshot(publish(warehouse, "r1", documents(3)))
    for table, schema in (("documents", DOCUMENTS), ("quarantine", QUARANTINE), ("runs", RUNS)):
        for path in snapshot.files(table):
            written = pq.read_schema(path)
            assert written.equals(schema, check_metadata=False)
    parquet_schema = pq.ParquetFile(snapshot.files("documents")[0]).schema
    assert parquet_schema.column(0).max_definition_level == 0  # doc_id is REQUIRED
    assert pq.read_schema(snapshot.files("runs")[0]).field("started_at").type == pa.timestamp(
        "us", tz="UTC"
    )


def test_a_schema_violation_publishes_nothing(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    good = publish(warehouse, "r1", documents(2))
    bad = documents(2).set_column(0, "doc_id", pa.array([None, "x"], pa.string()))
    with pytest.raises(SchemaContractError, match="doc_id is required"):
        publish(warehouse, "r2", bad)
    assert warehouse.current_snapshot_id() == good
    assert warehouse.snapshot_ids() == [good]


def passage_rows(doc_id: str, run_id: str) -> pa.Table:
    row = {field.name: None if field.nullable else 0 for field in MATCH_PASSAGES}
    row |= {"doc_id": doc_id, "matched_doc_id": "d0", "run_id": run_id}
    return pa.Table.from_pylist([row], schema=MATCH_PASSAGES)


def publish_with_later(
    warehouse: Warehouse, run_id: str, later: dict[str, Callable[[], tuple[pa.Table, list[Path]]]]
) -> str:
    with warehouse.writer_lock(run_id):
        staging = warehouse.staging(run_id)
        snapshot = staging.publish(
            documents=[docs := documents(3, run_id)],
            tables=snapshot_tables(docs),
            record=run_record(run_id),
            now=NOW,
            later=later,
        )
        staging.remove()
    return snapshot.snapshot_id


def test_a_table_finished_later_is_written_after_the_report_tables(tmp_path: Path) -> None:
    """``later`` tables are asked for once the report tables are built, rows and files kept."""
    warehouse = Warehouse(tmp_path)
    first = publish_with_later(
        warehouse, "r1", {"match_passages": lambda: (passage_rows("d1", "r1"), [])}
    )
    carried = warehouse.snapshot(first).files("match_passages")
    asked: list[bool] = []

    def passages() -> tuple[pa.Table, list[Path]]:
        built = warehouse.root / store.STAGING / "r2" / "snapshot" / "document_facts"
        asked.append(built.is_dir())
        return passage_rows("d2", "r2"), carried

    second = warehouse.snapshot(publish_with_later(warehouse, "r2", {"match_passages": passages}))
    assert asked == [True]
    rows = pa.concat_tables(pq.read_table(f) for f in second.files("match_passages"))
    assert sorted(rows.column("doc_id").to_pylist()) == ["d1", "d2"]
    assert second.rows("match_passages") == 2


def test_a_table_that_fails_later_publishes_nothing(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    good = publish(warehouse, "r1", documents(2))

    def passages() -> tuple[pa.Table, list[Path]]:
        raise RuntimeError("a passage worker died")

    with pytest.raises(RuntimeError, match="a passage worker died"):
        publish_with_later(warehouse, "r2", {"match_passages": passages})
    assert warehouse.current_snapshot_id() == good
    assert warehouse.snapshot_ids() == [good]


def test_a_publish_flushes_what_it_wrote_not_the_files_it_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = Warehouse(tmp_path)
    first = warehouse.snapshot(publish(warehouse, "r1", documents(4)))
    flushed: list[Path] = []
    flush = storage_module._fsync
    monkeypatch.setattr(storage_module, "_fsync", lambda path: (flushed.append(path), flush(path)))
    second = publish_carrying_documents(warehouse, "r2", first)
    build = tmp_path / "staging" / "r2" / "snapshot"
    flushed_files = {p.relative_to(build) for p in flushed if p.is_relative_to(build) and p.suffix}
    carried = {Path(f).relative_to(first.path) for f in first.files("documents")}
    assert carried and not carried & flushed_files  # linked, flushed when first published
    assert {Path(f).relative_to(second.path) for f in second.files("runs")} <= flushed_files
    folders = {p.relative_to(build) for p in flushed if p.is_relative_to(build) and not p.suffix}
    assert {f.parent for f in carried} <= folders  # their new names are flushed


@pytest.mark.parametrize("declared", ["as-before", "since-changed"])
def test_a_publish_reads_the_schemas_of_linked_files_only_when_declared_otherwise_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, declared: str
) -> None:
    warehouse = Warehouse(tmp_path)
    first = warehouse.snapshot(publish(warehouse, "r1", documents(4)))
    assert first.manifest["schemas"] == schemas_digest()
    if declared == "since-changed":
        monkeypatch.setattr(store, "schemas_digest", lambda: "declared-otherwise")
    read: list[Path] = []
    read_schema = pq.read_schema

    def reading(where: object, **kwargs: object) -> pa.Schema:
        if sys._getframe(1).f_code.co_name == "_check_written_schemas":  # the check's reads only
            read.append(Path(str(where)))
        return read_schema(where, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store.pq, "read_schema", reading)
    second = publish_carrying_documents(warehouse, "r2", first)
    build = tmp_path / "staging" / "r2" / "snapshot"
    checked = {p.relative_to(build) for p in read if p.is_relative_to(build)}
    carried = {Path(f).relative_to(first.path) for f in first.files("documents")}
    written = {Path(f).relative_to(second.path) for f in second.files("runs")}
    assert carried and written and written <= checked
    if declared == "as-before":
        assert not carried & checked  # checked when the first snapshot was published
    else:
        assert carried <= checked
        assert second.manifest["schemas"] == "declared-otherwise"


def test_conform_reports_missing_extra_and_uncastable_columns() -> None:
    with pytest.raises(SchemaContractError, match=r"missing columns \['reason'"):
        conform(pa.table({"source_path": ["a"]}), QUARANTINE, name="quarantine")
    table = QUARANTINE.empty_table().append_column("surprise", pa.array([], pa.int8()))
    with pytest.raises(SchemaContractError, match=r"unexpected columns \['surprise'\]"):
        conform(table, QUARANTINE, name="quarantine")
    bad_bytes = pa.table(
        {
            "source_path": ["a"],
            "reason": ["empty"],
            "detail": [None],
            "bytes": ["many"],
            "raw_sha256": [None],
            "run_id": ["r"],
        }
    )
    with pytest.raises(SchemaContractError, match="bytes"):
        conform(bad_bytes, QUARANTINE, name="quarantine")


def test_expiry_keeps_the_newest_and_the_young(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    ids = [publish(warehouse, f"r{n}", documents(n + 1, f"r{n}")) for n in range(4)]
    soon, later = NOW + dt.timedelta(minutes=30), NOW + dt.timedelta(hours=2)
    with warehouse.writer_lock("expire"):
        assert warehouse.expire_snapshots(keep=2, grace=dt.timedelta(hours=1), now=soon) == []
        deleted = warehouse.expire_snapshots(keep=2, grace=dt.timedelta(hours=1), now=later)
    assert deleted == [ids[1], ids[0]]
    assert sorted(warehouse.snapshot_ids()) == sorted(ids[2:])
    assert warehouse.current_snapshot_id() == ids[3]
    # Files shared by hard links with the snapshots kept are still readable through them.
    assert catalog.connect(warehouse).execute("select count(*) from documents").fetchone() == (4,)
    with pytest.raises(ValueError, match="at least 1"):
        warehouse.expire_snapshots(keep=0, grace=dt.timedelta(0), now=later)


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    with warehouse.writer_lock("first"):
        pid = os.fork()
        if pid == 0:  # a second process trying to write the same warehouse
            try:
                with Warehouse(tmp_path).writer_lock("second", wait_seconds=0.3):
                    os._exit(0)
            except WarehouseLocked as error:
                os._exit(3 if "run first" in str(error) else 4)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3
    with warehouse.writer_lock("third"):  # released on exit
        pass


def test_staging_leftovers_of_a_crashed_run_are_removed(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    with warehouse.writer_lock("crashed-run"):
        crashed = warehouse.staging("crashed-run")  # a run that died without cleaning up
    (crashed.path / "documents").mkdir()
    (crashed.path / "documents" / "shard-000000.parquet").write_bytes(b"half")
    # Killed between creating its folder and marking it: empty, named like a run id.
    (tmp_path / "staging" / "20261201T120000Z-0123abcd").mkdir()
    publish(warehouse, "r1", documents(1))
    assert list((tmp_path / "staging").iterdir()) == []


def test_staging_cleanup_deletes_only_what_newsetl_made(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    theirs = tmp_path / "staging" / "day1"
    theirs.mkdir(parents=True)
    (theirs / "a.txt").write_text("a user's article")
    named_like_a_run = tmp_path / "staging" / "20261201T120000Z-0123abcd"
    named_like_a_run.mkdir()
    (named_like_a_run / "b.txt").write_text("not empty, not marked: not ours")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "c.txt").write_text("linked to")
    (tmp_path / "staging" / "link").symlink_to(outside, target_is_directory=True)
    assert not warehouse.has_leftovers()
    publish(warehouse, "r1", documents(1))
    publish(warehouse, "r2", documents(2))
    assert (theirs / "a.txt").read_text() == "a user's article"
    assert (named_like_a_run / "b.txt").is_file() and (outside / "c.txt").is_file()
    assert sorted(p.name for p in (tmp_path / "staging").iterdir()) == [
        "20261201T120000Z-0123abcd",
        "day1",
        "link",
    ]


def test_catalog_file_works_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    warehouse = Warehouse(tmp_path / "wh")
    snapshot = warehouse.snapshot(publish(warehouse, "r1", documents(4)))
    catalog.write_catalog(warehouse, snapshot)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    connection = duckdb.connect(str(warehouse.catalog_path), read_only=True)
    assert connection.execute("select count(*) from documents").fetchone() == (4,)
    assert connection.execute("select count(*) from articles").fetchone() == (4,)
    assert connection.execute("select snapshot_id from newsetl_snapshot").fetchone() == (
        snapshot.snapshot_id,
    )


def test_queries_read_one_snapshot_even_while_another_publishes(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    publish(warehouse, "r1", documents(3))
    connection = catalog.connect(warehouse)
    publish(warehouse, "r2", documents(9, "r2"))
    assert connection.execute("select count(*) from documents").fetchone() == (3,)
    assert catalog.connect(warehouse).execute("select count(*) from documents").fetchone() == (9,)


def test_a_snapshot_published_before_a_column_existed_still_opens(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    publish(warehouse, "r1", documents(4))
    # As an older newsetl wrote it: documents without the agency column.
    for path in warehouse.snapshot().files("documents"):
        pq.write_table(pq.read_table(path).drop_columns(["agency"]), path)
    connection = catalog.connect(warehouse)
    assert connection.execute("select count(*), count(agency) from stg_documents").fetchone() == (
        4,
        0,
    )
    assert connection.execute("select count(agency) from articles").fetchone() == (0,)


def test_the_lock_is_reentrant_in_its_process_and_names_the_inner_holder(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    with warehouse.writer_lock("cli"):
        with warehouse.writer_lock("run-42"):  # the flow, inside the command that started it
            assert "run run-42" in (tmp_path / "newsetl.lock").read_text()
            pid = os.fork()
            if pid == 0:  # another process is still kept out
                try:
                    with Warehouse(tmp_path).writer_lock("intruder"):
                        os._exit(0)
                except WarehouseLocked as error:
                    os._exit(3 if "run run-42" in str(error) else 4)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 3
        pid = os.fork()
        if pid == 0:  # the inner block's end does not release the outer one's lock
            try:
                with Warehouse(tmp_path).writer_lock("intruder"):
                    os._exit(0)
            except WarehouseLocked:
                os._exit(3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 3
    with warehouse.writer_lock("after"):
        pass


def test_the_runs_table_keeps_each_stage_s_counters(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    snapshot = warehouse.snapshot(publish(warehouse, "r1", documents(2)))
    row = pq.read_table(snapshot.files("runs")[0]).to_pylist()[0]
    assert row["stages"] == [
        {
            "stage": "discover",
            "files_in": 3,
            "files_out": 0,
            "documents": 0,
            "quarantined": 0,
            "bytes": 0,
            "wall_seconds": 0.5,
            "cpu_seconds": 0.25,
        }
    ]
    assert dict(row["stage_seconds"]) == {"discover": 0.5, "minhash_cpu": 0.0}


def test_runs_written_before_a_column_existed_are_read_with_it_null() -> None:
    old = run_record("r0").table("s0", None).drop_columns(["stages"])
    upgraded = upgrade_runs(old)
    assert upgraded.schema.equals(RUNS)
    assert upgraded.column("stages").to_pylist() == [None]
    with pytest.raises(SchemaContractError, match="snapshot_id"):
        upgrade_runs(old.drop_columns(["snapshot_id"]))


def test_written_bytes_count_what_a_publish_wrote_not_what_it_linked(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    first = warehouse.snapshot(publish(warehouse, "r1", documents(3)))
    second = publish_carrying_documents(warehouse, "r2", first)
    linked = sum(path.stat().st_size for path in first.files("documents"))
    everything = sum(p.stat().st_size for p in second.path.rglob("*") if p.is_file())
    assert 0 < store.written_bytes(second) == everything - linked
    by_table = store.written_by_table(second)
    assert "documents" not in by_table  # every document file was linked
    assert by_table["runs"] == sum(p.stat().st_size for p in second.files("runs"))
