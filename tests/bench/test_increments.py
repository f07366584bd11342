"""The orders in which the increments benchmark hands the generated files to the runs."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.increments import arrival


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
