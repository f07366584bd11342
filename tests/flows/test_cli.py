"""The command line end to end, as a user runs it: separate processes, real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS

EXPECTED_SEED_ARTICLES = [
    ("2021-03-29", "The Moscow Times", "Russia 'Concerned' Over Myanmar Civilian Casualties"),
    ("2021-08-23", "TASS", None),
]
SEED_QUERY = "select published_date, publisher, title from articles order by 1"


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
    rows = [(r["published_date"], r["publisher"], r["title"]) for r in json.loads(result.stdout)]
    assert rows == EXPECTED_SEED_ARTICLES


def test_sql_table_and_csv_formats(warehouse: Path, tmp_path: Path) -> None:
    table = newsetl("sql", "--warehouse", str(warehouse), SEED_QUERY, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split(" | ")[0].strip() == "published_date"
    assert "2021-03-29" in lines[2] and "Russia 'Concerned' Over Myanmar" in lines[2]
    assert "2021-08-23" in lines[3] and "TASS" in lines[3] and "NULL" in lines[3]
    assert lines[-1] == "(2 rows)"
    csv = newsetl("sql", "--warehouse", str(warehouse), "--format", "csv", SEED_QUERY)
    assert csv.stdout.splitlines() == [
        "published_date,publisher,title",
        "2021-03-29,The Moscow Times,Russia 'Concerned' Over Myanmar Civilian Casualties",
        "2021-08-23,TASS,",
    ]


def test_report_shows_volume_duplicates_and_quarantine(warehouse: Path) -> None:
    result = newsetl("report", "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    for heading in ("## Volume by publisher and month", "## Duplicates", "## Quarantine by reason"):
        assert heading in result.stdout
    assert "The Moscow Times | 2021-03" in result.stdout


def test_snapshots_lists_the_current_one(warehouse: Path) -> None:
    result = newsetl("snapshots", "--warehouse", str(warehouse), "--format", "json")
    [snapshot] = json.loads(result.stdout)
    assert snapshot["current"] == "*" and snapshot["documents"] == 2


def test_read_commands_do_not_start_prefect(warehouse: Path) -> None:
    code = (
        "import sys; from flows.cli import main; main(['sql', '--warehouse', sys.argv[1], "
        "'select 1']); assert 'prefect' not in sys.modules, 'prefect was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(warehouse)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr


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
