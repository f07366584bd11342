"""The warehouse's census SQL learns what transforms.census.learn_chrome learns."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.transforms.test_census import corpus, files
from transforms.articles import census_files
from transforms.census import learn_chrome
from warehouse.census_plan import plan_census
from warehouse.schemas import LINE_CENSUS, conform
from warehouse.storage import Storage


def test_the_sql_learns_what_the_reference_rule_learns(tmp_path: Path) -> None:
    pages = corpus({"harbour": 60, "lakeside": 12, "valley": 8}, copies=2)
    table = files(pages)
    census = census_files(table)
    staged = []
    for number, start in enumerate(range(0, census.num_rows, 500)):
        part = census.slice(start, 500)
        part = part.append_column("run_id", pa.array(["run"] * part.num_rows, pa.string()))
        staged.append(tmp_path / f"shard-{number}.parquet")
        pq.write_table(conform(part, LINE_CENSUS, name="line_census"), staged[-1])
    paths = table.column("source_path").combine_chunks()
    plan = plan_census(None, paths, staged, paths, tmp_path, Storage())
    reference = learn_chrome(census)
    assert plan.learned.keys.equals(reference.keys)
    assert plan.learned.names == reference.names
    # Harbour and Lakeside have enough stories to learn from; Valley (8) has not.
    assert dict(plan.learned.names) == {
        "harbour/": "Harbour Gazette",
        "lakeside/": "Lakeside Gazette",
    }
    assert len(plan.learned.keys) > 0 and plan.affected == []
