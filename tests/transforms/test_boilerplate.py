import tarfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CORPORA, SEEDS
from transforms import boilerplate
from transforms.boilerplate import (
    edge_lines,
    line_keys,
    remove_chrome,
    select_main_text,
    site_line_keys,
)
from transforms.header import parse_date_headers
from transforms.normalise import normalise_text
from transforms.structure import parse_structure

EXTRACTION = CORPORA / "extraction-benchmark.tar.gz"


def clean(text: str) -> str:
    """Headline and main text, as the pipeline keeps them."""
    parsed = parse_structure(remove_chrome(pa.array([text])), main_text=select_main_text)
    title, body = parsed.title.to_pylist()[0], parsed.body.to_pylist()[0]
    return f"{title}\n\n{body}" if title else body


def main_text(text: str) -> str:
    return select_main_text(pa.array([text])).to_pylist()[0]


def seed_text(prefix: str) -> str:
    raw = next(SEEDS.glob(f"{prefix}_*.txt")).read_text()
    return parse_date_headers(normalise_text(pa.array([raw]))).texts.to_pylist()[0]


def test_moscow_times_seed_chrome_is_removed_and_the_story_kept() -> None:
    text = seed_text("000")
    cleaned = clean(text)
    for chrome in (
        "Support The Moscow Times!",
        "Contribute today",
        "Read more about: Kremlin",
        "opinion Tatyana Stanovaya",
        "Ask Not What the Kremlin Will Do Next",
        "Independent journalism isn’t dead",
        "We wouldn’t be able to produce",
        "killed by security forces in Myanmar on Saturday in the deadliest weekend since "
        "February's military coup. AP / TASS",
    ):
        assert chrome not in cleaned, chrome
    story = text[text.index("Russia 'Concerned'") : text.index("Read more about")]
    paragraphs = [p for p in story.split("\n\n") if p.strip() and "AP / TASS" not in p]
    for paragraph in paragraphs:
        assert paragraph.strip() in cleaned
    assert cleaned.startswith("Russia 'Concerned' Over Myanmar Civilian Casualties\n\nRussia ")


def test_tass_seed_has_no_chrome_and_stays_as_it_is() -> None:
    text = seed_text("003")
    assert remove_chrome(pa.array([text])).to_pylist()[0] == text
    assert main_text(text) == text


def test_each_rule_on_a_mini_page() -> None:
    page = "\n".join(
        [
            "Skip to content",
            "Headline of the Story",
            "",
            "Share on Facebook Twitter WhatsApp",
            "The first paragraph of the story says what happened in Geneva on Monday.",
            "",
            "Advertisement",
            "The second paragraph quotes a minister who said the talks would go on.",
            "Photo: Jane Doe",
            "© 2021 Example News. All rights reserved.",
            "12 comments",
            "Sign up for our daily newsletter",
            "The third paragraph ends the story with a look at what comes next week.",
            "Related articles",
            "Another story entirely",
            "And another one",
        ]
    )
    assert clean(page).split("\n") == [
        "Headline of the Story",
        "",
        "The first paragraph of the story says what happened in Geneva on Monday.",
        "",
        "The second paragraph quotes a minister who said the talks would go on.",
        "The third paragraph ends the story with a look at what comes next week.",
    ]


def test_a_tail_marker_at_the_top_does_not_cut_the_story() -> None:
    page = "Related\nHeadline\n\n" + "A long paragraph of the story that goes on and on. " * 10
    assert (
        clean(page)
        == "Headline\n\n" + ("A long paragraph of the story that goes on and on. " * 10).strip()
    )


def test_learned_lines_are_chrome_at_the_edges_of_their_own_site_only() -> None:
    footer = "Example Daily, 1 Main Street, Springfield"
    texts = pa.array([f"Story {n} says what happened.\n\n{footer}" for n in range(3)])
    sites = pa.array(["example/", "example/", "other/"])
    learned = pa.array(
        np.sort(site_line_keys(pa.array(["example/"]), line_keys(pa.array([footer])))), pa.uint64()
    )
    cleaned = remove_chrome(texts, sites=sites, learned=learned).to_pylist()
    stories = ["Story 0 says what happened.", "Story 1 says what happened."]
    assert cleaned == [*stories, texts[2].as_py()]
    # In the middle of a long text the same line is not at an edge.
    middle = "\n".join([f"Paragraph {n} of a long story." for n in range(10)])
    long_text = pa.array([f"{middle}\n{footer}\n{middle}"])
    kept = remove_chrome(long_text, sites=pa.array(["example/"]), learned=learned)
    assert kept.equals(long_text)


def test_edge_lines_fold_case_and_spacing_skip_the_middle_and_bylines() -> None:
    middle = "\n".join(f"paragraph {i}" for i in range(30))
    edges = edge_lines(
        pa.array([f"Top  Line\nBy Jane Doe\n{middle}\nBottom", f"top line\n{middle}", None])
    )
    first = edges.line_key[edges.document == 0]
    second = edges.line_key[edges.document == 1]
    # The first and last 8 lines, but the byline among them.
    assert len(first) == 2 * 8 - 1 and set(first) & set(second)
    assert "By Jane Doe" not in edges.lines.to_pylist()
    assert not (edges.document == 2).any()


def test_nulls_and_empty_input() -> None:
    assert remove_chrome(pa.array([None, ""], pa.string())).to_pylist() == [None, ""]
    assert remove_chrome(pa.array([], pa.string())).to_pylist() == []


CHROME = [
    "Support The Moscow Times!",
    "Read more about: Kremlin",
    "Share on Facebook Twitter",
    "Related",
    "Advertisement",
    "Home",
    "World",
    "Sign up for our daily newsletter",
    "© 2021 Example News. All rights reserved.",
    "Most popular",
    "Comments",
]
STORY = [
    "The minister said on Monday that the talks in Geneva would go on for another week.",
    "Officials in both capitals described the meeting as constructive but difficult.",
    "Prices rose by 3 percent in March, the statistics office said in a statement.",
    "\u201cWe will not accept this,\u201d the spokesman told reporters after the vote.",
    "The company, which employs 12,000 people, did not say when the plant would reopen.",
    "Analysts expect the central bank to keep rates unchanged at its next meeting.",
]


@settings(deadline=None)  # the first example compiles every rule's regex
@given(
    st.lists(st.sampled_from(CHROME), max_size=8),
    # A paragraph printed twice in one page is taken for a caption: stories do not repeat one.
    st.lists(st.sampled_from(STORY), min_size=2, max_size=8, unique=True),
    # List headings inside a story are not drawn: a story that goes on for only one paragraph
    # after a `Read more` box loses that paragraph (the box reads like the teaser lists).
    st.lists(
        st.sampled_from(
            [
                c
                for c in CHROME
                if c not in {"Related", "Most popular"}
                and not c.startswith(("Read more", "Comments"))
            ]
        ),
        max_size=3,
    ),
    st.lists(st.sampled_from(CHROME), max_size=8),
)
def test_no_story_paragraph_is_lost(
    before: list[str], story: list[str], inside: list[str], after: list[str]
) -> None:
    """Chrome around a story and a few chrome lines inside it never cost a paragraph."""
    middle = story[:1] + inside + story[1:]
    page = "\n\n".join(["Headline of the story", *before, *middle, *after])
    cleaned = clean(page)
    for paragraph in story:
        assert paragraph in cleaned


@settings(deadline=None)
@given(st.lists(st.sampled_from(CHROME + STORY + [""]), max_size=30))
def test_selecting_the_main_text_twice_equals_once(page: list[str]) -> None:
    once = select_main_text(remove_chrome(pa.array(["\n".join(page)])))
    assert select_main_text(once).equals(once)


@pytest.mark.skipif(not EXTRACTION.is_file(), reason=f"{EXTRACTION} absent: not checked")
def test_the_rules_keep_every_paragraph_of_the_labelled_bodies(tmp_path: Path) -> None:
    """The 181 hand-labelled article bodies of the extraction benchmark lose nothing to rules."""
    with tarfile.open(EXTRACTION) as tar:
        bodies = [
            tar.extractfile(member).read().decode()  # type: ignore[union-attr]
            for member in tar.getmembers()
            if member.isfile() and "expected_body" in member.name
        ]
    assert len(bodies) == 181
    texts = normalise_text(pa.array(bodies))
    kept = remove_chrome(texts).to_pylist()
    lost = [
        line
        for text, cleaned in zip(texts.to_pylist(), kept, strict=True)
        for line in text.split("\n")
        if line.strip() and line.strip() not in cleaned
    ]
    # The rules take 8 lines of the labelled bodies, all credits, copyright notices and a
    # newsletter appeal that the labellers kept (`© Reuters`, `(Image credit: All About Space)`,
    # `(Reporting by Will Dunham; Editing by Tom Brown)`); never a sentence of the story.
    assert len(lost) <= 8, lost
    assert all(
        len(line.split()) < 4
        or line.startswith(("©", "Copyright", "(Image credit", "(Reporting by"))
        or "newsletter" in line
        for line in lost
    ), lost


WIRE = """The U.S. Agriculture Department
reported the farmer-owned reserve national five-day average
price through February 25 as follows (Dlrs/Bu-Sorghum Cwt) -
Natl Loan Release Call
Avge Rate-X Level Price Price
Wheat 2.55 2.40 IV 4.65 --
Corn 1.35 1.92 IV 3.15 3.15
X - 1986 Rates.

Shr 39 cts vs 50 cts
Net 1,545,160 vs 2,188,933
Year
NOTE: Results include adjustment of 848,600 dlrs or 20 cts
shr for 1986 year and both 1985 periods from improvement in
results of its universal life business than first estimated."""


def test_hard_wrapped_newswire_with_tables_is_kept_whole() -> None:
    assert main_text(WIRE) == WIRE


def test_a_page_keeps_its_story_and_loses_menus_teasers_and_comments() -> None:
    menu = "\n".join(["Home", "World", "Business", "Tech", "Sport", "Culture", "Video", "Audio"])
    story = [
        "The minister said on Monday that the talks in Geneva would go on for another week.",
        "Officials in both capitals described the meeting as constructive but difficult.",
        "Analysts expect the central bank to keep rates unchanged at its next meeting.",
    ]
    teasers = "\n".join(["Stocks slide as oil jumps", "Five things to know today", "Weather"])
    comments = "Leave a Reply\n\nI think this article is wrong about the talks, as usual."
    page = "\n\n".join([menu, *story, "Related", teasers, comments])
    assert main_text(page) == "\n\n".join(story)


def test_below_a_headline_repeated_in_the_page_the_story_is_the_first_block() -> None:
    """A page text starts with its title; the headline above the story repeats it."""
    teasers = [
        f"Another story, number {n}, with a standfirst long enough to read like prose, and "
        f"longer than any paragraph of the story below, so that the teasers hold more words."
        for n in range(5)
    ]
    story = [
        "The minister said on Monday that the talks in Geneva would go on for another week.",
        "Officials in both capitals described the meeting as constructive but difficult, "
        "and said that the next round would open in the spring with more delegations.",
        "Analysts expect the central bank to keep rates unchanged at its next meeting.",
    ]
    comments = [
        f"reader{n} says:\nI think this article is wrong about the talks and here is why, in "
        f"many more words than the story has, so that this comment block is the wordiest of all "
        f"the blocks of prose on the page, as the comments under real stories often are. {n}"
        for n in range(6)
    ]
    page = "\n\n".join(
        [
            "Talks In Geneva Go On | Example News",
            "Home",
            "World",
            *teasers,
            "Talks In Geneva Go On",
            "By Jane Doe",
            "Photo: Jane Doe",
            story[0],
            "The ministry building in Geneva. (Image: GETTY )",
            *story[1:],
            "Share this:",
            "6 responses to “Talks In Geneva Go On”",
            *comments,
        ]
    )
    parsed = parse_structure(remove_chrome(pa.array([page])), main_text=select_main_text)
    assert parsed.title.to_pylist() == ["Talks In Geneva Go On"]
    assert parsed.body.to_pylist() == ["\n\n".join(story)]
    assert parsed.byline.to_pylist() == ["Jane Doe"]
    # Without the headline to go by, the teasers stay.
    assert "Another story, number 0" in main_text(page.split("\n\n", 1)[1])


def test_captions_credits_galleries_and_time_stamps_are_chrome() -> None:
    lines = [
        "Image 1 of 8",
        "1 / 8",
        "Back to Gallery",
        "Caption",
        "3 of 4 A shopper looks at extension cords at a hardware store, Tuesday, in Grass Valley.",
        "The ministry building in Geneva. (Image: GETTY )",
        "A lunar lander on the surface of the moon, as an artist sees it. Credit: ESA",
        "Rep. Ilhan Omar speaks at the Capitol on July 25, 2019. J. Scott Applewhite / AP file",
        "Nov. 20, 2019 Updated: Nov. 20, 2019 1:35 a.m.",
        "Published: Nov. 19, 2019, 6:18 p.m. Updated: Nov. 19, 2019, 7:10 p.m.",
        "November 18, 2019",
        "By",
        "Tags: ads, awareness, news",
        "Click to share on Twitter (Opens in new window)",
        "Get the day's top headlines delivered to your inbox every morning by subscribing to our "
        "newsletter.",
    ]
    assert remove_chrome(pa.array(["\n".join(lines)])).to_pylist() == [""]
    # The same words inside a long paragraph are the story's.
    paragraph = (
        "The newsletter, which the council delivered to every inbox in the town on Monday, "
        "asked residents to sign up for the consultation. " * 4
    ).strip()
    assert remove_chrome(pa.array([paragraph])).to_pylist() == [paragraph]


def test_a_caption_printed_twice_in_the_story_goes_and_a_story_printed_twice_stays() -> None:
    caption = "The ministry building in Geneva, where the talks were held on Monday evening."
    story = [
        "The minister said on Monday that the talks in Geneva would go on for another week.",
        "Officials in both capitals described the meeting as constructive but difficult.",
        "Analysts expect the central bank to keep rates unchanged at its next meeting.",
        "Prices rose by 3 percent in March, the statistics office said in a statement.",
    ]
    menu = "\n".join(["Home", "World", "Business", "Tech", "Sport", "Culture", "Video", "Audio"])
    page = "\n\n".join([menu, story[0], caption, caption, *story[1:], menu])
    assert main_text(page) == "\n\n".join(story)
    twice = "\n\n".join([menu, *story, *story, menu])
    assert main_text(twice) == "\n\n".join([*story, *story])


def test_paywall_lines_are_chrome_and_sentences_about_subscribers_are_not() -> None:
    paywalls = [
        "To continue reading, subscribe to the Harbour Times from one dollar a week.",
        "This article is for subscribers only. Already a subscriber? Log in to keep reading.",
        "Subscribe to the Granite Ledger to read the rest of this article.",
        "The full story is available to Granite Ledger subscribers. Subscribe now.",
        "Continue reading the main story",
    ]
    assert remove_chrome(pa.array(["\n".join(paywalls)])).to_pylist() == [""]
    story = [
        "The company said it had signed up 500 new subscribers since it cut its prices in May.",
        "A preview of the report was shared with paying subscribers on Tuesday.",
        "Readers kept reading the paper long after its owners moved it online.",
    ]
    assert remove_chrome(pa.array(["\n".join(story)])).to_pylist() == ["\n".join(story)]


STORY = [
    "The minister said on Monday that the talks in Geneva would go on for another week, "
    "after officials from both capitals agreed to meet again on the question of the border.",
    "Officials in both capitals described the meeting as constructive but difficult, and "
    "said the next round would deal with trade, energy supplies and the release of prisoners.",
    "Analysts expect the central bank to keep rates unchanged at its next meeting, although "
    "two of its members have argued in public for a cut before the end of the year.",
    "Diplomats in Brussels said the agreement could be signed before the summer if the two "
    "sides settle their dispute over the timetable for the withdrawal of troops.",
]


def test_a_box_of_links_inside_a_story_goes_and_the_story_on_both_sides_stays() -> None:
    links = [f"Country {n} weighs a trade deal" for n in range(12)]
    menu = "\n".join(["Home", "World", "Business", "Tech", "Sport", "Culture", "Video", "Audio"])
    box = "\n".join(["Also in the news", *links])
    page = "\n\n".join([menu, *STORY[:2], box, *STORY[2:], "Related", *links[:4]])
    assert main_text(page) == "\n\n".join(STORY)


def test_a_list_heading_after_the_story_does_not_join_what_follows_it() -> None:
    """Teasers apart, one per paragraph, then the site's legal notice: not the story."""
    menu = "\n".join(["Home", "World", "Business", "Tech", "Sport", "Culture", "Video", "Audio"])
    teasers = ["Health", "Why am I not losing weight?", "Health", "Five swaps for game day"] * 2
    notice = [
        "The information provided on this website is intended for general information only and "
        "does not replace the advice of a physician or any other qualified professional.",
        "Results vary depending on starting point, goals and effort, and exercise and a proper "
        "diet are necessary to achieve and maintain weight loss and muscle definition.",
    ]
    page = "\n\n".join([menu, *STORY, "Related articles", *teasers, "Facebook", *notice])
    assert main_text(page) == "\n\n".join(STORY)


LINE = st.sampled_from(["", "", " ", "Menu", "A paragraph of the story.", "Share on X"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.lists(LINE, max_size=8).map("\n".join)), min_size=1, max_size=5
    ),
    st.data(),
)
def test_rebuilt_texts_collapse_blank_runs_as_the_regex_did(
    texts: list[str | None], data: st.DataObject
) -> None:
    array = pa.array(texts, pa.string())
    lines, document, counts = boilerplate._lines(array)
    keep = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines))), dtype=bool
    )
    rebuilt = pa.ListArray.from_arrays(
        pa.array(
            np.concatenate(
                [[0], np.cumsum(np.bincount(document[keep], minlength=len(counts)))]
            ).astype(np.int32)
        ),
        lines.filter(pa.array(keep, pa.bool_())),
    )
    joined = pc.replace_substring_regex(pc.binary_join(rebuilt, "\n"), r"\n{3,}", "\n\n")
    expected = pc.if_else(pc.is_null(array), None, pc.utf8_trim_whitespace(joined))
    assert boilerplate._rebuild(array, lines, document, counts, keep).equals(expected)
