"""Scale-out: the same flow with its shard tasks on a Dask cluster gives the same tables."""

from pathlib import Path

import pytest

from flows.pipeline import ingest_articles
from tests.conftest import SEEDS
from warehouse import catalog
from warehouse.store import Warehouse


def contents(warehouse: Path) -> list[tuple]:
    return (
        catalog.connect(Warehouse(warehouse))
        .execute(
            "select source_path, doc_id, title, publisher, cluster_id, is_canonical, body "
            "from documents order by source_path"
        )
        .fetchall()
    )


def test_dask_cluster_run_equals_local_run(prefect_api: str, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from prefect_dask import DaskTaskRunner

    corpus = tmp_path / "in"
    corpus.mkdir()
    for n in range(12):
        seed = sorted(SEEDS.glob("*.txt"))[n % 2]
        (corpus / f"{n:02d}-{seed.name}").write_bytes(
            seed.read_bytes().replace(b"Monday", f"day {n}".encode())
        )
    local = ingest_articles(input=str(corpus), warehouse=str(tmp_path / "local"), shard_size=3)
    # A scheduler and workers in separate processes, as an existing cluster would be.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        runner = DaskTaskRunner(address=cluster.scheduler_address)
        remote = ingest_articles.with_options(task_runner=runner)(
            input=str(corpus), warehouse=str(tmp_path / "dask"), shard_size=3
        )
    assert remote.documents == local.documents == 12
    assert contents(tmp_path / "dask") == contents(tmp_path / "local")
