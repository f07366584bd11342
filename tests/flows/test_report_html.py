"""The HTML report: self-contained, and a real browser shows its charts."""

import datetime as dt
import html.parser
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from flows.report_html import PALETTE, render_report_html
from tests.warehouse.report_corpus import report_connection
from warehouse import aggregates, catalog

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a sandboxed, offline, one-shot render: no first-run work, no network of its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def report_page() -> str:
    results = catalog.run_reports(report_connection())
    return render_report_html(
        results,
        snapshot_id="20210101T000000000000Z-abcdef",
        filters="all documents",
        generated_at=dt.datetime(2021, 4, 1, 12, 0, tzinfo=dt.UTC),
    )


class _Marks(html.parser.HTMLParser):
    """Counts the charts of a page and the marks with a size and value in each."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, int] = {}
        self.current: str | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "svg" and "chart" in (attributes.get("class") or ""):
            self.current = attributes["data-chart"] or ""
            self.charts[self.current] = 0
        if tag in {"script", "link", "img", "iframe"} or (tag == "a" and attributes.get("href")):
            self.external.append(tag)
        if tag in {"rect", "circle"} and attributes.get("data-value") and self.current:
            value = float(attributes["data-value"] or 0)
            size = float(attributes.get("width") or attributes.get("r") or 0)
            if value > 0 and size > 0:
                self.charts[self.current] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.current = None


def marks(page: str) -> _Marks:
    parser = _Marks()
    parser.feed(page)
    return parser


def test_page_is_self_contained_with_a_chart_per_report() -> None:
    page = report_page()
    found = marks(page)
    assert found.external == [], "no scripts, stylesheets, images or links to fetch"
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert found.charts == {
        "volume": 6,  # stacked bars: 6 (publisher, month) cells with documents
        "publishers": 3,
        "duplicates": 4,
        "quarantine": 2,
        "reach": 3,
        "widest": 5,
        "top-country": 3,
        "top-person": 1,
        "top-organisation": 1,
        "trend-country": 6,  # points above zero: Russia in 3 months, Myanmar in 2, China in 1
        "trend-person": 2,
        "trend-organisation": 1,
        "comentions": 4,  # each pair drawn in both halves of the matrix
        "agency-reach": 3,  # Reuters in January and February, TASS in March
        "who-copies-whom": 3,  # Reuters -> TASS, Reuters -> BBC, TASS -> BBC: one half only
        "spread-reached": 1,  # two stories reached 2 outlets, none 5 or 10
        "spread-days": 2,  # all stories and Reuters' have a median
        "original-sources": 1,  # Reuters ran the two stories others carried
        "output-shares": 6,  # Reuters own and unclear, TASS wire and own, BBC wire and own
    }


def test_values_and_text_are_escaped() -> None:
    connection = report_connection()
    connection.execute(
        "update documents set title = '<script>alert(1)</script>' where doc_id = 'w1'"
    )
    aggregates.create_report_tables(connection)  # as the next publish would
    page = render_report_html(
        catalog.run_reports(connection),
        snapshot_id="s",
        filters="all documents",
        generated_at=dt.datetime(2021, 4, 1, tzinfo=dt.UTC),
    )
    assert "<script>" not in page and "&lt;script&gt;alert(1)" in page


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "no Chromium found (looked for " + ", ".join(CHROMIUM_NAMES) + "): `make test` installs "
        "Debian's chromium when run as root; install it to run the browser test"
    )


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6), "an 8-bit RGB or RGBA screenshot"
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i : i + 3]) for r in rows for i in range(0, stride, channels)]


def test_chromium_shows_the_charts(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(report_page(), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = marks(dom.stdout)
    assert len(rendered.charts) == 19 and all(rendered.charts.values()), rendered.charts

    shot = tmp_path / "report.png"
    result = chromium(tmp_path, "--window-size=1200,1800", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), result.stderr[-2000:]
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1800)
    bar_colour = bytes.fromhex(PALETTE[0][1:])
    bar_pixels = sum(1 for pixel in pixels if pixel == bar_colour)
    white = sum(1 for pixel in pixels if pixel == b"\xff\xff\xff")
    # Bars cover a visible part of the page, which is not blank: white is most but not all of it.
    assert bar_pixels > 5_000, f"only {bar_pixels} pixels of bar colour"
    assert 0.3 < white / len(pixels) < 0.98
