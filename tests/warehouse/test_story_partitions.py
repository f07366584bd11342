"""Story tables kept by the month each story was first seen."""

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from tests.warehouse.test_incremental import clusters
from warehouse.incremental import CarriedRows, staged_rows
from warehouse.schemas import DOCUMENT_MATCHES, conform
from warehouse.store import RunStaging, Warehouse
from warehouse.story_partitions import NO_MONTH, StoryMonths, month_of


def matches(rows: list[tuple[str, str]]) -> pa.Table:
    """``document_matches`` rows: (copy, canonical it matched)."""
    return conform(
        pa.table(
            {
                "doc_id": [copy for copy, _ in rows],
                "matched_doc_id": [canonical for _, canonical in rows],
                "similarity": [0.9] * len(rows),
                "containment": [0.9] * len(rows),
                "kind": ["near"] * len(rows),
                "run_id": ["r"] * len(rows),
            }
        ),
        DOCUMENT_MATCHES,
        name="document_matches",
    )


STORIES = clusters(
    [("a", 2, "2021-03-30", ["X"]), ("b", 3, "2021-04-01", ["Y"]), ("c", 1, None, ["Z"])], "r"
)


def test_a_story_s_rows_go_to_the_month_it_was_first_seen() -> None:
    stories = StoryMonths.of(STORIES)
    assert stories.months("clusters", STORIES).to_pylist() == ["2021-03", "2021-04", NO_MONTH]
    # A match goes with the story of the canonical it matched; one whose canonical is no
    # story's now goes to the folder of no month.
    found = matches([("a1", "doc-a"), ("b1", "doc-b"), ("c1", "doc-c"), ("x1", "doc-gone")])
    assert stories.months("document_matches", found).to_pylist() == [
        "2021-03",
        "2021-04",
        NO_MONTH,
        NO_MONTH,
    ]
    assert month_of(pa.array([date(2020, 12, 31), None], pa.date32())).to_pylist() == [
        "2020-12",
        NO_MONTH,
    ]


def test_rows_are_staged_a_file_per_story_month(tmp_path: Path) -> None:
    staging = RunStaging(Warehouse(tmp_path / "warehouse"), "r2", tmp_path / "staging")
    rows = matches([("b1", "doc-b"), ("a1", "doc-a"), ("b2", "doc-b")])
    carried = staged_rows(
        CarriedRows([], rows), staging, "document_matches", "changed", StoryMonths.of(STORIES)
    )
    assert not carried.written.num_rows
    by_folder = {
        path.parent.name: pq.read_table(path).column("doc_id").to_pylist()
        for path in carried.carried
    }
    assert by_folder == {"story_month=2021-03": ["a1"], "story_month=2021-04": ["b1", "b2"]}


@given(st.lists(st.one_of(st.none(), st.dates()), max_size=50), st.integers(1, 3))
def test_a_date_s_month_is_its_year_and_month_as_text(
    dates: list[date | None], chunks: int
) -> None:
    """As ``strftime('%Y-%m')`` gives it (the folder names of every earlier snapshot), in
    arrays of one chunk or more; ``NO_MONTH`` for a date that is missing."""
    expected = [NO_MONTH if d is None else f"{d.year:04d}-{d.month:02d}" for d in dates]
    size = len(dates) // chunks + 1
    parts = [dates[start : start + size] for start in range(0, len(dates), size)] or [[]]
    chunked = pa.chunked_array([pa.array(part, pa.date32()) for part in parts], pa.date32())
    assert month_of(pa.array(dates, pa.date32())).to_pylist() == expected
    assert month_of(chunked).to_pylist() == expected
    reference = pc.fill_null(
        pc.strftime(pc.cast(pa.array(dates, pa.date32()), pa.timestamp("s")), format="%Y-%m"),
        NO_MONTH,
    )
    assert reference.to_pylist() == expected
