"""Injected I/O faults (RELIABILITY 9, 10): retried away, or a failed run, warehouse unchanged."""

from pathlib import Path

import pytest

from tests.flows.runs import (
    MOVED_INPUT,
    TwoBatches,
    contents,
    make_input,
    newsetl_run,
    run_in_process,
)
from warehouse.store import Warehouse


def second_batch_with(
    tmp_path: Path,
    api: str,
    batches: TwoBatches,
    faults: str,
    count_dir: Path | None = None,
    **env: str,
) -> tuple[Path, Path, str | None, list, tuple[int, str]]:
    """After the first batch (a copy of the reference's), run the second one with ``faults``."""
    input_dir, warehouse = batches.first_batch_in(tmp_path)
    before, before_contents = Warehouse(warehouse).current_snapshot_id(), contents(warehouse)
    make_input(input_dir, 30, start=30)
    faulty = newsetl_run(
        input_dir, warehouse, api, faults=faults, count_dir=count_dir, options=MOVED_INPUT, **env
    )
    _, stderr = faulty.communicate()
    return input_dir, warehouse, before, before_contents, (faulty.returncode, stderr)


@pytest.mark.slow  # a run with retry waits, and the two-run reference: over 20 s
def test_transient_read_and_write_faults_are_retried_to_identical_tables(
    prefect_api: str, two_batches: TwoBatches, tmp_path: Path
) -> None:
    (tmp_path / "faults").mkdir()
    _, warehouse, before, _, (code, stderr) = second_batch_with(
        tmp_path, prefect_api, two_batches, "read=EIO*2;write=EIO*1", tmp_path / "faults"
    )
    assert code == 0, stderr
    assert len(list((tmp_path / "faults").iterdir())) == 3  # every injected fault fired
    assert "Input/output error (injected fault)" in stderr  # ...and failed a task try
    assert Warehouse(warehouse).current_snapshot_id() != before
    assert contents(warehouse) == two_batches.clean  # no file quarantined for a storage hiccup


# A fault in the shard tasks fails them in the worker processes; one at publish fails the driver,
# once the workers are gone: there one worker spares the start-up of a pool.
ONE_WORKER = 1


@pytest.mark.parametrize(
    ("rule", "message", "workers"),
    [
        # Outlasts the retries (1 s, then 5 s): three runs and the waits, so `slow`.
        pytest.param(
            "read:story-0042=EIO",
            "Input/output error (injected fault)",
            None,
            marks=pytest.mark.slow,
        ),
        # Disk full at publish.
        ("publish=ENOSPC", "No space left on device (injected fault)", ONE_WORKER),
    ],
)
def test_a_persistent_fault_fails_the_run_and_leaves_the_warehouse_as_it_was(
    rule: str,
    message: str,
    workers: int | None,
    prefect_api: str,
    two_batches: TwoBatches,
    tmp_path: Path,
) -> None:
    input_dir, warehouse, before, before_contents, (code, stderr) = second_batch_with(
        tmp_path,
        prefect_api,
        two_batches,
        rule,
        **({"NEWSETL_WORKERS": str(workers)} if workers else {}),
    )
    assert code == 1
    assert "newsetl: run failed, warehouse unchanged" in stderr and message in stderr
    assert "Traceback" not in stderr, "an expected failure is a message, not a traceback"
    assert Warehouse(warehouse).current_snapshot_id() == before
    assert len(Warehouse(warehouse).snapshot_ids()) == 1
    assert contents(warehouse) == before_contents
    # Nothing half-built is left; the next run, without the fault, completes and cleans up.
    assert not list((warehouse / "staging").glob("*/snapshot"))
    # The CLI's code, in this process.
    count_option = ["--workers", str(workers)] if workers else []
    run_in_process(input_dir, warehouse, *MOVED_INPUT, *count_option)
    assert contents(warehouse) == two_batches.clean
    assert list((warehouse / "staging").iterdir()) == []
