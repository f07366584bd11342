"""Scheduled runs: the ingest flow served on a cron schedule (``newsetl serve``).

``prefect.yaml`` at the top of the repository defines the same deployment for teams that run a
Prefect server and workers (``prefect deploy``); ``newsetl serve`` needs nothing but this process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from pydantic import ValidationError

from flows.pipeline import ingest_articles
from flows.settings import RunSettings, SettingsError

DEPLOYMENT_NAME = "newsetl-ingest-scheduled"
ENTRYPOINT = "flows/pipeline.py:ingest_articles"


def check_cron(cron: str) -> str:
    """``cron`` if it is a valid cron expression.

    Raises:
        SettingsError: It is not, so nothing is served.
    """
    try:
        CronSchedule(cron=cron)
    except ValidationError:
        raise SettingsError(
            f"--cron {cron!r} is not a cron expression (e.g. '*/30 * * * *')"
        ) from None
    return cron


def flow_parameters(settings: RunSettings) -> dict[str, Any]:
    """The parameters of every scheduled flow run, as the flow ``ingest_articles`` takes them."""
    return {
        # Absolute, so the runs do not depend on the folder the server was started in.
        "input": settings.input
        if "://" in settings.input
        else str(Path(settings.input).absolute()),
        "warehouse": str(settings.warehouse.absolute()),
        "pattern": settings.pattern,
        "max_file_bytes": settings.max_file_bytes,
        "shard_size": settings.shard_size,
        "publishers_file": str(settings.publishers_file) if settings.publishers_file else None,
        "wait_for_lock": settings.wait_for_lock,
        "prune_missing": settings.prune_missing,
        "allow_new_root": settings.allow_new_root,
        "earliest_date": settings.earliest_date.isoformat(),
        "max_days_ahead": settings.max_days_ahead,
        "rebuild": False,  # a rebuild is `newsetl repair`'s, never a schedule's
    }


def deployment_options(settings: RunSettings, cron: str) -> dict[str, Any]:
    """Keyword arguments of ``flow.serve`` and ``flow.to_deployment`` for the scheduled run."""
    return {
        "name": DEPLOYMENT_NAME,
        "cron": check_cron(cron),
        "parameters": flow_parameters(settings),
        "description": "Ingest new or changed article files and publish a snapshot.",
        "tags": ["newsetl"],
        # By module, not file path: the flow runs import the installed package from any folder.
        "entrypoint_type": EntrypointType.MODULE_PATH,
    }


def runner_environment(settings: RunSettings) -> dict[str, str]:
    """Variables a served flow run reads its task runner from (see ``task_runner_from_env``)."""
    environment = {"NEWSETL_WORKERS": str(settings.workers)}
    if settings.dask_address:
        environment["NEWSETL_DASK_ADDRESS"] = settings.dask_address
    return environment


def build_deployment(settings: RunSettings, cron: str) -> RunnerDeployment:
    """The deployment ``newsetl serve`` serves, built without serving it."""
    # Called outside an event loop, to_deployment returns the deployment, not a coroutine.
    return cast(
        RunnerDeployment, ingest_articles.to_deployment(**deployment_options(settings, cron))
    )


def serve_ingest(settings: RunSettings, cron: str) -> None:
    """Serve the ingest flow on ``cron`` until interrupted; each run is a separate process."""
    options = deployment_options(settings, cron)
    # Flow runs are subprocesses importing flows.pipeline afresh: they inherit these variables,
    # and the flow's decorator picks its task runner from them.
    os.environ.update(runner_environment(settings))
    ingest_articles.serve(**options)
