import pyarrow as pa
import pytest

from transforms.boilerplate import select_main_text
from transforms.structure import parse_structure


def parse_one(text: str) -> dict[str, str | None]:
    parsed = parse_structure(pa.array([text]))
    return {
        name: getattr(parsed, name).to_pylist()[0]
        for name in (
            "title",
            "subtitle",
            "byline",
            "dateline",
            "dateline_place",
            "dateline_date",
            "dateline_agency",
            "body",
        )
    }


def test_headline_byline_body() -> None:
    parsed = parse_one(
        "Russia 'Concerned' Over Myanmar Civilian Casualties\n\nBy AFP\n"
        "Russia acknowledged Monday that it was developing ties.\n\nMore text."
    )
    assert parsed["title"] == "Russia 'Concerned' Over Myanmar Civilian Casualties"
    assert parsed["byline"] == "AFP"
    assert parsed["dateline"] is None
    assert parsed["body"] == "Russia acknowledged Monday that it was developing ties.\n\nMore text."


def test_tass_dateline_without_headline() -> None:
    parsed = parse_one(
        "KUBINKA /Moscow Region/, August 23. /TASS/. Russia is prepared to develop military "
        "cooperation with Myanmar.\n\nFomin said so."
    )
    assert parsed["title"] is None
    assert parsed["dateline"] == "KUBINKA /Moscow Region/, August 23. /TASS/."
    assert parsed["dateline_place"] == "KUBINKA /Moscow Region/"
    assert parsed["dateline_date"] == "August 23"
    assert parsed["dateline_agency"] == "TASS"
    assert parsed["body"].startswith("Russia is prepared")


@pytest.mark.parametrize(
    ("text", "place", "date", "agency", "body"),
    [
        ("LONDON (Reuters) - Shares fell.", "LONDON", None, "Reuters", "Shares fell."),
        ("PARIS, March 5 (AFP) — Talks resumed.", "PARIS", "March 5", "AFP", "Talks resumed."),
        ("NEW YORK, March 5 - Stocks rose.", "NEW YORK", "March 5", None, "Stocks rose."),
        (
            "MOSCOW, March 5. /TASS/. The Kremlin said.",
            "MOSCOW",
            "March 5",
            "TASS",
            "The Kremlin said.",
        ),
    ],
)
def test_dateline_styles(
    text: str, place: str, date: str | None, agency: str | None, body: str
) -> None:
    parsed = parse_one(text)
    assert (parsed["dateline_place"], parsed["dateline_date"], parsed["dateline_agency"]) == (
        place,
        date,
        agency,
    )
    assert parsed["body"] == body


def test_headline_then_dateline() -> None:
    parsed = parse_one("BAHIA COCOA REVIEW\n\nSALVADOR, Feb 26 - Showers continued.")
    assert parsed["title"] == "BAHIA COCOA REVIEW"
    assert parsed["dateline_place"] == "SALVADOR"
    assert parsed["body"] == "Showers continued."


@pytest.mark.parametrize(
    "text",
    [
        "A single line that is the whole article.",
        "This first line is a sentence of the lead paragraph, not a headline.\nIt goes on.",
        " ".join(["word"] * 40) + "\n\nSecond paragraph.",
    ],
    ids=["only-line", "sentence", "too-long"],
)
def test_no_headline_when_the_first_line_is_prose(text: str) -> None:
    parsed = parse_one(text)
    assert parsed["title"] is None
    assert parsed["body"] == text


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("By AFP", "AFP"),
        ("By Jane Doe", "Jane Doe"),
        ("BY JANE DOE AND JOHN ROE", "JANE DOE AND JOHN ROE"),
        ("Jane Doe, Reuters", "Jane Doe, Reuters"),
        ("Jane van der Berg | AFP", "Jane van der Berg | AFP"),
        ("Chris Davies - Nov 19, 2019, 10:31 pm CST", "Chris Davies"),
        ("Maria Lopez – 5 March 2021", "Maria Lopez"),
    ],
)
def test_byline_variants(line: str, byline: str) -> None:
    parsed = parse_one(f"The Headline of the Story\n\n{line}\n\nThe story starts here and goes on.")
    assert parsed["title"] == "The Headline of the Story"
    assert parsed["byline"] == byline
    assert parsed["body"] == "The story starts here and goes on."


@pytest.mark.parametrize(
    "line",
    ["The minister said, Reuters reported.", "Ministers meet - talks go on", "Jane Doe"],
)
def test_lines_that_are_not_bylines_stay_in_the_body(line: str) -> None:
    parsed = parse_one(f"The Headline of the Story\n\n{line}\n\nThe story goes on.")
    assert parsed["byline"] is None
    assert parsed["body"].startswith(line)


def test_a_standfirst_before_the_byline_is_the_subtitle() -> None:
    parsed = parse_one(
        "Gaming Gets Complicated\n\nThere are more devices and services to choose from than "
        "ever before.\n\nBy Jane Doe\n\nGaming used to be so simple."
    )
    assert (
        parsed["subtitle"] == "There are more devices and services to choose from than ever before."
    )
    assert parsed["byline"] == "Jane Doe"
    assert parsed["body"] == "Gaming used to be so simple."


def test_without_a_byline_after_it_the_first_paragraph_is_no_subtitle() -> None:
    parsed = parse_one("Headline\n\nThe first paragraph of the story.\n\nThe second one.")
    assert parsed["subtitle"] is None
    assert parsed["body"].startswith("The first paragraph")


@pytest.mark.parametrize(
    ("title", "headline", "site"),
    [
        (
            "Hong Kong chaos: China deploys troops | World | News | Express.co.uk",
            "Hong Kong chaos: China deploys troops",
            "Express.co.uk",
        ),
        (
            "Man stabbed to death on San Francisco Bay train - SFGate",
            "Man stabbed to death on San Francisco Bay train",
            "SFGate",
        ),
        (
            "Star Trek 4 eyes Fargo, Legion creator Noah Hawley to direct - The Verge",
            "Star Trek 4 eyes Fargo, Legion creator Noah Hawley to direct",
            "The Verge",
        ),
        (
            "Модель рассказала что больше всего боится — www.wday.ru",
            "Модель рассказала что больше всего боится",
            "www.wday.ru",
        ),
        ("Brexit - What Happens Next", "Brexit - What Happens Next", None),
        (
            "Russia 'Concerned' Over Myanmar Civilian Casualties",
            "Russia 'Concerned' Over Myanmar Civilian Casualties",
            None,
        ),
    ],
)
def test_the_site_name_comes_off_a_page_title(title: str, headline: str, site: str | None) -> None:
    parsed = parse_structure(pa.array([f"{title}\n\nThe story starts here and goes on."]))
    assert parsed.title.to_pylist() == [headline]
    assert parsed.site_name.to_pylist() == [site]


def test_a_byline_above_the_story_on_a_page_is_found() -> None:
    page = (
        "A Longer Headline - SlashGear\n\nTech\nCars\nGaming\nScience\nReviews\nColumns\nVideo\nRSS"
        "\n\nA Headline\n\n"
        "Chris Davies - Nov 19, 2019, 10:31 pm CST\n0\n\n"
        + "\n\n".join(["The story has a paragraph that says what happened and why."] * 3)
    )
    parsed = parse_structure(pa.array([page]), main_text=select_main_text)
    assert parsed.byline.to_pylist() == ["Chris Davies"]
    assert parsed.site_name.to_pylist() == ["SlashGear"]
    assert parsed.body.to_pylist()[0].startswith("The story has")


def test_ap_datelines_name_the_state() -> None:
    parsed = parse_one("HAYWARD, Calif. (AP) — A man was stabbed on a train.")
    assert parsed["dateline_place"] == "HAYWARD, Calif."
    assert parsed["dateline_agency"] == "AP"
    assert parsed["body"] == "A man was stabbed on a train."
