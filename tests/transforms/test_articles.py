"""Whole-article expectations: every field of every golden case, from raw bytes to document row.

Golden files live in ``tests/cases/<set>/<name>.json`` beside their input ``<name>.txt`` (the seeds
are read from ``data/seeds``). ``NEWSETL_UPDATE_GOLDEN=1 pytest tests/transforms/test_articles.py``
rewrites them from the current output; review the diff before committing it.
"""

import datetime as dt
import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from tests.conftest import CASES, SEEDS
from transforms.articles import parse_articles
from transforms.records import FILES_SCHEMA

UPDATE = os.environ.get("NEWSETL_UPDATE_GOLDEN") == "1"
SEED_CASES = sorted(SEEDS.glob("*.txt"))
EXTRA_CASES = sorted((CASES / "articles").glob("*.txt"))


def parse_file(path: Path) -> dict[str, object]:
    files = pa.table({"source_path": [path.name], "raw": [path.read_bytes()]}, schema=FILES_SCHEMA)
    parsed = parse_articles(files)
    assert parsed.quarantine.num_rows == 0, parsed.quarantine.to_pylist()
    [row] = parsed.documents.to_pylist()
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


@pytest.mark.parametrize("path", SEED_CASES + EXTRA_CASES, ids=lambda p: p.stem)
def test_golden_article(path: Path) -> None:
    golden = (CASES / "seeds" if path.parent == SEEDS else path.parent) / f"{path.stem}.json"
    actual = parse_file(path)
    if UPDATE:
        golden.write_text(json.dumps(actual, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    expected = json.loads(golden.read_text())
    assert actual == expected


def test_moscow_times_seed_loses_its_chrome_and_keeps_its_story() -> None:
    row = parse_file(next(SEEDS.glob("000_*.txt")))
    body = str(row["body"])
    for chrome in (
        "Support The Moscow Times!",
        "Contribute today",
        "Read more about:",
        "opinion Tatyana Stanovaya",
        "How the Russian State Is Losing",
        "Independent journalism isn’t dead",
        "Please consider making a donation",
    ):
        assert chrome not in body, chrome
    assert row["title"] == "Russia 'Concerned' Over Myanmar Civilian Casualties"
    assert row["byline"] == "AFP"
    assert row["publisher"] == "The Moscow Times"
    assert row["published_date"] == "2021-03-29" and row["date_precision"] == "day"
    assert body.startswith("Russia acknowledged Monday") or "Russia acknowledged Monday" in body
    assert body.rstrip().endswith("MiG-29 fighter jets and Mi-24 helicopters.")


def test_tass_seed_has_a_dateline_and_no_headline() -> None:
    row = parse_file(next(SEEDS.glob("003_*.txt")))
    assert row["title"] is None
    assert row["dateline"] == "KUBINKA /Moscow Region/, August 23. /TASS/."
    assert (row["dateline_place"], row["dateline_agency"]) == ("KUBINKA /Moscow Region/", "TASS")
    # TASS wrote the story; nothing on the page says whose page it is.
    assert (row["agency"], row["publisher"]) == ("TASS", "unknown")
    assert str(row["body"]).startswith("Russia is prepared to develop military")
    assert str(row["body"]).endswith("in a news release after the negotiations.")


def test_a_short_body_is_the_same_text_only_under_the_same_headline() -> None:
    from transforms.articles import content_hashes
    from transforms.word_count import SHORT_BODY_WORDS, word_counts

    notice = "Qtly div five cts vs five cts prior. Pay July One. Record June 17."
    story = " ".join(f"word{i}" for i in range(SHORT_BODY_WORDS))
    bodies = pa.array([notice, notice, notice, story, story])
    titles = pa.array(["GENERAL HOST SETS QUARTERLY", "MDS HEALTH SETS PAYOUT"] * 2 + [None])
    words = word_counts(bodies)
    first, other_company, same_company, long_one, long_other = content_hashes(
        bodies, titles, words
    ).to_pylist()
    assert first != other_company  # two companies' notices
    assert first == same_company  # a re-crawl of one
    assert long_one == long_other  # a story under a new headline is still the same text
