"""The input against the warehouse: changes the command line found are taken by the run once."""

from pathlib import Path

from warehouse import input_changes
from warehouse.sources import discover


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
