import datetime as dt

import pyarrow as pa

from transforms.articles import parse_articles
from transforms.header import dateline_dates, parse_date_headers
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
