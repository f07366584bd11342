import datetime as dt

import pyarrow as pa

from transforms.articles import parse_articles
from transforms.header import PlausibleDates, dateline_dates, parse_date_headers
from transforms.records import FILES_SCHEMA


def test_parses_day_month_missing_and_invalid_headers() -> None:
    texts = pa.array(
        [
            "date 2021-03-29 Support The Moscow Times!\nContribute today",
            "date 2021-08 KUBINKA /Moscow Region/, August 23.",
            "No header at all.",
            "date 2021-13-45 A month that does not exist.",
            "date 2021-02-30\nA day that does not exist.",
            "date 2020-02-29\nA leap day.",
            None,
        ]
    )
    headers = parse_date_headers(texts)
    assert headers.published_date.to_pylist() == [
        dt.date(2021, 3, 29),
        dt.date(2021, 8, 1),
        None,
        None,
        None,
        dt.date(2020, 2, 29),
        None,
    ]
    assert headers.date_precision.to_pylist() == [
        "day",
        "month",
        "none",
        "invalid",
        "invalid",
        "day",
        "none",
    ]
    assert headers.texts.to_pylist() == [
        "Support The Moscow Times!\nContribute today",
        "KUBINKA /Moscow Region/, August 23.",
        "No header at all.",
        "A month that does not exist.",
        "A day that does not exist.",
        "A leap day.",
        None,
    ]


RUN_DAY = dt.date(2026, 12, 1)


def test_dates_outside_the_plausible_range_are_invalid_and_null() -> None:
    plausible = PlausibleDates.for_run(RUN_DAY)
    assert plausible == PlausibleDates(dt.date(1800, 1, 1), dt.date(2026, 12, 3))
    texts = pa.array(
        [
            "date 0001-01-01 A copy dated year one.",
            "date 9999-12-31 A copy dated the end of time.",
            "date 1799-12-31 Before newspapers as we know them.",
            "date 1800-01-01 The first day believed.",
            "date 2026-12-03 Two days ahead: a time zone, an embargo.",
            "date 2026-12-04 Three days ahead.",
            "date 2026-12 This month.",
        ]
    )
    headers = parse_date_headers(texts, plausible)
    assert [str(d) if d else None for d in headers.published_date.to_pylist()] == [
        None,
        None,
        None,
        "1800-01-01",
        "2026-12-03",
        None,
        "2026-12-01",
    ]
    assert headers.date_precision.to_pylist() == [
        "invalid",
        "invalid",
        "invalid",
        "day",
        "day",
        "invalid",
        "month",
    ]
    assert headers.texts.to_pylist()[0] == "A copy dated year one."


def test_only_the_first_line_is_the_header_and_garbage_never_becomes_text() -> None:
    texts = pa.array(
        [
            "date 2021-06-06\ndate 2021-06-06\nMinisters Meet\n\nThe body.",
            "date 2021-06-06\n\ndate 2021-06-07 date 2021-06-08\nMinisters Meet",
            "date 2021-06-06abc Ministers Meet\n\nThe body.",
            "date 2021/06/06\nMinisters Meet",
            "date 2021-06-06T10:00:00Z Ministers Meet",
            "Ministers Meet\ndate 2021-06-06\nThe body.",
        ]
    )
    headers = parse_date_headers(texts)
    assert [str(d) if d else None for d in headers.published_date.to_pylist()] == [
        "2021-06-06",
        "2021-06-06",
        None,
        None,
        None,
        None,
    ]
    assert headers.date_precision.to_pylist() == [
        "day",
        "day",
        "invalid",
        "invalid",
        "invalid",
        "none",
    ]
    assert headers.texts.to_pylist() == [
        "Ministers Meet\n\nThe body.",
        "Ministers Meet",
        "Ministers Meet\n\nThe body.",
        "Ministers Meet",
        "Ministers Meet",
        "Ministers Meet\ndate 2021-06-06\nThe body.",
    ]


def test_a_repeated_or_garbled_header_never_becomes_the_headline() -> None:
    body = "GENEVA, May 4 - Ministers met on Tuesday to discuss the ceasefire and the talks."
    raw = [
        f" date 2021-06-06 \n date 2021-06-06 \nMinisters Meet\n\n{body}",
        f" date 2021-06-06xyz \nMinisters Meet\n\n{body}",
    ]
    files = pa.table(
        {"source_path": ["a.txt", "b.txt"], "raw": [text.encode() for text in raw]},
        schema=FILES_SCHEMA,
    )
    rows = parse_articles(files).documents.to_pylist()
    assert [(r["title"], r["date_precision"]) for r in rows] == [
        ("Ministers Meet", "day"),
        ("Ministers Meet", "invalid"),
    ]


def test_implausible_dateline_dates_are_null() -> None:
    dates = dateline_dates(
        pa.array(["March 5, 1001", "March 5, 2087", "March 5, 2021"]),
        pa.array(["a.txt", "b.txt", "c.txt"]),
        PlausibleDates.for_run(RUN_DAY),
    )
    assert dates.to_pylist() == [None, None, dt.date(2021, 3, 5)]


def test_a_text_that_merely_mentions_a_date_keeps_it() -> None:
    headers = parse_date_headers(pa.array(["The date 2021-03-29 was a Monday."]))
    assert headers.published_date.to_pylist() == [None]
    assert headers.texts.to_pylist() == ["The date 2021-03-29 was a Monday."]


def test_dateline_dates_take_the_year_from_the_dateline_or_the_path() -> None:
    dates = dateline_dates(
        pa.array(["August 23", "Mar. 5, 1987", "Feb 30", "June 1", None, "Sept 9"]),
        pa.array(["tass/2021-08/a.txt", "x/b.txt", "2020/c.txt", "no-year/d.txt", "e", "2019"]),
    )
    assert [str(d) if d else None for d in dates.to_pylist()] == [
        "2021-08-23",
        "1987-03-05",
        None,  # no 30 February
        None,  # no year anywhere
        None,
        "2019-09-09",
    ]


def test_a_dateline_dates_an_article_without_a_header() -> None:
    text = "Tanks on parade\n\nKUBINKA /Moscow Region/, August 23. /TASS/. The army showed tanks."
    files = pa.table(
        {"source_path": ["tass/2021-08/x.txt", "plain/y.txt"], "raw": [text.encode()] * 2},
        schema=FILES_SCHEMA,
    )
    rows = parse_articles(files).documents.to_pylist()
    assert [(str(r["published_date"]), r["date_precision"], r["date_source"]) for r in rows] == [
        ("2021-08-23", "day", "dateline"),
        ("None", "none", "none"),
    ]
