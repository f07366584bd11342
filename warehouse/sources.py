"""Reading the input: discover article files under a root, and read them safely.

Reading is where the outside world gets in, so every way a path can be wrong ends as a quarantine
row here (not a directory named like a file, not a symlink out of the root, not a FIFO that would
block forever) and never as an exception that stops the run.
"""

from __future__ import annotations

import bisect
import codecs
import errno
import fnmatch
import functools
import glob
import gzip
import io
import itertools
import operator
import os
import re
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs

from transforms.changed_files import FILE_STAT_SCHEMA
from transforms.reasons import QuarantineReason
from transforms.records import FILES_SCHEMA, quarantine_rows

DEFAULT_PATTERN = "*.txt"
# Compressed articles, decompressed on read; `*.txt` also finds `*.txt.gz` and `*.txt.zst`.
COMPRESSED_SUFFIXES = (".gz", ".zst")
GLOB_CHARACTERS = frozenset("*?[")


# Errors that say the storage failed, not that the file is bad: a file quarantined for them would
# count as processed and never be read again, so they fail the shard task instead, which retries.
TRANSIENT_ERRNOS = frozenset(
    {errno.EIO, errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.ESTALE, errno.ETIMEDOUT}
)


class InputError(ValueError):
    """The input given to a run does not exist or matches nothing that can be read."""


def escape_name(name: str) -> str:
    r"""The ``source_path`` of a local relative path, as Python's ``os`` functions give it.

    A name that is valid UTF-8 and has no backslash is itself. Otherwise each byte that is not
    valid UTF-8 becomes ``\xHH`` and a backslash becomes ``\\``, so every name has one
    escaped form and :func:`name_bytes` gets the exact bytes back (``docs/design.md``). Arrow,
    Parquet and DuckDB take only valid UTF-8: without this, one such name stopped every run.
    """
    if name.isascii() and "\\" not in name:
        return name
    raw = os.fsencode(name)  # the bytes on disk: undecodable ones were kept as surrogates
    return raw.replace(b"\\", b"\\\\").decode("utf-8", errors="backslashreplace")


def name_bytes(source_path: str) -> bytes:
    """The bytes of the file name that :func:`escape_name` turned into ``source_path``."""
    if "\\" not in source_path:
        return source_path.encode("utf-8")
    # Only the escapes escape_name writes can occur (every literal backslash is doubled), and
    # Python's bytes-literal decoder reads exactly those.
    return codecs.escape_decode(source_path.encode("utf-8"))[0]


def os_name(source_path: str) -> str:
    """The path to hand to ``os`` functions for a ``source_path`` of a local file."""
    if "\\" not in source_path:
        return source_path
    return os.fsdecode(name_bytes(source_path))


@dataclass(frozen=True, slots=True)
class Discovery:
    """The files a run will process: the root and paths relative to it, in sorted order."""

    root: Path | str
    """A local folder, or the URL of a remote one (``s3://bucket/crawl``)."""
    paths: tuple[str, ...]
    stats: pa.Table | None = None
    """Size and mtime of each path, in the same order (``FILE_STAT_SCHEMA``), when the walk that
    found them stat'ed them; None when they are still to be stat'ed (:func:`stat_files`)."""

    def path_array(self) -> pa.StringArray:
        """The paths as one Arrow array: the walk's own column, when it stat'ed them."""
        if self.stats is None:
            return pa.array(self.paths, pa.string())
        column = self.stats.column("source_path")
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def matches(name: str, pattern: str) -> bool:
    """Whether a file name matches the pattern, itself or without a compression suffix."""
    return _name_hits([os.path.normcase(name)], pattern)[0]


def _name_hits(names: list[str], pattern: str) -> list[bool]:
    """:func:`matches` for each of a folder's names (case-normalised)."""
    endings = _name_endings(pattern)
    if endings is not None:
        return list(map(str.endswith, names, itertools.repeat(endings)))
    return list(map(bool, map(_name_expression(pattern).match, names)))


@functools.lru_cache(maxsize=16)
def _name_endings(pattern: str) -> tuple[str, ...] | None:
    """The endings of the names a pattern that is only a name ending takes (``*.txt``), or None.

    Such a pattern, the default one, needs no expression: a C ``str.endswith`` over a folder's
    names is a fraction of a regular expression's match of each.
    """
    normalised = os.path.normcase(pattern)
    ending = normalised.removeprefix("*")
    if ending == normalised or GLOB_CHARACTERS.intersection(ending):
        return None
    return (ending, *(ending + suffix for suffix in COMPRESSED_SUFFIXES))


@functools.lru_cache(maxsize=16)
def _name_expression(pattern: str) -> re.Pattern[str]:
    """:func:`matches` as one compiled expression: a walk asks it for a million names.

    The pattern's own expression with an optional compression suffix before its end: a name
    matches itself, or its stem does and what follows the stem's last dot is such a suffix.
    """
    end = r"\Z"
    translated = fnmatch.translate(os.path.normcase(pattern))
    if not translated.endswith(end):
        raise ValueError(f"unexpected translation of {pattern!r}: {translated!r}")
    suffixes = "|".join(re.escape(suffix) for suffix in COMPRESSED_SUFFIXES)
    return re.compile(f"{translated.removesuffix(end)}(?:{suffixes})?{end}")


# Folders read at once by a walk while its threads wait on the CPU (a warm cache): one thread's
# Python work runs beside the other's stats, and more threads only queue for the GIL
# (BENCHMARKS.md, "Listing the input").
FAST_WALK_THREADS = 2
# Folders read at once while they wait on storage (a cold cache, a network file system).
WALK_THREADS = 4
# Share of its listing time a walk's threads spend on the CPU below which they wait on storage:
# with a warm cache two threads keep well above it, on a busy machine too; a stat that waits on
# a disk or a server cuts it by as much as it waits.
SLOW_CPU_SHARE = 0.25
# Listing time (summed over folders) over which a walk judges its storage: one folder's share
# can be cut by a wait for the GIL or for the scheduler.
_JUDGED_SECONDS = 0.05

# Stats the local file system asks for a whole folder's paths in one call, outside the GIL.
_LOCAL = pafs.LocalFileSystem()
_SIZE = operator.attrgetter("size")
_MTIME = operator.attrgetter("mtime_ns")


@dataclass(frozen=True, slots=True)
class _Listing:
    """One folder's part of a walk."""

    found: pa.Table
    """Its matching entries and their stat, sorted by path."""
    paths: list[str]
    """The ``source_path`` column of ``found``, as the strings it was made from."""
    folders: list[tuple[str, str, int]]
    """Subfolders to walk, sorted by path: their path, their path from the root with a trailing
    separator, and how many of ``found`` sort before their files."""
    seconds: float
    """Time taken to list the folder and stat its matches, to tell slow storage from fast."""
    cpu_seconds: float
    """The part of ``seconds`` its thread spent on the CPU."""


@dataclass(frozen=True, slots=True)
class _Walked:
    """What a walk found, sorted by path: their stat, and their paths as strings."""

    found: pa.Table
    paths: tuple[str, ...]


def _walk(root: str, pattern: str, skip: frozenset[tuple[int, int]]) -> _Walked:
    """Every entry under ``root`` whose name matches, without following links, and its stat.

    Folders are listed side by side: ``FAST_WALK_THREADS`` at once while the storage answers
    at the speed of the CPU, ``WALK_THREADS`` while the walk waits on it (judged anew over each
    ``_JUDGED_SECONDS`` of listing, so a walk that reaches cold folders widens). Each folder's
    matching entries are stat'ed together (:func:`_stat_entries`). Folders whose (device,
    inode) is in ``skip`` are not entered: the warehouse, when it lies inside the input.

    Each folder's thread sorts its own entries, and the folders' parts are then put in order
    (:func:`_in_order`), rather than sorting a million paths in one thread at the end.

    Returns:
        ``FILE_STAT_SCHEMA`` rows sorted by path (relative to ``root``, escaped): size and mtime
        null where stat fails (a broken link named like an article).
    """
    walk = _Walk(root, pattern, skip)
    with ThreadPoolExecutor(WALK_THREADS, thread_name_prefix="newsetl-walk") as pool:
        workers = [pool.submit(walk.work) for _ in range(WALK_THREADS)]
        try:
            for worker in workers:
                worker.result()
        except BaseException:
            walk.stop()  # an interrupt, or a thread's error: the others stop too
            raise
    listings = walk.listings
    tables: list[pa.Table] = []
    paths: list[str] = []
    for found, names in _in_order(listings):
        tables.append(found)
        paths.extend(names)
    if not tables:
        return _Walked(FILE_STAT_SCHEMA.empty_table(), ())
    return _Walked(pa.concat_tables(tables).combine_chunks(), tuple(paths))


class _Walk:
    """The folders a walk's threads share: those waiting to be listed, and the listings made.

    A thread that has listed a folder takes the next one itself, while it holds the GIL:
    handed out by another thread, each folder waited for that thread to get the GIL first.
    At most ``threads`` folders are listed at once, ``FAST_WALK_THREADS`` or ``WALK_THREADS``
    as the walk judges its storage (:func:`_walk`).
    """

    def __init__(self, root: str, pattern: str, skip: frozenset[tuple[int, int]]) -> None:
        self.pattern, self.skip = pattern, skip
        self.waiting = [(root, "")]
        self.listings: dict[str, _Listing] = {}
        self.running = 0
        self.fast = self.threads = min(FAST_WALK_THREADS, WALK_THREADS)
        self.seconds = self.cpu_seconds = 0.0
        self.failed = False
        self.changed = threading.Condition()

    def work(self) -> None:
        """List folders, one at a time, until none is left or a thread failed."""
        try:
            task = self._next(None)
            while task is not None:
                folder, relative = task
                listing = _list_folder(folder, relative, self.pattern, self.skip)
                task = self._next((relative, listing))
        except BaseException:
            self.stop()  # the threads waiting for folders would wait for this one's for ever
            raise

    def stop(self) -> None:
        """End the walk: each thread returns once its folder is listed."""
        with self.changed:
            self.failed = True
            self.changed.notify_all()

    def _next(self, done: tuple[str, _Listing] | None) -> tuple[str, str] | None:
        """Keep a listing made, and take the next folder to list: None when the walk is over."""
        with self.changed:
            if done is not None:
                relative, listing = done
                self.running -= 1
                self.listings[relative] = listing
                self.waiting.extend((folder, below) for folder, below, _ in listing.folders)
                self.seconds += listing.seconds
                self.cpu_seconds += listing.cpu_seconds
                if self.seconds >= _JUDGED_SECONDS:
                    slow = self.cpu_seconds < self.seconds * SLOW_CPU_SHARE
                    self.threads = WALK_THREADS if slow else self.fast
                    self.seconds = self.cpu_seconds = 0.0
            while not self.failed and (self.waiting or self.running):
                if self.waiting and self.running < self.threads:
                    self.running += 1
                    task = self.waiting.pop()
                    if self.waiting and self.running < self.threads:
                        self.changed.notify()  # another thread can take a folder too
                    return task
                self.changed.wait()
            self.changed.notify_all()  # the walk is over: the threads still waiting return
            return None


def _in_order(listings: dict[str, _Listing]) -> Iterator[tuple[pa.Table, list[str]]]:
    """The folders' sorted parts in the order of their paths.

    A folder's files come around its subfolders' parts, each where the subfolder sorts among
    them (``docs/design.md``, Listing the input).
    """
    stack = [(listings[""], 0, 0)]
    while stack:
        listing, child, start = stack.pop()
        if child == len(listing.folders):
            end = len(listing.paths)
        else:
            _, relative, end = listing.folders[child]
            stack.append((listing, child + 1, end))
            stack.append((listings[relative], 0, 0))
        if end > start:
            yield listing.found.slice(start, end - start), listing.paths[start:end]


def _list_folder(
    directory: str, relative: str, pattern: str, skip: frozenset[tuple[int, int]]
) -> _Listing:
    """The matching entries of one folder with their stat, and its subfolders to walk, sorted.

    ``relative`` is the folder's path from the walk's root with a trailing separator (empty at
    the root): paths are joined as strings, not as a million ``Path`` objects. Work per entry
    holds the GIL that the other folders' threads wait for, so the folder is read as names, not
    as a ``DirEntry`` each, names are matched and checked with calls that run over the whole
    folder in C, and only the matches are sorted. The few names that do not match are looked at
    one by one for the subfolders among them (:func:`_subfolders`). Entries sort by their
    escaped name, a subfolder by its name and a separator: the order of the paths below them,
    as Arrow sorts them (by UTF-8 bytes, which is the order of the characters).
    """
    start, cpu_start = time.perf_counter(), time.thread_time()
    try:
        names = os.listdir(directory)
    except OSError:
        names = []
    prefix = os.path.join(directory, "")  # the folder and a separator, as os.scandir joins them
    hits = _name_hits(list(map(os.path.normcase, names)) if os.name == "nt" else names, pattern)
    joined = relative + "".join(names)
    plain = joined.isascii() and "\\" not in joined
    matched = list(itertools.compress(names, hits))
    matched.sort(key=None if plain else escape_name)
    others = []
    if len(matched) < len(names):
        others = list(itertools.compress(names, map(operator.not_, hits)))
    paths = list(map(prefix.__add__, matched))
    sizes, modified, folders_found = _stat_entries(paths)
    if skip and folders_found:
        dropped = {index for index in folders_found if _folder_identity(paths[index]) in skip}
        if dropped:
            kept = [index for index in range(len(matched)) if index not in dropped]
            matched = [matched[index] for index in kept]
            sizes = [sizes[index] for index in kept]
            modified = [modified[index] for index in kept]
    folders = sorted(
        (escape_name(name + os.sep), prefix + name, f"{relative}{name}{os.sep}")
        for name in _subfolders(directory, prefix, others, skip)
    )
    found_keys = matched if plain else list(map(escape_name, matched))
    found_names = list(map(relative.__add__, matched))
    if not plain:
        found_names = list(map(escape_name, found_names))
    table = pa.table(
        {
            "source_path": pa.array(found_names, pa.string()),
            "bytes": pa.array(sizes, pa.int64()),
            "mtime_ns": pa.array(modified, pa.int64()),
        },
        schema=FILE_STAT_SCHEMA,
    )
    subfolders = [
        (path, below, bisect.bisect_left(found_keys, key)) for key, path, below in folders
    ]
    seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu_start
    return _Listing(table, found_names, subfolders, seconds, cpu_seconds)


# Names of a folder that do not match, up to which each is lstat'ed to find the subfolders
# among them; a folder with more is read again as ``DirEntry`` objects, whose types come with
# the listing (a sidecar file beside each article would otherwise cost a stat each).
_FEW_OTHERS = 32


def _subfolders(
    directory: str, prefix: str, others: list[str], skip: frozenset[tuple[int, int]]
) -> list[str]:
    """The names among ``others`` (a folder's names that do not match) of folders to walk.

    A folder is one by ``lstat``: a link to a folder is not followed. Nor is a folder whose
    (device, inode) is in ``skip``, nor one that is gone when it is looked at.
    """
    if len(others) <= _FEW_OTHERS:
        found = []
        for name in others:
            identity = _folder_identity(prefix + name)
            if identity is not None and identity not in skip:
                found.append(name)
        return found
    wanted = set(others)
    try:
        with os.scandir(directory) as entries:
            folders = [
                entry.name
                for entry in entries
                if entry.name in wanted and entry.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return []
    if not skip:
        return folders
    return [name for name in folders if _folder_identity(prefix + name) not in skip]


def _folder_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of ``path`` if it is itself a folder, not a link to one; else None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def _stat_entries(paths: list[str]) -> tuple[list[int | None], list[int | None], list[int]]:
    """Size and mtime of each path as ``os.stat`` gives them, None where it fails.

    Arrow stats the folder's paths in one call that releases the GIL once, not once per file:
    with a warm cache, per-file releases made the walk's threads queue for the GIL (more threads
    took longer than one), while with a cold cache or a network file system each thread still
    waits on its own folder's stats. Arrow reads a ``str`` as UTF-8, so
    a name that is not is given as its bytes. It reports only regular files' sizes (and no
    mtime at -1 ns), and fails a whole call on an error that is not a missing file: those
    entries are asked again one by one.

    Returns:
        The sizes, the mtimes, and the indices of the paths that are folders (or links to
        folders): as Arrow gives a folder no size, each of them is among those asked again.
    """
    asked: Sequence[str | bytes] = paths
    if not "".join(paths).isascii():
        asked = [path if path.isascii() else os.fsencode(path) for path in paths]
    sizes: list[int | None]
    modified: list[int | None]
    try:
        infos = _LOCAL.get_file_info(asked)
        sizes = list(map(_SIZE, infos))
        modified = list(map(_MTIME, infos))
    except (OSError, pa.ArrowException):
        sizes, modified = [None] * len(paths), [None] * len(paths)
    folders = []
    for index in [i for i, size in enumerate(sizes) if size is None or modified[i] is None]:
        info = _stat_or_none(paths[index])
        sizes[index] = None if info is None else info.st_size
        modified[index] = None if info is None else info.st_mtime_ns
        if info is not None and stat.S_ISDIR(info.st_mode):
            folders.append(index)
    return sizes, modified, folders


def _stat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _identity(folder: Path) -> tuple[int, int]:
    info = folder.stat(follow_symlinks=False)
    return info.st_dev, info.st_ino


def is_url(input_spec: str | Path) -> bool:
    """True for an fsspec URL (``s3://``, ``gs://``, ``memory://``), read through fsspec."""
    return "://" in str(input_spec)


def local_spec(input_spec: str | Path) -> str:
    """The input as a string, a ``file://`` URL as its local path (read on the fast path)."""
    spec = str(input_spec)
    return spec.removeprefix("file://") if spec.startswith("file://") else spec


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of a URL and the path in it."""
    import fsspec  # noqa: PLC0415 - only URL inputs pay for it

    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as error:
        # s3:// needs s3fs, gs:// gcsfs: packages users of those stores install.
        raise InputError(f"input {url!r}: {error}") from None


def _discover_url(spec: str, pattern: str) -> Discovery:
    """:func:`discover` for a URL: a remote folder (searched recursively), file or glob."""
    fs, path = _filesystem(spec)
    try:
        if is_glob(path):
            prefix = path[: min(path.find(c) for c in GLOB_CHARACTERS if c in path)]
            root = prefix.rstrip("/") if prefix.endswith("/") else prefix.rpartition("/")[0]
            found = fs.glob(path)
        elif fs.isfile(path):
            root, found = path.rpartition("/")[0], [path]
        elif fs.isdir(path):
            root = path.rstrip("/")
            found = [
                p for p in fs.find(path, withdirs=True) if matches(p.rpartition("/")[2], pattern)
            ]
        else:
            raise InputError(f"input {spec!r} is neither a folder nor a file")
    except OSError as error:
        raise InputError(f"input {spec!r}: {error}") from None
    paths = sorted(p.removeprefix(root).lstrip("/") for p in found if p.startswith(root))
    return Discovery(fs.unstrip_protocol(root), tuple(paths))


def is_glob(input_spec: str | Path) -> bool:
    """True when the input is a glob pattern (``crawl/**/*.txt``), not a folder or a file."""
    return bool(GLOB_CHARACTERS.intersection(str(input_spec)))


def input_root(input_spec: str | Path) -> Path:
    """The folder an input names: itself, a file's folder, or a glob's folder before wildcards.

    Raises:
        InputError: That folder (or file) does not exist.
    """
    spec = local_spec(input_spec)
    if is_url(spec):
        raise InputError(f"input {spec!r} is a URL: it has no local folder")
    if GLOB_CHARACTERS.intersection(spec):
        # The root is the folder part before the first wildcard: `in/**/*.txt` -> `in`.
        prefix = spec[: min(spec.find(c) for c in GLOB_CHARACTERS if c in spec)]
        root = Path(prefix) if prefix.endswith(os.sep) else Path(prefix).parent
        if not root.is_dir():
            raise InputError(f"input {spec!r}: folder {str(root)!r} does not exist")
        return root
    path = Path(spec)
    if path.is_file():
        return path.parent
    if not path.is_dir():
        raise InputError(f"input {spec!r} is neither a folder nor a file")
    return path


def check_input(input_spec: str | Path) -> None:
    """Check that an input names something to read, without listing all of it.

    Raises:
        InputError: The folder, file or glob's folder does not exist, or a glob matches nothing.
    """
    spec = local_spec(input_spec)
    if is_url(spec):
        fs, path = _filesystem(spec)
        found = fs.glob(path) if is_glob(path) else fs.exists(path)
        if not found:
            raise InputError(f"input {spec!r} matches nothing")
        return
    input_root(spec)
    if is_glob(spec) and next(glob.iglob(spec, recursive=True), None) is None:
        raise InputError(f"input {spec!r}: the glob matches no file")


def discover(
    input_spec: str | Path, pattern: str = DEFAULT_PATTERN, *, skip: Path | None = None
) -> Discovery:
    """Find the article files named by a folder (searched recursively) or a glob.

    Entries are matched by name, so a directory or a broken link named like an article is found
    too and quarantined later rather than silently skipped. Names are escaped where they are not
    valid UTF-8 (:func:`escape_name`). A glob lists a file once however many ways it matches
    (``in/**/**/*.txt`` matches ``in/a/b.txt`` three ways): one file, one document.

    Args:
        input_spec: A folder, a file, a glob or a URL.
        pattern: File name pattern inside folders.
        skip: A folder inside the input not to look into (the warehouse): newsetl never reads
            its own files as articles.

    Raises:
        InputError: The folder does not exist, or the glob's folder does not.
    """
    spec = local_spec(input_spec)
    if is_url(spec):
        return _discover_url(spec, pattern)
    root = input_root(spec)
    skipped = skip.absolute() if skip is not None and skip.is_dir() else None
    if GLOB_CHARACTERS.intersection(spec):
        found: Iterator[Path] = (Path(match) for match in glob.iglob(spec, recursive=True))
        if skipped is not None:
            found = (match for match in found if not _inside(match.absolute(), skipped))
    elif Path(spec).is_file():
        return Discovery(root.absolute(), (escape_name(Path(spec).name),))
    else:
        identity = frozenset({_identity(skipped)}) if skipped is not None else frozenset()
        walked = _walk(str(root), pattern, identity)
        return Discovery(root.absolute(), walked.paths, walked.found)
    absolute_root = root.absolute()
    paths = sorted({escape_name(str(m.absolute().relative_to(absolute_root))) for m in found})
    return Discovery(absolute_root, tuple(paths))


# Listings made by the command line (to see whether anything is new) before it starts the flow
# in the same process, by (input, pattern, skipped folder): the flow takes one instead of walking
# a million files again. Taken once; a listing is the input as it was when it was made, as the
# flow's own would be a few seconds later.
_LISTINGS: dict[tuple[str, str, str], Discovery] = {}


def keep_listing(discovery: Discovery, input_spec: str | Path, pattern: str, skip: Path) -> None:
    """Keep ``discovery`` for the run this process starts next (:func:`take_listing`)."""
    _LISTINGS.clear()
    _LISTINGS[(str(input_spec), pattern, str(skip))] = discovery


def drop_listings() -> None:
    """Forget any listing kept and not taken (a run that failed before its discovery)."""
    _LISTINGS.clear()


def take_listing(input_spec: str | Path, pattern: str, skip: Path) -> Discovery | None:
    """The listing :func:`keep_listing` kept for these arguments, once; None if there is none."""
    return _LISTINGS.pop((str(input_spec), pattern, str(skip)), None)


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it, by name or through links."""
    if path.is_relative_to(folder):
        return True
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def check_apart(input_spec: str | Path, warehouse: Path) -> None:
    """Check that the input does not lie inside the warehouse (nor is it).

    A warehouse inside the input is fine: discovery skips it. The other way round, newsetl would
    read its own snapshots as articles, and the input would sit among folders newsetl creates
    and deletes.

    Raises:
        InputError: The input's folder is the warehouse or lies inside it.
    """
    spec = local_spec(input_spec)
    if is_url(spec):
        return  # a remote store is never the local warehouse
    root = Path(os.path.realpath(input_root(spec)))
    home = Path(os.path.realpath(warehouse.absolute()))
    if root.is_relative_to(home):
        where = "is the warehouse" if root == home else f"lies inside the warehouse {str(home)!r}"
        raise InputError(
            f"input {spec!r} {where}: newsetl would read its own files as articles and clean up "
            "folders among yours; keep the input and the warehouse apart"
        )


def _stat_url(fs: Any, path: str) -> tuple[int | None, int | None]:
    try:
        size = int(fs.info(path).get("size") or 0)
    except OSError:
        return None, None
    try:
        modified = int(fs.modified(path).timestamp() * 1_000_000) * 1_000
    except (OSError, NotImplementedError, AttributeError):
        modified = 0  # a folder, or a store without times: a change shows in the size alone
    return size, modified


def _stat_local(root: Path | str, paths: Sequence[str]) -> tuple[pa.Array, pa.Array]:
    """Sizes and mtimes of local files, null where stat fails, filled into flat arrays.

    A million files' stats as Python tuples took ~300 MB of the driver that it never gave back.
    """
    sizes = np.zeros(len(paths), np.int64)
    modified = np.zeros(len(paths), np.int64)
    failed = np.zeros(len(paths), np.bool_)
    for index, relative in enumerate(paths):
        try:
            info = os.stat(os.path.join(root, os_name(relative)))
        except OSError:
            failed[index] = True
            continue
        sizes[index], modified[index] = info.st_size, info.st_mtime_ns
    return pa.array(sizes, mask=failed), pa.array(modified, mask=failed)


def stat_files(root: Path | str, paths: Sequence[str]) -> pa.Table:
    """Size and modification time of each path (null where it cannot be stat'ed)."""
    if isinstance(root, str) and is_url(root):
        fs, base = _filesystem(root)
        stats = [_stat_url(fs, f"{base.rstrip('/')}/{relative}") for relative in paths]
        sizes = pa.array([size for size, _ in stats], pa.int64())
        modified = pa.array([mtime for _, mtime in stats], pa.int64())
    else:
        sizes, modified = _stat_local(root, paths)
    return pa.table(
        {"source_path": pa.array(paths, pa.string()), "bytes": sizes, "mtime_ns": modified},
        schema=FILE_STAT_SCHEMA,
    )


@dataclass(frozen=True, slots=True)
class ReadShard:
    """The files of one shard that could be read, and quarantine rows for those that could not."""

    files: pa.Table
    quarantine: pa.Table


def _failure(
    relative: str, reason: QuarantineReason, detail: str, size: int | None = None
) -> dict[str, object]:
    return {
        "source_path": relative,
        "reason": reason.value,
        "detail": detail,
        "bytes": size,
        "raw_sha256": None,
    }


Opener = Callable[[str], BinaryIO]


def _open_bytes(path: str) -> BinaryIO:
    return open(path, "rb")


def _read_one(
    opener: Opener, root: str, real_root: str, relative: str, max_bytes: int
) -> bytes | dict[str, object]:
    path = os.path.join(root, os_name(relative))
    try:
        # One lstat answers most files; only links pay for resolving their target.
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(path)
            if os.path.commonpath([real_root, target]) != real_root:
                reason = QuarantineReason.SYMLINK_OUTSIDE_ROOT
                detail = f"links to {escape_name(target)}, outside the input root"
                return _failure(relative, reason, detail)
            info = os.stat(path)
    except OSError as error:
        if error.errno in TRANSIENT_ERRNOS:
            raise
        return _failure(relative, QuarantineReason.UNREADABLE, f"stat failed: {error.strerror}")
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        return _failure(relative, QuarantineReason.NOT_A_FILE, kind)
    if info.st_size > max_bytes:
        detail = f"{info.st_size} bytes, over the cap of {max_bytes}"
        return _failure(relative, QuarantineReason.OVERSIZED, detail, info.st_size)
    try:
        with opener(path) as handle:
            # One byte past the cap tells a file that grew since stat from one that did not.
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        if error.errno in TRANSIENT_ERRNOS:
            raise  # the storage failed, not the file: the task retries, or the run fails
        detail = f"read failed: {errno.errorcode.get(error.errno or 0, '?')} {error.strerror}"
        return _failure(relative, QuarantineReason.UNREADABLE, detail)
    return _checked(relative, raw, max_bytes)


def _checked(relative: str, raw: bytes, max_bytes: int) -> bytes | dict[str, object]:
    """The text of a file read up to ``max_bytes`` + 1: its bytes, decompressed if need be."""
    if len(raw) > max_bytes:
        detail = f"grew past the cap of {max_bytes} bytes while being read"
        return _failure(relative, QuarantineReason.OVERSIZED, detail, len(raw))
    if relative.endswith(COMPRESSED_SUFFIXES):
        return _decompress(relative, raw, max_bytes)
    return raw


def _read_url(fs: Any, base: str, relative: str, max_bytes: int) -> bytes | dict[str, object]:
    """:func:`_read_one` for a file of a remote store: no links there, but folders and caps."""
    path = f"{base}/{relative}"
    try:
        info = fs.info(path)
        if info.get("type") != "file":
            return _failure(relative, QuarantineReason.NOT_A_FILE, f"a {info.get('type')}")
        if int(info["size"]) > max_bytes:
            detail = f"{info['size']} bytes, over the cap of {max_bytes}"
            return _failure(relative, QuarantineReason.OVERSIZED, detail, int(info["size"]))
        with fs.open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        if error.errno in TRANSIENT_ERRNOS:
            raise
        return _failure(relative, QuarantineReason.UNREADABLE, f"read failed: {error}")
    return _checked(relative, raw, max_bytes)


def _decompress(relative: str, compressed: bytes, max_bytes: int) -> bytes | dict[str, object]:
    """The text of a ``.gz`` or ``.zst`` file, read no further than ``max_bytes`` + 1.

    The cap applies to the decompressed text, so a small file that expands to gigabytes (a
    decompression bomb) costs one cap's worth of memory and is quarantined.
    """
    try:
        if relative.endswith(".gz"):
            with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
                raw = stream.read(max_bytes + 1)
        else:
            # pyarrow's zstd codec (the one Parquet uses): no extra dependency.
            raw = pa.input_stream(pa.py_buffer(compressed), compression="zstd").read(max_bytes + 1)
    except (OSError, EOFError, zlib.error, pa.ArrowException) as error:
        detail = f"cannot decompress: {error}"
        return _failure(relative, QuarantineReason.CORRUPT_ARCHIVE, detail, len(compressed))
    if len(raw) > max_bytes:
        detail = f"decompresses past the cap of {max_bytes} bytes"
        return _failure(relative, QuarantineReason.DECOMPRESSION_LIMIT, detail, len(compressed))
    return raw


def read_files(
    root: Path | str,
    paths: list[str] | tuple[str, ...],
    max_bytes: int,
    opener: Opener = _open_bytes,
) -> ReadShard:
    """Read the files of one shard.

    Args:
        root: The input root the paths are relative to.
        paths: Relative paths from :func:`discover`.
        max_bytes: Files larger than this are quarantined as ``oversized`` without being read.
        opener: Opens a local file for reading its bytes (the warehouse's storage object's).

    Returns:
        The bytes of every readable file and a quarantine row for every other one.
    """
    names: list[str] = []
    contents: list[bytes] = []
    failures: list[dict[str, object]] = []
    if isinstance(root, str) and is_url(root):
        fs, base = _filesystem(root)
        read = functools.partial(_read_url, fs, base.rstrip("/"))
    else:
        read = functools.partial(_read_one, opener, str(root), os.path.realpath(root))
    for relative in paths:
        outcome = read(relative, max_bytes)
        if isinstance(outcome, bytes):
            names.append(relative)
            contents.append(outcome)
        else:
            failures.append(outcome)
    files = pa.table(
        {"source_path": pa.array(names, pa.string()), "raw": pa.array(contents, pa.large_binary())},
        schema=FILES_SCHEMA,
    )
    return ReadShard(files, quarantine_rows(failures))
