"""A file that parsing fails on is quarantined by itself; the others parse as usual."""

from collections.abc import Callable

import pyarrow as pa
import pytest

from transforms.articles import ParsedShard, parse_articles
from transforms.isolation import parse_isolating
from transforms.records import FILES_SCHEMA

STORY = " date 2021-05-0{day} Ministers Meet\n\nGENEVA, May 4 - Ministers met on Tuesday {n}."


def files(names: list[str]) -> pa.Table:
    raw = [STORY.format(day=n % 9 + 1, n=n).encode() for n in range(len(names))]
    return pa.table({"source_path": names, "raw": raw}, schema=FILES_SCHEMA)


def failing_on(*poison: str) -> Callable[[pa.Table], ParsedShard]:
    def parse(shard: pa.Table) -> ParsedShard:
        if set(shard.column("source_path").to_pylist()) & set(poison):
            raise ValueError("cannot parse this")
        return parse_articles(shard)

    return parse


def test_the_files_parsing_fails_on_are_quarantined_by_name() -> None:
    names = [f"{n:02d}.txt" for n in range(11)]
    shard = files(names)
    parsed = parse_isolating(failing_on("03.txt", "08.txt"), shard)
    quarantined = parsed.quarantine.to_pylist()
    assert [(r["source_path"], r["reason"], r["detail"]) for r in quarantined] == [
        ("03.txt", "parse_failed", "ValueError: cannot parse this"),
        ("08.txt", "parse_failed", "ValueError: cannot parse this"),
    ]
    assert quarantined[0]["bytes"] == len(shard.column("raw")[3].as_py())
    good = parse_articles(shard.filter(pa.array([n not in (3, 8) for n in range(11)])))
    assert parsed.documents.equals(good.documents), "the other files parse as if alone"


def test_an_error_of_every_file_is_raised_not_quarantined() -> None:
    with pytest.raises(ValueError, match="cannot parse"):
        parse_isolating(
            failing_on(*[f"{n}.txt" for n in range(4)]), files([f"{n}.txt" for n in range(4)])
        )


def test_a_one_file_shard_that_fails_is_quarantined() -> None:
    parsed = parse_isolating(failing_on("a.txt"), files(["a.txt"]))
    assert parsed.documents.num_rows == 0 and parsed.quarantine.num_rows == 1
