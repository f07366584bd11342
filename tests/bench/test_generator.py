"""The benchmark corpus generator: deterministic, and its ground truth matches its files."""

import codecs
import hashlib
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.generator import PUBLISHERS, RECURRING_HEADLINES, WIDE_OUTLETS, generate
from transforms.decode import decode_bytes
from transforms.publishers import DEFAULT_SIGNATURES, parse_rules


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


def test_reprint_groups_have_every_kind_and_their_labels_hold(corpus: Path) -> None:
    from bench.generator import REPRINT_KINDS, REPRINT_NEGATIVES

    truth = pq.read_table(corpus / "truth.parquet").to_pylist()
    kinds = Counter(r["kind"] for r in truth)
    for kind in ("long_story", *REPRINT_KINDS, *REPRINT_NEGATIVES):
        assert kinds[kind] > 0, kind
    stories = {r["story_id"]: r for r in truth if r["kind"] == "long_story"}
    assert all(300 <= len(s["clean_body"].split()) <= 2000 for s in stories.values())
    first_sentences = {s["clean_body"].split(". ")[0] + "." for s in stories.values()}
    for row in truth:
        kind, body = row["kind"], row["clean_body"]
        if kind not in (*REPRINT_KINDS, *REPRINT_NEGATIVES):
            continue
        story = stories.get(row["story_id"].split("-")[0])
        original = story["clean_body"] if story else None
        words = body.split()
        page = (corpus / "files" / row["source_path"]).read_text()
        if kind == "brief":
            assert 60 <= len(words) <= 140 and " ".join(original.split()).startswith(
                " ".join(words)
            )
        elif kind == "teaser":
            assert " ".join(original.split()).startswith(" ".join(words))
            assert len(words) <= len(original.split()) // 4 + 30
            assert "subscri" in page.split(body.split("\n\n")[-1])[1].split("\n\n")[1].lower()
        elif kind == "ocr":
            misread = [a for a, b in zip(words, original.split(), strict=True) if a != b]
            longer = [w for w in original.split() if sum(c.isalpha() for c in w) >= 5]
            assert len(misread) == pytest.approx(len(longer) / 6, abs=1)
        elif kind == "link_list":
            assert body == original and body not in page  # a dozen headlines inside the page
            assert len(page.splitlines()) > len(original.splitlines()) + 12
        elif kind in ("reordered", "rewritten_lead", "reworded"):
            assert body != original and row["story_id"] in stories
        elif kind == "digest":
            quoted = [p.split(": ", 1)[1] for p in body.split("\n\n")]
            assert 3 <= len(quoted) <= 5 and set(quoted) <= first_sentences
        else:  # another outlet's article: same day, its own story
            assert row["published_date"] == story["published_date"] and body != original


def test_the_corpus_is_as_hard_as_real_crawls(corpus: Path) -> None:
    """Wide syndication, recurring headlines, staff bylines, sentence-like chrome, outlets that
    nothing names, and the truth of every field the benchmark scores."""
    truth = pq.read_table(corpus / "truth.parquet").to_pylist()
    accepted = [r for r in truth if r["expected"] == "accepted"]
    outlets = Counter(r["story_id"] for r in accepted if r["kind"] != "recrawl")
    assert max(outlets.values()) >= WIDE_OUTLETS[0]
    assert {r["title"] for r in accepted} & set(RECURRING_HEADLINES)
    staff = Counter(r["byline"] for r in accepted if r["byline"] and " " in r["byline"])
    assert staff.most_common(1)[0][1] >= 10  # a writer's byline recurs
    assert len(PUBLISHERS) >= 50
    signed = {s.publisher for s in DEFAULT_SIGNATURES}
    evidence = Counter(p.evidence for p in PUBLISHERS if p.name not in signed)
    assert evidence["chrome"] >= 40 and evidence["mapping"] and evidence["none"]
    assert any("views expressed in this article" in line for p in PUBLISHERS for line in p.bottom)
    assert {r["publisher"] for r in accepted} >= {"unknown"}
    assert {r["agency"] for r in accepted} >= {"AFP", "AP", "Reuters", "TASS", "dpa", None}
    assert any(r["subtitle"] for r in accepted)
    # The mapping a user gives for the outlets whose pages never name them.
    mapped = parse_rules((corpus / "publishers.toml").read_text())
    assert {rule.publisher for rule in mapped.paths} == {
        p.name for p in PUBLISHERS if p.evidence == "mapping"
    }


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
