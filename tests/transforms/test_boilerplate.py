import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SEEDS
from transforms.boilerplate import count_lines, remove_chrome
from transforms.header import parse_date_headers
from transforms.normalise import normalise_text


def clean(text: str) -> str:
    return remove_chrome(pa.array([text])).to_pylist()[0]


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
    assert cleaned.startswith("Russia 'Concerned' Over Myanmar Civilian Casualties\n\nBy AFP\n")


def test_tass_seed_has_no_chrome_and_stays_as_it_is() -> None:
    text = seed_text("003")
    assert clean(text) == text


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


def test_learned_layer_drops_lines_repeated_across_documents() -> None:
    footer = "Example Daily, 1 Main Street, Springfield"
    texts = [
        f"Story {n} has a paragraph of its own about event {n}.\n\n{footer}" for n in range(30)
    ]
    stats = count_lines(pa.array(texts))
    cleaned = remove_chrome(pa.array(texts), repeated_lines=stats).to_pylist()
    assert cleaned[0] == "Story 0 has a paragraph of its own about event 0."
    assert remove_chrome(pa.array(texts)).to_pylist()[0] == texts[0]
    merged = stats.merge(stats)
    assert len(merged.frequent(60)) == 1


def test_nulls_and_empty_input() -> None:
    assert remove_chrome(pa.array([None, ""], pa.string())).to_pylist() == [None, ""]
    assert remove_chrome(pa.array([], pa.string())).to_pylist() == []


lines = st.sampled_from(
    [
        "Support The Moscow Times!",
        "Read more about: Kremlin",
        "Share on Facebook Twitter",
        "A sentence of the story that says something about the news.",
        "Another sentence of the story, with a quote from an official.",
        "",
        "Related",
        "Advertisement",
    ]
)


@given(st.lists(lines, max_size=30))
def test_removing_chrome_twice_equals_once(page: list[str]) -> None:
    once = clean("\n".join(page))
    assert clean(once) == once
