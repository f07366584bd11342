"""The dedup quality bench's listing of the pairs one checkout links and another does not."""

from bench.dedup_quality import described


def test_each_pair_is_listed_with_its_similarity_and_headlines() -> None:
    story = " ".join(f"w{i}" for i in range(100))
    brief = " ".join(f"w{i}" for i in range(50))
    texts = {"a.txt": ("Council Backs Plan", story), "b.txt": ("In Brief", brief)}
    lines = described([("a.txt", "b.txt")], texts)
    assert lines == [
        "  - Jaccard 0.48, containment 1.00: 'Council Backs Plan' ~ 'In Brief' (`a.txt`, `b.txt`)"
    ]
    assert described([], texts) == []
