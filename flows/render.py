"""Query results as text: aligned tables for terminals, CSV, JSON and Markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from warehouse.exports import json_value


def query(
    connection: Any, sql: str, params: Sequence[Any] | None = None
) -> tuple[list[str], list[Any]]:
    """Run ``sql`` with bound ``params``; return column names and rows."""
    cursor = connection.execute(sql, params or [])
    if cursor.description is None:
        return [], []
    return [d[0] for d in cursor.description], cursor.fetchall()


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, max_width: int = 60
) -> str:
    """Rows as an aligned text table, long cells cut with an ellipsis."""

    def fit(text: str) -> str:
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[fit(_cell(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), line]
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], output_format: str) -> str:
    """Render a result as ``table``, ``csv``, ``json`` (an array of objects) or ``markdown``."""
    if output_format == "markdown":
        header = "| " + " | ".join(columns) + " |"
        rule = "|" + "---|" * len(columns)
        body = ["| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |" for row in rows]
        return "\n".join([header, rule, *body])
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    if output_format == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        return json.dumps(records, default=json_value, ensure_ascii=False, indent=1)
    return format_table(columns, rows)
