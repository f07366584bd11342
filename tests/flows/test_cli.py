"""The command line end to end, as a user runs it: separate processes, real files."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS
from tests.readme import SEED_QUERY, expected_seed_articles, expected_table

# What `make run` prints, as the README shows it: the README is the one place these rows live.
EXPECTED_SEED_ARTICLES = expected_seed_articles()


def newsetl(
    *args: str, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flows.cli", *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "warehouse"
    # The run reports to the session's Prefect server instead of starting one of its own.
    result = newsetl(
        "run",
        "--input",
        str(SEEDS),
        "--warehouse",
        str(folder),
        env={"PREFECT_API_URL": prefect_api},
    )
    assert result.returncode == 0, result.stderr
    assert "files seen     2" in result.stdout
    assert "documents      2" in result.stdout
    assert "snapshot       " in result.stdout
    return folder


def test_sql_prints_the_two_seed_articles(warehouse: Path) -> None:
    result = newsetl("sql", "--warehouse", str(warehouse), "--format", "json", SEED_QUERY)
    assert result.returncode == 0, result.stderr
    rows = [
        (r["published_date"], r["publisher"], r["agency"], r["title"])
        for r in json.loads(result.stdout)
    ]
    assert rows == EXPECTED_SEED_ARTICLES


def test_sql_table_and_csv_formats(warehouse: Path, tmp_path: Path) -> None:
    table = newsetl("sql", "--warehouse", str(warehouse), SEED_QUERY, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    # The README's table, line for line (trailing spaces aside).
    assert [line.rstrip() for line in table.stdout.splitlines()] == expected_table()
    lines = table.stdout.splitlines()
    assert "2021-03-29" in lines[2] and "Russia 'Concerned' Over Myanmar" in lines[2]
    assert "2021-08-23" in lines[3] and "NULL" in lines[3]
    assert lines[-1] == "(2 rows)"
    csv = newsetl("sql", "--warehouse", str(warehouse), "--format", "csv", SEED_QUERY)
    assert csv.stdout.splitlines() == [
        "published_date,publisher,agency,title",
        *(",".join(cell or "" for cell in row) for row in EXPECTED_SEED_ARTICLES),
    ]


def test_report_shows_volume_duplicates_and_quarantine(warehouse: Path) -> None:
    result = newsetl("report", "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    for heading in ("## Volume by publisher and month", "## Duplicates", "## Quarantine by reason"):
        assert heading in result.stdout
    assert "The Moscow Times | 2021-03" in result.stdout
    for heading in ("## Syndication reach", "## Top entities", "## Country co-mentions"):
        assert heading in result.stdout
    assert f"HTML report written to {warehouse / 'report.html'}" in result.stderr
    page = (warehouse / "report.html").read_text()
    assert page.count('<svg class="chart"') >= 8
    assert (
        "Maung Maung Aye" in page
        and "<script" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


def test_report_filters_by_date_publisher_and_entity(warehouse: Path, tmp_path: Path) -> None:
    def volume(*filters: str) -> list[tuple[str, str]]:
        result = newsetl(
            "report",
            "--warehouse",
            str(warehouse),
            "--format",
            "json",
            "--html",
            str(tmp_path / "r.html"),
            *filters,
        )
        assert result.returncode == 0, result.stderr
        # The first JSON array printed is the volume report.
        start = result.stdout.index("[")
        rows, _ = json.JSONDecoder().raw_decode(result.stdout[start:])
        return [(r["publisher"], r["month"]) for r in rows]

    everything = [("The Moscow Times", "2021-03"), ("unknown", "2021-08")]
    assert volume() == everything
    assert volume("--from", "2021-04-01") == [("unknown", "2021-08")]
    assert volume("--to", "2021-03-29") == [("The Moscow Times", "2021-03")]
    assert volume("--publisher", "the moscow times") == [("The Moscow Times", "2021-03")]
    assert volume("--entity", "Dmitry Peskov") == [("The Moscow Times", "2021-03")]
    assert volume("--entity", "myanmar") == everything
    assert volume("--publisher", "TASS' OR 1=1 --") == []


def test_report_rejects_bad_dates(warehouse: Path) -> None:
    bad = newsetl("report", "--warehouse", str(warehouse), "--from", "2021-02-30")
    assert bad.returncode == 2 and "'2021-02-30' is not a date" in bad.stderr
    backwards = newsetl(
        "report", "--warehouse", str(warehouse), "--from", "2021-05-01", "--to", "2021-04-01"
    )
    assert backwards.returncode == 2 and "is after --to" in backwards.stderr


def test_snapshots_lists_the_current_one(warehouse: Path) -> None:
    result = newsetl("snapshots", "--warehouse", str(warehouse), "--format", "json")
    [snapshot] = json.loads(result.stdout)
    assert snapshot["current"] == "*" and snapshot["documents"] == 2


def test_read_commands_do_not_start_prefect(warehouse: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from flows.cli import main; main(['sql', '--warehouse', sys.argv[1], "
        "'select 1']); main(['report', '--warehouse', sys.argv[1], '--html', sys.argv[2]]); "
        # Nor does a run with nothing new, or with a bad setting: they answer at once.
        "main(['run', '--input', sys.argv[3], '--warehouse', sys.argv[1]]); "
        "main(['run', '--shard-size', '0', '--warehouse', sys.argv[1]]); "
        "assert 'prefect' not in sys.modules, 'prefect was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(warehouse), str(tmp_path / "report.html"), str(SEEDS)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date: 2 files unchanged" in result.stdout


def test_a_run_with_new_files_walks_the_input_once(prefect_api: str, tmp_path: Path) -> None:
    """The listing that found something new is the one the flow processes, and only then."""
    corpus = tmp_path / "in"
    shutil.copytree(SEEDS, corpus)
    code = (
        "import sys, shutil\n"
        "from flows.cli import main\n"
        "from warehouse import sources\n"
        "walks = []\n"
        "discover = sources.discover\n"
        "sources.discover = lambda *a, **k: walks.append(a) or discover(*a, **k)\n"
        "run = ['run', '--input', sys.argv[1], '--warehouse', sys.argv[2]]\n"
        "assert main(run) == 0\n"
        "walks.clear()\n"
        "shutil.copy(sys.argv[3], sys.argv[1] + '/again.txt')\n"
        "assert main(run) == 0\n"
        "print('walks', len(walks))\n"
        # Up to date keeps no listing: a forced run after it lists the input itself.
        "walks.clear()\n"
        "assert main(run) == 0 and main([*run, '--force']) == 0\n"
        "print('then', len(walks))\n"
    )
    seed = sorted(SEEDS.glob("*.txt"))[0]
    result = subprocess.run(
        [sys.executable, "-c", code, str(corpus), str(tmp_path / "wh"), str(seed)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PREFECT_API_URL": prefect_api},
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "walks 1" in result.stdout
    assert "new or changed 1" in result.stdout
    assert "then 2" in result.stdout


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    empty = newsetl("sql", "--warehouse", str(tmp_path / "none"), "select 1")
    assert empty.returncode == 1
    assert "no snapshot published" in empty.stderr and "Traceback" not in empty.stderr
    missing = newsetl("run", "--input", str(tmp_path / "missing"), "--warehouse", str(tmp_path))
    assert missing.returncode != 0
    assert "neither a folder nor a file" in missing.stderr + missing.stdout
    bad_setting = newsetl("run", "--shard-size", "0", "--warehouse", str(tmp_path))
    assert bad_setting.returncode == 2 and "shard_size must be positive" in bad_setting.stderr


def test_bad_sql_is_a_message(warehouse: Path) -> None:
    result = newsetl("sql", "--warehouse", str(warehouse), "select nope from documents")
    assert result.returncode == 1
    assert "nope" in result.stderr and "Traceback" not in result.stderr


def test_compact_merges_without_prefect_and_checks_its_setting(
    warehouse: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "wh"
    shutil.copytree(warehouse, copy, symlinks=True)
    bad = newsetl("compact", "--warehouse", str(copy), "--target-mb", "0")
    assert bad.returncode == 2 and "--target-mb must be positive" in bad.stderr
    code = (
        "import sys; from flows.cli import main; "
        "sys.exit(main(['compact', '--warehouse', sys.argv[1]]) or "
        "main(['compact', '--warehouse', sys.argv[1]]) or ('prefect' in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(copy)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # The first merges what one run left in several files (if any); the second finds nothing.
    assert result.stdout.strip().splitlines()[-1] == "newsetl: nothing to compact"
    rows = newsetl("sql", "--warehouse", str(copy), "select count(*) as n from documents")
    assert rows.returncode == 0 and "2" in rows.stdout
