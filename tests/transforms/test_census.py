"""The chrome census: per site, over distinct stories, at any corpus size."""

import pyarrow as pa

from transforms.articles import census_files, parse_articles
from transforms.census import census_table, learn_chrome, story_keys
from transforms.records import FILES_SCHEMA


def page(site: str, n: int, *, headline: str | None = None, byline: str = "Jane Doe") -> str:
    """A page of a site: masthead and menu on top, a disclaimer and a copyright below."""
    name = site.title()
    return "\n".join(
        [
            f"{name} Gazette",
            "Home | Port | City | Council | Sport",
            "",
            headline or f"Council Votes On Plan {n}",
            "",
            f"By {byline}",
            "",
            f"The council voted on plan {n} on Tuesday after a long debate about the harbour.",
            "",
            f"Members said plan {n} would cost {n + 3} million and take {n % 7 + 2} years.",
            "",
            "The views expressed in this article are the author's own and do not reflect ours.",
            f"© 2021 {name} Gazette. All rights reserved.",
        ]
    )


def files(pages: dict[str, str]) -> pa.Table:
    return pa.table(
        {"source_path": list(pages), "raw": [text.encode() for text in pages.values()]},
        schema=FILES_SCHEMA,
    )


def corpus(sites: dict[str, int], copies: int = 1) -> dict[str, str]:
    pages = {}
    for site, count in sites.items():
        for n in range(count):
            for copy in range(copies):
                headline = "Live updates" if n % 25 == 0 else None
                text = page(site, n, headline=headline)
                pages[f"{site}/{n:04d}-{copy}.txt"] = f" date 2021-05-01 {text}"
    return pages


def parse(pages: dict[str, str]) -> dict[str, dict[str, object]]:
    table = files(pages)
    learned = learn_chrome(census_files(table))
    documents = parse_articles(table, learned=learned).documents.to_pylist()
    return {d["source_path"]: d for d in documents}


def test_a_story_key_ignores_chrome_and_copies_share_it() -> None:
    keys = story_keys(
        pa.array(
            [
                page("harbour", 1),
                page("harbour", 1).replace("Harbour Gazette", "Other Site"),
                page("harbour", 2),
            ]
        )
    )
    assert keys[0] == keys[1] != keys[2]


def test_site_chrome_goes_and_headlines_bylines_and_the_site_name_stay() -> None:
    docs = parse(corpus({"harbour": 60, "lakeside": 40}))
    doc = docs["harbour/0001-0.txt"]
    assert doc["title"] == "Council Votes On Plan 1"
    assert doc["byline"] == "Jane Doe"
    assert doc["publisher"] == "Harbour Gazette"
    assert "views expressed" not in doc["body"] and "Home |" not in doc["body"]
    assert docs["harbour/0025-0.txt"]["title"] == "Live updates"
    assert docs["lakeside/0001-0.txt"]["publisher"] == "Lakeside Gazette"


def test_copies_of_one_story_never_make_its_headline_chrome() -> None:
    # Twenty copies of each of twelve stories: each headline in twenty files, of one story.
    docs = parse(corpus({"harbour": 12}, copies=20))
    titles = {f"Council Votes On Plan {n}" for n in range(1, 12)} | {"Live updates"}
    assert {d["title"] for d in docs.values()} == titles


def test_a_file_s_fields_do_not_depend_on_the_size_of_the_corpus_around_it() -> None:
    small = corpus({"harbour": 30, "lakeside": 30})
    large = corpus({"harbour": 300, "lakeside": 300, "valley": 200}, copies=2)
    fields = ("title", "byline", "publisher", "body", "agency")
    got_small, got_large = parse(small), parse(large)
    for path in small:
        large_path = path.replace("-0.txt", "-1.txt")
        assert {f: got_small[path][f] for f in fields} == {
            f: got_large[large_path][f] for f in fields
        }, path


def test_a_census_row_per_distinct_edge_line() -> None:
    table = census_table(
        pa.array([page("harbour", 1), "One line."]), pa.array(["harbour/", "other/"])
    )
    assert set(table.column("site").to_pylist()) == {"harbour/", "other/"}
    names = [n for n in table.column("name").to_pylist() if n]
    assert names == ["Harbour Gazette"]


def test_the_census_counts_the_text_chrome_removal_sees() -> None:
    from tests.conftest import SEEDS
    from transforms.articles import census_texts, normalise_files
    from transforms.header import parse_date_headers
    from transforms.publishers import PublisherRules, sites_of
    from transforms.records import FILES_SCHEMA

    raw = [s.read_bytes() for s in sorted(SEEDS.glob("*.txt"))]
    raw += [b" date 2021-05  \r\n\r\nHeadline\xc2\xa0 here\n\n\nBody.", b"No header.", b""]
    names = [f"site/{n}.txt" for n in range(len(raw))]
    texts = normalise_files(pa.table({"source_path": names, "raw": raw}, schema=FILES_SCHEMA))
    seen = parse_date_headers(texts.documents.column("text").combine_chunks()).texts
    sites = sites_of(texts.documents.column("source_path").combine_chunks(), PublisherRules()).site
    expected = census_table(seen, sites)
    assert census_texts(texts.documents).drop(["source_path"]).equals(expected.drop(["document"]))
    assert texts.quarantine.column("reason").to_pylist() == ["empty"]
