"""Resume: the run after a crash reuses the shards the crashed run finished, and only those."""

import signal
from pathlib import Path

import pytest

from tests.flows.runs import contents, make_input, newsetl_run
from warehouse import catalog
from warehouse.store import Warehouse


@pytest.mark.slow  # four runs through the CLI: about 40 s on 2 shared cores
def test_run_after_a_crash_reuses_finished_shards_whose_files_are_unchanged(
    prefect_api: str, tmp_path: Path
) -> None:
    input_dir, warehouse = tmp_path / "in", tmp_path / "wh"
    make_input(input_dir, 30)
    assert newsetl_run(input_dir, warehouse, prefect_api).wait() == 0
    make_input(input_dir, 30, start=30)
    # Killed once every shard is staged: 33 new or rewritten files in 4 shards of 10.
    crashed = newsetl_run(input_dir, warehouse, prefect_api, kill_at="write_documents")
    crashed.communicate()
    assert crashed.returncode == -signal.SIGKILL
    # One file of the last shard changes meanwhile: that shard's key changes with it.
    changed = input_dir / "story-0059.txt"
    changed.write_text(changed.read_text() + " Updated with a new paragraph after the crash.")

    resumed = newsetl_run(input_dir, warehouse, prefect_api)
    stdout, stderr = resumed.communicate()
    assert resumed.returncode == 0, stderr
    assert "reused 3 of 4 shards finished by a crashed run" in stdout + stderr
    assert list((warehouse / "staging").iterdir()) == []

    # The same tables as runs that never crashed, with the changed file's new text.
    clean = tmp_path / "clean"
    assert newsetl_run(input_dir, clean, prefect_api).wait() == 0
    assert contents(warehouse) == contents(clean)
    bodies = [row[4] for row in contents(warehouse)[0] if row[0] == "story-0059.txt"]
    assert bodies and "new paragraph after the crash" in bodies[0]
    assert len(Warehouse(warehouse).snapshot_ids()) == 2
    # Lineage: the reused shards' mentions carry the run that published them, not the crashed one.
    ((rows, orphans),) = (
        catalog.connect(Warehouse(warehouse))
        .execute(
            "select count(*), count(*) filter (where run_id not in (select run_id from runs)) "
            "from mentions"
        )
        .fetchall()
    )
    assert rows > 0 and orphans == 0
