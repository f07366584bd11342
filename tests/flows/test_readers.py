"""Readers during publishes (RELIABILITY 1): a query sees the old totals or the new, never a mix."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.flows.runs import make_input, newsetl_run

# Runs in its own process until the stop file appears: each query reads the documents, the
# quarantine and the runs table of one snapshot, through `newsetl sql`'s path (catalog.connect)
# and through the DuckDB catalog file that publishes replace.
READER = """
import sys, time
from pathlib import Path
import duckdb
from warehouse import catalog
from warehouse.store import Warehouse
warehouse, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), open(sys.argv[3], "w")
SQL = (
    "select (select count(*) from documents), (select count(*) from quarantine),"
    " (select total_documents from runs order by finished_at desc limit 1),"
    " (select count(*) from manifest)"
)
while not stop.exists():
    for how, connect in (
        ("api", lambda: catalog.connect(Warehouse(warehouse))),
        ("file", lambda: duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True)),
    ):
        try:
            connection = connect()
        except duckdb.IOException:
            continue  # the catalog file is being swapped in: the reader retries, as a user would
        row = connection.execute(SQL).fetchone()
        connection.close()
        print(how, *row, file=out, flush=True)
    time.sleep(0.005)  # leave the runs some of the 2 cores
"""


@pytest.mark.slow  # three runs beside a busy reader: about 45 s on 2 shared cores
def test_readers_see_old_or_new_totals_while_runs_publish(prefect_api: str, tmp_path: Path) -> None:
    input_dir, warehouse, stop, seen = (
        tmp_path / "in",
        tmp_path / "wh",
        tmp_path / "stop",
        tmp_path / "seen",
    )
    make_input(input_dir, 20)
    assert newsetl_run(input_dir, warehouse, prefect_api).wait() == 0
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(stop), str(seen)], cwd=REPO
    )
    try:
        for batch in (1, 2):
            make_input(input_dir, 20, start=20 * batch)
            assert newsetl_run(input_dir, warehouse, prefect_api).wait() == 0
    finally:
        stop.touch()
        assert reader.wait(timeout=60) == 0
    # Snapshot totals: seeds + 20 stories per batch (documents), empty.txt (quarantine), and the
    # manifest of every file; each published snapshot's own numbers, nothing in between.
    valid = {(2 + 20 * n, 1, 2 + 20 * n, 3 + 20 * n) for n in (1, 2, 3)}
    observed = [line.split() for line in seen.read_text().splitlines()]
    totals = {tuple(int(value) for value in row[1:]) for row in observed}
    assert observed and {row[0] for row in observed} == {"api", "file"}
    assert totals <= valid, totals - valid
