"""Injected I/O faults (RELIABILITY 9, 10): retried away, or a failed run, warehouse unchanged."""

from pathlib import Path

import pytest

from tests.flows.test_crash import clean_result, contents, make_input, newsetl_run
from warehouse.faults import FAULT_DIR, FAULT_IO
from warehouse.store import Warehouse

__all__ = ["clean_result"]  # the module-scoped reference run of test_crash, shared here


def second_batch_with(
    tmp_path: Path, api: str, env: dict[str, str]
) -> tuple[Path, Path, str | None, list, tuple[int, str]]:
    """Ingest a first batch cleanly, then run the second one under ``env``."""
    input_dir, warehouse = tmp_path / "in", tmp_path / "wh"
    make_input(input_dir, 30)
    assert newsetl_run(input_dir, warehouse, api).wait() == 0
    before, before_contents = Warehouse(warehouse).current_snapshot_id(), contents(warehouse)
    make_input(input_dir, 30, start=30)
    faulty = newsetl_run(input_dir, warehouse, api, **env)
    _, stderr = faulty.communicate()
    return input_dir, warehouse, before, before_contents, (faulty.returncode, stderr)


@pytest.mark.slow  # two runs, a retry wait, and the two-run reference: over 20 s
def test_transient_read_and_write_faults_are_retried_to_identical_tables(
    prefect_api: str, clean_result: tuple[Path, list], tmp_path: Path
) -> None:
    (tmp_path / "faults").mkdir()
    env = {FAULT_IO: "read=EIO*2;write=EIO*1", FAULT_DIR: str(tmp_path / "faults")}
    _, warehouse, before, _, (code, stderr) = second_batch_with(tmp_path, prefect_api, env)
    assert code == 0, stderr
    assert len(list((tmp_path / "faults").iterdir())) == 3  # every injected fault fired
    assert "Input/output error (injected fault)" in stderr  # ...and failed a task try
    assert Warehouse(warehouse).current_snapshot_id() != before
    assert contents(warehouse) == clean_result[1]  # no file quarantined for a storage hiccup


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        # Outlasts the retries (1 s, then 5 s): three runs and the waits, so `slow`.
        pytest.param(
            "read:story-0042=EIO", "Input/output error (injected fault)", marks=pytest.mark.slow
        ),
        ("publish=ENOSPC", "No space left on device (injected fault)"),  # disk full at publish
    ],
)
def test_a_persistent_fault_fails_the_run_and_leaves_the_warehouse_as_it_was(
    rule: str, message: str, prefect_api: str, clean_result: tuple[Path, list], tmp_path: Path
) -> None:
    input_dir, warehouse, before, before_contents, (code, stderr) = second_batch_with(
        tmp_path, prefect_api, {FAULT_IO: rule}
    )
    assert code == 1
    assert "newsetl: run failed, warehouse unchanged" in stderr and message in stderr
    assert "Traceback" not in stderr, "an expected failure is a message, not a traceback"
    assert Warehouse(warehouse).current_snapshot_id() == before
    assert len(Warehouse(warehouse).snapshot_ids()) == 1
    assert contents(warehouse) == before_contents
    # Nothing half-built is left; the next run, without the fault, completes and cleans up.
    assert not list((warehouse / "staging").glob("*/snapshot"))
    recovered = newsetl_run(input_dir, warehouse, prefect_api)
    _, stderr = recovered.communicate()
    assert recovered.returncode == 0, stderr
    assert contents(warehouse) == clean_result[1]
    assert list((warehouse / "staging").iterdir()) == []
