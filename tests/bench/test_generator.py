"""The benchmark corpus generator: deterministic, and its ground truth matches its files."""

import codecs
import hashlib
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.generator import PUBLISHERS, generate
from transforms.decode import decode_bytes


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != "generator.json":
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "c"
    generate(out, 1500, seed=11, max_file_bytes=20_000)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(corpus: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", 1500, seed=11, max_file_bytes=20_000)
    generate(tmp_path / "other", 1500, seed=12, max_file_bytes=20_000)
    assert tree_digest(tmp_path / "again") == tree_digest(corpus)
    assert tree_digest(tmp_path / "other") != tree_digest(corpus)


def test_truth_has_one_row_per_file_and_matches_it(corpus: Path) -> None:
    truth = pq.read_table(corpus / "truth.parquet").to_pylist()
    files = sorted(str(p.relative_to(corpus / "files")) for p in (corpus / "files").rglob("*.txt"))
    assert sorted(row["source_path"] for row in truth) == files
    for row in truth:
        raw = (corpus / "files" / row["source_path"]).read_bytes()
        if row["expected"] == "quarantined":
            assert {
                "empty": raw == b"",
                "binary": b"\x00" in raw,
                "oversized": len(raw) > 20_000,
                "undecodable": decode_bytes(raw).text is None,
            }[row["reason"]], row
            continue
        decoded = decode_bytes(raw)
        assert decoded.text is not None, row
        if row["kind"] == "original":
            # The story is in the page as written (modulo line endings and BOMs).
            text = decoded.text.replace("\r\n", "\n").removeprefix(codecs.BOM_UTF8.decode())
            assert row["clean_body"].split("\n\n")[-1] in text


def test_the_corpus_has_what_the_benchmark_needs(corpus: Path) -> None:
    truth = pq.read_table(corpus / "truth.parquet").to_pylist()
    assert len(PUBLISHERS) >= 20
    assert len({r["publisher"] for r in truth if r["publisher"] not in (None, "unknown")}) >= 20
    sizes = Counter(
        r["story_id"] for r in truth if r["expected"] == "accepted" and r["kind"] != "recrawl"
    )
    assert max(sizes.values()) >= 5 and min(sizes.values()) == 1
    kinds = Counter(r["kind"] for r in truth)
    for kind in ("original", "syndicated_copy", "recrawl", "hard_negative", "bad"):
        assert kinds[kind] > 0, kind
    precisions = Counter(r["date_precision"] for r in truth)
    assert 0.005 < precisions["month"] / len(truth) < 0.08
    assert 0.005 < precisions["none"] / len(truth) < 0.06
    assert 0.005 < sum(r["language"] not in ("en", None) for r in truth) / len(truth) < 0.08
    assert 0.005 < sum(r["expected"] == "quarantined" for r in truth) / len(truth) < 0.03


def test_copies_run_on_the_day_of_the_first_outlet_or_up_to_two_weeks_later(
    corpus: Path,
) -> None:
    truth = [
        r
        for r in pq.read_table(corpus / "truth.parquet").to_pylist()
        if r["date_precision"] == "day" and r["kind"] in ("original", "syndicated_copy")
    ]
    original = {r["story_id"]: r["published_date"] for r in truth if r["kind"] == "original"}
    delays = Counter(
        (r["published_date"] - original[r["story_id"]]).days
        for r in truth
        if r["kind"] == "syndicated_copy" and r["story_id"] in original
    )
    assert min(delays) == 0 and max(delays) <= 14
    assert 0.2 < delays[0] / sum(delays.values()) < 0.5
    for row in truth:  # the file's header says the truth's date
        raw = (corpus / "files" / row["source_path"]).read_bytes()
        text = decode_bytes(raw).text or ""
        assert f" date {row['published_date'].isoformat()} " in text, row["source_path"]
