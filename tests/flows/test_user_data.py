"""What a user has is never lost or broken: input files, the warehouse, one odd file name.

Each case of issue 16, through the real command line (separate processes, real files).
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.flows.test_cli import newsetl
from warehouse import integrity
from warehouse.sources import name_bytes
from warehouse.store import Warehouse

STORY = (
    " date {date} Ministers Meet\n\nGENEVA, May 4 - Ministers met on Tuesday to discuss the "
    "ceasefire{extra} and said the talks would continue next week in the same city."
)


@pytest.fixture
def api(prefect_api: str) -> dict[str, str]:
    """Runs report to the session's Prefect server instead of starting one each."""
    return {"PREFECT_API_URL": prefect_api}


def seeded(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    return folder


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The run's stderr, checked to be exactly one ``newsetl:`` line."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsetl: "), result.stderr
    return lines[0]


def rows(warehouse: Path, sql: str) -> list[dict]:
    result = newsetl("sql", "--warehouse", str(warehouse), "--format", "json", sql)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_input_in_the_warehouse_is_refused_and_its_files_untouched(tmp_path: Path) -> None:
    # The two reproductions of the issue: the crawl in the warehouse's own staging folder.
    crawl = seeded(tmp_path / "X" / "staging" / "day1")
    before = sorted(p.name for p in crawl.iterdir())
    for input_, warehouse in (
        (tmp_path / "X", tmp_path / "X"),
        (tmp_path / "X" / "staging" / "day1", tmp_path / "X"),
    ):
        result = newsetl("run", "--input", str(input_), "--warehouse", str(warehouse))
        assert result.returncode == 2
        assert "inside the warehouse" in one_line_error(result) or "is the warehouse" in (
            result.stderr
        )
        assert sorted(p.name for p in crawl.iterdir()) == before
        assert not (tmp_path / "X" / "snapshots").exists()


def test_odd_names_absurd_dates_and_a_warehouse_inside_the_input(
    api: dict[str, str], tmp_path: Path
) -> None:
    crawl = seeded(tmp_path / "crawl")
    os.mkdir(os.fsencode(crawl) + b"/lat\xe9n")
    with open(os.fsencode(crawl) + b"/lat\xe9n/bad\xff\xfe.txt", "wb") as handle:
        handle.write(STORY.format(date="2021-05-05", extra=" at length").encode())
    (crawl / "year-one.txt").write_text(STORY.format(date="0001-01-01", extra=""))
    (crawl / "the-original.txt").write_text(STORY.format(date="2021-05-04", extra=""))
    (crawl / "end-of-time.txt").write_text(STORY.format(date="9999-12-31", extra=" later"))
    (crawl / "twice.txt").write_text(
        " date 2021-06-06 \n date 2021-06-06 \nTalks Resume\n\nThe talks resumed in Geneva today."
    )
    (crawl / "garbled.txt").write_text(
        " date 2021-06-06xyz \nTalks Stall\n\nThe talks stalled in Geneva again today."
    )
    warehouse = crawl / "wh"  # inside the input: never read as articles
    result = newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse), env=api)
    assert result.returncode == 0, result.stderr
    assert "files seen     8" in result.stdout and "documents      8" in result.stdout

    documents = {
        r["source_path"]: r
        for r in rows(
            warehouse,
            "select source_path, published_date, date_precision, title, is_canonical, cluster_id "
            "from documents",
        )
    }
    assert name_bytes("lat\\xe9n/bad\\xff\\xfe.txt") == b"lat\xe9n/bad\xff\xfe.txt"
    assert documents["lat\\xe9n/bad\\xff\\xfe.txt"]["published_date"] == "2021-05-05"
    for name in ("year-one.txt", "end-of-time.txt"):
        assert (documents[name]["published_date"], documents[name]["date_precision"]) == (
            None,
            "invalid",
        )
    copies = documents["year-one.txt"], documents["the-original.txt"]
    assert copies[0]["cluster_id"] == copies[1]["cluster_id"]
    assert [c["is_canonical"] for c in copies] == [False, True], "a year-1 copy is not the original"
    assert (documents["twice.txt"]["title"], documents["twice.txt"]["date_precision"]) == (
        "Talks Resume",
        "day",
    )
    assert (documents["garbled.txt"]["title"], documents["garbled.txt"]["date_precision"]) == (
        "Talks Stall",
        "invalid",
    )

    again = newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse))
    assert again.returncode == 0 and "up to date: 8 files unchanged" in again.stdout


@pytest.fixture(scope="module")
def published(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of the two seed articles, which the tests here only read."""
    folder = tmp_path_factory.mktemp("published")
    env = {"PREFECT_API_URL": prefect_api}
    result = newsetl(
        "run", "--input", str(seeded(folder / "in")), "--warehouse", str(folder / "wh"), env=env
    )
    assert result.returncode == 0, result.stderr
    return folder / "wh"


def test_sql_cannot_write_and_exports_through_output(published: Path, tmp_path: Path) -> None:
    snapshot = Warehouse(published).snapshot()
    target = snapshot.files("documents")[0]
    for sql in (
        f"ATTACH '{published}/newsetl.duckdb' AS c (READ_WRITE)",
        f"COPY (select 1 as x) TO '{target}' (USE_TMP_FILE false)",
        f"EXPORT DATABASE '{tmp_path}/export'",
        "select 1; drop view articles",
        "select * from read_text('/etc/hostname')",
    ):
        result = newsetl("sql", "--warehouse", str(published), sql)
        assert result.returncode == 1, (sql, result.stderr)
        one_line_error(result)
    assert integrity.check_snapshot(snapshot).intact
    assert not (tmp_path / "export").exists()

    output = tmp_path / "exports" / "articles.parquet"
    result = newsetl(
        "sql", "--warehouse", str(published), "--output", str(output), "select * from articles"
    )
    assert result.returncode == 0 and "2 rows written" in result.stderr
    inside = newsetl(
        "sql", "--warehouse", str(published), "--output", str(published / "x.csv"), "select 1"
    )
    assert inside.returncode == 2 and "inside the warehouse" in one_line_error(inside)


def test_settings_are_checked_and_a_held_lock_is_one_line(published: Path) -> None:
    for options, message in (
        (["--keep", "0"], "--keep must be 1 or more"),
        (["--keep", "-1"], "--keep must be 1 or more"),
        (["--grace-hours", "-5"], "--grace-hours must be a number of hours, 0 or more"),
        (["--grace-hours", "inf"], "--grace-hours must be a number of hours, 0 or more"),
    ):
        result = newsetl("expire", "--warehouse", str(published), *options)
        assert result.returncode == 2 and message in one_line_error(result), options
    holder = subprocess.Popen(  # another run holding the warehouse
        [
            sys.executable,
            "-c",
            "import sys, time; from warehouse.store import Warehouse\n"
            "with Warehouse(sys.argv[1]).writer_lock('other-run'):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(published),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        result = newsetl("run", "--force", "--input", str(SEEDS), "--warehouse", str(published))
        assert result.returncode == 1
        assert "being written by run other-run" in one_line_error(result)
        assert time.monotonic() - started < 30, "refused before Prefect starts"
        assert "Traceback" not in result.stdout
    finally:
        holder.kill()
        holder.wait()


def test_a_truncated_file_stops_runs_and_repair_rebuilds_from_the_input(
    api: dict[str, str], tmp_path: Path
) -> None:
    crawl = seeded(tmp_path / "in")
    warehouse = tmp_path / "wh"
    assert (
        newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse), env=api).returncode
        == 0
    )
    clean = rows(warehouse, "select * exclude (run_id) from documents order by source_path")
    damaged = Warehouse(warehouse).snapshot()
    victim = damaged.files("documents")[0]
    os.truncate(victim, victim.stat().st_size // 2)

    unchanged = newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse))
    assert unchanged.returncode == 1 and "truncated" in one_line_error(unchanged)
    (crawl / "new.txt").write_text(STORY.format(date="2021-05-05", extra=""))
    changed = newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse), env=api)
    assert changed.returncode == 1 and "is damaged" in one_line_error(changed)
    assert Warehouse(warehouse).snapshot_ids() == [damaged.snapshot_id], "nothing published"
    (crawl / "new.txt").unlink()

    check = newsetl("check", "--warehouse", str(warehouse))
    relative = str(victim.relative_to(damaged.path))
    assert check.returncode == 1 and f"{relative}: truncated" in check.stdout

    repair = newsetl("repair", "--input", str(crawl), "--warehouse", str(warehouse), env=api)
    assert repair.returncode == 0, repair.stderr
    assert "rebuilding from the input" in repair.stdout
    assert newsetl("check", "--warehouse", str(warehouse)).returncode == 0
    assert rows(warehouse, "select * exclude (run_id) from documents order by source_path") == clean
    statuses = [r["status"] for r in rows(warehouse, "select status from runs order by started_at")]
    assert statuses == ["published", "rebuilt"]


def test_missing_files_a_deleted_snapshot_file_and_a_new_input_root(
    api: dict[str, str], tmp_path: Path
) -> None:
    """One warehouse's life: a file leaves the input, a snapshot file is lost, a root changes."""
    crawl = seeded(tmp_path / "in")
    (crawl / "gone.txt").write_text(STORY.format(date="2021-05-05", extra=""))
    warehouse = tmp_path / "wh"
    first = newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse), env=api)
    assert first.returncode == 0, first.stderr

    # A file leaves the input: its document stays, and the run says so.
    (crawl / "gone.txt").unlink()
    kept = newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse))
    assert kept.returncode == 0 and "up to date" in kept.stdout
    assert "missing from the input: 1 file(s) of earlier runs; their 1 document(s) are kept" in (
        kept.stdout
    )
    paths = {r["source_path"] for r in rows(warehouse, "select source_path from documents")}
    assert "gone.txt" in paths

    # Pruned on purpose: gone from every table that named it.
    pruned = newsetl(
        "run", "--prune-missing", "--input", str(crawl), "--warehouse", str(warehouse), env=api
    )
    assert pruned.returncode == 0, pruned.stderr
    assert "missing        1 (pruned 1: their documents removed)" in pruned.stdout
    for table in ("documents", "manifest", "line_census"):
        sql = f"select source_path from {table}"  # noqa: S608 - our table names
        paths = {r["source_path"] for r in rows(warehouse, sql)}
        assert "gone.txt" not in paths and paths, table
    last = rows(warehouse, "select files_missing, files_pruned, total_documents from runs")[-1]
    assert last == {"files_missing": 1, "files_pruned": 1, "total_documents": 2}

    # A file of the current snapshot is deleted; the older snapshot still links its data.
    before = rows(warehouse, "select * from documents order by source_path")
    current = Warehouse(warehouse).snapshot()
    parent = Warehouse(warehouse).snapshot(current.manifest["parent_snapshot_id"])
    older = {p.name for p in parent.files("documents")}
    [shared, *_] = [p for p in current.files("documents") if p.name in older]
    shared.unlink()
    check = newsetl("check", "--warehouse", str(warehouse))
    assert check.returncode == 1 and f"{shared.relative_to(current.path)}: missing" in check.stdout
    stopped = newsetl("run", "--input", str(crawl), "--warehouse", str(warehouse))
    assert stopped.returncode == 1 and "is damaged" in one_line_error(stopped)
    repair = newsetl("repair", "--input", str(crawl), "--warehouse", str(warehouse))
    assert repair.returncode == 0 and "linked 1 intact file(s)" in repair.stdout, repair.stderr
    assert newsetl("check", "--warehouse", str(warehouse)).returncode == 0
    assert rows(warehouse, "select * from documents order by source_path") == before

    # Another input root: refused, or the documents it replaces are named.
    second = tmp_path / "second"
    second.mkdir()
    [seed, *_] = sorted(SEEDS.glob("*.txt"))
    (second / seed.name).write_text(STORY.format(date="2021-05-05", extra=""))
    refused = newsetl("run", "--input", str(second), "--warehouse", str(warehouse))
    assert refused.returncode == 2
    assert f"is not '{crawl}', the root of this warehouse's last run" in one_line_error(refused)
    allowed = newsetl(
        "run", "--allow-new-root", "--input", str(second), "--warehouse", str(warehouse), env=api
    )
    assert allowed.returncode == 0, allowed.stderr
    assert f"replaced       1 (new input root): {seed.name}" in allowed.stdout
    roots = [
        r["input_root"] for r in rows(warehouse, "select input_root from runs order by started_at")
    ]
    assert roots == [str(crawl), str(crawl), str(crawl), str(second)]


def test_each_expected_failure_has_its_exit_code_and_a_bug_has_none() -> None:
    import duckdb

    from flows.cli import _exit_code, _one_line
    from flows.settings import SettingsError
    from flows.stages import BooksDoNotBalance
    from warehouse.input_changes import InputRootChanged
    from warehouse.store import WarehouseLocked

    damaged = integrity.CheckReport(
        "s1", "sizes", 1, 0, (integrity.Damage("t", "t/x", "missing"),), True
    )
    assert _exit_code(SettingsError("x")) == 2
    assert _exit_code(InputRootChanged("x")) == 2
    for error in (
        WarehouseLocked("x"),
        integrity.SnapshotDamaged(damaged),
        BooksDoNotBalance("x"),
        duckdb.ParserException("x"),
        OSError(28, "No space left on device"),
    ):
        assert _exit_code(error) == 1, error
    assert _exit_code(KeyError("a bug")) is None
    parser_error = duckdb.ParserException("Parser Error: syntax error\n\nLINE 1: selec\n        ^")
    assert _one_line(parser_error, "sql") == "Parser Error: syntax error LINE 1: selec"
    assert _one_line(OSError(28, "No space left on device"), "run").startswith(
        "run failed, warehouse unchanged: [Errno 28]"
    )
