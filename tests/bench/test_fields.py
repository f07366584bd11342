"""Per-field accuracy against the generator's truth."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.fields import COMPARED, FIELDS, SameAsSmallest, parse_in_process, score_fields
from bench.generator import generate


def truth_row(path: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {column: None for column in FIELDS.values()}
    row |= {"source_path": path, "expected": "accepted", "clean_body": "a b c", **fields}
    return row


def test_fields_are_right_when_equal_to_the_truth_null_included() -> None:
    truth = pa.Table.from_pylist(
        [
            truth_row("a", title="T", publisher="X", published_date=dt.date(2021, 1, 2)),
            truth_row("b", title="U", publisher="unknown"),
            truth_row("c", title="V"),  # quarantined by newsetl: wrong in every field
            {**truth_row("d"), "expected": "quarantined"},
        ]
    )
    documents = [
        {
            **truth_row("a", title="T", publisher="X", published_date=dt.date(2021, 1, 2)),
            "body": "a b c",
        },
        {**truth_row("b", title="wrong", publisher="unknown"), "body": "a b"},
    ]
    scores = score_fields(documents, truth)
    assert scores.exact["title"] == 1 / 3
    assert scores.exact["publisher"] == 2 / 3
    assert scores.exact["subtitle"] == 2 / 3
    assert scores.exact["accepted"] == 2 / 3
    assert scores.errors["title"] == [("b", "wrong", "U")]
    assert scores.body["precision"] == 1.0 and scores.body["recall"] == 5 / 6


def test_a_tiny_corpus_has_too_few_stories_per_site_to_learn_from(tmp_path: Path) -> None:
    generate(tmp_path / "c", 150, seed=3)
    documents = parse_in_process(tmp_path / "c" / "files", tmp_path / "c" / "publishers.toml")
    scores = score_fields(documents, pq.read_table(tmp_path / "c" / "truth.parquet"))
    # A few pages per outlet: no site chrome is learned, and the menu's first line passes for a
    # headline; fields that no chrome hides are right all the same.
    assert scores.exact["language"] == scores.exact["published_date"] == 1.0
    assert scores.exact["title"] < 0.9


@pytest.mark.slow
def test_with_enough_stories_per_site_every_field_is_right(tmp_path: Path) -> None:
    generate(tmp_path / "c", 10_000, seed=3)
    documents = parse_in_process(tmp_path / "c" / "files", tmp_path / "c" / "publishers.toml")
    scores = score_fields(documents, pq.read_table(tmp_path / "c" / "truth.parquet"))
    assert min(scores.exact.values()) >= 0.98, scores.exact
    assert scores.body["f1"] >= 0.98


@pytest.mark.slow
def test_a_file_s_fields_are_the_same_inside_a_corpus_three_times_larger(tmp_path: Path) -> None:
    """Scale invariance on the generator's pages: the 10,000 files of one corpus, parsed again
    among 30,000 (one seed: the small corpus is the first files of the large one), keep their
    title, byline, publisher, every other field and their body, whatever chrome the larger
    corpus learns and whichever headlines and bylines recur more often in it."""
    small, large = tmp_path / "small", tmp_path / "large"
    generate(small, 10_000, seed=11)
    generate(large, 30_000, seed=11)
    documents = {}
    for corpus in (small, large):
        parsed = parse_in_process(corpus / "files", corpus / "publishers.toml")
        documents[corpus] = {d["source_path"]: [d[f] for f in COMPARED] for d in parsed}
    inside = documents[large]
    assert len(documents[small]) > 9_800
    changed = []
    for path, fields in documents[small].items():
        assert (small / "files" / path).read_bytes() == (large / "files" / path).read_bytes()
        differ = [f for f, a, b in zip(COMPARED, fields, inside[path], strict=True) if a != b]
        if differ:
            changed.append((path, differ))
    assert changed == []


def test_the_smallest_corpus_is_recorded_then_each_larger_one_counted_against_it() -> None:
    def doc(path: str, title: str) -> dict[str, object]:
        return {f: None for f in COMPARED} | {"source_path": path, "title": title}

    small = SameAsSmallest(None)
    assert [d["source_path"] for d in small.compared([doc("a", "A"), doc("b", "B")])] == ["a", "b"]
    large = SameAsSmallest(small.reference)
    list(large.compared([doc("a", "A"), doc("b", "changed"), doc("c", "C")]))
    assert (large.same, len(large.reference)) == (1, 2)
