"""The catalog file opens in the DuckDB people have, not only in the one that wrote it."""

import csv
import importlib.util
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.test_store import documents, publish
from warehouse import catalog
from warehouse.store import Warehouse

# The README's query over the catalog file.
README_QUERY = "select publisher, count(*) from articles group by 1"


def duckdb_cli() -> Path:
    """The DuckDB CLI of the package registry (``duckdb-cli``, a dev dependency)."""
    spec = importlib.util.find_spec("duckdb_cli")
    if spec is None or spec.origin is None:
        pytest.skip("duckdb-cli is not installed here (no wheel for this platform?)")
    return Path(spec.origin).parent / "duckdb"


def version(text: str) -> tuple[int, ...]:
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    assert found, text
    return tuple(int(part) for part in found.groups())


def test_the_registry_duckdb_cli_reads_the_catalog_file(tmp_path: Path) -> None:
    cli = duckdb_cli()
    cli_version = subprocess.run(
        [str(cli), "--version"], capture_output=True, text=True, check=True
    ).stdout
    # The point is an older reader than the writer: a CLI as new as the writer proves nothing.
    assert version(cli_version) < version(duckdb.__version__), (cli_version, duckdb.__version__)
    warehouse = Warehouse(tmp_path / "wh")
    snapshot = warehouse.snapshot(publish(warehouse, "r1", documents(4)))
    path = catalog.write_catalog(warehouse, snapshot)
    answer = subprocess.run(
        [
            str(cli),
            "-readonly",
            "-csv",
            str(path),
            "-c",
            README_QUERY,
            "-c",
            "select snapshot_id from newsetl_snapshot",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert answer.returncode == 0, answer.stderr
    rows = list(csv.reader(answer.stdout.splitlines()))
    assert rows == [
        ["publisher", "count_star()"],
        ["TASS", "4"],
        ["snapshot_id"],
        [snapshot.snapshot_id],
    ]
    # And the Python package that wrote it still reads it.
    connection = duckdb.connect(str(path), read_only=True)
    assert connection.execute(README_QUERY).fetchall() == [("TASS", 4)]
