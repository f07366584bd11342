"""Prefect's temporary server at a run's start: a generous limit, and one message if it fails."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flows.prefect_api import STARTUP_LIMIT_SECONDS, STARTUP_LIMIT_SETTING
from tests.conftest import REPO, SEEDS

# What a process sees after configure_prefect: the limit in Prefect's settings and the environment.
SHOW_LIMIT = (
    "import os; from flows.prefect_api import configure_prefect; "
    "from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as limit; "
    f"print(configure_prefect(), limit.value(), os.environ.get({STARTUP_LIMIT_SETTING!r}))"
)

# The CLI, with a temporary server that never answers: a process that only sleeps.
NEVER_STARTS = (
    "import subprocess, sys; from prefect.server.api import server; "
    "server.SubprocessASGIServer._run_uvicorn_command = lambda self: subprocess.Popen("
    "[sys.executable, '-c', 'import time; time.sleep(120)']); "
    "from flows.cli import main; sys.exit(main(sys.argv[1:]))"
)


def python(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"PREFECT_API_URL", STARTUP_LIMIT_SETTING}
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=REPO,
        timeout=300,
        check=False,
    )


def test_the_limit_is_generous_unless_the_user_set_one(tmp_path: Path) -> None:
    fresh = python(SHOW_LIMIT, env={"PREFECT_HOME": str(tmp_path / "fresh")})
    assert fresh.returncode == 0, fresh.stderr
    # In Prefect's settings, and in the environment that served flow runs inherit.
    assert fresh.stdout.split() == [
        f"{STARTUP_LIMIT_SECONDS:.1f}",
        *[str(STARTUP_LIMIT_SECONDS)] * 2,
    ]
    # A limit in the user's Prefect profile stands (as one in the environment does, below).
    home = tmp_path / "profiled"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "mine"\n[profiles.mine]\n'
        f'PREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "true"\n{STARTUP_LIMIT_SETTING} = "77"\n'
    )
    profiled = python(SHOW_LIMIT, env={"PREFECT_HOME": str(home)})
    assert profiled.returncode == 0, profiled.stderr
    assert profiled.stdout.split() == ["77.0", "77", "None"]


@pytest.mark.parametrize("command", [["run"], ["serve", "--cron", "0 3 * * *"]])
def test_a_server_that_does_not_start_is_one_message_and_exit_1(
    command: list[str], tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    result = python(
        NEVER_STARTS,
        *command,
        "--input",
        str(SEEDS),
        "--warehouse",
        str(warehouse),
        env={"PREFECT_HOME": str(tmp_path / "prefect"), STARTUP_LIMIT_SETTING: "1"},
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [message] = [line for line in result.stderr.splitlines() if line.startswith("newsetl:")]
    # What failed, how long it waited, and how to use a running server instead.
    assert re.search(r"temporary API server did not start: waited \d+ s \(limit 1 s", message)
    assert f"higher {STARTUP_LIMIT_SETTING}" in message
    assert "PREFECT_API_URL=http://127.0.0.1:4200/api" in message
    assert result.stdout == ""
    assert not (warehouse / "current").exists()
