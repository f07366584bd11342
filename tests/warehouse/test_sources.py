import errno
import fnmatch
import gzip
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fsspec
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.faulty_storage import FaultyStorage
from transforms.reasons import QuarantineReason
from warehouse import sources
from warehouse.sources import (
    InputError,
    check_apart,
    check_input,
    discover,
    escape_name,
    matches,
    name_bytes,
    os_name,
    read_files,
    stat_files,
)


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


def test_a_folder_walk_stats_what_it_finds_as_stat_files_would(tmp_path: Path) -> None:
    """One pass lists and stats: the same sizes and mtimes, null where stat fails."""
    for folder in ("a", "a/b", "c", "c/d.txt"):
        (tmp_path / folder).mkdir()
    for number, name in enumerate(("1.txt", "a/2.txt", "a/b/3.txt", "c/4.txt.gz", "c/é.txt")):
        (tmp_path / name).write_bytes(b"x" * number)
    (tmp_path / "a" / "dangling.txt").symlink_to(tmp_path / "missing")
    (tmp_path / "link.txt").symlink_to(tmp_path / "a" / "2.txt")
    found = discover(tmp_path)
    assert found.paths == tuple(sorted(found.paths))
    assert "c/d.txt" in found.paths  # a folder named like an article is found, then quarantined
    assert found.stats is not None
    assert found.stats.equals(stat_files(found.root, found.paths))
    assert found.stats.column("bytes").null_count == 1  # the dangling link


def test_a_walk_stats_what_a_batch_stat_cannot_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folders, FIFOs and a batch that fails get DirEntry.stat's answers, not Arrow's."""
    (tmp_path / "d.txt").mkdir()
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing")
    found = discover(tmp_path)
    expected = stat_files(found.root, found.paths)
    assert found.stats is not None and found.stats.equals(expected)
    sizes = dict(zip(found.paths, found.stats.column("bytes").to_pylist(), strict=True))
    assert sizes == {
        "a.txt": 1,
        "d.txt": os.stat(tmp_path / "d.txt").st_size,
        "dangling.txt": None,
        "pipe.txt": 0,
    }

    def failing(paths: list[str]) -> list[object]:
        raise OSError(errno.EACCES, "denied")

    monkeypatch.setattr(sources, "_LOCAL", SimpleNamespace(get_file_info=failing))
    again = discover(tmp_path).stats
    assert again is not None and again.equals(expected)


def test_a_walk_on_slow_storage_lists_more_folders_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """While stats wait on storage a walk lists ``WALK_THREADS`` folders at once, not two."""
    for folder in range(16):
        (tmp_path / f"f{folder:02}").mkdir()
        for number in range(10):
            (tmp_path / f"f{folder:02}" / f"{number}.txt").write_text("x")
    local = sources._LOCAL

    class SlowStorage:
        def get_file_info(self, paths: list[str]) -> list[object]:
            time.sleep(0.002 * len(paths))  # a stat waiting on a server, outside the GIL
            return local.get_file_info(paths)

    at_once, most = 0, 0
    lock = threading.Lock()
    list_folder = sources._list_folder

    def counted(*arguments: Any) -> Any:
        nonlocal at_once, most
        with lock:
            at_once += 1
            most = max(most, at_once)
        try:
            return list_folder(*arguments)
        finally:
            with lock:
                at_once -= 1

    monkeypatch.setattr(sources, "_list_folder", counted)
    monkeypatch.setattr(sources, "_LOCAL", SlowStorage())
    found = discover(tmp_path)
    assert len(found.paths) == 160
    assert most == sources.WALK_THREADS > sources.FAST_WALK_THREADS


def test_a_walk_whose_folder_fails_raises_and_stops(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An error in one folder's thread ends the walk with it, the other threads with it."""
    for folder in range(12):
        (tmp_path / f"f{folder:02}").mkdir()
        (tmp_path / f"f{folder:02}" / "a.txt").write_text("x")
    list_folder = sources._list_folder

    def failing(directory: str, *arguments: Any) -> Any:
        if directory.endswith("f05"):
            raise MemoryError("listing f05")
        return list_folder(directory, *arguments)

    monkeypatch.setattr(sources, "_list_folder", failing)
    with pytest.raises(MemoryError, match="listing f05"):
        discover(tmp_path)
    monkeypatch.setattr(sources, "_list_folder", list_folder)
    assert len(discover(tmp_path).paths) == 12


@given(
    st.text("ab*?[]!.", max_size=6),
    st.lists(st.text("ab.gztsx", max_size=9), max_size=8),
)
def test_a_name_matches_the_pattern_itself_or_without_a_compression_suffix(
    pattern: str, names: list[str]
) -> None:
    for name in names:
        stem, dot, suffix = name.rpartition(".")
        compressed = bool(dot) and f".{suffix}" in (".gz", ".zst")
        expected = fnmatch.fnmatch(name, pattern) or (compressed and fnmatch.fnmatch(stem, pattern))
        assert matches(name, pattern) == expected


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


def test_a_storage_error_fails_the_read_for_a_retry(tmp_path: Path) -> None:
    # EIO says the disk or the network failed, not the file: quarantining the file would mark
    # it processed for good, so the shard task fails and Prefect retries it.
    (tmp_path / "a.txt").write_text("x")
    storage = FaultyStorage("read:a.txt=EIO")
    with pytest.raises(OSError, match="injected fault") as raised:
        read_files(tmp_path, ["a.txt"], 100, opener=storage.open_input)
    assert raised.value.errno == errno.EIO


def test_compressed_files_are_found_by_the_text_pattern_and_read_whole(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(b"gzip text"))
    (tmp_path / "b.txt.zst").write_bytes(pa.compress(b"zstd text", "zstd", asbytes=True))
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress(b"not an article"))
    found = discover(tmp_path)
    assert found.paths == ("a.txt.gz", "b.txt.zst")
    read = read_files(found.root, found.paths, 100)
    assert read.files.column("raw").to_pylist() == [b"gzip text", b"zstd text"]


@pytest.fixture
def memory_crawl() -> Iterator[str]:
    fs = fsspec.filesystem("memory")
    fs.pipe("/crawl/2021/a.txt", b"first")
    fs.pipe("/crawl/2021/b.txt.gz", gzip.compress(b"second"))
    fs.pipe("/crawl/2021/big.txt", b"x" * 200)
    fs.pipe("/crawl/notes.md", b"not an article")
    fs.mkdir("/crawl/folder.txt")
    yield "memory://crawl"
    fs.rm("/crawl", recursive=True)


def test_a_url_input_is_found_stat_and_read_like_a_folder(memory_crawl: str) -> None:
    found = discover(memory_crawl)
    assert found.root == "memory:///crawl"
    assert found.paths == ("2021/a.txt", "2021/b.txt.gz", "2021/big.txt", "folder.txt")
    glob = ("2021/a.txt", "2021/big.txt", "folder.txt")  # the folder too, to be quarantined
    assert discover(f"{memory_crawl}/**/*.txt").paths == glob
    assert discover(f"{memory_crawl}/2021/a.txt").paths == ("a.txt",)
    stats = stat_files(found.root, [*found.paths, "gone.txt"])
    assert stats.column("bytes").to_pylist() == [5, len(gzip.compress(b"second")), 200, 0, None]
    assert None not in stats.column("mtime_ns").to_pylist()[:4]
    read = read_files(found.root, found.paths, 100)
    assert read.files.to_pylist() == [
        {"source_path": "2021/a.txt", "raw": b"first"},
        {"source_path": "2021/b.txt.gz", "raw": b"second"},
    ]
    assert {row["source_path"]: row["reason"] for row in read.quarantine.to_pylist()} == {
        "2021/big.txt": QuarantineReason.OVERSIZED,
        "folder.txt": QuarantineReason.NOT_A_FILE,
    }


def test_input_checks_for_urls_and_file_urls(memory_crawl: str, tmp_path: Path) -> None:
    check_input(memory_crawl)
    with pytest.raises(InputError, match="matches nothing"):
        check_input("memory://no-such-crawl")
    with pytest.raises(InputError, match="matches nothing"):
        check_input(f"{memory_crawl}/**/*.xml")
    (tmp_path / "a.txt").write_text("x")
    check_input(f"file://{tmp_path}")
    assert discover(f"file://{tmp_path}") == discover(tmp_path)  # the local fast path


def test_names_that_are_not_utf8_are_escaped_reversibly(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path)
    names = [b"bad\xff\xfe.txt", b"back\\slash.txt", b"caf\xc3\xa9.txt", b"lat\xe9n/x.txt"]
    os.mkdir(root + b"/lat\xe9n")
    for number, name in enumerate(names):
        with open(root + b"/" + name, "wb") as handle:
            handle.write(b"article %d" % number)
    found = discover(tmp_path)
    assert found.paths == (
        "back\\\\slash.txt",
        "bad\\xff\\xfe.txt",
        "café.txt",
        "lat\\xe9n/x.txt",
    )
    assert sorted(name_bytes(path) for path in found.paths) == sorted(names)
    read = read_files(found.root, found.paths, 1000)
    assert read.quarantine.num_rows == 0
    contents = dict(
        zip(
            read.files.column("source_path").to_pylist(),
            read.files.column("raw").to_pylist(),
            strict=True,
        )
    )
    assert contents["bad\\xff\\xfe.txt"] == b"article 0"
    assert contents["lat\\xe9n/x.txt"] == b"article 3"
    stats = stat_files(found.root, found.paths)
    assert stats.column("bytes").to_pylist() == [9, 9, 9, 9]
    assert found.stats is not None and found.stats.equals(stats)


@given(
    st.binary(min_size=1, max_size=40).filter(lambda name: b"/" not in name and b"\0" not in name)
)
def test_escaping_is_a_bijection_on_names(name: bytes) -> None:
    escaped = escape_name(os.fsdecode(name))
    escaped.encode("utf-8")  # valid UTF-8, whatever the bytes
    assert name_bytes(escaped) == name
    assert os.fsencode(os_name(escaped)) == name


def test_an_input_inside_the_warehouse_is_refused(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh"
    (warehouse / "staging" / "crawl").mkdir(parents=True)
    for spec in (warehouse, warehouse / "staging" / "crawl", f"{warehouse}/staging/**/*.txt"):
        with pytest.raises(InputError, match="warehouse"):
            check_apart(spec, warehouse)
    (tmp_path / "link").symlink_to(warehouse / "staging", target_is_directory=True)
    with pytest.raises(InputError, match="lies inside the warehouse"):
        check_apart(tmp_path / "link", warehouse)
    check_apart(tmp_path, warehouse)  # the warehouse inside the input: discovery skips it
    check_apart(tmp_path / "link" / ".." / "..", tmp_path / "other")


def test_discovery_skips_the_warehouse_inside_the_input(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    snapshot = tmp_path / "wh" / "snapshots" / "s1"
    snapshot.mkdir(parents=True)
    (snapshot / "notes.txt").write_text("newsetl's own file")
    assert discover(tmp_path, skip=tmp_path / "wh").paths == ("a.txt",)
    assert discover(f"{tmp_path}/**/*.txt", skip=tmp_path / "wh").paths == ("a.txt",)
    assert discover(tmp_path).paths == ("a.txt", "wh/snapshots/s1/notes.txt")


@pytest.mark.parametrize("few_others", [0, sources._FEW_OTHERS])
def test_a_walk_follows_no_link_and_skips_the_warehouse_whatever_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few_others: int
) -> None:
    """A link to a folder is not walked, named like an article it is found; the warehouse is
    neither, named like an article too (subfolders told by lstat, or by the listing's types)."""
    monkeypatch.setattr(sources, "_FEW_OTHERS", few_others)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("x")
    (tmp_path / "wh.txt" / "s1").mkdir(parents=True)
    (tmp_path / "wh.txt" / "s1" / "own.txt").write_text("newsetl's own file")
    (tmp_path / "link").symlink_to(tmp_path / "sub", target_is_directory=True)
    (tmp_path / "link.txt").symlink_to(tmp_path / "wh.txt", target_is_directory=True)
    (tmp_path / "notes.md").write_text("x")
    assert discover(tmp_path, skip=tmp_path / "wh.txt").paths == ("link.txt", "sub/a.txt")
    assert discover(tmp_path).paths == ("link.txt", "sub/a.txt", "wh.txt")


# Names around the separator ('.', '-', ' ' sort before '/', '0' after), a backslash, bytes
# that are not UTF-8 (escaped as \xHH), characters of two, three and four UTF-8 bytes.
ODD_NAMES = [
    b"a",
    b"a.b",
    b"a-b",
    b"a b",
    b"a0",
    b"A",
    b"~",
    b"\\",
    b"\xff",
    b"\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xf0\x9f\x93\xb0",
]


def _walk_order_tree(root: bytes, layout: list[tuple[bytes, ...]]) -> None:
    for parts in layout:
        folder = b"/".join((root, *parts[:-1]))
        os.makedirs(folder, exist_ok=True)
        path = folder + b"/" + parts[-1] + b".txt"
        if not os.path.isdir(path):
            with open(path, "wb") as handle:
                handle.write(b"x")


def _globally_sorted(paths: tuple[str, ...]) -> list[str]:
    column = pa.array(paths, pa.string())
    return column.take(pa.compute.sort_indices(column)).to_pylist()


def test_a_walk_gives_the_order_of_one_sort_of_all_paths(tmp_path: Path) -> None:
    """Folders sorted in their threads and put in order give the order one global sort gave."""
    root = os.fsencode(tmp_path)
    layout = [(name,) for name in ODD_NAMES]
    layout += [(folder, name) for folder in ODD_NAMES for name in ODD_NAMES[:6]]
    layout += [(b"a", b"a.b", b"a"), (b"a", b"a", b"a"), (b"a.b", b"\xff", b"a-b")]
    _walk_order_tree(root, layout)
    found = discover(tmp_path)
    assert len(found.paths) == len(set(found.paths)) == len(layout) == 87
    assert list(found.paths) == _globally_sorted(found.paths)
    assert found.stats is not None
    assert found.stats.column("source_path").to_pylist() == list(found.paths)
    assert found.stats.equals(stat_files(found.root, found.paths))
    assert found.path_array().to_pylist() == list(found.paths)
    assert discover(f"{tmp_path}/**/*.txt").path_array().to_pylist() == list(found.paths)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(ODD_NAMES), min_size=1, max_size=4).map(tuple),
        max_size=12,
    )
)
def test_any_tree_is_walked_in_the_order_of_a_global_sort(layout: list[tuple[bytes, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = os.fsencode(folder)
        _walk_order_tree(root, [parts for parts in layout if not _shadowed(parts, layout)])
        found = discover(folder)
        assert list(found.paths) == _globally_sorted(found.paths)
        assert found.stats is not None
        assert found.stats.column("source_path").to_pylist() == list(found.paths)


def _shadowed(parts: tuple[bytes, ...], layout: list[tuple[bytes, ...]]) -> bool:
    """Whether a file of the layout would be a folder another file of it needs."""
    file = (*parts[:-1], parts[-1] + b".txt")
    return any(other[: len(file)] == file and len(other) > len(file) for other in layout)


FAST_PATTERNS = ["*.txt", "*", "*.TXT", "*txt", "*.tar.gz", "*.gz", "*.]x", "*\\.txt", "*.t-x"]
EXPRESSION_PATTERNS = ["*.t?t", "**.txt", "a*.txt", "*.[tx]xt", "news*", "*.txt*", ".txt", "?.txt"]
PATTERN_NAMES = st.text("abtxTX.gzs]\\-\n", max_size=9)


@given(st.sampled_from(FAST_PATTERNS), st.lists(PATTERN_NAMES, max_size=12))
def test_a_pattern_that_is_a_name_ending_matches_as_its_expression_would(
    pattern: str, names: list[str]
) -> None:
    assert sources._name_endings(pattern) is not None
    expression = sources._name_expression(pattern)
    expected = [expression.match(name) is not None for name in names]
    assert sources._name_hits(names, pattern) == expected
    assert [matches(name, pattern) for name in names] == expected


@pytest.mark.parametrize("pattern", EXPRESSION_PATTERNS)
def test_other_patterns_are_matched_by_their_expression(pattern: str) -> None:
    assert sources._name_endings(pattern) is None
    names = ["a.txt", "b.tzt", "x.txt.gz", "news.xml", "a.txt.bak", ".txt", "c.txt"]
    expression = sources._name_expression(pattern)
    assert sources._name_hits(names, pattern) == [expression.match(n) is not None for n in names]


def test_a_glob_lists_a_file_once_however_many_ways_it_matches(tmp_path: Path) -> None:
    (tmp_path / "in" / "a" / "b").mkdir(parents=True)
    for name in ("in/top.txt", "in/a/one.txt", "in/a/b/two.txt"):
        (tmp_path / name).write_text(" date 2021-03-29 \nText")
    found = discover(f"{tmp_path}/in/**/**/*.txt")
    assert found.paths == ("a/b/two.txt", "a/one.txt", "top.txt")
