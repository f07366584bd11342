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
