"""Near-duplicate clusters end to end: syndicated copies in other chrome, and a story apart."""

from pathlib import Path
from typing import Any

import pytest

from flows.pipeline import ingest_articles
from tests.conftest import CASES
from tests.texts import misread, paragraphs
from warehouse import body_pairs, catalog
from warehouse.store import Warehouse

STORY = [
    "Russia acknowledged Monday that it was developing ties with Myanmar but said it was very "
    "concerned by the rising number of civilian casualties during protests in the country.",
    "Kremlin spokesman Dmitry Peskov told reporters that Moscow was watching the situation "
    "closely and that the deaths of civilians were a matter of deep concern to the Kremlin.",
    "Deputy Defence Minister Alexander Fomin attended the annual armed forces parade in the "
    "capital on Saturday, the deadliest day since the military seized power in February.",
    "Fomin said Myanmar was a reliable ally and strategic partner of Russia in Southeast Asia "
    "and that military cooperation between the two countries would continue to grow.",
    "Western governments have condemned the crackdown and imposed sanctions on generals and "
    "on companies controlled by the army, while the United Nations called for restraint.",
]
BACKGROUND = (
    "The military seized power in February, detaining elected leader Aung San Suu Kyi and "
    "triggering mass protests across the country that security forces have met with force."
)
OTHER_STORY = [
    "China said on Tuesday it would send a special envoy to Myanmar to meet the junta and "
    "representatives of ethnic groups in an attempt to mediate between the parties.",
    BACKGROUND,
    "The envoy will also visit Thailand and Laos to discuss the border situation, the foreign "
    "ministry said, adding that Beijing opposed any interference in Myanmar's affairs.",
    "Trade between China and Myanmar has fallen sharply since the coup, customs data show.",
]


def page(header: str, top: list[str], title: str, paragraphs: list[str], bottom: list[str]) -> str:
    return "\n\n".join([header + top[0], *top[1:], title, "By AFP", *paragraphs, *bottom])


def write(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "times.txt").write_text(
        page(
            " date 2021-03-29 ",
            ["Support The Moscow Times!", "Contribute today"],
            "Russia 'Concerned' Over Myanmar Civilian Casualties",
            [*STORY, BACKGROUND],
            ["Read more about: Kremlin", "opinion Tatyana Stanovaya", "© 2021 The Moscow Times"],
        )
    )
    # The same wire story elsewhere: new headline, typographic quotes, trimmed tail, other chrome.
    (root / "courier.txt").write_text(
        page(
            " date 2021-03-30 ",
            ["Skip to content", "Share on Facebook Twitter WhatsApp"],
            "Moscow Voices Concern Over Myanmar Deaths",
            [p.replace("'", "’") for p in STORY[:4]],
            ["Related articles", "Sign up for our daily newsletter"],
        )
    )
    # A different story on the same topic that shares the background paragraph.
    (root / "envoy.txt").write_text(
        page(
            " date 2021-03-30 ",
            ["Skip to content", "Share on Facebook Twitter WhatsApp"],
            "China Sends Envoy To Myanmar",
            OTHER_STORY,
            ["© 2021 Daily Courier. All rights reserved."],
        )
    )


def clusters(warehouse: Path) -> dict[str, tuple]:
    rows = (
        catalog.connect(Warehouse(warehouse))
        .execute("select source_path, cluster_id, is_canonical, cluster_size from documents")
        .fetchall()
    )
    return {path: tuple(rest) for path, *rest in rows}


def test_syndicated_copies_cluster_and_a_same_topic_story_stays_apart(
    prefect_api: str, tmp_path: Path
) -> None:
    write(tmp_path / "in")
    ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "wh"))
    found = clusters(tmp_path / "wh")
    assert found["times.txt"][0] == found["courier.txt"][0] != found["envoy.txt"][0]
    assert found["times.txt"][1:] == (True, 2)  # earliest copy is canonical
    assert found["envoy.txt"][1:] == (True, 1)
    # The same clusters whatever the shard size.
    ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "wh1"), shard_size=1)
    assert clusters(tmp_path / "wh1") == found


TEMPLATED = CASES / "templated"
# Real Reuters-21578 pairs (tests/cases/templated) that restate one story with some figures
# changed or spelled another way: a corrected results table (one sales figure), `ten years` as
# `10 years`, `one ounce` as `1.0 ounce`, a re-send.
RESTATED = {
    "ARBOR DRUGS INC <ARBR> 2ND QTR JAN 31 NET",
    "CAROLIN MINES",
    "LILLY INDUSTRIAL COATINGS INC <LICIA>",
    "SENATE BILL WOULD ALLOW FARM LOAN WRITE-DOWNS",
}
# Reports of one template sent day after day with other figures: each day's is its own story.
TEMPLATES = {"FED ADDS RESERVES VIA CUSTOMER REPURCHASES", "EC SUGAR IMPORT LEVIES"}


def test_templated_reports_with_other_figures_are_other_stories_and_corrections_copies(
    prefect_api: str, tmp_path: Path
) -> None:
    ingest_articles(input=str(TEMPLATED), warehouse=str(tmp_path / "wh"))
    connection = catalog.connect(Warehouse(tmp_path / "wh"))
    rows = connection.execute(
        "SELECT title, body, cluster_id, cluster_size FROM documents ORDER BY source_path"
    ).fetchall()
    assert len(rows) == len(list(TEMPLATED.glob("*.txt"))) == 25
    stories: dict[str, set[str]] = {}
    for title, _, cluster_id, _ in rows:
        story = next((name for name in RESTATED | TEMPLATES if name in title), title)
        stories.setdefault(story, set()).add(cluster_id)
    for story in RESTATED:  # each restated pair is one cluster of two
        assert len(stories[story]) == 1, story
    sizes = {cluster: size for _, _, cluster, size in rows}
    assert all(sizes[next(iter(stories[story]))] == 2 for story in RESTATED)
    # Every template report clusters only with word-for-word copies of itself (the Fed's report
    # of March 2 is sent again on March 23 in the same words: its text cannot tell them apart).
    for story in TEMPLATES:
        bodies_by_cluster: dict[str, set[str]] = {}
        for title, body, cluster_id, _ in rows:
            if title == story:
                bodies_by_cluster.setdefault(cluster_id, set()).add(body)
        assert all(len(bodies) == 1 for bodies in bodies_by_cluster.values()), story
        assert len(bodies_by_cluster) > 2  # and the reports are not all one text
    near = connection.execute(
        "SELECT count(*) FROM document_matches AS m JOIN documents AS d USING (doc_id) "
        "WHERE m.kind = 'near' AND d.title IN (SELECT unnest($titles))",
        {"titles": sorted(TEMPLATES)},
    ).fetchone()
    assert near == (0,)


# --- partial reprints --------------------------------------------------------------------------

LONG = paragraphs(1, 30)  # about 1,600 words
OTHERS = [paragraphs(seed, 8) for seed in (2, 3)]
REPRINTS = {
    "story.txt": ("2021-04-01", "Council Backs Harbour Plan", LONG),
    "brief.txt": ("2021-04-01", "In Brief: Harbour Plan", [" ".join(" ".join(LONG).split()[:100])]),
    "teaser.txt": (
        "2021-04-02",
        "Harbour Plan Backed",
        [*LONG[:7], "Subscribe to The Harbour Gazette to read the rest of this article."],
    ),
    "scan.txt": ("2021-04-03", "Council backs harbour plan", misread(LONG)),
    "other-a.txt": ("2021-04-01", "Storm Closes Ferry Routes", OTHERS[0]),
    "other-b.txt": ("2021-04-01", "Museum Reopens After Repairs", OTHERS[1]),
    "digest.txt": (
        "2021-04-01",
        "News In Brief",
        [
            f"{title}: {paragraphs[0].split('. ')[0]}."
            for title, paragraphs in (
                ("Harbour", LONG),
                ("Ferries", OTHERS[0]),
                ("Museum", OTHERS[1]),
            )
        ],
    ),
}


def write_reprints(root: Path, names: list[str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        date, title, paragraphs = REPRINTS[name]
        (root / name).write_text(
            page(f" date {date} ", ["Skip to content"], title, paragraphs, ["© The Gazette"])
        )


def test_briefs_teasers_and_scans_join_their_story_and_a_digest_joins_none(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_reprints(tmp_path / "in", list(REPRINTS))
    ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "wh"))
    found = clusters(tmp_path / "wh")
    story = found["story.txt"][0]
    assert [found[name][0] == story for name in REPRINTS] == [
        True,  # the story
        True,  # its first 60 words
        True,  # its first quarter and a subscription line
        True,  # a scan with every sixth longer word misread
        False,
        False,
        False,  # a digest quoting the first sentences of the story and two others
    ]
    assert found["story.txt"][1:] == (True, 4)
    assert len({found[name][0] for name in REPRINTS}) == 4
    # Verified two bodies at a time (the story's component cut into pairs): the same clusters.
    monkeypatch.setitem(body_pairs.find_copies.__kwdefaults__, "batch_bodies", 2)
    ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "wh-cut"))
    assert clusters(tmp_path / "wh-cut") == found
    # Candidates made and screened a pair at a time, by two threads: the same clusters.
    monkeypatch.setitem(body_pairs.candidate_batches.__kwdefaults__, "batch_rows", 1)
    monkeypatch.setenv("NEWSETL_WORKERS", "2")
    chunks = counted_chunks(monkeypatch)
    ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "wh-one"))
    assert clusters(tmp_path / "wh-one") == found
    assert len(chunks) > 2 and set(chunks) == {1}


def counted_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of candidate pairs of each chunk screened from now on."""
    chunks: list[int] = []
    made = body_pairs._candidate_ends

    def candidate_ends(*args: Any) -> Any:
        for ends in made(*args):
            chunks.append(len(ends[0]))
            yield ends

    monkeypatch.setattr(body_pairs, "_candidate_ends", candidate_ends)
    return chunks


@pytest.mark.parametrize("through_buckets", [False, True], ids=["all-keys", "touched-buckets"])
def test_reprints_found_day_by_day_equal_one_run_over_everything(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, through_buckets: bool
) -> None:
    """The brief arrives before its story, the scan after: the same clusters as one run.

    ``touched-buckets``: every day after the first reads the published band keys through its new
    bodies' buckets, as a run adding few bodies to a large corpus does.
    """
    read: list[int] = []
    if through_buckets:
        found_buckets = body_pairs.touched_buckets

        def touched_buckets(*args: Any, **kwargs: Any) -> Any:
            read.append(1)
            return found_buckets(*args, **kwargs)

        monkeypatch.setattr(body_pairs, "reads_touched_buckets", lambda old, new: bool(old and new))
        monkeypatch.setattr(body_pairs, "touched_buckets", touched_buckets)
        # Candidates screened a pair at a time, by two threads: an increment's, and the first
        # day's.
        monkeypatch.setattr(body_pairs, "SCREEN_ROWS", 1)
        monkeypatch.setitem(body_pairs.candidate_batches.__kwdefaults__, "batch_rows", 1)
        monkeypatch.setenv("NEWSETL_WORKERS", "2")
    chunks = counted_chunks(monkeypatch)
    daily = tmp_path / "daily"
    for day in (["brief.txt", "digest.txt"], ["story.txt", "other-a.txt"], ["scan.txt"]):
        write_reprints(daily, day)
        ingest_articles(input=str(daily), warehouse=str(tmp_path / "wh-daily"))
    assert len(read) == (2 if through_buckets else 0)
    if through_buckets:
        assert len(chunks) > 2 and set(chunks) == {1}
    write_reprints(tmp_path / "all", ["brief.txt", "digest.txt", "story.txt", "other-a.txt"])
    write_reprints(tmp_path / "all", ["scan.txt"])
    ingest_articles(input=str(tmp_path / "all"), warehouse=str(tmp_path / "wh-full"))
    assert clusters(tmp_path / "wh-daily") == clusters(tmp_path / "wh-full")
    found = clusters(tmp_path / "wh-full")
    assert found["brief.txt"][0] == found["story.txt"][0] == found["scan.txt"][0]
    assert found["digest.txt"][1:] == (True, 1)
