"""``newsetl sql``'s connection: one read-only query, the snapshot's files and nothing else."""

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.warehouse.test_store import documents, publish
from warehouse import exports, sandbox
from warehouse.integrity import check_snapshot
from warehouse.store import Warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """One published warehouse for the module: every test checks it is left intact."""
    warehouse = Warehouse(tmp_path_factory.mktemp("sandbox") / "wh")
    publish(warehouse, "r1", documents(3))
    return warehouse


def run(warehouse: Warehouse, sql: str) -> list[tuple]:
    connection = sandbox.connect_read_only(warehouse)
    return connection.execute(sandbox.read_only_statement(connection, sql)).fetchall()


@pytest.mark.parametrize(
    "sql",
    [
        "select count(*) from documents",
        "with d as (select * from articles) select count(*) from d",
        "from documents select count(*)",
        "summarize documents",
        "explain analyze select count(*) from documents",
    ],
)
def test_queries_run(warehouse: Warehouse, sql: str) -> None:
    assert run(warehouse, sql)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select 1; select 2", "exactly one statement; this has 2"),
        ("", "exactly one statement; this has 0"),
        ("ATTACH '{root}/newsetl.duckdb' AS c", "ATTACH statements are not allowed"),
        ("COPY (select 1 as x) TO '{file}' (USE_TMP_FILE false)", "COPY statements"),
        ("EXPLAIN ANALYZE COPY (select 1 as x) TO '{file}' (USE_TMP_FILE false)", "explains only"),
        ("EXPORT DATABASE '{root}/export'", "EXPORT statements"),
        ("INSTALL httpfs", "LOAD statements"),
        ("LOAD parquet", "LOAD statements"),
        ("SET enable_external_access = true", "SET statements"),
        ("CREATE TABLE t AS SELECT 1", "CREATE statements"),
        ("DROP VIEW documents", "DROP statements"),
        ("CALL checkpoint()", "CALL statements"),
    ],
)
def test_anything_but_one_query_is_refused_before_it_runs(
    warehouse: Warehouse, sql: str, message: str
) -> None:
    snapshot = warehouse.snapshot()
    target = snapshot.files("documents")[0]
    sql = sql.format(root=warehouse.root, file=target)
    with pytest.raises(sandbox.QueryRefused, match=message):
        run(warehouse, sql)
    assert check_snapshot(snapshot).intact
    assert not (warehouse.root / "export").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_text('/etc/hostname')",
        "select * from read_csv('/etc/passwd', sep = ':')",
        "select * from glob('{root}/*')",
        "select * from read_parquet('{root}/current/*/*.parquet')",
        "select * from read_csv('https://example.invalid/a.csv')",
    ],
)
def test_no_file_but_the_snapshot_is_reachable(warehouse: Warehouse, sql: str) -> None:
    with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
        run(warehouse, sql.format(root=warehouse.root))


def test_the_configuration_is_locked(warehouse: Warehouse) -> None:
    connection = sandbox.connect_read_only(warehouse)
    # Past the statement check (a direct call): the engine still refuses.
    with pytest.raises(duckdb.InvalidInputException, match="locked"):
        connection.execute("SET enable_external_access = true")
    snapshot = warehouse.snapshot()
    with pytest.raises(duckdb.PermissionException):
        connection.execute(f"ATTACH '{warehouse.root}/other.duckdb'")
    assert check_snapshot(snapshot).intact


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".json", ".jsonl"])
def test_results_export_whole_in_each_format(
    warehouse: Warehouse, tmp_path: Path, suffix: str
) -> None:
    connection = sandbox.connect_read_only(warehouse)
    target = tmp_path / "out" / f"result{suffix}"
    sql = "select source_path, published_date, word_count from documents order by 1"
    assert exports.export(connection.sql(sql), target) == 3
    expected = [
        {"source_path": f"{i}.txt", "published_date": d, "word_count": 2}
        for i, d in enumerate([None, "2021-04-01", "2021-03-01"])
    ]
    if suffix == ".parquet":
        rows = pq.read_table(target).to_pylist()
        assert [r["source_path"] for r in rows] == ["0.txt", "1.txt", "2.txt"]
    elif suffix == ".csv":
        assert target.read_text().splitlines() == [
            '"source_path","published_date","word_count"',
            '"0.txt",,2',
            '"1.txt",2021-04-01,2',
            '"2.txt",2021-03-01,2',
        ]
    elif suffix == ".json":
        assert json.loads(target.read_text()) == expected
    else:
        assert [json.loads(line) for line in target.read_text().splitlines()] == expected
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_a_failed_export_leaves_the_old_file(warehouse: Warehouse, tmp_path: Path) -> None:
    target = tmp_path / "result.csv"
    target.write_text("old\n")
    connection = sandbox.connect_read_only(warehouse)
    with pytest.raises(exports.ExportError, match="nested"):
        exports.export(connection.sql("select [1, 2] as numbers"), target)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_exports_never_go_into_the_warehouse(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(exports.ExportError, match="inside the warehouse"):
        exports.check_target(warehouse.root / "current" / "documents" / "x.parquet", warehouse.root)
    with pytest.raises(exports.ExportError, match="must end in one of"):
        exports.check_target(tmp_path / "x.xlsx", warehouse.root)
    exports.check_target(tmp_path / "x.parquet", warehouse.root)
