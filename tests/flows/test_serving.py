"""Scheduled runs: the deployment ``newsetl serve`` serves, and ``prefect.yaml``'s twin of it."""

from pathlib import Path

import pytest
import yaml
from prefect.client.schemas.schedules import CronSchedule
from prefect.utilities.importtools import import_object

from flows.cli import EXIT_USAGE, main
from flows.pipeline import ingest_articles
from flows.runners import task_runner_from_env
from flows.serving import DEPLOYMENT_NAME, build_deployment, runner_environment
from flows.settings import RunSettings
from tests.conftest import REPO, SEEDS


def test_served_deployment_has_the_schedule_and_the_run_parameters(tmp_path: Path) -> None:
    settings = RunSettings(
        input=str(SEEDS), warehouse=tmp_path / "wh", shard_size=50, max_file_bytes=4096
    )
    deployment = build_deployment(settings, "*/15 * * * *")
    assert deployment.name == DEPLOYMENT_NAME
    assert deployment.entrypoint == "flows.pipeline.ingest_articles"
    assert import_object(deployment.entrypoint) is ingest_articles
    [schedule] = deployment.schedules
    assert isinstance(schedule.schedule, CronSchedule)
    assert schedule.schedule.cron == "*/15 * * * *"
    assert deployment.parameters == {
        "input": str(SEEDS),
        "warehouse": str(tmp_path / "wh"),
        "pattern": "*.txt",
        "max_file_bytes": 4096,
        "shard_size": 50,
        "publishers_file": None,
        "wait_for_lock": 0.0,
        "prune_missing": False,
        "allow_new_root": False,
        "earliest_date": "1800-01-01",
        "max_days_ahead": 2,
        "rebuild": False,
    }
    # Every parameter is one the flow takes, with a value of the type it declares.
    assert ingest_articles.validate_parameters(deployment.parameters) == deployment.parameters


def test_served_runs_take_their_task_runner_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = RunSettings(input=str(SEEDS), warehouse=tmp_path, workers=3)
    for name, value in runner_environment(settings).items():
        monkeypatch.setenv(name, value)
    runner = task_runner_from_env()
    assert type(runner).__name__ == "ProcessPoolTaskRunner"
    assert getattr(runner, "_max_workers", None) == 3
    monkeypatch.setenv("NEWSETL_DASK_ADDRESS", "tcp://scheduler:8786")
    assert type(task_runner_from_env()).__name__ == "DaskTaskRunner"
    monkeypatch.delenv("NEWSETL_DASK_ADDRESS")
    monkeypatch.delenv("NEWSETL_WORKERS")
    assert task_runner_from_env() is None  # Prefect's default, as before


def test_prefect_yaml_defines_the_same_deployment() -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    [deployment] = config["deployments"]
    assert deployment["name"] == DEPLOYMENT_NAME
    assert import_object(str(REPO / deployment["entrypoint"])).name == ingest_articles.name
    [schedule] = deployment["schedules"]
    CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])  # a valid schedule
    served = build_deployment(
        RunSettings(input="/data/crawl", warehouse=Path("/data/warehouse")), schedule["cron"]
    )
    assert served.parameters == {"publishers_file": None, **deployment["parameters"]}


def test_serve_rejects_a_bad_cron_before_serving(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--cron", "every tuesday", "--input", str(SEEDS)]) == EXIT_USAGE
    assert "is not a cron expression" in capsys.readouterr().err
