"""The warehouse's census SQL learns what transforms.census.learn_chrome learns."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transforms.test_census import corpus, files
from transforms.articles import census_files
from transforms.boilerplate import site_line_keys
from transforms.census import LearnedChrome, learn_chrome
from warehouse import census_plan
from warehouse.census_plan import CensusPlan, plan_census
from warehouse.schemas import CENSUS_LEARNED, LINE_CENSUS, conform
from warehouse.storage import Storage
from warehouse.store import Snapshot


@pytest.mark.parametrize("limit", [None, "1MB"])
def test_the_sql_learns_what_the_reference_rule_learns(
    tmp_path: Path,
    limit: str | None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Also when DuckDB runs out of the plan's memory limit (1MB): it plans again within more."""
    if limit is not None:
        monkeypatch.setattr(census_plan, "CENSUS_MEMORY_LIMIT", limit)
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
    assert ("planning it again within 1GB" in caplog.text) == (limit is not None)


FILE = st.tuples(
    st.sampled_from(["harbour/", "lakeside/"]),
    st.integers(0, 6),
    st.lists(st.tuples(st.integers(0, 5), st.sampled_from([None, "Harbour", "Lake"])), max_size=4),
)


def census_rows(files: dict[str, tuple[str, int, list[tuple[int, str | None]]]]) -> pa.Table:
    """``line_census`` rows of files given as (site, story, [(line, name)])."""
    rows = [
        (path, site, story, line, name)
        for path, (site, story, lines) in files.items()
        for line, name in dict(lines).items()
    ]
    columns = list(zip(*rows, strict=True)) if rows else [()] * 5
    return conform(
        pa.table(
            {
                "source_path": pa.array(columns[0], pa.string()),
                "site": pa.array(columns[1], pa.string()),
                "story_key": pa.array(columns[2], pa.uint64()),
                "line_key": pa.array(columns[3], pa.uint64()),
                "name": pa.array(columns[4], pa.string()),
                "run_id": pa.array(["run"] * len(rows), pa.string()),
            }
        ),
        LINE_CENSUS,
        name="line_census",
    )


def chrome_of(learned: LearnedChrome) -> tuple[set[int], dict[str, str]]:
    return set(learned.keys.to_pylist()), dict(learned.names)


def counted_file(plan: CensusPlan, path: Path) -> Path:
    """Write ``plan``'s ``census_learned`` rows as a snapshot holds them."""
    rows = plan.counted.append_column("run_id", pa.array(["run"] * plan.counted.num_rows))
    pq.write_table(conform(rows, CENSUS_LEARNED, name="census_learned"), path)
    return path


def sorted_counts(plan: CensusPlan) -> list[tuple[object, ...]]:
    return sorted(zip(*plan.counted.to_pydict().values(), strict=True), key=repr)


@pytest.mark.parametrize("counted_before", [False, True])
@settings(max_examples=80, deadline=None)
@given(
    st.lists(FILE, max_size=14),
    st.lists(FILE, min_size=1, max_size=8),
    st.sets(st.integers(0, 13), max_size=4),
    st.integers(1, 3),
    st.sampled_from([0.0, 0.3, 0.5]),
)
def test_a_run_learns_and_finds_the_files_it_affects_as_two_learnings_would(
    tmp_path_factory: pytest.TempPathFactory,
    counted_before: bool,
    old_files: list[tuple[str, int, list[tuple[int, str | None]]]],
    new_files: list[tuple[str, int, list[tuple[int, str | None]]]],
    superseded: set[int],
    min_stories: int,
    min_share: float,
) -> None:
    """Learning with and without the run's rows in one pass gives what learn_chrome gives over
    the next census and over the previous rows that stay; the affected files are the unchanged
    ones with a line whose status changed, or whose site's name did. With the previous
    snapshot's counts (``counted_before``), a run of new files only counts its rows into them,
    and learns, finds and counts what a count of the whole census does."""
    folder = tmp_path_factory.mktemp("census")
    old = {f"old/{i}.txt": file for i, file in enumerate(old_files)}
    # A run processes its new files and some old paths again (their new versions).
    new_paths = [
        f"old/{i}.txt" if i in superseded else f"new/{i}.txt" for i in range(len(new_files))
    ]
    new = dict(zip(new_paths, new_files, strict=True))
    old_table, new_table = census_rows(old), census_rows(new)
    pq.write_table(old_table, folder / "old.parquet")
    pq.write_table(new_table, folder / "new.parquet")
    manifest: dict[str, dict[str, dict[str, object]]] = {
        "tables": {"line_census": {"files": ["old.parquet"], "rows": len(old_table)}}
    }
    old_paths = pa.array(sorted(old), pa.string())

    def whole(files: list[Path], paths: pa.Array) -> CensusPlan:
        return plan_census(
            None,
            paths,
            files,
            paths,
            folder,
            Storage(),
            min_stories=min_stories,
            min_share=min_share,
        )

    if counted_before and old:
        first = whole([folder / "old.parquet"], old_paths)
        counted_file(first, folder / "counted.parquet")
        manifest["tables"]["census_learned"] = {"files": ["counted.parquet"], "rows": 0}
    previous = Snapshot("previous", folder, manifest)
    processed = pa.array(sorted(new), pa.string())
    present = pa.array(sorted(set(old) | set(new)), pa.string())
    plan = plan_census(
        previous,
        processed,
        [folder / "new.parquet"],
        present,
        folder,
        Storage(),
        min_stories=min_stories,
        min_share=min_share,
    )
    kept = old_table.filter(pc.invert(pc.is_in(old_table.column("source_path"), processed)))
    assert plan.incremental == (counted_before and len(kept) == len(old_table) > 0)
    pq.write_table(kept, folder / "kept.parquet")
    recounted = whole([folder / "kept.parquet", folder / "new.parquet"], present)
    assert sorted_counts(plan) == sorted_counts(recounted)
    before = learn_chrome(kept, min_stories, min_share)
    after = learn_chrome(pa.concat_tables([kept, new_table]), min_stories, min_share)
    assert chrome_of(plan.learned) == chrome_of(after)
    (keys_before, names_before), (keys_after, names_after) = chrome_of(before), chrome_of(after)
    renamed = {
        site
        for site in set(names_before) | set(names_after)
        if names_before.get(site) != names_after.get(site)
    }
    line_keys = site_line_keys(kept.column("site"), kept.column("line_key").to_numpy())
    moved = np.isin(line_keys, np.array(sorted(keys_before ^ keys_after), np.uint64))
    hit = pc.or_(
        pa.array(moved), pc.is_in(kept.column("site"), pa.array(sorted(renamed), pa.string()))
    )
    assert plan.affected == sorted(set(kept.filter(hit).column("source_path").to_pylist()))
