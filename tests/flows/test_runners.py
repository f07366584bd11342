"""The task runner's local pool workers."""

import os
from collections import defaultdict
from pathlib import Path

from prefect import flow, task
from prefect.client.orchestration import SyncPrefectClient, get_client

from flows.runners import api_shared_with_workers, make_task_runner
from flows.settings import RunSettings

# The clients the task runs saw, held so that no two can share an id.
_seen: list[SyncPrefectClient] = []


@task
def _client_of_task_run() -> tuple[int, int]:
    client = get_client(sync_client=True)
    _seen.append(client)
    return os.getpid(), id(client)


@flow(task_runner=make_task_runner(RunSettings(input="", warehouse=Path(), workers=2)))
def _clients(count: int) -> list[tuple[int, int]]:
    with api_shared_with_workers():
        futures = [_client_of_task_run.submit() for _ in range(count)]
        return [future.result() for future in futures]


def test_a_pool_worker_keeps_one_api_client_for_all_its_task_runs(prefect_api: str) -> None:
    """A new client per task run loads the CA certificates into a new SSL context."""
    clients: dict[int, set[int]] = defaultdict(set)
    for pid, client in _clients(8):
        clients[pid].add(client)
    assert os.getpid() not in clients
    assert sum(len(seen) for seen in clients.values()) == len(clients), "one client a worker"
