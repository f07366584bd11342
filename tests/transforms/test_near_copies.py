"""Which pairs of bodies are near copies: partial reprints, short notices, templates."""

import numpy as np
import pyarrow as pa

from tests.texts import misread, sentences
from transforms.near_copies import NearDupParams, verify_pairs
from transforms.word_count import SHORT_BODY_WORDS


def _story(n: int) -> list[str]:
    return [
        f"Paragraph {i} of story {n}: the council met on Tuesday to weigh plan {n * 10 + i}, "
        f"and members argued for hours about its cost of {i * 7 + n} million before the vote."
        for i in range(8)
    ]


def test_a_partial_reprint_is_a_copy_but_a_short_templated_notice_is_not() -> None:
    story = _story(1)
    bodies = pa.array(
        [
            "\n\n".join(story),
            "\n\n".join(story[:3]),  # the first part of the story only
            # A templated notice of 10 shingles, and another company's longer one containing it.
            "Qtly div five cts vs five cts prior\nPay July One\nRecord June 17",
            "Qtly div five cts vs five cts prior\nPay July One\nRecord June 17\n"
            "The company also said it would hold its annual meeting in Chicago next spring.",
        ]
    )
    jaccard, containment, is_copy = verify_pairs(
        bodies, np.array([0, 2]), np.array([1, 3]), NearDupParams()
    )
    assert containment.tolist() == [1.0, 1.0]  # each shorter text lies wholly in the other
    assert (jaccard < NearDupParams().min_jaccard).all()  # not copies by Jaccard
    assert is_copy.tolist() == [True, False]
    # Without the floors on the contained body's size the notice would pass for a copy.
    loose = NearDupParams(min_contained_shingles=1, min_words=1)
    _, _, copies = verify_pairs(bodies, np.array([0, 2]), np.array([1, 3]), loose)
    assert copies.tolist() == [True, True]
    for floor in (NearDupParams(min_words=1), NearDupParams(min_contained_shingles=1)):
        _, _, copies = verify_pairs(bodies, np.array([0, 2]), np.array([1, 3]), floor)
        assert copies.tolist() == [True, False]  # either floor alone keeps them apart


def test_short_bodies_are_never_near_copies() -> None:
    """Word for word the same, but too short to be evidence of one story by themselves."""
    notice = "Qtly div five cts vs five cts prior. Pay July One. Record June 17."
    story = " ".join(f"word{i}" for i in range(SHORT_BODY_WORDS))
    bodies = pa.array([notice, notice + " ", story, story + " Updated."])
    jaccard, _, is_copy = verify_pairs(bodies, np.array([0, 2]), np.array([1, 3]), NearDupParams())
    assert jaccard[0] == 1.0 and not is_copy[0]
    assert is_copy[1]


FED = (
    "The Federal Reserve entered the U.S. Government securities market to arrange {amount} "
    "billion dlrs of customer repurchase agreements, a Fed spokesman said. Dealers said "
    "Federal funds were trading at {rate} pct when the Fed began its temporary and indirect "
    "supply of reserves to the banking system."
)


# Reuters, 2 March 1987: Arbor Drugs' quarter and half year, sent twice.
ARBOR = (
    "Shr 30 cts vs 36 cts\nNet 1,914,388 vs 1,906,095\nSales {} mln vs 40.6 mln\n"
    "Shr 47 cts vs 53 cts\nNet 2,961,718 vs 2,817,439\nSales {} mln vs 74.9 mln\n"
    "Avg shrs 6,342,353 vs 5,342,353"
)


def test_a_template_with_other_figures_is_another_story_but_a_corrected_figure_is_not() -> None:
    # 150 distinct made-up words (no figures, no number words) around one figure.
    prose = [chr(97 + i % 26) + chr(97 + i // 26) + "ka" for i in range(150)]
    counted = " ".join(prose[:75]) + " Officials counted {} trucks. " + " ".join(prose[75:])
    bodies = pa.array(
        [
            FED.format(amount="1.5", rate="6-3/16"),
            FED.format(amount="two", rate="6-5/16"),  # another day's report
            FED.format(amount="1.5", rate="6-3/16") + " It was the third such operation.",
            ARBOR.format(58.7, 107.6),
            ARBOR.format(58.8, 107.7),  # the same results, two sales figures corrected
            counted.format(12),
            counted.format(14),  # the one figure of a long story
        ]
    )
    left, right = np.array([0, 0, 3, 5]), np.array([1, 2, 4, 6])
    jaccard, _, is_copy = verify_pairs(bodies, left, right, NearDupParams())
    assert (jaccard >= NearDupParams().min_jaccard).all()  # all copies by their words alone
    assert is_copy.tolist() == [False, True, True, True]
    # Without the figures rule the two reports would be one story.
    _, _, without = verify_pairs(bodies, left, right, NearDupParams(min_number_mismatch=2.0))
    assert without.tolist() == [True, True, True, True]
    # Each half of the rule keeps one of the copies. The corrected table: most figures agree,
    # though they are most of what it says. The long story: its one figure is a small part of it.
    _, _, no_share = verify_pairs(bodies, left, right, NearDupParams(min_number_mismatch=0.0))
    assert no_share.tolist() == [False, True, False, True]
    _, _, no_gap = verify_pairs(bodies, left, right, NearDupParams(min_number_gap=0.0))
    assert no_gap.tolist() == [False, True, True, False]


# --- partial and noisy reprints ----------------------------------------------------------------


def _verify(*bodies: str, pairs: list[tuple[int, int]]) -> list[bool]:
    left, right = np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])
    _, _, is_copy = verify_pairs(pa.array(list(bodies)), left, right, NearDupParams())
    return is_copy.tolist()


def test_a_brief_of_a_long_story_is_a_copy_at_any_size_ratio() -> None:
    story = sentences(1, 110)  # about 2,000 words
    words = " ".join(story).split()
    assert len(words) > 1900
    brief = " ".join(words[:60])
    short = " ".join(words[:35])  # under the minimum shared length
    params = NearDupParams()
    jaccard, containment, is_copy = verify_pairs(
        pa.array([" ".join(story), brief, short]), np.array([0, 0]), np.array([1, 2]), params
    )
    assert jaccard[0] < 0.05 and containment.tolist() == [1.0, 1.0]
    assert is_copy.tolist() == [True, False]


def test_a_teaser_with_its_subscription_line_is_a_copy() -> None:
    story = sentences(2, 20)
    teaser = " ".join(story[:5]) + "\n\nSubscribe to The Daily Planet to read the rest of this."
    assert _verify(" ".join(story), teaser, pairs=[(0, 1)]) == [True]


def test_a_misread_copy_is_a_copy_though_it_shares_half_of_its_shingles() -> None:
    story = " ".join(sentences(3, 25))
    scanned = misread([story])[0]
    jaccard, containment, is_copy = verify_pairs(
        pa.array([story, scanned]), np.array([0]), np.array([1]), NearDupParams()
    )
    assert jaccard[0] < 0.5 and containment[0] < 0.8  # no copy by the shingle rules alone
    assert is_copy.tolist() == [True]


def test_a_digest_of_first_sentences_is_no_copy_of_its_stories() -> None:
    stories = [sentences(10 + i, 15) for i in range(3)]
    digest = "\n\n".join(f"Headline {i}: {story[0]}" for i, story in enumerate(stories))
    bodies = [" ".join(story) for story in stories] + [digest]
    assert _verify(*bodies, pairs=[(0, 3), (1, 3), (2, 3)]) == [False, False, False]
    # A digest of one story's first sentences (a brief of it) is a copy of that story.
    one = "\n\n".join(stories[0][:4])
    assert _verify(bodies[0], one, pairs=[(0, 1)]) == [True]


def test_stories_sharing_a_long_quote_are_not_copies() -> None:
    quote = " ".join(sentences(20, 3))  # a statement of about 50 words quoted by both
    first = " ".join(sentences(21, 12)) + " " + quote
    second = quote + " " + " ".join(sentences(22, 14))
    assert _verify(first, second, pairs=[(0, 1)]) == [False]


# Reuters-21578, October 1987: two companies' notices of one price rise, in one template.
PHILLIPS = (
    "Phillips Petroleum Corp said it raised the contract price it will pay for all grades of "
    "crude oil by 50 cts a barrel, effective Oct 16. The increase brings the company's postings "
    "for the West Texas Intermediate and West Texas Sour grades to 19.00 dlrs a barrel. Phillips "
    "last changed it crude oil postings on Sept 9."
)
CITGO = (
    "Citgo Petroleum Corp, a subsidiary of Southland Corp, said it raised the contract price it "
    "will pay for all grades of crude oil by 50 cts a barrel, effective Oct 16 The increase "
    "brings Citgo's postings for the West Texas Intermediate and West Texas Sour grades to 19.00 "
    "dlrs/barrel, while Light Louisiana SWeet is now priced at 19.35 dlrs. Citgo last changed it "
    "crude oil postings on Sept 9."
)
# Reuters, April and March 1987: the Fed's overnight and customer repurchases, one template.
OVERNIGHT = (
    "The Federal Reserve entered the U.S. Government securities market to arrange overnight "
    "System repurchase agreements, a Fed spokesman said. Dealers said that Federal funds were "
    "trading at 6-3/8 pct when the Fed began its temporary and direct supply of reserves to the "
    "banking system."
)
CUSTOMER = (
    "The Federal Reserve entered the U.S. Government securities market to arrange two billion "
    "dlrs of customer repurchase agreements, a Fed spokesman said. Dealers said Federal funds "
    "were trading at 6-3/8 pct when the Fed began its temporary and indirect supply of reserves "
    "to the banking system."
)


def test_one_template_filled_with_other_names_is_no_scan_and_no_reprint() -> None:
    """Most words in shared passages, as in a scan, but the others are other words."""
    assert _verify(PHILLIPS, CITGO, OVERNIGHT, CUSTOMER, pairs=[(0, 1), (2, 3)]) == [False, False]
    # The same notices with misread letters instead of other names are scans of each other.
    scanned = PHILLIPS.replace("Petroleum", "Petro1eum").replace("changed", "cbanged")
    scanned = scanned.replace("contract", "coutract").replace("postings", "p0stings")
    assert _verify(PHILLIPS, scanned, pairs=[(0, 1)]) == [True]
