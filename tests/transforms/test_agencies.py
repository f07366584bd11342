import pyarrow as pa
import pytest

from transforms.agencies import (
    byline_agencies,
    canonical_agencies,
    credited_agencies,
    sign_off_agencies,
)


def test_agencies_have_one_name_however_they_are_written() -> None:
    names = pa.array(["AP", "The Associated Press", "DPA", "RIA", "ITAR-TASS", "Bloomberg", "BBC"])
    assert canonical_agencies(names).to_pylist() == [
        "AP",
        "AP",
        "dpa",
        "RIA Novosti",
        "TASS",
        "Bloomberg",
        None,
    ]


@pytest.mark.parametrize(
    ("byline", "agency"),
    [
        ("AFP", "AFP"),
        ("The Associated Press", "AP"),
        ("Jane Doe, Reuters", "Reuters"),
        ("Jane Doe | AFP", "AFP"),
        ("Reuters Staff", "Reuters"),
        ("Jane Doe", None),
        ("Staff and agencies", None),
        ("Maria Reuterswärd", None),
    ],
)
def test_a_byline_credits_an_agency(byline: str, agency: str | None) -> None:
    assert byline_agencies(pa.array([byline])).to_pylist() == [agency]


@pytest.mark.parametrize(
    ("line", "agency"),
    [
        ("— AFP", "AFP"),
        ("(Reuters)", "Reuters"),
        ("Source: Xinhua", "Xinhua"),
        ("With AFP", "AFP"),
        ("The Associated Press contributed to this report.", "AP"),
        ("/TASS/", "TASS"),
        ("Photo: AFP", None),
        ("Officials told AFP on Monday that the talks had failed.", None),
    ],
)
def test_a_sign_off_line_credits_an_agency(line: str, agency: str | None) -> None:
    assert sign_off_agencies(pa.array([line])).to_pylist() == [agency]


def test_dateline_then_byline_then_sign_off_then_a_wire_copyright() -> None:
    pages = pa.array(
        [
            "PARIS (AFP) - Text.",
            "Text. © 2019 Associated Press. All Rights Reserved.",
            "Text.\n\n© 2019 Associated Press. All Rights Reserved.",
            "Officials told AFP that the talks had failed.\n\nPhoto: AFP",
        ]
    )
    credited = credited_agencies(
        pa.array(["AFP", None, None, None], pa.string()),
        pa.array(["Jane Doe, Reuters", None, None, None], pa.string()),
        pa.array([None, "Xinhua", None, None], pa.string()),
        pages,
    )
    assert credited.to_pylist() == ["AFP", "Xinhua", "AP", None]
