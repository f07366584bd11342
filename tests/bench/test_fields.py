"""Per-field accuracy against the generator's truth."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.fields import FIELDS, parse_in_process, score_fields
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
