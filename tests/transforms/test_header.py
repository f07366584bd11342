import datetime as dt

import pyarrow as pa

from transforms.header import parse_date_headers


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
