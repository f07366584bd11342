"""Fixtures of the flow tests that cost whole runs: computed once per session (per xdist worker)."""

import pytest

from tests.flows.runs import TwoBatches, ingest_two_batches


@pytest.fixture(scope="session")
def two_batches(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> TwoBatches:
    """The reference: both batches ingested without any crash or fault."""
    return ingest_two_batches(tmp_path_factory.mktemp("two-batches"))
