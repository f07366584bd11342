"""Inputs through fsspec: a crawl in a remote store or at a file:// URL gives the same tables."""

import gzip
from pathlib import Path

import fsspec

from flows.pipeline import ingest_articles
from tests.flows.runs import contents, make_input


def test_memory_and_file_urls_give_the_tables_of_a_local_run(
    prefect_api: str, tmp_path: Path
) -> None:
    local = tmp_path / "in"
    make_input(local, 12)
    (local / "story-0003.txt").write_bytes(gzip.compress((local / "story-0003.txt").read_bytes()))
    (local / "story-0003.txt").rename(local / "story-0003.txt.gz")
    memory = fsspec.filesystem("memory")
    for path in sorted(local.iterdir()):
        memory.pipe(f"/crawl-{tmp_path.name}/{path.name}", path.read_bytes())
    url = f"memory://crawl-{tmp_path.name}"
    try:
        # In-process flow runs (threads): a memory:// store is visible to this process only.
        ingest_articles(input=str(local), warehouse=str(tmp_path / "local"), shard_size=5)
        remote = ingest_articles(input=url, warehouse=str(tmp_path / "memory"), shard_size=5)
        ingest_articles(input=f"file://{local}", warehouse=str(tmp_path / "file"), shard_size=5)
        again = ingest_articles(input=url, warehouse=str(tmp_path / "memory"), shard_size=5)
    finally:
        memory.rm(f"/crawl-{tmp_path.name}", recursive=True)
    reference = contents(tmp_path / "local")
    assert "story-0003.txt.gz" in [row[0] for row in reference[0]]
    assert contents(tmp_path / "memory") == reference
    assert contents(tmp_path / "file") == reference
    assert remote.files_seen == 15 and again.status == "unchanged"  # the stats of a URL hold
