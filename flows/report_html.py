"""The aggregate report as one self-contained HTML page with inline SVG charts.

No JavaScript, no fonts or styles from elsewhere: the file opens offline, in any browser, and can
be mailed. Charts are drawn here from the report rows (bars, stacked bars, lines, a heatmap);
every report's rows follow its chart as a table. Every mark a chart draws carries its value
(``data-value``), so tests and people can check a chart against its table.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from warehouse.catalog import ReportResult

# Colour-blind-safe palette (Okabe & Ito), then greys for "other".
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
OTHER_COLOUR = "#999999"
# Stacked bars show this many publishers; the rest are summed as "other", so the legend stays
# readable with the 24 publishers of a real crawl.
MAX_SERIES = 8
# A table longer than this is cut in the page (`newsetl report --limit 0` prints every row).
MAX_TABLE_ROWS = 100
LABEL_CHARS = 48
# Outlets in the who-copies-whom matrix and the original-sources charts: the busiest.
MAX_OUTLETS = 12
# Pixels an x-axis label needs: "2021-03" in 11 px type, and a gap.
LABEL_WIDTH = 52
KIND_TITLES = {"country": "Countries", "person": "People", "organisation": "Organisations"}

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a;
       margin: 0 auto; max-width: 1100px; padding: 24px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 4px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
p.question { color: #555; margin: 0 0 12px; }
p.meta { color: #555; margin: 0 0 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; }
svg.chart { background: #fafafa; border: 1px solid #eee; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
table { border-collapse: collapse; margin: 12px 0; font-size: 12px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #0072B2; margin-top: 8px; }
.empty { color: #777; font-style: italic; }
"""


def _esc(value: Any) -> str:
    return html.escape("NULL" if value is None else str(value), quote=True)


def _short(text: Any, limit: int = LABEL_CHARS) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _svg(width: int, height: int, label: str, body: Sequence[str], chart: str) -> str:
    return (
        f'<svg class="chart" data-chart="{_esc(chart)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(label)}"><title>{_esc(label)}</title>' + "".join(body) + "</svg>"
    )


def _empty_chart(label: str, chart: str) -> str:
    body = ['<text x="20" y="40" class="empty">nothing to chart for these filters</text>']
    return _svg(520, 70, label, body, chart)


def horizontal_bars(
    labels: Sequence[Any], values: Sequence[float], label: str, chart: str, width: int = 520
) -> str:
    """A horizontal bar chart: one labelled bar per row, longest first as given."""
    if not labels:
        return _empty_chart(label, chart)
    left, right, row, top = 200, 60, 22, 8
    height = top * 2 + row * len(labels)
    peak = max(*values, 1)
    body = []
    for index, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * row
        length = (width - left - right) * value / peak
        body.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{_esc(_short(name, 30))}</text>'
            f'<rect class="bar" data-value="{value}" x="{left}" y="{y + 3}" '
            f'width="{max(length, 1):.1f}" height="{row - 6}" fill="{PALETTE[0]}">'
            f"<title>{_esc(name)}: {_number(value)}</title></rect>"
            f'<text x="{left + length + 4:.1f}" y="{y + 15}">{_number(value)}</text>'
        )
    return _svg(width, height, label, body, chart)


def vertical_bars(
    labels: Sequence[Any],
    series: Mapping[str, Sequence[float]],
    label: str,
    chart: str,
    *,
    x_title: str = "",
    width: int = 1000,
    height: int = 300,
) -> str:
    """Vertical bars, one column per label, stacked when there is more than one series."""
    if not labels:
        return _empty_chart(label, chart)
    left, right, top, bottom = 56, 16, 16, 64 if series and len(series) > 1 else 48
    legend = len(series) > 1
    legend_height = 20 * ((len(series) + 3) // 4) if legend else 0
    plot_height = height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max(*totals, 1)
    slot = (width - left - right) / len(labels)
    bar = max(min(slot * 0.7, 60), 2)
    body = [_y_axis(left, top, plot_height, width - right, peak)]
    for index, name in enumerate(labels):
        x = left + index * slot + (slot - bar) / 2
        base: float = top + plot_height
        for number, (series_name, values) in enumerate(series.items()):
            value = values[index]
            if not value:
                continue
            size = plot_height * value / peak
            base -= size
            colour = OTHER_COLOUR if series_name == "other" else PALETTE[number % len(PALETTE)]
            body.append(
                f'<rect class="bar" data-value="{value}" x="{x:.1f}" y="{base:.1f}" '
                f'width="{bar:.1f}" height="{size:.1f}" fill="{colour}">'
                f"<title>{_esc(name)} · {_esc(series_name)}: {_number(value)}</title></rect>"
            )
        if index % _label_step(len(labels), slot * len(labels)) == 0:
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot_height + 14}" '
                f'text-anchor="middle">{_esc(_short(name, 10))}</text>'
            )
    if x_title:
        body.append(
            f'<text x="{left + (width - left - right) / 2:.1f}" y="{top + plot_height + 32}" '
            f'text-anchor="middle">{_esc(x_title)}</text>'
        )
    if legend:
        body.append(_legend(list(series), left, height + 4))
    return _svg(width, height + (legend_height if legend else 0), label, body, chart)


def line_chart(
    months: Sequence[str],
    series: Mapping[str, Sequence[float]],
    label: str,
    chart: str,
    *,
    width: int = 520,
    height: int = 240,
) -> str:
    """Lines over months, one per series, with a point per month."""
    if not months or not series:
        return _empty_chart(label, chart)
    left, right, top, bottom = 44, 30, 12, 36
    plot_height = height - top - bottom
    peak = max(*(max(values) for values in series.values()), 1)
    step = (width - left - right) / max(len(months) - 1, 1)
    legend_height = 20 * len(series)
    body = [_y_axis(left, top, plot_height, width - right, peak)]
    for number, (name, values) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        points = [
            (left + i * step, top + plot_height * (1 - value / peak))
            for i, value in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<polyline class="line" data-series="{_esc(name)}" points="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        body += [
            f'<circle class="point" data-value="{value}" cx="{x:.1f}" cy="{y:.1f}" r="3" '
            f'fill="{colour}"><title>{_esc(name)} {_esc(month)}: {_number(value)}</title></circle>'
            for (x, y), value, month in zip(points, values, months, strict=True)
        ]
    labels_every = _label_step(len(months), width - left - right)
    body += [
        f'<text x="{left + i * step:.1f}" y="{top + plot_height + 14}" text-anchor="middle">'
        f"{_esc(month)}</text>"
        for i, month in enumerate(months)
        if i % labels_every == 0
    ]
    body.append(_legend(list(series), left, height + 4, columns=1))
    return _svg(width, height + legend_height, label, body, chart)


def heatmap(
    names: Sequence[str],
    counts: dict[tuple[str, str], int],
    label: str,
    chart: str,
    *,
    directed: bool = False,
    caption: str = "documents naming both; grey: not among the most frequent pairs",
) -> str:
    """A matrix of pair counts, darker for more, with the count in each cell.

    Symmetric (co-mentions) unless ``directed``: then the cell in row A, column B is the count of
    the ordered pair (A, B) alone (who copies whom). ``counts`` holds only the pairs the report
    returned: the other cells are grey, never shown as zero.
    """
    if not names:
        return _empty_chart(label, chart)
    cell, left, top = 34, 150, 110
    size = len(names)
    joint = "→" if directed else "+"
    missing = "none" if directed else "not among the most frequent pairs"
    peak, low = max(counts.values()), min(counts.values())
    body = []
    for index, name in enumerate(names):
        y = top + index * cell
        body.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.0f}" text-anchor="end">'
            f"{_esc(_short(name, 22))}</text>"
            f'<text transform="translate({left + index * cell + cell / 2 + 4:.0f},{top - 6}) '
            f'rotate(-60)">{_esc(_short(name, 18))}</text>'
        )
        for other_index, other in enumerate(names):
            if name == other:
                continue
            x = left + other_index * cell
            value = counts.get((name, other))
            if value is None and not directed:
                value = counts.get((other, name))
            if value is None:
                body.append(
                    f'<rect class="cell-unknown" x="{x}" y="{y}" width="{cell - 2}" '
                    f'height="{cell - 2}" fill="#eeeeee"><title>{_esc(name)} {joint} '
                    f"{_esc(other)}: {missing}</title></rect>"
                )
                continue
            # Shades spread over the range shown, so close counts still differ.
            shade = 0.25 + 0.75 * (value - low) / max(peak - low, 1)
            ink = "#ffffff" if shade > 0.55 else "#1a1a1a"
            body.append(
                f'<rect class="cell" data-value="{value}" x="{x}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{PALETTE[0]}" fill-opacity="{shade:.2f}">'
                f"<title>{_esc(name)} {joint} {_esc(other)}: {value}</title></rect>"
                f'<text x="{x + (cell - 2) / 2:.0f}" y="{y + cell / 2 + 3:.0f}" '
                f'text-anchor="middle" style="fill:{ink};font-size:10px">{_number(value)}</text>'
            )
    width, height = left + size * cell + 20, top + size * cell + 36
    body.append(f'<text x="{left}" y="{height - 10}">{_esc(caption)}</text>')
    return _svg(max(width, left + 330), height, label, body, chart)


def _label_step(count: int, span: float) -> int:
    """Label every n-th of ``count`` columns, so that month labels (7 characters) never touch."""
    return max(1, math.ceil(count * LABEL_WIDTH / max(span, 1)))


def _y_axis(left: float, top: float, height: float, right: float, peak: float) -> str:
    parts = []
    for fraction in (0.0, 0.5, 1.0):
        y = top + height * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_number(round(peak * fraction, 0 if peak >= 4 else 1))}</text>"
        )
    return "".join(parts)


def _legend(
    names: Sequence[str], x: float, y: float, *, columns: int = 4, column_width: int = 230
) -> str:
    parts = []
    for index, name in enumerate(names):
        colour = OTHER_COLOUR if name == "other" else PALETTE[index % len(PALETTE)]
        left = x + (index % columns) * column_width
        top = y + (index // columns) * 20
        parts.append(
            f'<rect class="swatch" x="{left}" y="{top}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + 18}" y="{top + 10}">{_esc(_short(name, 30))}</text>'
        )
    return "".join(parts)


def _rows(result: ReportResult) -> list[dict[str, Any]]:
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _volume_chart(result: ReportResult) -> str:
    rows = _rows(result)
    months = sorted({r["month"] for r in rows}, key=lambda m: (m == "undated", m))
    by_publisher: dict[str, int] = defaultdict(int)
    for r in rows:
        by_publisher[r["publisher"]] += r["documents"]
    ranked = sorted(by_publisher, key=lambda p: (-by_publisher[p], p))
    shown = ranked[:MAX_SERIES] if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
    series: dict[str, list[float]] = {p: [0] * len(months) for p in shown}
    if len(ranked) > len(shown):
        series["other"] = [0] * len(months)
    for r in rows:
        name = r["publisher"] if r["publisher"] in series else "other"
        series[name][months.index(r["month"])] += r["documents"]
    return vertical_bars(
        months, series, "Documents per month by publisher", "volume", x_title="month"
    ) + horizontal_bars(
        ranked[:15],
        [by_publisher[p] for p in ranked[:15]],
        "Documents per publisher",
        "publishers",
    )


def _duplicates_chart(result: ReportResult) -> str:
    if not result.rows:
        return ""
    [row] = _rows(result)
    names = ["documents", "stories", "duplicates", "clusters_with_copies"]
    return horizontal_bars(
        [n.replace("_", " ") for n in names],
        [row[n] or 0 for n in names],
        "Documents, stories and copies",
        "duplicates",
    )


def _quarantine_chart(result: ReportResult) -> str:
    rows = _rows(result)
    return horizontal_bars(
        [r["reason"] for r in rows], [r["files"] for r in rows], "Quarantined files", "quarantine"
    )


def _reach_chart(result: ReportResult) -> str:
    rows = _rows(result)
    return vertical_bars(
        [str(r["outlets"]) for r in rows],
        {"stories": [r["stories"] for r in rows]},
        "Stories by number of outlets that carried them",
        "reach",
        x_title="outlets that carried the story",
        width=520,
        height=260,
    )


def _widest_chart(result: ReportResult) -> str:
    rows = _rows(result)
    return horizontal_bars(
        [r["title"] for r in rows],
        [r["outlets"] for r in rows],
        "Outlets per story",
        "widest",
        width=700,
    )


def _top_entities_chart(result: ReportResult) -> str:
    rows = _rows(result)
    charts = []
    for kind, title in KIND_TITLES.items():
        mine = [r for r in rows if r["kind"] == kind]
        charts.append(
            f"<figure><h3>{title}</h3>"
            + horizontal_bars(
                [r["entity"] for r in mine],
                [r["documents"] for r in mine],
                f"{title}: documents naming them",
                f"top-{kind}",
                width=340,
            )
            + "</figure>"
        )
    return '<div class="charts">' + "".join(charts) + "</div>"


def _entities_by_month_chart(result: ReportResult) -> str:
    rows = _rows(result)
    charts = []
    for kind, title in KIND_TITLES.items():
        mine = [r for r in rows if r["kind"] == kind]
        months = sorted({r["month"] for r in mine})
        series: dict[str, list[float]] = {}
        for r in mine:
            series.setdefault(r["entity"], [0] * len(months))[months.index(r["month"])] = r[
                "documents"
            ]
        charts.append(
            f"<figure><h3>{title}</h3>"
            + line_chart(
                months, series, f"{title}: documents per month", f"trend-{kind}", width=340
            )
            + "</figure>"
        )
    return '<div class="charts">' + "".join(charts) + "</div>"


def _heaviest(counts: dict[tuple[str, str], int], limit: int) -> list[str]:
    """The ``limit`` names with the largest counts, on either side of a pair, heaviest first."""
    weight: dict[str, int] = defaultdict(int)
    for (left, right), n in counts.items():
        weight[left] += n
        weight[right] += n
    return sorted(weight, key=lambda name: (-weight[name], name))[:limit]


def _comentions_chart(result: ReportResult) -> str:
    rows = _rows(result)
    counts = {(r["country"], r["other_country"]): r["documents"] for r in rows}
    names = _heaviest(counts, 12)
    return heatmap(names, counts, "Countries named in the same documents", "comentions")


def _titled(title: str, chart: str) -> str:
    """A chart with its title above it, in a figure."""
    return f"<figure><h3>{_esc(title)}</h3>{chart}</figure>"


def _agency_reach_chart(result: ReportResult) -> str:
    rows = [r for r in _rows(result) if r["month"] != "undated"]
    months = sorted({r["month"] for r in rows})
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r["agency"]] += r["stories"]
    agencies = sorted(totals, key=lambda a: (-totals[a], a))[:MAX_SERIES]
    series = {agency: [0.0] * len(months) for agency in agencies}
    for r in rows:
        if r["agency"] in series:
            series[r["agency"]][months.index(r["month"])] = r["stories"]
    label = "Stories first seen per month, by wire"
    return _titled(label, line_chart(months, series, label, "agency-reach", width=1000))


def _who_copies_whom_chart(result: ReportResult) -> str:
    rows = _rows(result)
    counts = {(r["leader"], r["follower"]): r["stories"] for r in rows}
    names = _heaviest(counts, MAX_OUTLETS)
    label = "Stories the column's outlet ran after the row's outlet"
    matrix = heatmap(
        names,
        counts,
        label,
        "who-copies-whom",
        directed=True,
        caption="row: ran it first; column: ran it on a later day; grey: none",
    )
    return _titled(label, matrix)


def _spread_speed_chart(result: ReportResult) -> str:
    rows = _rows(result)
    everything = [r for r in rows if r["agency"] == "all stories"]
    label = "Stories that reached 2, 5 and 10 outlets"
    reached = horizontal_bars(
        ["2 outlets", "5 outlets", "10 outlets"],
        [everything[0][f"reached_{n}_outlets"] if everything else 0 for n in (2, 5, 10)],
        label,
        "spread-reached",
        width=520,
    )
    agencies = [r for r in rows if r["median_days_to_2"] is not None]
    days_label = "Median days until a second outlet ran a story"
    days = horizontal_bars(
        [r["agency"] for r in agencies],
        [r["median_days_to_2"] for r in agencies],
        days_label,
        "spread-days",
        width=520,
    )
    return f'<div class="charts">{_titled(label, reached)}{_titled(days_label, days)}</div>'


def _original_sources_chart(result: ReportResult) -> str:
    rows = _rows(result)[:MAX_OUTLETS]
    label = "Stories an outlet ran first that others then carried"
    picked = horizontal_bars(
        [r["publisher"] for r in rows],
        [r["picked_up"] for r in rows],
        label,
        "original-sources",
        width=700,
    )
    roles = ("wire", "copied", "own", "unclear")
    shares_label = "Share of each outlet's output: wire copy, copied, its own, unclear"
    shares = vertical_bars(
        [r["publisher"] for r in rows],
        {role: [r[f"{role}_share"] for r in rows] for role in roles},
        shares_label,
        "output-shares",
        x_title="outlet",
        height=260,
    )
    return _titled(label, picked) + _titled(shares_label, shares)


CHARTS: dict[str, Callable[[ReportResult], str]] = {
    "volume_by_publisher_month": _volume_chart,
    "duplicates": _duplicates_chart,
    "quarantine_by_reason": _quarantine_chart,
    "syndication_reach": _reach_chart,
    "widest_syndicated": _widest_chart,
    "top_entities": _top_entities_chart,
    "entities_by_month": _entities_by_month_chart,
    "country_comentions": _comentions_chart,
    "agency_reach": _agency_reach_chart,
    "who_copies_whom": _who_copies_whom_chart,
    "spread_speed": _spread_speed_chart,
    "original_sources": _original_sources_chart,
}


def _table(result: ReportResult) -> str:
    if not result.rows:
        return '<p class="empty">no rows for these filters</p>'
    head = "".join(f"<th>{_esc(c)}</th>" for c in result.columns)
    body = []
    for row in result.rows[:MAX_TABLE_ROWS]:
        cells = []
        for value in row:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            shown = _number(value) if numeric else _short(value, 90)
            cells.append(f'<td class="num">{shown}</td>' if numeric else f"<td>{_esc(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if len(result.rows) > MAX_TABLE_ROWS:
        note = (
            f"<p>first {MAX_TABLE_ROWS} of {len(result.rows)} rows: "
            "<code>newsetl report --limit 0</code> prints all</p>"
        )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{note}"


def render_report_html(
    results: Sequence[ReportResult],
    *,
    snapshot_id: str,
    filters: str,
    generated_at: dt.datetime,
) -> str:
    """The report page: a heading, then each report's question, chart and table."""
    sections = []
    for result in results:
        chart = CHARTS.get(result.query.key, lambda _: "")(result)
        table = _table(result)
        if chart:
            is_open = " open" if len(result.rows) <= 10 else ""
            table = (
                f"<details{is_open}><summary>table ({len(result.rows)} rows)</summary>"
                f"{table}</details>"
            )
        sections.append(
            f'<section id="{_esc(result.query.key)}"><h2>{_esc(result.query.name)}</h2>'
            f'<p class="question">{_esc(result.query.question)}</p>{chart}{table}</section>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>newsetl report · {_esc(snapshot_id)}</title><style>{STYLE}</style></head><body>"
        f'<h1>newsetl report</h1><p class="meta">snapshot <code>{_esc(snapshot_id)}</code> · '
        f"{_esc(filters)} · generated {_esc(generated_at.strftime('%Y-%m-%d %H:%M UTC'))}</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
