"""The orders in which the increments benchmark hands the generated files to the runs."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.increments import arrival, section


def test_files_arrive_in_the_generators_order_or_by_date(tmp_path: Path) -> None:
    dates = [dt.date(2022, 5, 1), dt.date(2020, 1, 2), None, dt.date(2021, 3, 4)]
    names = [f"{number:07d}_x.txt" for number in range(4)]
    paths = [f"outlet/2020-01/{name}" for name in names]
    pq.write_table(
        pa.table({"source_path": paths, "published_date": dates}), tmp_path / "truth.parquet"
    )
    assert arrival(tmp_path, "generator") == {name: place for place, name in enumerate(names)}
    # The undated file arrives with the file before it in the generator's order (2020-01-02).
    by_date = arrival(tmp_path, "date")
    assert sorted(by_date, key=by_date.__getitem__) == [names[1], names[2], names[3], names[0]]


def test_the_section_says_where_each_step_s_bytes_went() -> None:
    steps = [
        {"step": "full", "files": 100, "wall": 10.0, "written": 1_000_000},
        {
            "step": "+1%",
            "files": 1,
            "wall": 1.0,
            "written": 130_000,
            "written_tables": {"clusters": 70_000, "documents": 50_000, "runs": 10_000},
        },
    ]
    text = section({(100, "date"): steps}, "python -m bench.increments")
    assert "Written by +1%, MB: clusters 0.1, documents 0.1." in text
    assert "| +1% | 1 | 1.0 | 10.0% |" in text and "| 0.1 | 13.0% | 13.0 |" in text


def test_the_section_compares_the_same_new_files_on_both_corpora() -> None:
    def steps(size: int, walls: list[float]) -> list[dict[str, object]]:
        shares = (("full", 1.0), ("+1%", 0.01), ("+0.1%", 0.001))
        return [
            {"step": step, "files": round(size * share), "wall": wall, "flow": wall, "written": 1}
            for (step, share), wall in zip(shares, walls, strict=True)
        ]

    text = section(
        {
            (10_000, "date"): steps(10_000, [100.0, 8.0, 6.0]),
            (100_000, "date"): steps(100_000, [1000.0, 40.0, 12.0]),
        },
        "python -m bench.increments",
    )
    assert "* 100,000 (date), +1%: 4.0% of the full run (target 5%): met." in text
    assert "* 100,000 (date), +0.1%: 1.2% of the full run (target 2%): met." in text
    # 100 new files on each corpus: 12 s (+0.1% of 100,000) against 8 s (+1% of 10,000).
    assert (
        "* 100 new files on 100,000 against 100 on 10,000 (date): 1.5x (target 1.5x): met; "
        "+1% against +1%: 5.0x." in text
    )
    assert text.count("new files on 100,000") == 1  # 10 new files on 10,000 match no step
