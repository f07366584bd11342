"""The syndication benchmark's truth: the wire a generated file credits, who ran a story first."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.syndication import truth_stories


def test_truth_stories(tmp_path: Path) -> None:
    day = dt.date(2021, 3, 5)
    rows = [
        # s1: first by A alone; B a month-only copy of March (counts on the 31st), C undated.
        ("s1", "A", day, "day", "PARIS, March 5 -", None),
        ("s1", "B", day.replace(day=1), "month", "MOSCOW, March 5. /TASS/.", "TASS"),
        ("s1", "C", None, "none", None, None),
        # s2: A and B the same day: a tie.
        ("s2", "A", day, "day", None, "AFP"),
        ("s2", "B", day, "day", None, None),
    ]
    names = ["story_id", "publisher", "published_date", "date_precision", "dateline", "agency"]
    table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
    table = table.append_column("expected", pa.array(["accepted"] * len(rows)))
    pq.write_table(table, tmp_path / "truth.parquet")
    stories = truth_stories(tmp_path)
    assert stories["s1"]["agency"] == "TASS" and stories["s1"]["in_dateline"]
    assert (stories["s1"]["first"], stories["s1"]["tied"], stories["s1"]["outlets"]) == (
        "A",
        False,
        3,
    )
    assert stories["s1"]["days"]["B"] == dt.date(2021, 3, 31)
    assert stories["s2"]["agency"] == "AFP" and not stories["s2"]["in_dateline"]
    assert (stories["s2"]["first"], stories["s2"]["tied"]) == (None, True)
