"""Scale-out: the same run with its shard tasks on a Dask cluster gives the same tables."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.pipeline import ingest_articles
from tests.conftest import REPO, SEEDS
from warehouse import catalog
from warehouse.store import Warehouse

DASK = Path(sys.executable).parent / "dask"


def contents(warehouse: Path) -> list[tuple]:
    return (
        catalog.connect(Warehouse(warehouse))
        .execute(
            "select source_path, doc_id, title, publisher, cluster_id, is_canonical, body "
            "from documents order by source_path"
        )
        .fetchall()
    )


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture
def dask_cluster(prefect_api: str, tmp_path: Path) -> Iterator[str]:
    """A scheduler and two single-threaded workers, each its own process, as a cluster is."""
    pytest.importorskip("distributed")
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    scheduler_file = tmp_path / "scheduler.json"
    processes = [
        start(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--dashboard-address", ":0", "--scheduler-file", str(scheduler_file)],
            env,
            tmp_path / "scheduler.log",
        )
    ]  # fmt: skip
    try:
        for _ in range(600):  # up to 60 s on a busy machine
            if scheduler_file.is_file() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for number in range(2):
            processes.append(
                start(
                    [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny",
                     "--dashboard-address", ":0", "--name", f"w{number}"],
                    env,
                    tmp_path / f"worker-{number}.log",
                )
            )  # fmt: skip
        yield address
    finally:
        # Workers first, while their scheduler is still there to say goodbye to.
        for process in reversed(processes):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def newsetl_run(*args: str, api: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--shard-size", "3", *args],
        cwd=REPO,
        env={**os.environ, "PREFECT_API_URL": api},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_dask_cluster_run_equals_local_run(
    dask_cluster: str, prefect_api: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    for n in range(12):
        seed = sorted(SEEDS.glob("*.txt"))[n % 2]
        (corpus / f"{n:02d}-{seed.name}").write_bytes(
            seed.read_bytes().replace(b"Monday", f"day {n}".encode())
        )
    # The reference runs in this process (its shard tasks in threads): a second CLI run would
    # only add a process and a worker pool's start-up to the same tables.
    local = ingest_articles(input=str(corpus), warehouse=str(tmp_path / "local"), shard_size=3)
    assert local.documents == 12
    remote = newsetl_run(
        "--input", str(corpus), "--warehouse", str(tmp_path / "dask"),
        "--dask-address", dask_cluster, api=prefect_api,
    )  # fmt: skip
    assert remote.returncode == 0, remote.stderr
    assert "documents      12" in remote.stdout
    assert contents(tmp_path / "dask") == contents(tmp_path / "local")
    # The shard tasks ran on the workers: their logs name them.
    worker_logs = "".join((tmp_path / f"worker-{n}.log").read_text() for n in range(2))
    assert "process_shard" in worker_logs
