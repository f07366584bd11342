"""Shared fixtures: paths, the Prefect test harness (started once per session), bad-input files."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A Prefect API for the whole session (one temporary server); yields its URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


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
