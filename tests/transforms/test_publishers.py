import pyarrow as pa
import pytest

from transforms.publishers import (
    PublisherRules,
    PublisherSignature,
    SignatureError,
    attribute_publishers,
    combine_signatures,
    glob_pattern,
    parse_rules,
    parse_signatures,
    site_like_names,
    site_name_candidates,
    sites_of,
)


def test_site_chrome_names_the_outlet_and_a_wire_never_does() -> None:
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
    assert attribute_publishers(texts).to_pylist() == [
        "The Moscow Times",
        "unknown",
        "The Moscow Times",
        "unknown",
        "unknown",
    ]


def test_signatures_from_toml_take_priority() -> None:
    extra = parse_signatures(
        '[[publisher]]\nname = "Kyiv Independent"\npatterns = ["Support the Kyiv Independent"]\n'
    )
    rules = PublisherRules(combine_signatures(extra))
    texts = pa.array(["Text. Support the Kyiv Independent. Support The Moscow Times!"])
    assert attribute_publishers(texts, rules=rules).to_pylist() == ["Kyiv Independent"]


def test_the_first_signature_wins_wherever_each_stands_in_the_chrome() -> None:
    # Patterns with flags and with the same group name, which one expression cannot hold.
    signatures = (
        PublisherSignature("Wire Desk", r"(?m)^\s*WIRE DESK\s*$"),
        PublisherSignature("Lakeside Record", r"(?P<site>Lakeside Record)"),
        PublisherSignature("Harbour Times", r"(?i)(?P<site>harbour times)"),
    )
    texts = pa.array(
        [
            "Support HARBOUR TIMES!\nStory.\n© Lakeside Record\nWIRE DESK",
            "Story.\nSupport Harbour Times!\n© Lakeside Record",
            "Story. WIRE DESK is a name here.",
            None,
        ]
    )
    rules = PublisherRules(signatures)
    assert attribute_publishers(texts, rules=rules).to_pylist() == [
        "Wire Desk",
        "Lakeside Record",
        "unknown",
        "unknown",
    ]


def test_a_mention_deep_inside_the_story_is_not_a_signature() -> None:
    story = "Lead.\n\n" + "Filler sentence of the story. " * 100 + "He told The Moscow Times team."
    story += "\n\n" + "More of the story. " * 200
    assert attribute_publishers(pa.array([story])).to_pylist() == ["unknown"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[publisher]\nname=", "not valid TOML"),
        ('[[publisher]]\npatterns = ["x"]', "has no name"),
        ('[[publisher]]\nname = "X"', "has no patterns, paths or domains"),
        ('[[publisher]]\nname = "X"\npatterns = ["(unclosed"]', "bad pattern"),
        ('[[publisher]]\nname = "X"\npaths = "x/**"', "paths must be a list"),
        ('layout = "{site}/{publisher}/**"', "must name one folder"),
        ("layout = 3", "layout must be a string"),
    ],
)
def test_bad_publishers_files_say_what_is_wrong(toml: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        parse_rules(toml)


def test_the_mapping_comes_first_then_signatures_learned_names_and_page_titles() -> None:
    rules = parse_rules(
        '[[publisher]]\nname = "Kyiv Independent"\npaths = ["kyiv/**"]\n'
        'domains = ["kyivindependent.com"]\n'
        '[[publisher]]\nname = "Harbour Gazette"\npatterns = ["Harbour Gazette Ltd"]\n'
    )
    paths = pa.array(
        [
            "kyiv/2021/a.txt",  # the folder: mapped, whatever the page says
            "crawl/www.kyivindependent.com_17.txt",  # the domain in the file name
            "misc/b.txt",  # the domain in the page's chrome
            "misc/c.txt",  # a user signature
            "lakeside/d.txt",  # the site's learned name
            "misc/e.txt",  # a page title's site name that reads like one
            "misc/f.txt",  # a surname at the end of the title is no evidence
            "misc/g.txt",  # nor an agency
        ]
    )
    texts = pa.array(
        [
            "Support The Moscow Times!\n\nText.",
            "Text.",
            "Text.\n\nVisit kyivindependent.com",
            "Text.\n\n© Harbour Gazette Ltd",
            "Text.",
            "Text.",
            "Text.",
            "Text.",
        ]
    )
    learned = pa.array([None, None, None, None, "Lakeside Record", None, None, None], pa.string())
    titles = pa.array([None, None, None, None, None, "MacRumors", "Harris", "Reuters"], pa.string())
    publishers = attribute_publishers(
        texts, sites_of(paths, rules), rules, learned_names=learned, title_sites=titles
    )
    assert publishers.to_pylist() == [
        "Kyiv Independent",
        "Kyiv Independent",
        "Kyiv Independent",
        "Harbour Gazette",
        "Lakeside Record",
        "MacRumors",
        "unknown",
        "unknown",
    ]


def test_a_reuter_sign_off_is_the_wire_s_own_feed() -> None:
    texts = pa.array(
        [
            "HEADLINE\n\nCompany said it would.\n REUTER",
            "Headline\n\nA story that says REUTER in it.",
        ]
    )
    assert attribute_publishers(texts).to_pylist() == ["Reuters", "unknown"]


def test_a_site_is_the_mapped_publisher_the_layout_s_folder_or_the_first_folder() -> None:
    paths = pa.array(["kyiv/2021/a.txt", "daily-courier/2021-05/b.txt", "c.txt", "x/y/z/d.txt"])
    assert sites_of(paths, PublisherRules()).site.to_pylist() == [
        "kyiv/",
        "daily-courier/",
        "",
        "x/",
    ]
    # A domain that opens a file's name tells its site, in a folder of many sites.
    named = pa.array(["crawl/www.wsj.com_1.txt", "crawl/apnews.com_2.txt", "crawl/3_x.com.txt"])
    assert sites_of(named, PublisherRules()).site.to_pylist() == [
        "www.wsj.com",
        "apnews.com",
        "crawl/",
    ]
    mapped = parse_rules('[[publisher]]\nname = "Kyiv Independent"\npaths = ["kyiv/**"]\n')
    assert sites_of(paths, mapped).site.to_pylist()[0] == "Kyiv Independent"
    deeper = parse_rules('layout = "*/{site}/**"')
    assert sites_of(paths, deeper).site.to_pylist() == [
        "2021/",
        "2021-05/",
        "",
        "y/",
    ]
    named = parse_rules('layout = "{publisher}/**"')
    assert sites_of(paths, named).mapped.to_pylist() == ["kyiv", "daily-courier", None, "x"]


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("kyiv/**", "kyiv/2021/a.txt", True),
        ("kyiv/**", "kyivpost/a.txt", False),
        ("**/*kyiv*", "crawl/2021/www.kyiv.com.txt", True),
        ("**/*kyiv*", "kyiv.txt", True),
        ("*/a.txt", "x/y/a.txt", False),
    ],
)
def test_globs_match_folders_and_file_names(glob: str, path: str, matches: bool) -> None:
    import re

    assert bool(re.match(glob_pattern(glob), path)) is matches


def test_chrome_that_names_its_site_and_names_that_read_like_sites() -> None:
    lines = pa.array(
        [
            "© 2021 Daily Courier. All rights reserved.",
            "Support Harbour Times!",
            "Please consider making a donation to The Continental to help us continue.",
            "© 2019 Associated Press. All Rights Reserved.",
            "© Getty Images",
            "The minister said on Monday that the talks would go on.",
        ]
    )
    assert site_name_candidates(lines).to_pylist() == [
        "Daily Courier",
        "Harbour Times",
        "The Continental",
        None,
        None,
        None,
    ]
    names = pa.array(["Express.co.uk", "Fox Business", "SlashGear", "Kelly", "ESRI", "AFP"])
    assert site_like_names(names).to_pylist() == [
        "Express.co.uk",
        None,
        "SlashGear",
        None,
        None,
        None,
    ]
