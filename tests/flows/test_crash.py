"""Crash safety: kill -9 at every named publish step and at random moments (RELIABILITY 1, 2)."""

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.tasks import FAULT_KILL_AT
from tests.conftest import REPO, SEEDS
from warehouse import catalog
from warehouse.store import Warehouse

STEPS = [
    "write_documents",
    "write_quarantine",
    "write_report_tables",
    "write_runs",
    "fsync",
    "rename_snapshot",
    "swap_pointer",
    "write_catalog",
]
STORY = (
    " date 2021-06-{day:02d} Talks Resume\n\nGENEVA, June 1 - Story number {n} goes on {n} times."
)


def make_input(root: Path, count: int, start: int = 0) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS.glob("*.txt"):
        (root / seed.name).write_bytes(seed.read_bytes())
    for n in range(start, start + count):
        (root / f"story-{n:04d}.txt").write_text(STORY.format(day=1 + n % 28, n=n))
    (root / "empty.txt").write_bytes(b"")


def newsetl_run(input_dir: Path, warehouse: Path, api: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "--input",
            str(input_dir),
            "--warehouse",
            str(warehouse),
            "--shard-size",
            "10",
        ],
        cwd=REPO,
        env={**os.environ, "PREFECT_API_URL": api, **env},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def contents(warehouse: Path) -> list[tuple]:
    connection = catalog.connect(Warehouse(warehouse))
    documents = connection.execute(
        "select source_path, doc_id, cluster_id, is_canonical, body from documents order by 1"
    ).fetchall()
    quarantine = connection.execute(
        "select source_path, reason from quarantine order by 1"
    ).fetchall()
    return [documents, quarantine]


def document_count(warehouse: Path) -> int:
    row = catalog.connect(Warehouse(warehouse)).execute("select count(*) from documents").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def clean_result(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The reference: both batches ingested without any crash."""
    root = tmp_path_factory.mktemp("clean")
    make_input(root / "in", 30)
    assert newsetl_run(root / "in", root / "wh", prefect_api).wait() == 0
    make_input(root / "in", 30, start=30)
    assert newsetl_run(root / "in", root / "wh", prefect_api).wait() == 0
    return root / "wh", contents(root / "wh")


OLD_TOTAL, NEW_TOTAL = 32, 62  # seeds + 30 stories, then 30 more (empty.txt is quarantined)


def crash_then_recover(
    tmp_path: Path,
    api: str,
    clean: list,
    kill: Callable[[subprocess.Popen[str]], None],
    env: dict[str, str] | None = None,
) -> tuple[str | None, str | None]:
    """Ingest a first batch, crash the run of the second, recover; returns current ids around it."""
    input_dir, warehouse = tmp_path / "in", tmp_path / "wh"
    make_input(input_dir, 30)
    assert newsetl_run(input_dir, warehouse, api).wait() == 0
    before = Warehouse(warehouse).current_snapshot_id()
    make_input(input_dir, 30, start=30)
    process = newsetl_run(input_dir, warehouse, api, **(env or {}))
    kill(process)
    try:
        # The pool workers must exit on their own once the run is dead (they hold its pipes).
        process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("worker processes outlived the killed run")
    # Whatever the moment, the warehouse is exactly the previous or the new snapshot.
    after = Warehouse(warehouse).current_snapshot_id()
    assert document_count(warehouse) == (OLD_TOTAL if after == before else NEW_TOTAL)
    recovered = newsetl_run(input_dir, warehouse, api)
    _, stderr = recovered.communicate()
    assert recovered.returncode == 0, stderr
    assert contents(warehouse) == clean
    assert list((warehouse / "staging").iterdir()) == []
    assert Warehouse(warehouse).snapshot_ids()[-1] == Warehouse(warehouse).current_snapshot_id()
    return before, after


@pytest.mark.parametrize("step", STEPS)
def test_kill_at_each_publish_step(
    step: str, prefect_api: str, clean_result: tuple[Path, list], tmp_path: Path
) -> None:
    def wait_for_self_kill(process: subprocess.Popen[str]) -> None:
        process.wait()
        assert process.returncode == -signal.SIGKILL

    before, after = crash_then_recover(
        tmp_path, prefect_api, clean_result[1], wait_for_self_kill, {FAULT_KILL_AT: step}
    )
    if STEPS.index(step) <= STEPS.index("swap_pointer"):
        assert after == before  # killed before the pointer moved: the old snapshot stays


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(50))
def test_kill_at_random_moments(
    trial: int, prefect_api: str, clean_result: tuple[Path, list], tmp_path: Path
) -> None:
    delay = random.Random(trial).uniform(0.2, 4.0)  # noqa: S311 - a reproducible test schedule

    def kill_later(process: subprocess.Popen[str]) -> None:
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

    crash_then_recover(tmp_path, prefect_api, clean_result[1], kill_later)
