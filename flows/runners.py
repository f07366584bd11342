"""Choosing the Prefect task runner: local worker processes, or an existing Dask cluster."""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect.context import FlowRunContext, SyncClientContext
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.local_workers import become_shard_worker, exit_with_parent
from flows.settings import RunSettings


def use_jemalloc() -> None:
    """Allocate Arrow's memory with jemalloc, unless ``ARROW_DEFAULT_MEMORY_POOL`` names a pool.

    pyarrow's default, mimalloc, keeps freed pages, which raised the peak of deduplication.
    Called where a process imports the flow: the driver, and each local or Dask worker.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc
        pa.set_memory_pool(pa.jemalloc_memory_pool())


def make_task_runner(settings: RunSettings) -> TaskRunner[Any]:
    """The task runner for ``settings``.

    Shard tasks are CPU-bound Python and Arrow work, so in-process threads would share one core;
    they run in worker processes, or on Dask workers when a scheduler address is given. One worker
    needs no pool at all.
    """
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # noqa: PLC0415 - only Dask users pay its import

        return DaskTaskRunner(address=settings.dask_address)
    if settings.workers == 1:
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(
        max_workers=settings.workers, initializer=start_worker, initargs=(os.getpid(),)
    )


def task_runner_from_env() -> TaskRunner[Any] | None:
    """The runner ``NEWSETL_DASK_ADDRESS`` or ``NEWSETL_WORKERS`` name; None: Prefect's default.

    A served or deployed flow runs from its decorator, without the ``with_options`` runner that
    ``newsetl run`` gives it, so its runner must come from the environment it is started in.
    """
    address = os.environ.get("NEWSETL_DASK_ADDRESS") or None
    workers = os.environ.get("NEWSETL_WORKERS") or None
    if address is None and workers is None:
        return None
    try:
        count = int(workers) if workers else 1
    except ValueError:
        count = 1  # RunSettings reports the bad value when the run starts
    return make_task_runner(
        RunSettings(input="", warehouse=Path(), workers=max(count, 1), dask_address=address)
    )


def start_worker(parent_pid: int) -> None:
    """Set up a pool worker: it ends with its run and logs expected failures as the CLI does."""
    from flows.cli import quiet_expected_failures_in_worker  # noqa: PLC0415 - the CLI imports this module

    exit_with_parent(parent_pid)
    become_shard_worker()
    quiet_expected_failures_in_worker()
    keep_one_api_client()


def keep_one_api_client() -> None:
    """Open one Prefect API client in this pool worker, for all the task runs it will run.

    A task run opens its own sync client unless a ``SyncClientContext`` is open (Prefect's
    ``get_client`` and task engine take the open one), and each new client loads the CA
    certificates into an SSL context, tens of ms of CPU per task run. The worker's client goes
    to the run's API: the workers are started with ``PREFECT_API_URL`` set
    (:func:`api_shared_with_workers`). Without it, or with the API not answering now, the task
    runs open their own clients as before, and report what fails.
    """
    if not os.environ.get("PREFECT_API_URL"):
        return
    try:
        context = SyncClientContext()
        context.__enter__()
    except Exception:  # each task run then opens its own client, and reports the error
        return
    atexit.register(context.__exit__, None, None, None)


@contextlib.contextmanager
def api_shared_with_workers() -> Iterator[None]:
    """Let worker processes report to this process's Prefect API for the duration of the block.

    Without a configured ``PREFECT_API_URL`` Prefect starts a temporary server per process, and
    each process-pool worker would start its own (seconds each). Inside a flow run the client is
    already bound to a server, so the workers are pointed at that one.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    context = FlowRunContext.get()
    api_url = getattr(getattr(context, "client", None), "api_url", None)
    if api_url is None:
        yield
        return
    os.environ["PREFECT_API_URL"] = str(api_url)
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def runs_on_cluster() -> bool:
    """Whether this flow run's tasks go to a cluster rather than local threads or processes."""
    runner = getattr(FlowRunContext.get(), "task_runner", None)
    return runner is not None and not isinstance(
        runner, ProcessPoolTaskRunner | ThreadPoolTaskRunner
    )


def stop_local_workers() -> None:
    """Stop this flow run's local worker processes: every shard task has finished.

    Deduplication and the publish run in the flow's own process. Idle pool workers would keep
    what they hold (each has imported the whole stack) through them, and count in the
    run's peak memory. Workers of a Dask cluster are the cluster's and are left alone.
    """
    context = FlowRunContext.get()
    runner = getattr(context, "task_runner", None)
    if isinstance(runner, ProcessPoolTaskRunner):
        runner.cancel_all()  # shuts the process pool down; the runner's exit does nothing more
