import os
from pathlib import Path

import pytest

from transforms.reasons import QuarantineReason
from warehouse.sources import InputError, discover, read_files


def reasons(root: Path, max_bytes: int = 1000) -> dict[str, str]:
    found = discover(root)
    read = read_files(found.root, found.paths, max_bytes)
    out = {path: "read" for path in read.files.column("source_path").to_pylist()}
    for row in read.quarantine.to_pylist():
        out[row["source_path"]] = row["reason"]
    assert len(out) == len(found.paths), "every discovered path ends in exactly one outcome"
    return out


def test_discovers_recursively_sorted_and_only_matching_names(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "1.txt").write_text("x")
    (tmp_path / "manifest.tsv").write_text("x")
    assert discover(tmp_path).paths == ("1.txt", "b/2.txt")
    assert discover(str(tmp_path / "**" / "*.txt")).paths == ("1.txt", "b/2.txt")
    assert discover(tmp_path / "1.txt").paths == ("1.txt",)


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="neither a folder nor a file"):
        discover(tmp_path / "nope")
    with pytest.raises(InputError, match="does not exist"):
        discover(str(tmp_path / "nope" / "*.txt"))


def test_each_kind_of_unreadable_path_has_its_reason(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "good.txt").write_text("fine")
    (root / "folder.txt").mkdir()
    (root / "big.txt").write_bytes(b"x" * 1001)
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the root")
    (root / "escape.txt").symlink_to(outside)
    (root / "inside.txt").symlink_to(root / "good.txt")
    (root / "dangling.txt").symlink_to(root / "missing-target")
    os.mkfifo(root / "pipe.txt")
    assert reasons(root) == {
        "good.txt": "read",
        "inside.txt": "read",
        "folder.txt": QuarantineReason.NOT_A_FILE,
        "pipe.txt": QuarantineReason.NOT_A_FILE,
        "big.txt": QuarantineReason.OVERSIZED,
        "escape.txt": QuarantineReason.SYMLINK_OUTSIDE_ROOT,
        "dangling.txt": QuarantineReason.UNREADABLE,
    }


def test_a_read_error_is_quarantined_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked.txt").write_text("x")
    real_open = open

    def failing_open(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", failing_open)
    found = discover(tmp_path)
    read = read_files(found.root, found.paths, 100)
    [row] = read.quarantine.to_pylist()
    assert row["reason"] == QuarantineReason.UNREADABLE
    assert "Permission denied" in row["detail"]
