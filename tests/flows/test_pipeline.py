"""The ingest flow under Prefect's test harness: seeds plus one file of every bad kind."""

import codecs
import os
from pathlib import Path

import duckdb
import pytest
from prefect.task_runners import ProcessPoolTaskRunner

from flows.pipeline import RunSummary, ingest_articles
from tests.conftest import SEEDS
from transforms.reasons import QuarantineReason
from warehouse import catalog
from warehouse.store import Warehouse

GOOD_TEXT = (
    " date 2021-05-04 Ministers Meet in Geneva\n\nGENEVA, May 4 - Ministers met on Tuesday to "
    "discuss the ceasefire and said the talks would continue next week in the same city. "
    "Officials from both sides said the next round would turn to prisoners and aid corridors."
)


# The TASS copy (exact) and four of the five variants of GOOD_TEXT (near).
NEAR_AND_EXACT_COPIES = 5


def build_input(root: Path, tmp_path: Path) -> dict[str, str | None]:
    """Seeds and one file of every bad kind; returns each path's reason (None: accepted)."""
    root.mkdir()
    expected: dict[str, str | None] = {}
    for seed in SEEDS.glob("*.txt"):
        (root / seed.name).write_bytes(seed.read_bytes())
        expected[seed.name] = None
    bad = root / "bad"
    bad.mkdir()
    files: dict[str, tuple[bytes, str | None]] = {
        "empty.txt": (b"", QuarantineReason.EMPTY),
        "blank.txt": (b"  \n\n ", QuarantineReason.EMPTY),
        "binary.txt": (bytes(range(256)) * 4, QuarantineReason.BINARY),
        "invalid-utf8.txt": (
            bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 40,
            QuarantineReason.UNDECODABLE,
        ),
        "oversized.txt": (b"word " * 3000, QuarantineReason.OVERSIZED),
        "header-only.txt": (b" date 2021-03-29 ", QuarantineReason.NO_TEXT),
        "no-header.txt": (GOOD_TEXT.split(" ", 3)[3].encode(), None),
        "bad-header.txt": (GOOD_TEXT.replace("2021-05-04", "2021-02-30").encode(), None),
        "month-only.txt": (GOOD_TEXT.replace("2021-05-04", "2021-05").encode(), None),
        "utf16.txt": (codecs.BOM_UTF16_LE + GOOD_TEXT.encode("utf-16-le"), None),
        "cp1251.txt": (
            (
                " date 2021-05-04 " + "Министры встретились в Женеве и обсудили "
                "перемирие, и это было важно для всех. " * 4
            ).encode("cp1251"),
            None,
        ),
        "crlf.txt": (GOOD_TEXT.replace("\n", "\r\n").replace("Geneva", "Bern").encode(), None),
    }
    for name, (content, reason) in files.items():
        # A sentence of its own keeps each accepted body distinct: the TASS copy is the only exact
        # copy, and the five variants of GOOD_TEXT are near copies of one story.
        own = f" Filed as {name}.".encode(
            "utf-16-le" if name == "utf16.txt" else "cp1251" if name == "cp1251.txt" else "utf-8"
        )
        (bad / name).write_bytes(content + own if reason is None else content)
        expected[f"bad/{name}"] = reason
    (bad / "folder.txt").mkdir()
    expected["bad/folder.txt"] = QuarantineReason.NOT_A_FILE
    outside = tmp_path / "outside.txt"
    outside.write_text(GOOD_TEXT)
    (bad / "escape.txt").symlink_to(outside)
    expected["bad/escape.txt"] = QuarantineReason.SYMLINK_OUTSIDE_ROOT
    (bad / "dangling.txt").symlink_to(bad / "gone")
    expected["bad/dangling.txt"] = QuarantineReason.UNREADABLE
    os.mkfifo(bad / "pipe.txt")
    expected["bad/pipe.txt"] = QuarantineReason.NOT_A_FILE
    (bad / "copy-of-tass.txt").write_bytes(next(SEEDS.glob("003_*.txt")).read_bytes())
    expected["bad/copy-of-tass.txt"] = None
    return expected


@pytest.fixture(scope="module")
def ingested(
    prefect_api: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RunSummary, Warehouse, dict[str, str | None]]:
    tmp_path = tmp_path_factory.mktemp("flow")
    expected = build_input(tmp_path / "input", tmp_path)
    warehouse = Warehouse(tmp_path / "warehouse")
    # Two processes and small shards: the same path as production, across process boundaries.
    flow = ingest_articles.with_options(task_runner=ProcessPoolTaskRunner(max_workers=2))
    summary = flow(
        input=str(tmp_path / "input"),
        warehouse=str(warehouse.root),
        max_file_bytes=10_000,
        shard_size=5,
    )
    return summary, warehouse, expected


def test_every_file_is_accepted_or_quarantined_with_its_reason(ingested: tuple) -> None:
    summary, warehouse, expected = ingested
    connection = catalog.connect(warehouse)
    accepted = {
        row[0] for row in connection.execute("select source_path from documents").fetchall()
    }
    quarantined = dict(connection.execute("select source_path, reason from quarantine").fetchall())
    assert accepted.isdisjoint(quarantined)
    assert {path: None for path in accepted} | quarantined == expected
    assert summary.files_seen == len(expected) == summary.documents + summary.quarantined


def test_summary_and_runs_table_agree(ingested: tuple) -> None:
    summary, warehouse, expected = ingested
    bad = [reason for reason in expected.values() if reason]
    assert summary.quarantined_by_reason == {r: bad.count(r) for r in sorted(set(bad))}
    connection = catalog.connect(warehouse)
    row = connection.execute(
        "select files_seen, documents, quarantined, duplicates, clusters, snapshot_id, status,"
        " quarantined_by_reason['oversized'] from runs"
    ).fetchone()
    assert row == (
        len(expected),
        summary.documents,
        summary.quarantined,
        NEAR_AND_EXACT_COPIES,
        summary.documents - NEAR_AND_EXACT_COPIES,
        summary.snapshot_id,
        "published",
        1,
    )
    assert warehouse.current_snapshot_id() == summary.snapshot_id


def test_each_stage_keeps_its_books(ingested: tuple) -> None:
    summary, warehouse, expected = ingested
    stages = {s.stage: s for s in summary.stages}
    assert list(stages) == ["discover", "census", "process", "deduplicate", "publish"]
    files = len(expected)
    assert (stages["discover"].files_in, stages["discover"].files_out) == (files, files)
    assert (stages["process"].files_in, stages["process"].files_out) == (files, files)
    assert stages["process"].documents == summary.documents
    assert stages["process"].quarantined == summary.quarantined
    assert stages["process"].bytes == stages["discover"].bytes > 0
    assert stages["deduplicate"].documents == summary.documents
    assert stages["publish"].bytes > 0
    # The shard tasks' CPU runs in the worker processes and is counted with their stage.
    assert stages["process"].cpu_seconds > 0
    recorded = (
        catalog.connect(warehouse)
        .execute("select unnest(stages, recursive := true) from runs")
        .fetchall()
    )
    assert [row[0] for row in recorded] == list(stages)
    assert recorded[2][1:6] == (
        files,
        files,
        summary.documents,
        summary.quarantined,
        stages["process"].bytes,
    )
    # Publish as it stood when it wrote the row: part of the stage, timed within it.
    _, files_in, _, documents, _, _, wall_seconds, cpu_seconds = recorded[4]
    assert (files_in, documents) == (files, stages["publish"].documents)
    assert 0 < cpu_seconds <= stages["publish"].cpu_seconds
    assert 0 < wall_seconds <= stages["publish"].wall_seconds


def test_the_exact_copy_is_linked_to_the_tass_original(ingested: tuple) -> None:
    summary, warehouse, _ = ingested
    connection = catalog.connect(warehouse)
    rows = connection.execute(
        "select source_path, is_canonical, cluster_size from documents "
        "where cluster_id = (select cluster_id from documents where source_path like '003_%') "
        "order by source_path"
    ).fetchall()
    # Same body and date: the tie goes to the smaller doc_id, which is deterministic.
    assert [path for path, _, _ in rows] == ["003_66e976f7e5af1618.txt", "bad/copy-of-tass.txt"]
    assert [size for _, _, size in rows] == [2, 2]
    assert sum(is_canonical for _, is_canonical, _ in rows) == 1
    # One row per story: every document but the copies.
    assert connection.execute("select count(*) from articles").fetchone() == (
        summary.documents - NEAR_AND_EXACT_COPIES,
    )


def test_near_copies_are_one_cluster_and_explained(ingested: tuple) -> None:
    _, warehouse, _ = ingested
    connection = catalog.connect(warehouse)
    variants = ["bad-header", "crlf", "month-only", "no-header", "utf16"]
    rows = connection.execute(
        "select d.source_path, d.cluster_size, m.kind, m.similarity, c.size "
        "from documents d left join document_matches m using (doc_id) "
        "join clusters c using (cluster_id) "
        "where d.cluster_id = (select cluster_id from documents where source_path = ?) "
        "order by 1",
        ["bad/crlf.txt"],
    ).fetchall()
    assert [r[0] for r in rows] == [f"bad/{v}.txt" for v in variants]
    assert {r[1] for r in rows} == {5} and {r[4] for r in rows} == {5}
    # One canonical (no match row), four near copies with their measured similarity.
    kinds = sorted(str(r[2]) for r in rows)
    assert kinds == ["None", "near", "near", "near", "near"]
    assert all(0.5 <= r[3] < 1 for r in rows if r[2] == "near")
    exact = connection.execute(
        "select kind, similarity from document_matches m join documents d using (doc_id) "
        "where d.source_path in ('bad/copy-of-tass.txt', '003_66e976f7e5af1618.txt')"
    ).fetchall()
    assert exact == [("exact", 1.0)]


def test_dates_without_a_valid_header_are_kept_and_labelled(ingested: tuple) -> None:
    _, warehouse, _ = ingested
    rows = dict(
        (path, (str(date) if date else None, precision))
        for path, date, precision in catalog.connect(warehouse)
        .execute("select source_path, published_date, date_precision from documents")
        .fetchall()
    )
    assert rows["bad/no-header.txt"] == (None, "none")
    assert rows["bad/bad-header.txt"] == (None, "invalid")
    assert rows["bad/month-only.txt"] == ("2021-05-01", "month")
    assert rows["bad/cp1251.txt"] == ("2021-05-04", "day")


def test_catalog_file_sees_the_published_snapshot(ingested: tuple) -> None:
    summary, warehouse, _ = ingested
    connection = duckdb.connect(str(warehouse.catalog_path), read_only=True)
    assert connection.execute("select count(*) from documents").fetchone() == (summary.documents,)
    assert connection.execute("select snapshot_id from newsetl_snapshot").fetchone() == (
        summary.snapshot_id,
    )


def test_parquet_readers_read_the_tables_directly(ingested: tuple) -> None:
    import pyarrow.dataset as ds

    summary, warehouse, _ = ingested
    table = ds.dataset(warehouse.root / "current" / "documents", partitioning="hive").to_table()
    assert table.num_rows == summary.documents
    assert "published_month" in table.column_names


def test_run_posts_its_summary_and_the_report_as_artifacts(ingested: tuple) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    summary, _, _ = ingested
    keys = ["newsetl-run-summary", "newsetl-report"]
    with get_client(sync_client=True) as client:
        # The session's server holds other tests' runs too: this run's artifacts are those of
        # the flow run whose summary names it.
        posted = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))
        )
    [run_summary] = [a for a in posted if a.key == keys[0] and f"`{summary.run_id}`" in str(a.data)]
    [report] = [a for a in posted if a.key == keys[1] and a.flow_run_id == run_summary.flow_run_id]
    assert f"| files seen | {summary.files_seen} |" in str(run_summary.data)
    process = next(s for s in summary.stages if s.stage == "process")
    assert f"| process | {process.files_in} | {process.files_out} | {process.documents} |" in str(
        run_summary.data
    )
    for heading in ("## Duplicates", "## Syndication reach", "## Top entities"):
        assert heading in str(report.data)
    # The two seeds and the copy of the TASS one name both countries.
    assert "| Myanmar | Russia | 3 |" in str(report.data)


def test_seed_mentions_name_the_countries_and_people(ingested: tuple) -> None:
    _, warehouse, _ = ingested
    rows = (
        catalog.connect(warehouse)
        .execute(
            "select d.source_path, m.kind, m.entity, m.mentions from mentions m "
            "join documents d using (doc_id) where d.source_path not like 'bad/%' "
            "and m.kind in ('country', 'person')"
        )
        .fetchall()
    )
    named: dict[str, set[tuple[str, str]]] = {}
    for path, kind, entity, count in rows:
        assert count >= 1
        named.setdefault(path.split("_")[0], set()).add((kind, entity))
    moscow_times, tass = named["000"], named["003"]
    for seed in (moscow_times, tass):
        assert {("country", "Russia"), ("country", "Myanmar")} <= seed
    assert {("person", "Dmitry Peskov"), ("person", "Alexander Fomin")} <= moscow_times
    assert {("person", "Alexander Fomin"), ("person", "Maung Maung Aye")} <= tass


def test_every_mention_belongs_to_a_document_of_the_snapshot(ingested: tuple) -> None:
    summary, warehouse, _ = ingested
    connection = catalog.connect(warehouse)
    orphans = connection.execute(
        "select count(*) from mentions where doc_id not in (select doc_id from documents)"
    ).fetchone()
    assert orphans == (0,)
    run_ids = connection.execute("select distinct run_id from mentions").fetchall()
    assert run_ids == [(summary.run_id,)]
