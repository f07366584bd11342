"""Incremental runs: only new or changed files are processed, and the result equals a full run."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.pipeline import RunSummary, ingest_articles
from tests.conftest import SEEDS
from warehouse import catalog
from warehouse.schemas import TABLES
from warehouse.store import Snapshot, Warehouse

STORY = (
    " date 2021-05-0{day} Ministers Meet\n\nGENEVA, May 4 - Ministers met on Tuesday to discuss "
    "the ceasefire{extra} and said the talks would continue next week."
)


def write_corpus(root: Path, names: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in names.items():
        (root / name).write_text(text)


def run(input_dir: Path, warehouse: Path) -> RunSummary:
    return ingest_articles(input=str(input_dir), warehouse=str(warehouse))


def documents(warehouse: Path, snapshot_id: str | None = None) -> list[tuple]:
    return (
        catalog.connect(Warehouse(warehouse), snapshot_id)
        .execute(
            "select source_path, doc_id, cluster_id, is_canonical, cluster_size from documents "
            "order by source_path"
        )
        .fetchall()
    )


@dataclass(frozen=True)
class History:
    """One warehouse through four runs: the first, an unchanged re-run, a new file, a change."""

    warehouse: Path
    first: RunSummary
    unchanged: RunSummary
    added: RunSummary
    changed: RunSummary


@pytest.fixture(scope="module")
def history(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> History:
    """Runs in sequence on one warehouse; each test reads the (immutable) snapshots it needs."""
    root = tmp_path_factory.mktemp("incremental")
    corpus, warehouse = root / "in", root / "wh"
    write_corpus(corpus, {s.name: s.read_text() for s in SEEDS.glob("*.txt")})
    write_corpus(
        corpus,
        {
            "a.txt": STORY.format(day=5, extra=" in Kenya"),
            "b.txt": STORY.format(day=6, extra=" again"),
        },
    )
    first = run(corpus, warehouse)
    unchanged = run(corpus, warehouse)
    write_corpus(corpus, {"c.txt": STORY.format(day=7, extra=" a third time")})
    added = run(corpus, warehouse)
    (corpus / "a.txt").write_text(STORY.format(day=5, extra=" in Uganda, with a correction"))
    os.utime(corpus / "a.txt", ns=(1, 1))  # a different mtime even on coarse clocks
    changed = run(corpus, warehouse)
    return History(warehouse, first, unchanged, added, changed)


def test_rerun_on_unchanged_input_publishes_nothing(history: History) -> None:
    first, second = history.first, history.unchanged
    assert second.status == "unchanged" and second.files_processed == 0
    assert second.snapshot_id == first.snapshot_id
    # Only the runs that had new or changed files published a snapshot.
    assert Warehouse(history.warehouse).snapshot_ids() == [
        first.snapshot_id,
        history.added.snapshot_id,
        history.changed.snapshot_id,
    ]


def test_new_files_only_are_processed_and_old_files_are_carried(history: History) -> None:
    warehouse, second = history.warehouse, history.added
    old = Warehouse(warehouse).snapshot(history.first.snapshot_id)
    assert (second.files_processed, second.documents, second.status) == (1, 1, "published")
    new = Warehouse(warehouse).snapshot(second.snapshot_id)
    assert new.rows("documents") == old.rows("documents") + 1
    old_inodes = {os.stat(p).st_ino for p in old.files("documents")}
    new_inodes = {os.stat(p).st_ino for p in new.files("documents")}
    assert old_inodes <= new_inodes, "unchanged files are hard-linked, not rewritten"
    old_mentions = {os.stat(p).st_ino for p in old.files("mentions")}
    assert old_mentions <= {os.stat(p).st_ino for p in new.files("mentions")}
    for table in ("manifest", "quarantine"):  # the run wrote its own rows beside them
        old_files = {os.stat(p).st_ino for p in old.files(table)}
        assert old_files <= {os.stat(p).st_ino for p in new.files(table)}, table
        assert len(new.files(table)) == len(old.files(table)) + (table == "manifest")
    runs = (
        catalog.connect(Warehouse(warehouse), second.snapshot_id)
        .execute("select files_processed, total_documents from runs order by started_at")
        .fetchall()
    )
    assert runs == [(4, 4), (1, 5)]


def test_story_tables_are_kept_by_story_month_and_other_months_carried(
    history: History,
) -> None:
    """The new copy's story (May 2021) is the only story month whose files are written again."""
    old = Warehouse(history.warehouse).snapshot(history.first.snapshot_id)
    new = Warehouse(history.warehouse).snapshot(history.added.snapshot_id)
    for table in ("clusters", "document_matches", "match_passages"):
        # (A table without rows is one empty file, in no month.)
        filled = [p for p in new.files(table) if pq.ParquetFile(p).metadata.num_rows]
        assert {p.parent.name.partition("=")[0] for p in filled} <= {"story_month"}, table
    assert new.files("clusters")
    folders = {p.parent.name for p in old.files("clusters")}
    assert "story_month=2021-05" in folders and len(folders) > 1  # the seeds' stories beside it
    others = {os.stat(p).st_ino for p in old.files("clusters") if "2021-05" not in str(p)}
    assert others <= {os.stat(p).st_ino for p in new.files("clusters")}


def test_a_changed_file_supersedes_its_earlier_version(history: History) -> None:
    warehouse, summary = history.warehouse, history.changed
    before = {row[0]: row[1] for row in documents(warehouse, history.added.snapshot_id)}
    after = {row[0]: row[1] for row in documents(warehouse)}
    assert summary.files_processed == 1
    assert set(after) == set(before)
    assert after["a.txt"] != before["a.txt"]
    assert {k: v for k, v in after.items() if k != "a.txt"} == {
        k: v for k, v in before.items() if k != "a.txt"
    }
    earlier = mentions(warehouse, history.added.snapshot_id)
    assert [row[2:] for row in earlier if row[0] == "a.txt"] == [("country", "Kenya", 1)]
    # The superseded version's mentions went away with it; the others' were carried.
    assert {row[1] for row in mentions(warehouse)} <= set(after.values())
    of_a = [row[2:] for row in mentions(warehouse) if row[0] == "a.txt"]
    assert of_a == [("country", "Uganda", 1)]
    assert ("003_66e976f7e5af1618.txt", before["003_66e976f7e5af1618.txt"]) in {
        row[:2] for row in mentions(warehouse)
    }


def test_day_by_day_equals_one_run_over_everything(prefect_api: str, tmp_path: Path) -> None:
    texts = {s.name: s.read_text() for s in SEEDS.glob("*.txt")}
    # The TASS copy arrives later with an earlier date: it must take over as canonical.
    tass = next(SEEDS.glob("003_*.txt")).read_text()
    days = [
        {"a.txt": STORY.format(day=5, extra=""), **texts},
        {"b.txt": STORY.format(day=5, extra=""), "c.txt": STORY.format(day=6, extra=" again")},
        {"tass-earlier.txt": tass.replace("2021-08-23", "2021-08-22")},
    ]
    daily = tmp_path / "daily"
    for day in days:
        write_corpus(daily, day)
        run(daily, tmp_path / "wh-daily")
    everything = tmp_path / "all"
    shutil.copytree(daily, everything)
    run(everything, tmp_path / "wh-full")
    assert documents(tmp_path / "wh-daily") == documents(tmp_path / "wh-full")
    assert mentions(tmp_path / "wh-daily") == mentions(tmp_path / "wh-full")
    for table in ("clusters", "document_matches", "body_pairs", "match_passages"):
        assert rows(tmp_path / "wh-daily", table) == rows(tmp_path / "wh-full", table), table
    # The report tables of the last day were built from carried months and rebuilt ones.
    for filters in (None, catalog.ReportFilters(entity="Myanmar")):
        assert reports(tmp_path / "wh-daily", filters) == reports(tmp_path / "wh-full", filters)
    named = {(path, entity) for path, _, kind, entity, _ in mentions(tmp_path / "wh-full")}
    assert {("tass-earlier.txt", "Myanmar"), ("003_66e976f7e5af1618.txt", "Russia")} <= named
    canonical = {row[0]: row[3] for row in documents(tmp_path / "wh-full")}
    assert canonical["tass-earlier.txt"] and not canonical["003_66e976f7e5af1618.txt"]


def reports(warehouse: Path, filters: catalog.ReportFilters | None) -> list[list[tuple]]:
    """Every report's rows over the warehouse's current snapshot."""
    connection = catalog.connect(Warehouse(warehouse))
    return [result.rows for result in catalog.run_reports(connection, filters)]


def rows(warehouse: Path, table: str) -> list[tuple]:
    """Every row of ``table`` but the run that wrote it, in order."""
    return (
        catalog.connect(Warehouse(warehouse))
        .execute(f"select * exclude (run_id) from {table} order by all")  # noqa: S608
        .fetchall()
    )


def site_page(n: int) -> str:
    """A page of a site whose name and menu head every page: chrome no rule knows."""
    return (
        f" date 2021-05-{1 + n % 28:02d} Harbour Gazette\nPort | City | Council | Sport\n\n"
        f"Council Votes On Plan {n}\n\nThe council voted on plan {n} on Tuesday after a long "
        f"debate about the harbour.\n\nMembers said plan {n} would cost {n} million."
    )


def mentions(warehouse: Path, snapshot_id: str | None = None) -> list[tuple]:
    """Mentions by file path (doc ids are the same for the same file version in any run)."""
    return (
        catalog.connect(Warehouse(warehouse), snapshot_id)
        .execute(
            "select d.source_path, m.doc_id, m.kind, m.entity, m.mentions from mentions m "
            "join documents d using (doc_id) order by all"
        )
        .fetchall()
    )


def bodies(warehouse: Path) -> list[tuple]:
    return (
        catalog.connect(Warehouse(warehouse))
        .execute("select source_path, title, body, content_hash from documents order by 1")
        .fetchall()
    )


def test_learned_chrome_day_by_day_equals_one_run_over_everything(
    prefect_api: str, tmp_path: Path
) -> None:
    """The site's name becomes chrome on day 2 (16 stories): day 1's pages are parsed again."""
    daily = tmp_path / "daily"
    processed = []
    for day in range(3):
        write_corpus(daily, {f"p{n:02d}.txt": site_page(n) for n in range(day * 8, day * 8 + 8)})
        processed.append(run(daily, tmp_path / "wh-daily").files_processed)
    assert processed == [8, 16, 8]  # day 2: its 8 new files and the 8 earlier pages
    everything = tmp_path / "all"
    shutil.copytree(daily, everything)
    run(everything, tmp_path / "wh-full")
    assert bodies(tmp_path / "wh-daily") == bodies(tmp_path / "wh-full")
    assert mentions(tmp_path / "wh-daily") == mentions(tmp_path / "wh-full")
    rows = bodies(tmp_path / "wh-full")
    assert [title for _, title, _, _ in rows] == [f"Council Votes On Plan {n}" for n in range(24)]
    assert not any("Harbour Gazette" in body or "Port | City" in body for _, _, body, _ in rows)


def pending_reparse(warehouse: Path) -> list[str]:
    connection = catalog.connect(Warehouse(warehouse))
    return [
        row[0] for row in connection.execute("select source_path from pending_reparse").fetchall()
    ]


def test_a_bounded_reparse_leaves_files_for_later_runs_and_converges(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """9 pages, then 3 more make the site's name chrome: 9 to parse again, at most 3 a run.

    A run parses again as many unchanged files as it adds (3), at least the floor (2): the other
    6 wait in ``pending_reparse``, and runs with nothing new take 2 each until none is left. Then
    the tables equal one run over everything.
    """
    monkeypatch.setenv("NEWSETL_REPARSE_FLOOR", "2")
    daily, warehouse = tmp_path / "daily", tmp_path / "wh-daily"
    write_corpus(daily, {f"p{n:02d}.txt": site_page(n) for n in range(9)})
    processed = [run(daily, warehouse).files_processed]
    write_corpus(daily, {f"p{n:02d}.txt": site_page(n) for n in range(9, 12)})
    processed.append(run(daily, warehouse).files_processed)
    waiting = [len(pending_reparse(warehouse))]
    stale = bodies(warehouse)
    for _ in range(3):  # nothing new: a run still goes on while files wait, 2 at a time
        processed.append(run(daily, warehouse).files_processed)
        waiting.append(len(pending_reparse(warehouse)))
    assert processed == [9, 6, 2, 2, 2] and waiting == [6, 4, 2, 0]
    assert run(daily, warehouse).status == "unchanged"
    everything = tmp_path / "all"
    shutil.copytree(daily, everything)
    run(everything, tmp_path / "wh-full")
    full = bodies(tmp_path / "wh-full")
    assert bodies(warehouse) == full
    assert mentions(warehouse) == mentions(tmp_path / "wh-full")
    # While they waited, the 6 deferred pages were the only documents still parsed the old way.
    assert sum(before != after for before, after in zip(stale, full, strict=True)) == 6


def test_every_row_of_every_table_names_a_run_that_published(history: History) -> None:
    """Lineage: each table has a run_id, and every value is a run in ``runs``, over three runs."""
    from warehouse.schemas import TABLES

    warehouse = history.warehouse
    connection = catalog.connect(Warehouse(warehouse))
    runs = {row[0] for row in connection.execute("select run_id from runs").fetchall()}
    published = (history.first, history.added, history.changed)
    assert runs == {summary.run_id for summary in published}
    seen: set[str] = set()
    for name, schema in TABLES.items():
        assert "run_id" in schema.names, name
        files = Warehouse(warehouse).snapshot().files(name)
        values = {
            row[0]
            for row in connection.execute(
                "select distinct run_id from read_parquet($files)",
                {"files": [str(f) for f in files]},
            ).fetchall()
        }
        assert values <= runs, name
        seen |= values
    assert seen == runs  # every run that published left rows behind


def table_rows(warehouse: Path) -> dict[str, list[tuple]]:
    """Every row of every table but ``runs`` of the current snapshot, sorted, as DuckDB reads it."""
    from warehouse.schemas import TABLES

    connection = catalog.connect(Warehouse(warehouse))
    return {
        name: sorted(
            connection.execute(f"select * from {name}").fetchall(),  # noqa: S608 - our names
            key=repr,
        )
        for name in TABLES
        if name != "runs"
    }


def test_compaction_merges_small_files_into_a_snapshot_with_the_same_rows(
    history: History, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from warehouse import compaction, integrity

    warehouse, corpus = tmp_path / "wh", tmp_path / "in"
    shutil.copytree(history.warehouse, warehouse, symlinks=True)
    shutil.copytree(Path(str(Warehouse(warehouse).snapshot().last_run()["input_root"])), corpus)
    # A copy of a known story adds no body: the run leaves files without rows beside others.
    shutil.copy(corpus / "b.txt", corpus / "b-again.txt")
    ingest_articles(input=str(corpus), warehouse=str(warehouse), allow_new_root=True)
    before = Warehouse(warehouse).snapshot()
    rows = table_rows(warehouse)
    done = compaction.compact(Warehouse(warehouse), datetime.now(UTC), target_bytes=1 << 30)
    assert done.snapshot is not None and done.merged_files > done.written_files > 0
    after = Warehouse(warehouse).snapshot()
    assert after.snapshot_id == done.snapshot.snapshot_id != before.snapshot_id
    for name in ("mentions", "body_bands", "body_signatures", "line_census"):
        assert len(after.files(name)) < len(before.files(name)), name
    # The same rows in fewer files, for DuckDB (catalog) and for any Parquet reader.
    catalog.write_catalog(Warehouse(warehouse), after)
    assert table_rows(warehouse) == rows
    for name in ("documents", "mentions"):
        assert sum(pq.read_metadata(f).num_rows for f in after.files(name)) == len(rows[name])

    # No file without rows is left, but a table's only one (it gives readers the schema).
    def counts(snapshot: Snapshot, name: str) -> list[int]:
        return [pq.read_metadata(f).num_rows for f in snapshot.files(name)]

    assert any(0 in counts(before, name) and any(counts(before, name)) for name in TABLES)
    # The copy's run staged no mentions: its empty shard file is not published beside the others.
    assert 0 not in counts(before, "mentions") and len(counts(before, "mentions")) > 1
    for name in TABLES:
        assert all(counts(after, name)) or counts(after, name) == [0], name
    assert integrity.check_snapshot(after, "full").intact
    last = after.last_run()
    assert (last["status"], last["input_root"]) == ("compacted", before.last_run()["input_root"])
    # Merged again, nothing is left to merge; and a run after compaction carries on from it.
    again = compaction.compact(Warehouse(warehouse), datetime.now(UTC), target_bytes=1 << 30)
    assert again.snapshot is None
    summary = run(corpus, warehouse)
    assert summary.status == "unchanged"
