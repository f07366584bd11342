"""The two shard tasks give the documents one pass over the raw files gives.

A run reads each file once: ``normalise_shard`` stages the normalised texts with their census,
``process_shard`` parses the staged texts with the chrome learned from the census. Every staged
table must be what parsing the raw files in one pass (``parse_articles``) with the same chrome
makes, on the bundled samples and on a generated corpus with its bad files and templated sites.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from bench.generator import generate, publishers_toml
from flows.tasks import (
    ShardFiles,
    normalise_shards,
    process_shard,
    process_shards,
)
from tests.conftest import CASES, SEEDS
from tests.faulty_storage import FaultyStorage
from transforms.articles import census_files, parse_articles
from transforms.census import learn_chrome
from transforms.header import PlausibleDates
from transforms.publishers import PublisherRules, parse_rules
from warehouse import sources, store
from warehouse.storage import Storage

MAX_FILE_BYTES = 20_000
PLAUSIBLE = PlausibleDates.for_run(dt.date(2026, 11, 22))
SHARD_SIZE = 40


def bundled(root: Path) -> PublisherRules:
    """The seeds, the golden articles and the templated pages, one folder each."""
    for folder in (SEEDS, CASES / "articles", CASES / "templated"):
        for path in sorted(folder.glob("*.txt")):
            target = root / folder.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    (root / "bad").mkdir()
    (root / "bad" / "empty.txt").write_bytes(b"")
    (root / "bad" / "binary.txt").write_bytes(b"\x00\x01binary")
    (root / "bad" / "oversized.txt").write_bytes(b"word " * MAX_FILE_BYTES)
    return PublisherRules()


def generated(root: Path) -> PublisherRules:
    """A generated corpus: templated sites, copies, foreign and bad files."""
    generate(root.parent / "corpus", 400, seed=19, max_file_bytes=MAX_FILE_BYTES, bad_share=0.03)
    shutil.move(root.parent / "corpus" / "files", root)
    return parse_rules(publishers_toml())


@pytest.mark.parametrize("make_input", [bundled, generated])
def test_staged_texts_parse_to_the_documents_of_one_pass(make_input, tmp_path: Path) -> None:
    root = tmp_path / "input"
    rules = make_input(root)
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*.txt"))
    size = min(SHARD_SIZE, -(-len(paths) // 3))  # three shards or more
    shards = [paths[start : start + size] for start in range(0, len(paths), size)]
    staging, storage = tmp_path / "staging", Storage()

    # A task's batch of shards, normalised in order.
    batch = [ShardFiles(n, shard) for n, shard in enumerate(shards)]
    assert len(batch) > 2
    normalised = normalise_shards.fn(storage, root, batch, staging, MAX_FILE_BYTES, rules)
    assert [shard.shard for shard in normalised] == list(range(len(shards)))
    census = pa.concat_tables(pq.read_table(shard.census) for shard in normalised)
    raw = sources.read_files(root, paths, MAX_FILE_BYTES)
    one_pass_census = census_files(raw.files, rules)
    assert census.drop(["run_id"]).cast(one_pass_census.schema).equals(one_pass_census)
    # Fewer stories than a run asks for: the bundled samples' templated site has a dozen pages.
    learned = learn_chrome(census, min_stories=3)
    assert len(learned.keys) > 0, "the corpus teaches some chrome"

    staged = [
        process_shard(
            storage,
            root,
            shard,
            n,
            staging,
            MAX_FILE_BYTES,
            rules,
            learned,
            PLAUSIBLE,
            normalised[n].texts,
        ).staged
        for n, shard in enumerate(shards)
    ]
    assert not any(shard.texts.exists() for shard in normalised), "parsed texts are removed"
    documents = pa.concat_tables(pq.read_table(shard.documents) for shard in staged)
    quarantine = pa.concat_tables(pq.read_table(shard.quarantine) for shard in staged)

    # One pass per shard: read the files, parse them, quarantine the unread and the unparsed.
    expected_documents, expected_quarantine = [], []
    for shard in shards:
        read = sources.read_files(root, shard, MAX_FILE_BYTES)
        parsed = parse_articles(read.files, rules=rules, learned=learned, plausible_dates=PLAUSIBLE)
        expected_documents.append(parsed.documents)
        expected_quarantine += [read.quarantine, parsed.quarantine]
    expected = pa.concat_tables(expected_documents)
    assert documents.num_rows > 0.5 * len(paths)
    assert documents.schema.equals(expected.schema)
    assert documents.equals(expected)
    assert quarantine.equals(pa.concat_tables(expected_quarantine))
    assert set(pc.unique(quarantine.column("reason")).to_pylist()) >= {"empty", "binary"}
    assert documents.num_rows + quarantine.num_rows == len(paths)

    # Unchanged files parsed again (no staged texts) read their files: the same documents.
    again = [
        process_shard(
            storage,
            root,
            shard,
            len(shards) + n,
            staging,
            MAX_FILE_BYTES,
            rules,
            learned,
            PLAUSIBLE,
        ).staged
        for n, shard in enumerate(shards)
    ]
    assert pa.concat_tables(pq.read_table(shard.documents) for shard in again).equals(expected)
    assert not (staging / store.TEXTS).exists() or not any((staging / store.TEXTS).iterdir())


class RecordingStorage(FaultyStorage):
    """Fails where its rules say, and records the Parquet files it writes."""

    def __init__(self, rules: str, count_dir: str) -> None:
        super().__init__(rules, count_dir=count_dir)
        self.written: list[Path] = []

    def write_parquet(self, path: Path, table: pa.Table, **options: object) -> None:
        super().write_parquet(path, table, **options)  # type: ignore[arg-type]
        self.written.append(path)


def test_a_retried_batch_redoes_only_the_shards_it_had_not_staged(tmp_path: Path) -> None:
    root = tmp_path / "input"
    rules = bundled(root)
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*.txt"))
    size = -(-len(paths) // 3)
    batch = [
        ShardFiles(n, paths[start : start + size])
        for n, start in enumerate(range(0, len(paths), size))
    ]
    assert len(batch) == 3
    staging = tmp_path / "staging"
    (tmp_path / "counts").mkdir()
    # Shard 1's census fails once, after shard 0 is staged: the task is retried.
    storage = RecordingStorage("write:census/shard-000001=EIO*1", str(tmp_path / "counts"))
    with pytest.raises(OSError, match="injected fault"):
        normalise_shards.fn(storage, root, batch, staging, MAX_FILE_BYTES, rules)
    first_try = list(storage.written)
    storage.written.clear()
    normalised = normalise_shards.fn(storage, root, batch, staging, MAX_FILE_BYTES, rules)
    assert [shard.shard for shard in normalised] == [one.shard for one in batch]
    assert [shard.files for shard in normalised] == [len(one.paths) for one in batch]
    assert not set(storage.written) & set(first_try[:2]), "shard 0 was not normalised again"
    assert staging / "texts" / "shard-000001.parquet" in storage.written
    # The census of the retried batch is the census of one try.
    fresh = tmp_path / "fresh"
    once = normalise_shards.fn(Storage(), root, batch, fresh, MAX_FILE_BYTES, rules)
    for retried, single in zip(normalised, once, strict=True):
        assert (
            pq.read_table(retried.census)
            .drop(["run_id"])
            .equals(pq.read_table(single.census).drop(["run_id"]))
        )
        assert pq.read_table(retried.texts).equals(pq.read_table(single.texts))

    learned = learn_chrome(
        pa.concat_tables(pq.read_table(shard.census) for shard in normalised), min_stories=3
    )
    with_texts = [
        ShardFiles(one.shard, one.paths, shard.texts)
        for one, shard in zip(batch, normalised, strict=True)
    ]
    storage = RecordingStorage("write:documents/shard-000001=EIO*1", str(tmp_path / "counts"))
    arguments = (staging, MAX_FILE_BYTES, rules, learned, PLAUSIBLE)
    with pytest.raises(OSError, match="injected fault"):
        process_shards.fn(storage, root, with_texts, *arguments)
    processed = process_shards.fn(storage, root, with_texts, *arguments)
    assert [shard.staged.shard for shard in processed] == [one.shard for one in batch]
    assert [shard.staged.resumed for shard in processed] == [True] + [False] * (len(batch) - 1)
    staged_rows = sum(s.staged.document_rows + s.staged.quarantine_rows for s in processed)
    assert staged_rows == len(paths), "the books balance after the retry"
    assert not any(shard.texts.exists() for shard in normalised), "parsed texts are removed"
