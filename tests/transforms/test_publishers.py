import pyarrow as pa
import pytest

from transforms.publishers import (
    SignatureError,
    attribute_publishers,
    combine_signatures,
    parse_signatures,
)


def test_site_chrome_beats_the_wire_dateline() -> None:
    texts = pa.array(
        [
            "Support The Moscow Times!\nContribute today\n\nHeadline\n\nBy AFP\nText.",
            "KUBINKA /Moscow Region/, August 23. /TASS/. Russia is prepared.",
            "MOSCOW, March 5. /TASS/. Story.\n\n"
            "Please consider making a donation to The Moscow Times",
            "LONDON (Reuters) - Shares fell.",
            "A page with no signature at all.",
        ]
    )
    agencies = pa.array([None, "TASS", "TASS", "Reuters", None], pa.string())
    assert attribute_publishers(texts, agencies).to_pylist() == [
        "The Moscow Times",
        "TASS",
        "The Moscow Times",
        "Reuters",
        "unknown",
    ]


def test_signatures_from_toml_take_priority() -> None:
    extra = parse_signatures(
        '[[publisher]]\nname = "Kyiv Independent"\npatterns = ["Support the Kyiv Independent"]\n'
    )
    signatures = combine_signatures(extra)
    texts = pa.array(["Text. Support the Kyiv Independent. Support The Moscow Times!"])
    assert attribute_publishers(texts, pa.array([None], pa.string()), signatures).to_pylist() == [
        "Kyiv Independent"
    ]


def test_a_mention_deep_inside_the_story_is_not_a_signature() -> None:
    story = "Lead.\n\n" + "Filler sentence of the story. " * 100 + "He told The Moscow Times team."
    story += "\n\n" + "More of the story. " * 200
    assert attribute_publishers(pa.array([story]), pa.array([None], pa.string())).to_pylist() == [
        "unknown"
    ]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[publisher]\nname=", "not valid TOML"),
        ('[[publisher]]\npatterns = ["x"]', "has no name"),
        ('[[publisher]]\nname = "X"', "has no patterns"),
        ('[[publisher]]\nname = "X"\npatterns = ["(unclosed"]', "bad pattern"),
    ],
)
def test_bad_signature_files_say_what_is_wrong(toml: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        parse_signatures(toml)


def test_a_reuter_sign_off_and_a_title_site_name_are_evidence_in_that_order() -> None:
    texts = pa.array(
        [
            "HEADLINE\n\nCompany said it would.\n REUTER",
            "Headline\n\nA story.",
            "Headline\n\nLONDON (Reuters) - Shares fell.",
            "Headline\n\nA story that says REUTER in a sentence.",
        ]
    )
    agencies = pa.array([None, None, "Reuters", None], pa.string())
    sites = pa.array([None, "SlashGear", "SFGate", None], pa.string())
    assert attribute_publishers(texts, agencies, site_names=sites).to_pylist() == [
        "Reuters",
        "SlashGear",
        "Reuters",
        "unknown",
    ]
