"""Shared fixtures: paths, the Prefect test harness (started once per session), bad-input files."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bench.prefect_server import free_port, wait_for_api

# Property tests check behaviour, not speed (speed is BENCHMARKS.md's): on a shared 2-core machine
# one example can take longer than Hypothesis's 200 ms deadline, which failed them as flaky.
settings.register_profile("newsetl", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("newsetl")

# Prefect reads these when it is first imported: point its home and result storage at a fresh
# folder so that no state from an earlier test run (a cached result, a profile) leaks in.
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="newsetl-prefect-"))
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"] = str(_PREFECT_HOME / "results")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "data" / "seeds"
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
CASES = Path(__file__).parent / "cases"


# Under xdist the controller starts one Prefect API server for every worker, while the workers
# start and collect, instead of each worker starting its own (about 11 s each).
SHARED_API = "NEWSETL_TEST_PREFECT_API"
SHARED_API_START_SECONDS = 120


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT_SERVER_DATABASE_CONNECTION_URL": (
                    f"sqlite+aiosqlite:///{_PREFECT_HOME / 'shared-api.db'}"
                ),
            },
            stdout=subprocess.DEVNULL,
        )
        config.stash[_SERVER] = server
        os.environ[SHARED_API] = f"http://127.0.0.1:{port}/api"


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


_SERVER = pytest.StashKey[subprocess.Popen[bytes]]()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A Prefect API for the whole session (one temporary server); yields its URL.

    The server the xdist controller started, when there is one; else Prefect's test harness.
    """
    import prefect.context
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    shared = os.environ.get(SHARED_API)
    if shared is None:
        with prefect_test_harness(server_startup_timeout=SHARED_API_START_SECONDS):
            yield str(PREFECT_API_URL.value())
        return
    wait_for_api(shared, SHARED_API_START_SECONDS)
    with temporary_settings(updates={PREFECT_API_URL: shared}):
        # As the harness does: threads started from a context copied earlier see it too.
        with prefect.context._temporary_global_settings_context(
            prefect.context.get_settings_context()
        ):
            yield shared


@pytest.fixture
def seed_texts() -> dict[str, bytes]:
    """The two seed articles by file name."""
    return {path.name: path.read_bytes() for path in sorted(SEEDS.glob("*.txt"))}


def corpus(name: str) -> Path:
    """Path of a tarball in ../shared/corpora, skipping the test with a clear reason if absent."""
    path = CORPORA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared corpora are not beside this checkout")
    return path
