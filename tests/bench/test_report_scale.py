"""The report latency benchmark: its synthetic tables answer every report, and its section."""

from pathlib import Path

import duckdb

from bench.report_scale import (
    HEADING,
    SYNTHETIC_FILTERS,
    make_tables,
    markdown,
    measure,
    write_section,
)
from warehouse import catalog


def test_synthetic_tables_answer_every_report(tmp_path: Path) -> None:
    connection = duckdb.connect(":memory:")
    assert make_tables(connection, tmp_path, 2_000) > 0
    assert connection.execute("select count(*) from documents").fetchone() == (2_000,)
    stories = connection.execute("select count(*), max(outlets) from stg_stories").fetchone()
    assert stories is not None and 800 < stories[0] < 2_000 and stories[1] > 1
    rows = measure(connection, SYNTHETIC_FILTERS, repeats=1)
    assert [name for name, _ in rows] == [r.name for r in catalog.report_queries()]
    assert all(timings[0] for _, timings in rows)
    reach = catalog.run_reports(connection)[3]
    assert reach.query.key == "syndication_reach" and len(reach.rows) > 1


def test_section_replaces_its_earlier_self_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# newsetl benchmarks\n\n## End to end\n\nfigures\n")
    write_section(path, markdown("first", SYNTHETIC_FILTERS, [("Duplicates", [1.0, 2.0])]))
    write_section(path, markdown("second", SYNTHETIC_FILTERS, [("Duplicates", [3.0, None])]))
    text = path.read_text()
    assert text.count(HEADING) == 1 and "| Duplicates | 3 |  |" in text and "first" not in text
    assert text.startswith("# newsetl benchmarks\n\n## End to end\n\nfigures\n\n## Report")
