"""Choosing the Prefect task runner: local worker processes, or an existing Dask cluster."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from prefect.context import FlowRunContext
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.settings import RunSettings


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
    return ProcessPoolTaskRunner(max_workers=settings.workers)


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
