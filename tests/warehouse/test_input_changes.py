"""The input against the warehouse: changes the command line found are taken by the run once."""

from pathlib import Path

import pyarrow as pa
import pytest

from warehouse import input_changes
from warehouse.schemas import MANIFEST
from warehouse.sources import discover

MANIFEST_COLUMNS = ["source_path", "bytes", "mtime_ns", "outcome"]


def corpus(root: Path) -> Path:
    root.mkdir()
    for name in ("a.txt", "b.txt"):
        (root / name).write_text(" date 2021-05-04 Ministers Meet\n\nThe talks go on.")
    return root


def test_changes_kept_for_a_listing_are_taken_by_its_run_once(tmp_path: Path) -> None:
    listing = discover(corpus(tmp_path / "in"))
    found = input_changes.input_changes(None, listing)
    assert sorted(found.todo.column("source_path").to_pylist()) == ["a.txt", "b.txt"]
    # What the command line found is what the run takes, not compared again...
    kept = input_changes.InputChanges(found.todo.slice(0, 1), found.missing)
    input_changes.keep_changes(None, listing, kept)
    assert input_changes.input_changes(None, listing) is kept
    # ...once: the next comparison is made afresh.
    assert input_changes.input_changes(None, listing).todo.num_rows == 2


def test_changes_kept_for_another_listing_are_not_taken(tmp_path: Path) -> None:
    listing = discover(corpus(tmp_path / "in"))
    empty = input_changes.InputChanges(
        input_changes.input_changes(None, listing).todo.slice(0, 0),
        input_changes.input_changes(None, listing).missing,
    )
    input_changes.keep_changes(None, discover(tmp_path / "in"), empty)
    assert input_changes.input_changes(None, listing).todo.num_rows == 2
    input_changes.keep_changes(None, listing, empty)
    input_changes.drop_changes()
    assert input_changes.input_changes(None, listing).todo.num_rows == 2


def test_new_changed_and_gone_files_against_a_manifest_with_a_path_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path's second manifest row counts as a join would count it: changed, not gone."""
    (corpus(tmp_path / "in") / "c.txt").write_text("new")
    listing = discover(tmp_path / "in")
    assert listing.stats is not None
    a, b, _ = listing.stats.to_pylist()
    manifest = pa.Table.from_pylist(
        [
            {**a, "outcome": "document"},
            {**b, "outcome": "document"},
            {**a, "mtime_ns": a["mtime_ns"] - 1, "outcome": "quarantine"},
            {**b, "outcome": "document"},
            {"source_path": "gone.txt", "bytes": 1, "mtime_ns": 1, "outcome": "document"},
        ],
        schema=pa.schema([MANIFEST.field(name) for name in MANIFEST_COLUMNS]),
    )
    monkeypatch.setattr(input_changes, "_manifest", lambda previous, columns: manifest)
    monkeypatch.setattr(input_changes, "census_is_current", lambda previous: True)
    found = input_changes.input_changes(None, listing)
    assert found.todo.column("source_path").to_pylist() == ["a.txt", "c.txt"]
    assert found.missing.to_pylist() == [{"source_path": "gone.txt", "outcome": "document"}]
    assert found.missing_documents == 1
