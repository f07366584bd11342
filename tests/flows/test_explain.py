"""``newsetl explain`` and the syndication reports through the real command line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.flows.test_cli import newsetl
from tests.transforms.test_passages import PARAGRAPHS

LEAD = "Local officials in Lagos followed the news closely on Monday."


def article(day: int, paragraphs: list[str], dateline: str = "") -> str:
    body = "\n\n".join(paragraphs)
    return f" date 2021-05-{day:02d} Ministers Meet In Geneva\n\n{dateline}{body}"


@pytest.fixture(scope="module")
def warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A story first run by the wire, then copied with a local lead and a trimmed tail, and
    byte for byte by another page; and a story of one outlet."""
    root = tmp_path_factory.mktemp("explain")
    files = root / "in"
    files.mkdir()
    # The wire's own site, named by the user's mapping of folders to outlets (a dateline's
    # agency credits the wire, it never names the outlet).
    (files / "tass").mkdir()
    (files / "tass" / "wire.txt").write_text(article(4, PARAGRAPHS, "GENEVA, May 4. /TASS/. "))
    mapping = root / "publishers.toml"
    mapping.write_text('[[publisher]]\nname = "TASS"\npaths = ["tass/**"]\n')
    (files / "copy.txt").write_text(article(6, [LEAD, *PARAGRAPHS[:4]]))
    (files / "exact.txt").write_text(article(7, PARAGRAPHS))
    (files / "single.txt").write_text(article(9, ["A story nobody else carried, " * 8]))
    result = newsetl(
        "run",
        "--input",
        str(files),
        "--warehouse",
        str(root / "wh"),
        "--publishers-file",
        str(mapping),
        env={"PREFECT_API_URL": prefect_api},
    )
    assert result.returncode == 0, result.stderr
    return root / "wh"


def doc_id(warehouse: Path, path: str) -> str:
    result = newsetl(
        "sql",
        "--warehouse",
        str(warehouse),
        "--format",
        "json",
        f"select doc_id from documents where source_path like '%{path}'",  # noqa: S608
    )
    return str(json.loads(result.stdout)[0]["doc_id"])


def test_explain_a_near_copy(warehouse: Path) -> None:
    copy, wire = doc_id(warehouse, "copy.txt"), doc_id(warehouse, "wire.txt")
    result = newsetl("explain", copy, "--warehouse", str(warehouse), "--width", "80")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"document   {copy} · unknown · 2021-05-06" in out
    assert "3 copies in 2 outlets" in out and "wire TASS (1 copy credits it)" in out
    assert "first seen 2021-05-04 by TASS" in out
    assert f"canonical  {wire} · TASS · 2021-05-04" in out
    assert "match      near copy · Jaccard 0." in out
    lead = len(LEAD.split())
    trimmed = len(" ".join(PARAGRAPHS[4:]).split())
    assert f"added lead of {lead} words; trimmed tail of {trimmed} words" in out
    # The passage side by side: the same words in both columns, with their offsets.
    assert "copy, characters" in out and "canonical, characters 0-" in out
    rows = [line for line in out.splitlines() if " | " in line]
    first = next(line for line in rows if line.startswith("Ministers"))
    left, right = first.split(" | ")
    assert left.split() == right.split()
    assert all(len(line) <= 80 for line in rows)


def test_explain_a_canonical_an_exact_copy_and_a_single_story(warehouse: Path) -> None:
    wire = newsetl("explain", doc_id(warehouse, "wire.txt"), "--warehouse", str(warehouse))
    assert "canonical  this document: it represents its story" in wire.stdout
    assert "copies     2 copies" in wire.stdout and wire.stdout.count("near, Jaccard") == 1
    exact = newsetl("explain", doc_id(warehouse, "exact.txt"), "--warehouse", str(warehouse))
    assert "match      exact copy" in exact.stdout and "same text" in exact.stdout
    single = newsetl("explain", doc_id(warehouse, "single.txt"), "--warehouse", str(warehouse))
    assert "no wire credited" in single.stdout and "copies     none" in single.stdout


def test_explain_an_unknown_id_is_a_usage_error(warehouse: Path) -> None:
    result = newsetl("explain", "nope", "--warehouse", str(warehouse))
    assert result.returncode == 2
    assert "no document 'nope' in snapshot" in result.stderr and "Traceback" not in result.stderr


def test_explain_does_not_start_prefect(warehouse: Path) -> None:
    code = (
        "import sys; from flows.cli import main; main(['explain', sys.argv[2], '--warehouse', "
        "sys.argv[1]]); assert 'prefect' not in sys.modules, 'prefect was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(warehouse), doc_id(warehouse, "copy.txt")],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_report_prints_the_top_rows_of_each_report(warehouse: Path, tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    limited = newsetl("report", "--warehouse", str(warehouse), "--limit", "1", "--html", str(html))
    assert limited.returncode == 0, limited.stderr
    out = limited.stdout
    for heading in ("Agencies' reach over time", "Who copies whom", "Speed of spread"):
        assert f"## {heading}" in out
    assert "## Top original sources" in out
    # Top original sources has two outlets (TASS, unknown): one printed, and a note.
    section = out.split("## Top original sources")[1]
    assert "(1 row)" in section and "(the first 1 of 2 rows; --limit 0 prints all)" in section
    everything = newsetl(
        "report", "--warehouse", str(warehouse), "--limit", "0", "--html", str(html)
    )
    assert "(2 rows)" in everything.stdout.split("## Top original sources")[1]
    assert "who-copies-whom" in html.read_text()
    bad = newsetl("report", "--warehouse", str(warehouse), "--limit", "-1")
    assert bad.returncode == 2 and "not a number of rows" in bad.stderr
